//! A yes/no finding derived from a number ("more than three months" from the
//! weeks, "severe pain" from the 0-10 score, "over 65" from the age) is asked
//! directly when the number is missing or "unknown": someone who cannot say
//! how many weeks can still say "more than three months", and a warning sign
//! that rests on such a finding is not lost.
#![expect(clippy::unwrap_used, reason = "tests")]

use cluneal_engine::{Case, Engine, Step};
use cluneal_kb::{KnowledgeBase, Urgency};
use serde_json::json;

fn engine() -> Engine {
    Engine::new(KnowledgeBase::embedded().unwrap())
}

fn case(v: serde_json::Value) -> Case {
    serde_json::from_value(v).unwrap()
}

#[test]
fn new_pain_in_someone_over_65_is_found_without_an_age_or_a_number_of_weeks() {
    let engine = engine();
    // What the person knows, in words rather than numbers.
    let full = case(json!({
        "respondent": "patient",
        "answers": { "age_over_65": "yes", "duration_under_1_week": "yes", "pain_low_back": "yes" }
    }));
    let told = engine.assess(&full).unwrap();
    assert_eq!(told.triage.level, Urgency::Urgent);
    let t = engine.simulate(&full, full.respondent).unwrap();
    for f in ["age_over_65", "duration_under_1_week"] {
        assert!(t.asked.iter().any(|a| a == f), "`{f}` was never asked: {:?}", t.asked);
    }
    let found = engine.assess(&t.case).unwrap();
    assert_eq!(found.triage.level, Urgency::Urgent, "{:?}", found.triage.red_flags);
    assert!(found.triage.red_flags.iter().any(|r| r.id == "aaa_new_pain_older_person"));
}

#[test]
fn the_screen_still_opens_with_the_emergency_signs() {
    let engine = engine();
    let next = engine.next_step(&case(json!({ "respondent": "patient", "age": 50 })), 0).unwrap();
    let Step::Ask { group, multi_select, .. } = next.step else { panic!("the interview stopped") };
    assert_eq!(group, "emergency_signs");
    assert!(multi_select);
}

#[test]
fn an_unknown_pain_score_lets_the_interview_ask_whether_the_pain_is_severe() {
    let engine = engine();
    let given = |answers: serde_json::Value| {
        case(json!({ "respondent": "patient", "age": 40, "duration_weeks": 20, "answers": answers }))
    };
    let asked = |c: &Case| asked_in_order(&engine, c);
    let at = |order: &[String], f: &str| order.iter().position(|x| x == f);
    // The score is asked first; "severe?" only after a "don't know" to it.
    let order = asked(&given(json!({ "pain_buttock": "yes" })));
    let score = at(&order, "pain_intensity").expect("the pain score is asked");
    assert!(at(&order, "pain_severe").is_none_or(|k| k > score), "{order:?}");
    // Never once the score is given.
    assert_eq!(
        at(&asked(&given(json!({ "pain_buttock": "yes", "pain_intensity": 8 }))), "pain_severe"),
        None
    );
    // Always after "don't know" to it.
    let order = asked(&given(json!({ "pain_buttock": "yes", "pain_intensity": "unknown" })));
    assert!(at(&order, "pain_severe").is_some(), "{order:?}");
}

/// Every finding the interview asks, in order, when each answer is "don't know".
fn asked_in_order(engine: &Engine, start: &Case) -> Vec<String> {
    let mut c = start.clone();
    let mut order = Vec::new();
    for _ in 0..300 {
        match engine.next_step(&c, 0).unwrap().step {
            Step::Done { .. } => break,
            Step::Ask { questions, .. } => {
                for q in questions {
                    order.push(q.finding.to_owned());
                    c.answers.insert(q.finding.to_owned(), cluneal_engine::Answer::Unknown);
                }
            }
        }
    }
    order
}

#[test]
fn an_answered_threshold_settles_the_thresholds_it_implies() {
    let engine = engine();
    let patient = |answers: serde_json::Value| {
        case(json!({ "respondent": "patient", "sex": "female", "duration_weeks": 2, "answers": answers }))
    };
    // Not over 50: not over 65 or 70 either. Over 70: over 50 and 65 too.
    let asked = asked_in_order(&engine, &patient(json!({ "age_over_50": "no" })));
    for f in ["age_over_65", "age_over_70"] {
        assert!(!asked.iter().any(|a| a == f), "`{f}` asked after 'not over 50': {asked:?}");
    }
    let asked = asked_in_order(&engine, &patient(json!({ "age_over_70": "yes" })));
    for f in ["age_over_50", "age_over_65", "age_under_45"] {
        assert!(!asked.iter().any(|a| a == f), "`{f}` asked after 'over 70': {asked:?}");
    }
    // Pregnant now: pregnant or recently given birth, and not post-partum.
    let asked = asked_in_order(
        &engine,
        &patient(json!({ "pregnancy_status": "unknown", "pregnancy_current": "yes" })),
    );
    for f in ["pregnant_or_postpartum", "postpartum_within_12_months"] {
        assert!(!asked.iter().any(|a| a == f), "`{f}` asked after 'pregnant now': {asked:?}");
    }
    // Answers that contradict each other settle nothing, and break nothing.
    let report = engine.assess(&patient(json!({ "age_over_50": "no", "age_over_65": "yes" }))).unwrap();
    assert!(!report.differential.is_empty());
}

#[test]
fn someone_who_gave_no_sex_is_not_asked_it() {
    let engine = engine();
    let asked =
        asked_in_order(&engine, &case(json!({ "respondent": "patient", "age": 40, "duration_weeks": 10 })));
    assert!(!asked.iter().any(|a| a == "female_sex"), "{asked:?}");
    // But a missing age is asked through its thresholds.
    let asked = asked_in_order(&engine, &case(json!({ "respondent": "patient", "duration_weeks": 10 })));
    assert!(asked.iter().any(|a| a.starts_with("age_")), "{asked:?}");
}

#[test]
fn the_screen_names_the_question_it_will_ask() {
    let engine = engine();
    let report = engine
        .assess(&case(json!({
            "respondent": "patient", "age": 40, "duration_weeks": 10,
            "answers": { "pain_intensity": "unknown" }
        })))
        .unwrap();
    let open = &report.triage.unanswered;
    assert!(!open.contains(&"pain_intensity") && open.contains(&"pain_severe"), "{open:?}");
    let mut sorted = open.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(open, &sorted, "the list stays in name order, each name once");
}
