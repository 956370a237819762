//! Every example case typeset for each reader: the patient summary fits two
//! pages and says what matters in plain words, the exercise handout has one
//! picture per exercise, the clinician report carries the evidence, criteria,
//! block chart and references; each file is a PDF another reader can open
//! (lopdf), and the same case gives the same bytes.

use cluneal_engine::{Case, Engine};
use cluneal_kb::KnowledgeBase;
use cluneal_pdf::{Audience, Extras, Figures, Rendered, Visit, render};

fn engine() -> &'static Engine {
    static E: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
    E.get_or_init(|| Engine::new(KnowledgeBase::embedded().expect("valid knowledge base")))
}

fn figures() -> Figures {
    Figures::from_json(include_str!("../../cluneal-server/web/figures.json")).expect("valid figures")
}

/// The example cases (a pure crate's tests take their files at compile time).
const EXAMPLES: &[(&str, &str)] = &[
    ("cauda_equina.json", include_str!("../../../examples/cauda_equina.json")),
    ("gtps.json", include_str!("../../../examples/gtps.json")),
    ("mcne.json", include_str!("../../../examples/mcne.json")),
    ("radiculopathy.json", include_str!("../../../examples/radiculopathy.json")),
    ("sacroiliac_joint.json", include_str!("../../../examples/sacroiliac_joint.json")),
    ("scne_bilateral.json", include_str!("../../../examples/scne_bilateral.json")),
    ("scne_bilateral_patient.json", include_str!("../../../examples/scne_bilateral_patient.json")),
    ("scne_block_positive.json", include_str!("../../../examples/scne_block_positive.json")),
    ("scne_typical.json", include_str!("../../../examples/scne_typical.json")),
    ("sgne.json", include_str!("../../../examples/sgne.json")),
    ("spinal_malignancy.json", include_str!("../../../examples/spinal_malignancy.json")),
    ("stenosis.json", include_str!("../../../examples/stenosis.json")),
];

fn case(name: &str) -> Case {
    let text = EXAMPLES.iter().find(|(n, _)| *n == name).map(|(_, t)| *t).expect("an example");
    serde_json::from_str(text).expect("a case")
}

fn examples() -> Vec<String> {
    EXAMPLES.iter().map(|(n, _)| n.to_string()).collect()
}

fn typeset(name: &str, audience: Audience, extras: &Extras<'_>) -> Rendered {
    let c = case(name);
    let report = engine().assess(&c).expect("valid case");
    render(&report, engine().kb(), &figures(), audience, extras).expect("typeset")
}

/// The PDF opens in an independent reader with the page count Typst reported.
fn opens(r: &Rendered) {
    assert!(r.pdf.starts_with(b"%PDF-"), "a PDF header");
    let doc = lopdf::Document::load_mem(&r.pdf).expect("lopdf reads the PDF");
    assert_eq!(doc.get_pages().len(), r.pages);
}

fn words(t: &str) -> String {
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn every_patient_summary_fits_two_pages_and_says_what_matters() {
    for name in examples() {
        let r = typeset(&name, Audience::Patient, &Extras { date: Some("2026-11-30"), ..Extras::default() });
        opens(&r);
        assert!(r.pages <= 2, "{name}: the patient summary has {} pages", r.pages);
        let t = words(&r.text);
        for part in
            ["How urgent is it?", "What it might be", "What to do next", "does not replace an examination"]
        {
            assert!(t.contains(part), "{name}: `{part}` missing from the patient summary");
        }
        for jargon in ["PSIS", "palpation", "likelihood ratio"] {
            assert!(!t.contains(jargon), "{name}: jargon `{jargon}` in the patient summary");
        }
    }
    let scne = words(&typeset("scne_typical.json", Audience::Patient, &Extras::default()).text);
    assert!(scne.contains("Superior cluneal nerve entrapment"), "{scne}");
    let emergency = words(&typeset("cauda_equina.json", Audience::Patient, &Extras::default()).text);
    assert!(emergency.contains("Emergency: get help now"), "{emergency}");
    assert!(!emergency.contains("Looking after yourself"), "no self-care in an emergency: {emergency}");
}

#[test]
fn the_exercise_handout_shows_each_exercise_with_its_picture_and_dose() {
    let c = case("scne_typical.json");
    let report = engine().assess(&c).expect("valid case");
    let n = report.plan.exercises.len();
    assert!(n > 0);
    let r =
        render(&report, engine().kb(), &figures(), Audience::Exercises, &Extras::default()).expect("typeset");
    opens(&r);
    let t = words(&r.text);
    for e in &report.plan.exercises {
        assert!(t.contains(e.name), "`{}` missing", e.name);
    }
    assert_eq!(t.matches("How much:").count(), n, "one dose line per exercise");
    assert_eq!(r.images, n, "one picture per exercise");
}

#[test]
fn the_clinician_report_carries_evidence_criteria_block_chart_and_visit_history() {
    let visits = [
        Visit {
            date: "2026-09-01".into(),
            pain: Some(8.0),
            leading: "SCNE 62%".into(),
            urgency: "routine".into(),
        },
        Visit {
            date: "2026-10-01".into(),
            pain: Some(5.0),
            leading: "SCNE 91%".into(),
            urgency: "routine".into(),
        },
        Visit {
            date: "2026-11-01".into(),
            pain: Some(2.0),
            leading: "SCNE 99%".into(),
            urgency: "routine".into(),
        },
    ];
    let r = typeset(
        "scne_block_positive.json",
        Audience::Clinician,
        &Extras { date: Some("2026-11-30"), label: Some("E2E"), visits: &visits },
    );
    opens(&r);
    let t = words(&r.text);
    for part in [
        "Differential",
        "Diagnostic criteria",
        "Kiral operational definition",
        "Nerve blocks",
        "Diagnostic superior cluneal nerve block",
        ": positive",
        "Visit history",
        "References",
        "Kuniya",
    ] {
        assert!(t.contains(part), "`{part}` missing from the clinician report");
    }
    assert_eq!(r.images, 2, "the block chart and the pain chart");
}

#[test]
fn the_same_case_gives_the_same_pdf() {
    for a in [Audience::Patient, Audience::Exercises, Audience::Clinician] {
        let one = typeset("mcne.json", a, &Extras::default());
        let two = typeset("mcne.json", a, &Extras::default());
        assert!(one.pdf == two.pdf, "{a:?} differs between two runs");
    }
}
