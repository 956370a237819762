//! Conditions with variants: the condition's likelihood is the mixture of its
//! presentations, weighted by their shares. Checked against the same
//! knowledge base without the variant, edited as text and loaded again.
#![expect(clippy::expect_used, reason = "test helpers: an invalid knowledge base or case must fail the test")]

use cluneal_engine::{Answer, Case, Engine, Respondent, Step};
use cluneal_kb::{DifferentialModel, KnowledgeBase, SourceFile};

const CONDITION: &str = "conditions/proximal_hamstring_tendinopathy.toml";
const FINDING: &str = "long_distance_runner_or_military_training";

/// The embedded knowledge base's files with `edit` applied to the condition's file.
fn engine_with(edit: impl Fn(&mut String), model: DifferentialModel) -> Engine {
    let mut files: Vec<SourceFile> = cluneal_kb::embedded::files().expect("embedded files");
    let file = files.iter_mut().find(|f| f.path == CONDITION).expect("the condition's file");
    edit(&mut file.text);
    Engine::with_model(KnowledgeBase::load(&files).expect("the edited knowledge base is valid"), model)
}

/// A variant that differs in one finding (frequency 0.7), or in none.
fn variant(share: f64, with_entry: bool) -> String {
    let mut v = format!(
        "\n[[variant]]\nid = \"test_variant\"\nname = \"Test variant\"\nshare = {{ value = {share}, source = \"nasser_2021\", grade = \"expert_estimate\", note = \"Test.\" }}\n"
    );
    if with_entry {
        v.push_str(&format!(
            "\n[[variant.evidence]]\nfinding = \"{FINDING}\"\nfrequency = 0.7\nsource = \"nasser_2021\"\ngrade = \"expert_estimate\"\nnote = \"Test.\"\n"
        ));
    }
    v
}

/// The condition's own entry for the finding at frequency 0.7 (as the variant has it).
fn main_entry_at_variant_frequency(text: &mut String) {
    let at = text.find(&format!("finding = \"{FINDING}\"\nfrequency = 0.35")).expect("the main entry");
    text.replace_range(at.., &text[at..].replacen("frequency = 0.35", "frequency = 0.7", 1));
}

fn case() -> Case {
    let mut case = Case {
        respondent: Respondent::Clinician,
        setting: Some("physiotherapy".to_owned()),
        ..Case::default()
    };
    for f in [FINDING, "pain_buttock", "worse_sitting"] {
        case.answers.insert(f.to_owned(), Answer::Yes);
    }
    case.answers.insert("leg_numbness_or_tingling".to_owned(), Answer::No);
    case
}

/// In one model: the knowledge base as it is, with the condition's own entry
/// at the variant's frequency, and with the variant at `share`; the mixed
/// one should weigh the first two by (1 - share) and share.
fn main_other_mixed(model: DifferentialModel, share: f64) -> (Engine, Engine, Engine) {
    (
        engine_with(|_| {}, model),
        engine_with(main_entry_at_variant_frequency, model),
        engine_with(|t| t.push_str(&variant(share, true)), model),
    )
}

/// In one model: the knowledge base as it is, and with a variant (share 0.4)
/// identical to the condition's main presentation.
fn with_identical_variant(model: DifferentialModel) -> (Engine, Engine) {
    (engine_with(|_| {}, model), engine_with(|t| t.push_str(&variant(0.4, false)), model))
}

fn index(engine: &Engine) -> usize {
    engine.kb().condition_index("proximal_hamstring_tendinopathy").expect("the condition")
}

#[test]
fn the_condition_scores_the_share_weighted_mixture_of_its_presentations() {
    let share = 0.3;
    let (main, other, mixed) = main_other_mixed(DifferentialModel::Independent, share);
    let c = index(&main);
    let odds = |e: &Engine| {
        let p = e.probabilities(&case()).expect("valid")[c];
        p / (1.0 - p)
    };
    // Prior odds times the share-weighted mean of the likelihood ratios.
    let want = (1.0 - share) * odds(&main) + share * odds(&other);
    let got = odds(&mixed);
    assert!((got - want).abs() <= 1e-9 * want, "mixture odds {got}, want {want}");
    assert!(got > odds(&main), "the runner finding fits the variant better");
    // Every other condition is scored as before.
    let (before, after) =
        (main.probabilities(&case()).expect("valid"), mixed.probabilities(&case()).expect("valid"));
    assert_eq!(before.len(), after.len(), "one probability per condition");
    let nslbp = main.kb().condition_index("nonspecific_low_back_pain").expect("exclusion condition");
    for (k, (a, b)) in before.iter().zip(&after).enumerate() {
        if k != c && k != nslbp {
            assert!((a - b).abs() < 1e-12, "condition {k}: {a} -> {b}");
        }
    }
}

