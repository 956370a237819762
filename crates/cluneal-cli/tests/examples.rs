//! Snapshot tests: every case in `examples/` gives the same report summary as
//! the reviewed snapshot, plus the behaviour that must hold whatever the numbers.

use std::path::{Path, PathBuf};

use cluneal_engine::{Case, Engine, Report};
use cluneal_kb::{KnowledgeBase, Urgency};
use serde_json::{Value, json};

fn engine() -> &'static Engine {
    static ENGINE: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
    ENGINE
        .get_or_init(|| Engine::new(KnowledgeBase::embedded().expect("the embedded knowledge base is valid")))
}

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

fn load(name: &str) -> Case {
    let path = examples_dir().join(name);
    let text = std::fs::read_to_string(&path).expect("example exists");
    serde_json::from_str(&text).expect("example parses")
}

fn round(p: f64) -> f64 {
    (p * 10_000.0).round() / 10_000.0
}

/// The parts of a report a reviewer checks; the full JSON is too long to review.
fn summary(r: &Report<'_>) -> Value {
    json!({
        "triage": {
            "level": r.triage.level,
            "red_flags": r.triage.red_flags.iter().map(|f| &f.id).collect::<Vec<_>>(),
            "screen_complete": r.triage.screen_complete,
        },
        "must_not_miss": r.must_not_miss.iter().map(|m| json!([m.condition, round(m.probability), m.rank])).collect::<Vec<_>>(),
        "picture_open": r.picture.open,
        "differential": r.differential.iter().take(6).map(|c| json!([c.condition, round(c.probability)])).collect::<Vec<_>>(),
        "no_specific_cause": r.no_specific_cause.as_ref().map(|n| round(n.probability)),
        "criteria": r.criteria.iter().map(|c| json!([c.id, c.met, c.unmet, c.unknown])).collect::<Vec<_>>(),
        "next_questions": r.next_questions.iter().map(|q| &q.finding).collect::<Vec<_>>(),
        "interview": r.interview.settled,
        "workup": r.workup.iter().map(|w| &w.id).collect::<Vec<_>>(),
        "blocks": r.blocks.iter().map(|b| json!([b.protocol, b.result, b.best_relief.map(round)])).collect::<Vec<_>>(),
        "plan": {
            "focus": r.plan.focus,
            "on_hold": r.plan.on_hold,
            "steps": r.plan.steps.iter().map(|s| json!([s.id, s.status])).collect::<Vec<_>>(),
            "exercises": r.plan.exercises.iter().map(|e| &e.id).collect::<Vec<_>>(),
            "withheld": r.plan.exercises_withheld.iter().map(|e| &e.id).collect::<Vec<_>>(),
        },
        "notes": r.notes,
    })
}

#[test]
fn example_reports_match_their_snapshots() {
    let engine = engine();
    let mut names: Vec<String> = std::fs::read_dir(examples_dir())
        .expect("examples folder")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    assert!(names.len() >= 7, "examples are missing");
    for name in names {
        let report = engine.assess(&load(&name)).expect("example is a valid case");
        insta::assert_json_snapshot!(name.trim_end_matches(".json"), summary(&report));
    }
}

fn top<'a>(r: &'a Report<'_>) -> &'a str {
    r.differential[0].condition
}

#[test]
fn typical_scne_ranks_scne_first() {
    let r = engine().assess(&load("scne_typical.json")).expect("valid");
    assert_eq!(top(&r), "scne");
    assert_eq!(r.triage.level, Urgency::Routine);
}

#[test]
fn bilateral_scne_ranks_scne_first_despite_the_bilateral_stenosis_cue() {
    let r = engine().assess(&load("scne_bilateral.json")).expect("valid");
    assert_eq!(top(&r), "scne");
}

#[test]
fn positive_block_ranks_scne_first_and_reads_positive() {
    let r = engine().assess(&load("scne_block_positive.json")).expect("valid");
    assert_eq!(top(&r), "scne");
    assert_eq!(r.blocks[0].result, cluneal_engine::BlockOutcome::Positive);
}

