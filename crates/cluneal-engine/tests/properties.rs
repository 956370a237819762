//! Property tests of the engine's invariants over the real (embedded) knowledge base.

use std::sync::OnceLock;

use cluneal_engine::{Answer, Case, Engine, Respondent, Sex, Sides};
use cluneal_kb::{AnswerType, DifferentialModel, KnowledgeBase, Urgency};
use proptest::prelude::*;

#[expect(
    clippy::expect_used,
    reason = "test helper: an invalid embedded knowledge base must fail every test"
)]
fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE
        .get_or_init(|| Engine::new(KnowledgeBase::embedded().expect("the embedded knowledge base is valid")))
}

/// The default engine, or the same knowledge scored by the other model: the
/// report's invariants hold in both (the validation report compares them).
#[expect(
    clippy::expect_used,
    reason = "test helper: an invalid embedded knowledge base must fail every test"
)]
fn engine_of(other_model: bool) -> &'static Engine {
    static OTHER: OnceLock<Engine> = OnceLock::new();
    if !other_model {
        return engine();
    }
    OTHER.get_or_init(|| {
        let other = match engine().differential_model() {
            DifferentialModel::Competing => DifferentialModel::Independent,
            DifferentialModel::Independent => DifferentialModel::Competing,
        };
        Engine::with_model(KnowledgeBase::embedded().expect("the embedded knowledge base is valid"), other)
    })
}

/// Ids of the yes/no findings a case can answer directly.
fn yes_no_ids() -> Vec<String> {
    engine()
        .kb()
        .findings()
        .iter()
        .filter(|f| f.answer == AnswerType::YesNo && f.derived.is_none())
        .map(|f| f.id.clone())
        .collect()
}