#[test]
fn the_must_not_miss_ratio_of_a_condition_with_variants_is_the_mixture_of_its_presentations() {
    let share = 0.3;
    for model in DifferentialModel::ALL {
        let (main, other, mixed) = main_other_mixed(model, share);
        let ratio = |e: &Engine| {
            let r = e.assess(&case()).expect("valid");
            r.differential
                .iter()
                .find(|d| d.condition == "proximal_hamstring_tendinopathy")
                .expect("listed")
                .answers_ratio
        };
        let want = (1.0 - share) * ratio(&main) + share * ratio(&other);
        let got = ratio(&mixed);
        assert!((got - want).abs() <= 1e-9 * want, "{model:?}: {got} vs {want}");
    }
}

#[test]
fn in_the_competing_model_the_condition_takes_the_share_weighted_mixture_against_any_other() {
    // The normalisation divides every hypothesis by the same total, so only
    // ratios to another condition compare exactly: against a condition that
    // pairs with nothing, P(c) / P(j) mixes like the likelihoods.
    let share = 0.3;
    let (main, other, mixed) = main_other_mixed(DifferentialModel::Competing, share);
    let c = index(&main);
    let j = main.kb().condition_index("sacroiliac_joint_pain").expect("condition");
    assert!(main.kb().conditions()[j].coexists.is_empty());
    assert!(
        main.kb()
            .conditions()
            .iter()
            .all(|x| x.coexists.iter().all(|p| p.condition != "sacroiliac_joint_pain"))
    );
    let ratio = |e: &Engine| {
        let p = e.probabilities(&case()).expect("valid");
        p[c] / p[j]
    };
    let want = (1.0 - share) * ratio(&main) + share * ratio(&other);
    let got = ratio(&mixed);
    assert!((got - want).abs() <= 1e-9 * want, "{got} vs {want}");
}

#[test]
fn a_variant_like_the_main_presentation_changes_nothing_in_either_model() {
    for model in DifferentialModel::ALL {
        let (main, same) = with_identical_variant(model);
        let (a, b) =
            (main.probabilities(&case()).expect("valid"), same.probabilities(&case()).expect("valid"));
        for (k, (x, y)) in a.iter().zip(&b).enumerate() {
            assert!((x - y).abs() <= 1e-9 * x.max(1e-12), "{model:?}, condition {k}: {x} vs {y}");
        }
        let (ra, rb) = (main.assess(&case()).expect("valid"), same.assess(&case()).expect("valid"));
        let name = main.kb().conditions()[index(&main)].id.as_str();
        fn find(r: &cluneal_engine::Report<'_>, name: &str) -> (Option<String>, Vec<(String, f64)>) {
            let d = r.differential.iter().find(|d| d.condition == name).expect("listed");
            let evidence =
                d.evidence_for.iter().map(|e| (e.finding.to_owned(), e.likelihood_ratio)).collect();
            (d.presentation.map(str::to_owned), evidence)
        }
        // The main presentation has the larger share, so it is the one shown.
        assert_eq!(find(&ra, name), find(&rb, name), "{model:?}");
    }
}

/// `case()` with every open warning-sign question answered "no" and the
/// condition's hallmark sign present, so that the next questions are ranked
/// by what they tell about a leading condition.
fn case_past_the_screen(engine: &Engine) -> Case {
    let mut case = case();
    case.answers.insert("ischial_tuberosity_tenderness".to_owned(), Answer::Yes);
    let report = engine.assess(&case).expect("valid");
    for id in report.triage.unanswered {
        let yes_no = engine
            .kb()
            .findings()
            .iter()
            .any(|f| f.id == id && f.answer == cluneal_kb::AnswerType::YesNo && f.derived.is_none());
        if yes_no {
            case.answers.entry(id.to_owned()).or_insert(Answer::No);
        }
    }
    // The case gives no age or duration, so the screen also asks their yes/no
    // thresholds: answered "no" too.
    for _ in 0..10 {
        let report = engine.assess(&case).expect("valid");
        let open: Vec<(String, Answer)> = report
            .next_questions
            .iter()
            .filter(|q| q.red_flag)
            .map(|q| {
                let yes_no = q.answer_type == cluneal_kb::AnswerType::YesNo;
                (q.finding.to_owned(), if yes_no { Answer::No } else { Answer::Unknown })
            })
            .collect();
        if open.is_empty() {
            break;
        }
        for (id, answer) in open {
            case.answers.entry(id).or_insert(answer);
        }
    }
    case
}