#[test]
fn abductor_weakness_with_trendelenburg_and_no_sensory_change_ranks_sgne_first() {
    let r = engine().assess(&load("sgne.json")).expect("valid");
    assert_eq!(top(&r), "sgne");
}

#[test]
fn saddle_anaesthesia_with_retention_is_an_emergency() {
    let r = engine().assess(&load("cauda_equina.json")).expect("valid");
    assert_eq!(r.triage.level, Urgency::Emergency);
    assert!(r.plan.on_hold);
    assert!(r.plan.exercises.is_empty());
}

#[test]
fn mimics_rank_their_own_condition_first() {
    let engine = engine();
    for (file, expected) in [
        ("radiculopathy.json", "lumbar_radiculopathy"),
        ("stenosis.json", "lumbar_spinal_stenosis"),
        ("sacroiliac_joint.json", "sacroiliac_joint_pain"),
        ("gtps.json", "greater_trochanteric_pain_syndrome"),
        ("mcne.json", "mcne"),
    ] {
        let r = engine.assess(&load(file)).expect("valid");
        assert_eq!(top(&r), expected, "{file}");
    }
}

#[test]
fn history_of_cancer_is_at_least_urgent() {
    let r = engine().assess(&load("spinal_malignancy.json")).expect("valid");
    assert!(r.triage.level >= Urgency::Urgent, "{:?}", r.triage.level);
}

#[test]
fn every_report_carries_the_disclaimer_and_its_sources() {
    let engine = engine();
    let r = engine.assess(&load("scne_typical.json")).expect("valid");
    assert!(r.disclaimer.contains("does not"));
    for c in &r.differential {
        for e in c.evidence_for.iter().chain(&c.evidence_against) {
            assert!(
                r.references.iter().any(|x| x.id == e.source),
                "source {} of {} missing",
                e.source,
                c.condition
            );
        }
    }
}

/// The three leading causes with their probabilities, for failure messages.
fn leaders<'a>(r: &'a Report<'_>) -> Vec<(&'a str, f64)> {
    r.differential.iter().take(3).map(|c| (c.condition, c.probability)).collect()
}

/// A case written inline: the must-hold presentations.
fn case(json: Value) -> Case {
    serde_json::from_value(json).expect("a valid case")
}

#[test]
fn buttock_pain_with_trendelenburg_and_abductor_weakness_in_primary_care_ranks_sgne_first() {
    let r = engine()
        .assess(&case(json!({
            "setting": "primary_care", "respondent": "clinician",
            "answers": {
                "pain_buttock": "yes", "trendelenburg_positive": "yes", "hip_abduction_weakness": "yes",
                "numbness_tingling_in_area": "no", "dermatomal_sensory_loss": "no"
            }
        })))
        .expect("valid");
    assert_eq!(top(&r), "sgne", "{:?}", leaders(&r));
}

#[test]
fn a_patient_told_typical_scne_story_with_a_tender_crest_spot_ranks_scne_first() {
    let r = engine()
        .assess(&case(json!({
            "age": 58, "sex": "female", "setting": "primary_care", "sides": "left", "duration_weeks": 30,
            "respondent": "patient",
            "answers": {
                "pain_over_iliac_crest": "yes", "pain_buttock": "yes", "worse_bending_forward": "yes",
                "worse_twisting": "yes", "worse_rising_from_sitting": "yes",
                "crest_tenderness_focal": "yes", "crest_pressure_reproduces_pain": "yes"
            }
        })))
        .expect("valid");
    assert_eq!(top(&r), "scne", "{:?}", leaders(&r));
}

