//! A patient who never had a facet joint injection answers "no" to "did a
//! facet joint injection ease your pain?": that "no" is not a failed
//! injection. From a patient it counts as "don't know" (and the report says
//! so); from a clinician it is a negative result.
#![expect(clippy::unwrap_used, reason = "tests")]

use cluneal_engine::{Case, Engine};
use cluneal_kb::KnowledgeBase;
use serde_json::json;

fn facet(respondent: &str, answer: &str) -> (f64, Vec<String>) {
    let engine = Engine::new(KnowledgeBase::embedded().unwrap());
    let case: Case = serde_json::from_value(json!({
        "age": 60, "respondent": respondent,
        "answers": { "pain_low_back": "yes", "facet_injection_relief": answer },
    }))
    .unwrap();
    let report = engine.assess(&case).unwrap();
    let p = report.differential.iter().find(|d| d.condition == "facet_joint_pain").unwrap().probability;
    (p, report.notes)
}

#[test]
fn a_patients_no_to_a_procedure_they_may_never_have_had_is_not_a_negative_result() {
    let (unknown, _) = facet("patient", "unknown");
    let (no, notes) = facet("patient", "no");
    assert!((no - unknown).abs() < 1e-12, "patient no {no} vs don't know {unknown}");
    assert!(
        notes.iter().any(|n| n.contains("`facet_injection_relief` (facet joint injection)")),
        "the report says the answer was not counted: {notes:?}"
    );
    let (clinician_unknown, _) = facet("clinician", "unknown");
    let (clinician_no, notes) = facet("clinician", "no");
    assert!(
        clinician_no < clinician_unknown,
        "a clinician's no lowers facet pain: {clinician_no} vs {clinician_unknown}"
    );
    assert!(notes.iter().all(|n| !n.contains("facet_injection_relief")), "{notes:?}");
}

#[test]
fn every_patient_question_about_a_procedure_result_names_what_it_presupposes() {
    // A patient question that asks how an injection, a scan or a course of
    // treatment turned out must say what it presupposes, or a "no" from
    // someone who never had it would count against a diagnosis.
    let kb = KnowledgeBase::embedded().unwrap();
    let missing: Vec<&str> = kb
        .findings()
        .iter()
        .filter(|f| f.asked_by == cluneal_kb::AskedBy::Patient && f.presupposes.is_none())
        .filter(|f| {
            let q = f.question.to_lowercase();
            ["did ", "have ", "after ", "if "].iter().any(|s| q.starts_with(s))
                && [" ease", "showed nothing"].iter().any(|s| q.contains(s))
        })
        .map(|f| f.id.as_str())
        .collect();
    assert!(
        missing.is_empty(),
        "patient questions about a procedure's result without `presupposes`: {missing:?}"
    );
}
