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
        "differential": r.differential.iter().take(6).map(|c| json!([c.condition, round(c.probability)])).collect::<Vec<_>>(),
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
    assert_eq!(r.blocks[0].result, "positive");
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