#[test]
fn a_patient_who_presses_a_tender_spot_on_the_hip_rim_that_sets_off_the_pain_ranks_scne_first() {
    // The same story told by the patient alone, with the self-check of the hip
    // rim (no examiner): SCNE leads, and is named to ask about.
    let r = engine()
        .assess(&case(json!({
            "age": 58, "sex": "female", "setting": "primary_care", "sides": "left", "duration_weeks": 30,
            "respondent": "patient",
            "answers": {
                "pain_over_iliac_crest": "yes", "pain_buttock": "yes", "worse_bending_forward": "yes",
                "worse_twisting": "yes", "worse_rising_from_sitting": "yes",
                "self_crest_tender_spot": "yes", "self_crest_pressure_reproduces_pain": "yes"
            }
        })))
        .expect("valid");
    assert_eq!(top(&r), "scne", "{:?}", leaders(&r));
}

#[test]
fn a_man_is_never_asked_whether_he_is_pregnant() {
    let ask = |sex: &str| {
        engine()
            .assess(&case(json!({ "age": 34, "sex": sex, "respondent": "patient", "answers": { "pain_low_back": "yes" } })))
            .expect("valid")
    };
    let pregnancy = |f: &str| f.starts_with("pregnan") || f.starts_with("postpartum");
    let man = ask("male");
    assert!(!man.triage.unanswered.iter().any(|f| pregnancy(f)), "{:?}", man.triage.unanswered);
    assert!(!man.next_questions.iter().any(|q| pregnancy(q.finding)));
    let mut c = case(json!({ "age": 34, "sex": "male", "respondent": "patient", "answers": {} }));
    for asked in 0..40 {
        match engine().next_step(&c, asked).expect("valid").step {
            cluneal_engine::Step::Ask { questions, .. } => {
                for q in questions {
                    assert!(!pregnancy(q.finding), "a man was asked `{}`", q.finding);
                    c.answers.insert(q.finding.to_string(), cluneal_engine::Answer::Unknown);
                }
            }
            cluneal_engine::Step::Done { .. } => break,
        }
    }
    // A woman, or someone who did not say, is asked.
    for sex in ["female", "other"] {
        assert!(ask(sex).triage.unanswered.contains(&"pregnancy_status"), "{sex}");
    }
}

#[test]
fn a_warning_sign_question_stays_open_only_while_a_flag_it_belongs_to_can_still_fire() {
    // Pain over the pubic bone is a warning sign only in the peripartum flag
    // (a recent birth and pain that began this week).
    let open = |answers: Value, sex: &str, weeks: f64| {
        let r = engine()
            .assess(&case(json!({ "age": 31, "sex": sex, "duration_weeks": weeks, "respondent": "patient", "answers": answers })))
            .expect("valid");
        r.triage.unanswered.contains(&"pain_pubic_symphysis")
    };
    assert!(open(json!({ "postpartum_within_12_months": "yes" }), "female", 0.5));
    assert!(open(json!({}), "female", 0.5), "the birth is not yet asked: the flag can still fire");
    assert!(!open(json!({ "postpartum_within_12_months": "no" }), "female", 0.5));
    assert!(!open(json!({}), "male", 0.5), "a man is never postpartum");
    assert!(
        !open(json!({ "postpartum_within_12_months": "yes" }), "female", 12.0),
        "the pain began months ago"
    );
    // The interview agrees with the triage: a man is not asked it as a warning sign.
    let mut c = case(
        json!({ "age": 31, "sex": "male", "duration_weeks": 0.5, "respondent": "patient", "answers": {} }),
    );
    for asked in 0..60 {
        match engine().next_step(&c, asked).expect("valid").step {
            cluneal_engine::Step::Ask { questions, .. } => {
                for q in questions {
                    assert!(
                        !(q.finding == "pain_pubic_symphysis" && q.red_flag),
                        "asked as a warning sign: {}",
                        q.reason
                    );
                    c.answers.insert(q.finding.to_string(), cluneal_engine::Answer::Unknown);
                }
            }
            cluneal_engine::Step::Done { .. } => break,
        }
    }
}

