//! "No specific cause" is a conclusion, not a rival cause, in both models: the
//! interview never stops because it leads, and the work-up never tests it.
#![expect(clippy::expect_used, reason = "test helpers: an invalid knowledge base or case must fail the test")]

use cluneal_engine::{Answer, Case, Engine, Respondent, Step};
use cluneal_kb::{DifferentialModel, KnowledgeBase};

/// Runs the interview answering "no" to every question (and 0 to numbers);
/// returns the last case and why the interview ended (none if it did not).
fn interview_answering_no(engine: &Engine, start: &Case) -> Option<(Case, String)> {
    let mut case = start.clone();
    for _ in 0..400 {
        match engine.next_step(&case, 0).expect("valid").step {
            Step::Done { reason } => return Some((case, reason)),
            Step::Ask { questions, .. } => {
                for q in questions {
                    let answer = match q.answer_type {
                        cluneal_kb::AnswerType::YesNo => Answer::No,
                        cluneal_kb::AnswerType::Choice => Answer::Unknown,
                        _ => Answer::Number(0.0),
                    };
                    case.answers.insert(q.finding.to_owned(), answer);
                }
            }
        }
    }
    None
}

#[test]
fn the_interview_does_not_stop_because_no_specific_cause_leads() {
    // The stopping point lowered to 70%, below where "no specific cause" ends up
    // in this interview in both models, so that a stop rule that counted it
    // would end the interview on it.
    let mut files = cluneal_kb::embedded::files().expect("embedded files");
    let kb_toml = files.iter_mut().find(|f| f.path == "kb.toml").expect("kb.toml");
    assert!(kb_toml.text.contains("stop_probability = { value = 0.85,"));
    kb_toml.text =
        kb_toml.text.replace("stop_probability = { value = 0.85,", "stop_probability = { value = 0.7,");
    for model in [DifferentialModel::Independent, DifferentialModel::Competing] {
        let engine = Engine::with_model(KnowledgeBase::load(&files).expect("valid"), model);
        let start = Case {
            age: Some(30.0),
            sex: Some(cluneal_engine::Sex::Male),
            setting: Some("primary_care".to_owned()),
            duration_weeks: Some(1.0),
            respondent: Respondent::Patient,
            ..Case::default()
        };
        let (case, reason) = interview_answering_no(&engine, &start).expect("the interview ends");
        let nsc = engine.kb().condition("nonspecific_low_back_pain").expect("condition");
        assert!(!reason.contains(&nsc.short_name), "{model:?}: {reason}");
        let r = engine.assess(&case).expect("valid");
        let p = r.no_specific_cause.as_ref().expect("no specific cause").probability;
        // With every answer "no", the picture is mostly "no specific cause": the
        // case this test is about.
        assert!(p >= 0.7, "{model:?}: no specific cause at {p}");
        assert!(r.workup.iter().all(|w| !w.reason.contains(&nsc.short_name)), "{model:?}");
    }
}