#[test]
fn the_questions_weigh_the_condition_not_which_of_its_presentations_it_is() {
    // A variant identical to the main presentation says nothing new, so it
    // must not change which questions come next or their order.
    for model in DifferentialModel::ALL {
        let (main, same) = with_identical_variant(model);
        let case = case_past_the_screen(&main);
        let leading = main.assess(&case).expect("valid");
        assert_eq!(leading.differential[0].condition, "proximal_hamstring_tendinopathy", "{model:?}");
        let by_gain = leading.next_questions.iter().filter(|q| !q.red_flag).count();
        assert!(by_gain >= 4, "{model:?}: only {by_gain} questions ranked by what they tell");
        let asked = |e: &Engine| {
            let r = e.assess(&case).expect("valid");
            r.next_questions.iter().map(|q| (q.finding.to_owned(), q.reason.clone())).collect::<Vec<_>>()
        };
        assert_eq!(asked(&main), asked(&same), "{model:?}");
        // The interview's next step: the same questions, in the same order,
        // with the same reasons and gains (to rounding: the mixture adds the
        // presentations' factors in another order).
        let next = |e: &Engine| match e.next_step(&case, 0).expect("valid").step {
            Step::Ask { group, prompt, multi_select, questions } => (
                format!("{group} | {prompt} | {multi_select}"),
                questions
                    .iter()
                    .map(|q| {
                        let exact = format!("{} {:?} {} {}", q.finding, q.answer_type, q.red_flag, q.reason);
                        (exact, q.information_gain)
                    })
                    .collect::<Vec<_>>(),
            ),
            Step::Done { reason } => (reason, Vec::new()),
        };
        let ((g_main, q_main), (g_same, q_same)) = (next(&main), next(&same));
        assert_eq!(g_main, g_same, "{model:?}");
        assert_eq!(q_main.len(), q_same.len(), "{model:?}");
        for ((x, gx), (y, gy)) in q_main.iter().zip(&q_same) {
            assert_eq!(x, y, "{model:?}");
            assert!((gx - gy).abs() <= 1e-9 * gx.abs().max(1.0), "{model:?}, {x}: {gx} vs {gy}");
        }
    }
}

/// Cases spread over the knowledge base: every yes/no finding answered yes,
/// no or not at all by a fixed pseudo-random sequence, at a few densities.
fn spread_of_cases(engine: &Engine) -> Vec<Case> {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % 100
    };
    let mut out = Vec::new();
    for density in [3, 10, 25, 50] {
        for respondent in [Respondent::Patient, Respondent::Clinician] {
            for _ in 0..4 {
                let mut case = Case { respondent, ..Case::default() };
                for f in engine
                    .kb()
                    .findings()
                    .iter()
                    .filter(|f| f.answer == cluneal_kb::AnswerType::YesNo && f.derived.is_none())
                {
                    let r = next();
                    if r < density {
                        case.answers.insert(f.id.clone(), if r % 3 == 0 { Answer::Yes } else { Answer::No });
                    }
                }
                out.push(case);
            }
        }
    }
    out
}

#[test]
fn over_a_spread_of_cases_an_identical_variant_leaves_the_questions_as_they_were() {
    for model in DifferentialModel::ALL {
        let (main, same) = with_identical_variant(model);
        for (k, case) in spread_of_cases(&main).iter().enumerate() {
            // The condition's hallmark present and the warning-sign screen
            // answered, so the questions are ranked by what they tell and the
            // condition is in play.
            let mut case = case.clone();
            for (f, a) in &case_past_the_screen(&main).answers {
                case.answers.entry(f.clone()).or_insert_with(|| a.clone());
            }
            let (Ok(a), Ok(b)) = (main.assess(&case), same.assess(&case)) else {
                continue;
            };
            let (qa, qb) = (&a.next_questions, &b.next_questions);
            assert_eq!(qa.len(), qb.len(), "{model:?}, case {k}");
            for (x, y) in qa.iter().zip(qb) {
                // The gains agree to rounding; the order can differ only between
                // questions whose gains tie to rounding.
                let tied = |q: &cluneal_engine::NextQuestion<'_>| {
                    qa.iter().any(|o| {
                        o.finding != q.finding && (o.information_gain - q.information_gain).abs() < 1e-9
                    })
                };
                if x.finding != y.finding {
                    assert!(tied(x) && tied(y), "{model:?}, case {k}: {} against {}", x.finding, y.finding);
                    continue;
                }
                let scale = x.information_gain.abs().max(1e-12);
                assert!(
                    (x.information_gain - y.information_gain).abs() <= 1e-9 * scale.max(1.0),
                    "{model:?}, case {k}, {}: {} vs {}",
                    x.finding,
                    x.information_gain,
                    y.information_gain
                );
            }
        }
    }
}