#[test]
fn a_pulsatile_abdominal_mass_with_back_pain_is_an_emergency_with_aaa_not_to_miss() {
    let r = engine()
        .assess(&case(json!({
            "age": 71, "sex": "male", "setting": "primary_care", "respondent": "clinician",
            "answers": { "pain_low_back_above_crest": "yes", "pulsatile_abdominal_mass": "yes" }
        })))
        .expect("valid");
    assert_eq!(r.triage.level, Urgency::Emergency);
    assert!(r.must_not_miss.iter().any(|m| m.condition == "abdominal_aortic_aneurysm"));
}

#[test]
fn a_root_weakness_with_worsening_symptoms_is_urgent_a_stable_one_soon() {
    // A foot drop found on examination while the symptoms keep getting worse:
    // the deficit may be progressing (ACP: prompt imaging), so urgent.
    let worsening = json!({
        "age": 30, "sex": "male", "setting": "primary_care", "respondent": "clinician",
        "answers": { "pain_low_back": "yes", "myotomal_weakness": "yes", "symptoms_progressive": "yes" }
    });
    let r = engine().assess(&case(worsening)).expect("valid");
    assert_eq!(r.triage.level, Urgency::Urgent);
    assert!(r.triage.red_flags.iter().any(|f| f.id == "motor_deficit_with_worsening_symptoms"));
    assert!(r.must_not_miss.iter().any(|m| m.condition == "lumbar_radiculopathy"));
    // The same deficit with symptoms that are not worsening stays a soon review.
    let stable = json!({
        "age": 30, "sex": "male", "setting": "primary_care", "respondent": "clinician",
        "answers": { "pain_low_back": "yes", "myotomal_weakness": "yes", "symptoms_progressive": "no" }
    });
    assert_eq!(engine().assess(&case(stable)).expect("valid").triage.level, Urgency::Soon);
}

#[test]
fn no_specific_cause_is_never_ranked_among_the_causes() {
    let r = engine().assess(&case(json!({ "setting": "primary_care", "answers": {} }))).expect("valid");
    assert!(r.no_specific_cause.is_some());
    assert!(r.differential.iter().all(|c| c.condition != "nonspecific_low_back_pain"));
    assert!(r.picture.open, "an empty case leaves the picture open");
}

#[test]
fn a_specific_pain_site_implies_the_broad_one_which_is_then_not_asked() {
    // Pain just above the crest is low back pain: the broad finding counts as
    // "yes" (derived) and the interview does not ask it.
    let r = engine()
        .assess(&case(json!({
            "setting": "primary_care", "respondent": "patient",
            "answers": { "pain_low_back_above_crest": "yes" }
        })))
        .expect("valid");
    assert!(r.next_questions.iter().all(|q| q.finding != "pain_low_back"));
    let scne = r.differential.iter().find(|c| c.condition == "scne").expect("scne");
    assert!(scne.evidence_for.iter().chain(&scne.evidence_against).any(|e| e.finding == "pain_low_back"
        && e.answer == cluneal_engine::EvidenceAnswer::Yes
        && e.origin == cluneal_engine::EvidenceOrigin::Derived));
}

#[test]
fn buttock_and_hip_claudication_without_calf_pain_keeps_arterial_disease_first() {
    // Inflow (aorto-iliac or internal iliac) disease is felt in the buttock,
    // hip and thigh, not the calf: a "no" to calf claudication must not rule
    // arterial claudication out when the pain eases on standing still.
    let r = engine()
        .assess(&case(json!({
            "age": 58, "sex": "male", "setting": "spine_clinic", "respondent": "clinician",
            "answers": {
                "pain_buttock": "yes", "pain_hip_unspecified": "yes", "worse_walking": "yes",
                "relief_standing_still": "yes", "calf_pain_walking": "no", "smoking": "yes"
            }
        })))
        .expect("valid");
    assert_eq!(top(&r), "vascular_claudication", "{:?}", leaders(&r));
    assert_eq!(r.differential[0].presentation, Some("aortoiliac"));
}
