//! Recorded treatments answer "no improvement after a month": one that failed
//! for a month does, unless another one helped (the pain is then improving).
#![expect(clippy::unwrap_used, reason = "test helpers: a broken fixture must fail the test")]

use cluneal_engine::{Case, Engine};
use cluneal_kb::KnowledgeBase;
use serde_json::json;

/// The red flags that fire for a sparse case with these treatments.
fn flags(treatments: serde_json::Value) -> Vec<String> {
    let engine = Engine::new(KnowledgeBase::embedded().unwrap());
    let case: Case = serde_json::from_value(json!({
        "age": 40, "respondent": "clinician", "duration_weeks": 30, "sides": "left",
        "answers": { "pain_low_back": "yes" },
        "treatments_tried": treatments,
    }))
    .unwrap();
    let report = engine.assess(&case).unwrap();
    report.triage.red_flags.iter().map(|f| f.id.to_string()).collect()
}

#[test]
fn a_failed_treatment_answers_failure_to_improve_unless_another_helped() {
    let failed = flags(json!([{ "treatment": "physiotherapy", "response": "none", "weeks": 8 }]));
    assert!(failed.contains(&"persistent_pain_despite_care".to_string()), "{failed:?}");
    let then_helped = flags(json!([
        { "treatment": "physiotherapy", "response": "none", "weeks": 8 },
        { "treatment": "manual_therapy", "response": "good" },
    ]));
    assert!(!then_helped.contains(&"persistent_pain_despite_care".to_string()), "{then_helped:?}");
    // Too short a trial answers nothing.
    let short = flags(json!([{ "treatment": "physiotherapy", "response": "none", "weeks": 2 }]));
    assert!(!short.contains(&"persistent_pain_despite_care".to_string()), "{short:?}");
}