fn arb_case() -> impl Strategy<Value = Case> {
    let ids = yes_no_ids();
    let n = ids.len();
    let settings = engine().kb().meta().settings.clone();
    (
        proptest::collection::vec(0u8..6, n),
        proptest::option::of(16.0f64..95.0),
        proptest::option::of(prop_oneof![Just(Sex::Female), Just(Sex::Male)]),
        proptest::option::of(0.0f64..400.0),
        proptest::option::of(prop_oneof![
            Just(Sides::Left),
            Just(Sides::Right),
            Just(Sides::Both),
            Just(Sides::Central)
        ]),
        0..settings.len(),
        any::<bool>(),
    )
        .prop_map(move |(states, age, sex, duration_weeks, sides, s, patient)| {
            let mut case = Case {
                age,
                sex,
                duration_weeks,
                sides,
                setting: settings.get(s).cloned(),
                respondent: if patient { Respondent::Patient } else { Respondent::Clinician },
                ..Case::default()
            };
            // Most findings stay unanswered, as in real cases.
            for (id, st) in ids.iter().zip(states) {
                match st {
                    0 => {
                        case.answers.insert(id.clone(), Answer::Yes);
                    }
                    1 => {
                        case.answers.insert(id.clone(), Answer::No);
                    }
                    _ => {}
                }
            }
            case
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn probabilities_stay_in_range_and_the_differential_is_sorted(case in arb_case(), other in any::<bool>()) {
        let r = engine_of(other).assess(&case).expect("generated cases are valid");
        // Every specific condition is ranked; "no specific cause" stands apart.
        let nsc = r.no_specific_cause.as_ref().expect("the knowledge base has a no-specific-cause condition");
        prop_assert_eq!(r.differential.len() + 1, engine_of(other).kb().conditions().len());
        prop_assert!(r.differential.iter().all(|c| c.condition != nsc.condition));
        for c in r.differential.iter().chain([nsc]) {
            prop_assert!((0.0..=1.0).contains(&c.probability), "{} = {}", c.condition, c.probability);
        }
        for w in r.differential.windows(2) {
            prop_assert!(w[0].probability >= w[1].probability);
        }
    }

    #[test]
    fn every_fired_red_flag_names_a_condition_in_the_must_not_miss_list(case in arb_case(), other in any::<bool>()) {
        // Triage and differential never contradict each other.
        let r = engine_of(other).assess(&case).expect("valid");
        for f in &r.triage.red_flags {
            prop_assert!(!f.conditions.is_empty(), "{} names no condition", f.id);
            for c in f.conditions {
                if r.no_specific_cause.as_ref().is_some_and(|n| n.condition == c) {
                    continue;
                }
                prop_assert!(
                    r.must_not_miss.iter().any(|m| m.condition == c && m.red_flags.contains(&f.id)),
                    "{} fired for {} but the must-not-miss list lacks it", f.id, c
                );
            }
        }
    }

    #[test]
    fn the_must_not_miss_list_holds_exactly_the_supported_serious_conditions(case in arb_case(), other in any::<bool>()) {
        // Serious, with a finding for it, and either likely enough or, with a
        // finding beyond age and sex for it, its odds multiplied enough by the
        // answers (as applied, for and against); or named by a fired red flag.
        let engine = engine_of(other);
        let e = &engine.kb().meta().engine;
        let (floor, moved) = (e.must_not_miss_probability.value, e.must_not_miss_likelihood_ratio.value);
        let personal = |id: &str| {
            engine.kb().finding(id).and_then(|f| f.derived.as_ref()).is_some_and(|d| d.field == "age" || d.field == "sex")
        };
        let r = engine.assess(&case).expect("valid");
        for c in &r.differential {
            let yes: Vec<&str> = c
                .evidence_for
                .iter()
                .filter(|x| x.answer == cluneal_engine::EvidenceAnswer::Yes)
                .map(|x| x.finding)
                .collect();
            // A condition with variants mixes its presentations' ratios: the
            // report lists one presentation's evidence, so this branch reads
            // the engine's own figure (its arithmetic is checked against an
            // edited knowledge base in tests/variants.rs); the others multiply
            // what the report lists.
            let has_variants = engine.kb().condition(c.condition).is_some_and(|k| !k.variant.is_empty());
            let ratio: f64 = if has_variants {
                c.answers_ratio
            } else {
                c.evidence_for
                    .iter()
                    .chain(&c.evidence_against)
                    .map(|x| x.effective_ratio.unwrap_or(x.likelihood_ratio))
                    .product()
            };
            let pointed = yes.iter().any(|f| !personal(f)) && ratio >= moved;
            let supported = c.serious && !yes.is_empty() && (c.probability >= floor || pointed);
            let flagged = r.triage.red_flags.iter().any(|f| f.conditions.iter().any(|x| x == c.condition));
            let listed = r.must_not_miss.iter().any(|m| m.condition == c.condition);
            prop_assert_eq!(listed, supported || flagged, "{}: p {} prior {}", c.condition, c.probability, c.prior);
        }
    }

    #[test]
    fn the_same_case_gives_the_same_report(case in arb_case(), other in any::<bool>()) {
        let a = engine_of(other).assess(&case).expect("valid");
        let b = engine_of(other).assess(&case.clone()).expect("valid");
        prop_assert_eq!(a, b);
    }

    #[test]
    fn adding_a_red_flag_finding_never_lowers_urgency(case in arb_case(), pick in any::<proptest::sample::Index>()) {
        let kb = engine().kb();
        let flag_findings: Vec<&String> = kb.red_flags().iter().flat_map(|r| r.any_of.iter().chain(&r.all_of)).filter(|f| kb.finding(f).is_some_and(|x| x.derived.is_none())).collect();
        let f = flag_findings[pick.index(flag_findings.len())];
        let before = engine().assess(&case).expect("valid").triage.level;
        let mut more = case.clone();
        more.answers.insert(f.clone(), Answer::Yes);
        let after = engine().assess(&more).expect("valid").triage.level;
        prop_assert!(after >= before, "{f}: {before:?} -> {after:?}");
    }

    #[test]
    fn a_supporting_finding_never_lowers_its_condition(case in arb_case(), pick in any::<proptest::sample::Index>()) {
        let kb = engine().kb();
        // Every (condition, finding) pair whose LR+ exceeds 1 (for a frequency
        // entry: whose frequency exceeds the finding's background), where no other
        // condition has evidence on that finding. With competing causes a finding
        // that two causes share can move probability from the weaker to the
        // stronger, so a finding is guaranteed to raise a condition only when it
        // speaks for that condition alone (then every hypothesis containing the
        // condition gains the same ratio and every other keeps its score).
        let users = |f: &str| {
            kb.conditions()
                .iter()
                .filter(|c| c.evidence.iter().chain(c.variant.iter().flat_map(|v| &v.evidence)).any(|e| e.finding == f))
                .count()
        };
        // With variants, the finding must speak for the condition in every
        // presentation: one that a variant turns against it can lower the
        // mixture when that variant fits best.
        let raises = |e: &cluneal_kb::Evidence| engine().kb().likelihood(e).is_ok_and(|l| l.lr_positive > 1.0);
        let pairs: Vec<(usize, &str)> = kb.conditions().iter().enumerate().flat_map(|(ci, c)| {
            c.evidence.iter().filter(|e| raises(e) && c.variant.iter().all(|v| v.evidence.iter().filter(|x| x.finding == e.finding).all(raises))).map(move |e| (ci, e.finding.as_str()))
        }).filter(|(_, f)| kb.finding(f).is_some_and(|x| x.derived.is_none()) && users(f) == 1).collect();
        let (ci, f) = pairs[pick.index(pairs.len())];
        let mut base = case.clone();
        base.answers.remove(f);
        let before = engine().probabilities(&base).expect("valid")[ci];
        let mut with = base.clone();
        with.answers.insert(f.to_string(), Answer::Yes);
        let after = engine().probabilities(&with).expect("valid")[ci];
        prop_assert!(after >= before - 1e-12, "{} / {f}: {before} -> {after}", kb.conditions()[ci].id);
    }

    #[test]
    fn saddle_anaesthesia_with_retention_is_an_emergency_whatever_else(case in arb_case()) {
        let mut c = case.clone();
        c.answers.insert("saddle_anaesthesia".into(), Answer::Yes);
        c.answers.insert("urinary_retention".into(), Answer::Yes);
        let r = engine().assess(&c).expect("valid");
        prop_assert_eq!(r.triage.level, Urgency::Emergency);
    }

    #[test]
    fn the_interview_always_stops_and_asks_each_finding_once(case in arb_case()) {
        let t = engine().simulate(&case, case.respondent).expect("valid");
        let mut seen = std::collections::BTreeSet::new();
        for id in &t.asked {
            prop_assert!(seen.insert(id.clone()), "{id} asked twice");
        }
        if case.respondent == Respondent::Patient {
            for id in &t.asked {
                let f = engine().kb().finding(id).expect("asked findings exist");
                prop_assert_eq!(f.asked_by, cluneal_kb::AskedBy::Patient, "{} is not for patients", id);
            }
        }
    }
}

/// Every patient red-flag question of the knowledge base answered "no", with the
/// case fields and source questions the derived red-flag findings need.
fn screen_all_no() -> Case {
    let kb = engine().kb();
    let mut case = Case {
        age: Some(40.0),
        sex: Some(Sex::Female),
        duration_weeks: Some(30.0),
        sides: Some(Sides::Left),
        respondent: Respondent::Patient,
        ..Case::default()
    };
    for r in kb.red_flags() {
        for id in r.any_of.iter().chain(&r.all_of) {
            let Some(f) = kb.finding(id) else { continue };
            match &f.derived {
                None if f.answer == AnswerType::YesNo => {
                    case.answers.insert(id.clone(), Answer::No);
                }
                Some(d) if kb.finding(&d.field).is_some_and(|s| s.answer == AnswerType::Scale) => {
                    case.answers.insert(d.field.clone(), Answer::Number(3.0));
                }
                Some(d) if kb.finding(&d.field).is_some_and(|s| s.answer == AnswerType::Choice) => {
                    let first =
                        kb.finding(&d.field).and_then(|s| s.options.last()).cloned().unwrap_or_default();
                    case.answers.insert(d.field.clone(), Answer::Choice(first));
                }
                Some(d) if kb.finding(&d.field).is_some_and(|s| s.answer == AnswerType::Number) => {
                    case.answers.insert(d.field.clone(), Answer::Number(0.0));
                }
                _ => {}
            }
        }
    }
    case
}

#[test]
fn a_red_flag_answered_dont_know_leaves_the_screen_incomplete() {
    let all_no = engine().assess(&screen_all_no()).expect("valid").triage;
    assert!(all_no.screen_complete, "still open: {:?}", all_no.unanswered);
    let mut case = screen_all_no();
    case.answers.insert("saddle_anaesthesia".into(), Answer::Unknown);
    let t = engine().assess(&case).expect("valid").triage;
    assert!(!t.screen_complete, "\"don't know\" must not close the screen");
    assert_eq!(t.unanswered, vec!["saddle_anaesthesia"]);
    assert_eq!(t.message, engine().kb().meta().messages.screen_incomplete);
    // Left out of the case entirely, the question is just as open.
    case.answers.remove("saddle_anaesthesia");
    assert_eq!(engine().assess(&case).expect("valid").triage.unanswered, vec!["saddle_anaesthesia"]);
}

#[test]
fn no_advice_about_what_the_patient_denied() {
    let seek = |answer: Answer| {
        let mut case = screen_all_no();
        case.answers.insert("pain_below_knee".into(), answer);
        let r = engine().assess(&case).expect("valid");
        r.plan.seek_care.iter().map(|s| s.id.to_string()).collect::<Vec<_>>()
    };
    assert!(!seek(Answer::No).contains(&"seek_care_lower_leg_pain".to_string()));
    assert!(seek(Answer::Yes).contains(&"seek_care_lower_leg_pain".to_string()));
    assert!(seek(Answer::Unknown).contains(&"seek_care_lower_leg_pain".to_string()));
    // Safety-net advice stays whatever was denied.
    assert!(seek(Answer::No).contains(&"seek_care_emergency".to_string()));
}

#[test]
fn the_patient_interview_asks_the_pain_score_that_a_warning_sign_needs() {
    // A warning sign uses "severe pain", derived from the 0-10 pain score: the
    // interview asks the score, and the screen then closes.
    let mut full = screen_all_no();
    full.answers.insert("pain_intensity".into(), Answer::Number(8.0));
    let t = engine().simulate(&full, Respondent::Patient).expect("valid");
    assert!(t.asked.iter().any(|f| f == "pain_intensity"), "asked: {:?}", t.asked);
    let triage = engine().assess(&t.case).expect("valid").triage;
    assert!(!triage.unanswered.contains(&"pain_intensity"), "{:?}", triage.unanswered);
}

#[test]
fn pain_over_the_hip_rim_always_names_scne_to_ask_about() {
    let ask = |case: &Case| {
        let r = engine().assess(case).expect("valid");
        r.ask_about.iter().map(|a| (a.condition.to_string(), a.findings.len(), a.rank)).collect::<Vec<_>>()
    };
    // Facet-like pain with the crest pain as the only SCNE sign: SCNE need not
    // lead, but it is named.
    let mut case = screen_all_no();
    for f in ["pain_over_iliac_crest", "worse_lumbar_extension", "pain_axial_midline"] {
        case.answers.insert(f.into(), Answer::Yes);
    }
    let named = ask(&case);
    assert!(named.iter().any(|(c, n, _)| c == "scne" && *n == 1), "{named:?}");
    // Denied, it is not.
    case.answers.insert("pain_over_iliac_crest".into(), Answer::No);
    assert!(ask(&case).iter().all(|(c, _, _)| c != "scne"));
}
