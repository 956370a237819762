//! The stepped plan advances from what is recorded: a positive block whose
//! relief lasts needs no step-up; relief that fades leads to the
//! interventional step; a failed interventional treatment leads to surgery.
#![expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test helpers: a broken fixture must fail the test"
)]

use cluneal_engine::{Case, Engine};
use cluneal_kb::KnowledgeBase;
use serde_json::json;

fn steps(extra: serde_json::Value) -> Vec<(String, String, String)> {
    let engine = Engine::new(KnowledgeBase::embedded().unwrap());
    let mut case = json!({
        "age": 55, "respondent": "clinician", "duration_weeks": 30, "sides": "left",
        "answers": { "pain_over_iliac_crest": "yes", "crest_tenderness_focal": "yes", "crest_pressure_reproduces_pain": "yes",
                     "saddle_anaesthesia": "no", "urinary_retention": "no", "fever": "no", "history_of_cancer": "no" },
    });
    for (k, v) in extra.as_object().unwrap() {
        case[k] = v.clone();
    }
    let case: Case = serde_json::from_value(case).unwrap();
    let report = engine.assess(&case).unwrap();
    assert_eq!(report.plan.focus, "scne", "the plan is built around SCNE here");
    report
        .plan
        .steps
        .iter()
        .map(|s| (s.id.to_string(), s.status.as_str().to_string(), s.reason.clone()))
        .collect()
}

fn status<'a>(steps: &'a [(String, String, String)], id: &str) -> (&'a str, &'a str) {
    let s = steps.iter().find(|s| s.0 == id).unwrap();
    (s.1.as_str(), s.2.as_str())
}

#[test]
fn lasting_block_relief_needs_no_step_up_and_fading_relief_leads_on() {
    // Relief still 88% six weeks after the block.
    let lasting =
        steps(json!({ "block": { "protocol": "scn_block", "pain_before": 8, "guidance": "ultrasound",
        "readings": [{ "minutes": 60, "pain": 1 }, { "hours": 1008, "pain": 1 }] } }));
    let (st, why) = status(&lasting, "interventional");
    assert_eq!(st, "not_indicated", "{why}");
    assert!(why.contains("6 weeks"), "{why}");
    // The same block whose relief had faded after a week.
    let fading =
        steps(json!({ "block": { "protocol": "scn_block", "pain_before": 8, "guidance": "ultrasound",
        "readings": [{ "minutes": 60, "pain": 1 }, { "hours": 168, "pain": 7 }] },
        "treatments_tried": [{ "treatment": "physiotherapy", "response": "none", "weeks": 8 }] }));
    assert_eq!(status(&fading, "conservative_care").0, "done");
    assert_eq!(status(&fading, "diagnostic_block").0, "done");
    assert_eq!(status(&fading, "interventional").0, "current");
    // Radiofrequency ablation tried without relief: surgery is next.
    let after_rfa = steps(json!({
        "block": { "protocol": "scn_block", "pain_before": 8, "readings": [{ "minutes": 60, "pain": 1 }, { "hours": 168, "pain": 7 }] },
        "treatments_tried": [{ "treatment": "physiotherapy", "response": "none", "weeks": 8 },
                             { "treatment": "radiofrequency_ablation", "response": "none", "weeks": 14 }] }));
    assert_eq!(status(&after_rfa, "surgical").0, "current", "{after_rfa:?}");
}