#[test]
fn the_report_shows_the_presentation_that_fits_best_with_its_own_evidence() {
    for model in DifferentialModel::ALL {
        // Half the cases, and twice as often a runner: the variant's posterior
        // share is two thirds.
        let mixed = engine_with(|t| t.push_str(&variant(0.5, true)), model);
        let r = mixed.assess(&case()).expect("valid");
        let d =
            r.differential.iter().find(|d| d.condition == "proximal_hamstring_tendinopathy").expect("listed");
        assert_eq!(d.presentation, Some("test_variant"), "{model:?}");
        assert_eq!(d.presentation_name, Some("Test variant"), "{model:?}");
        let runner =
            d.evidence_for.iter().find(|e| e.finding == FINDING).expect("the runner finding is for it");
        let background =
            mixed.kb().finding(FINDING).and_then(|f| f.background.as_ref()).expect("background").value;
        // A frequency reads against the background in both models.
        assert!(
            (runner.likelihood_ratio - 0.7 / background).abs() < 1e-9,
            "{model:?}: {}",
            runner.likelihood_ratio
        );
        assert_eq!(runner.source, "nasser_2021");
        // The report's JSON names it, and the interview still runs.
        let json = serde_json::to_value(&r).expect("serialises");
        assert!(json.to_string().contains("\"presentation\":\"test_variant\""), "{model:?}");
        mixed.next_step(&case(), 0).expect("the interview runs");
    }
    // Without the runner finding, the main presentation fits best and no
    // presentation is named.
    for model in DifferentialModel::ALL {
        let mixed = engine_with(|t| t.push_str(&variant(0.5, true)), model);
        let mut other = case();
        other.answers.insert(FINDING.to_owned(), Answer::No);
        let r = mixed.assess(&other).expect("valid");
        let d =
            r.differential.iter().find(|d| d.condition == "proximal_hamstring_tendinopathy").expect("listed");
        assert_eq!(d.presentation, None, "{model:?}");
    }
}

#[test]
fn a_work_up_step_lists_the_open_findings_that_bear_on_a_condition_through_its_presentations() {
    // A sacral fracture picture in an older woman (the fracture in play) with
    // one finding of the sacral imaging recorded: the finding still open is
    // named, though the fracture's evidence sits on its presentations (review
    // of the variants change: the list came out empty).
    for model in DifferentialModel::ALL {
        let engine = Engine::with_model(
            cluneal_kb::KnowledgeBase::embedded().expect("the embedded knowledge base is valid"),
            model,
        );
        workup_names_the_open_fracture_finding(&engine, model);
    }
}

fn workup_names_the_open_fracture_finding(engine: &Engine, model: DifferentialModel) {
    let kb = engine.kb();
    assert!(!kb.condition("sacral_stress_fracture").expect("condition").variant.is_empty());
    let mut case = Case {
        age: Some(78.0),
        sex: Some(cluneal_engine::Sex::Female),
        setting: Some("primary_care".to_owned()),
        duration_weeks: Some(3.0),
        respondent: Respondent::Clinician,
        ..Case::default()
    };
    for (f, a) in [
        ("pain_sacral", Answer::Yes),
        ("pain_buttock", Answer::Yes),
        ("sacral_tenderness", Answer::Yes),
        ("hop_test_pain", Answer::Yes),
        ("bone_scan_focal_uptake", Answer::Yes),
        ("mri_cauda_equina_compression", Answer::No),
        ("spinal_percussion_tenderness", Answer::No),
        ("paraspinal_tenderness", Answer::No),
    ] {
        case.answers.insert(f.to_owned(), a);
    }
    let r = engine.assess(&case).expect("valid");
    // The open finding must be named through the fracture's presentations, not
    // through another condition in play that lists it too: none of those is
    // among the three leading causes or at the relevant probability ("no
    // specific cause" is never in play).
    const OPEN: &str = "ct_or_mri_sacral_fracture";
    let shown: Vec<(&str, f64)> = r.differential.iter().map(|d| (d.condition, d.probability)).collect();
    let others = kb
        .conditions()
        .iter()
        .filter(|c| c.id != "sacral_stress_fracture" && c.model != cluneal_kb::ConditionModel::Exclusion);
    for c in others {
        let lists =
            c.evidence.iter().chain(c.variant.iter().flat_map(|v| &v.evidence)).any(|e| e.finding == OPEN);
        if lists {
            let (at, (_, p)) =
                shown.iter().enumerate().find(|(_, (id, _))| *id == c.id).expect("every condition is shown");
            assert!(at >= 3 && *p < 0.2, "{model:?}: {} is in play (rank {}, {p})", c.id, at + 1);
        }
    }
    let step = r.workup.iter().find(|w| w.id == "sacral_imaging").expect("the sacral imaging is suggested");
    let label = &kb.finding(OPEN).expect("finding").label;
    let (_, open) = step.reason.split_once("still open: ").expect("the reason names the findings still open");
    assert!(open.split(", ").any(|f| f == label), "{model:?}: {}", step.reason);
}
