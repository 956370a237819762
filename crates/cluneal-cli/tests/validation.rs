//! The validation gate: no emergency under-triage, accuracy never below the
//! figures committed in `docs/validation.md`, and that report current.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn eval(format: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_cluneal"))
        .args(["eval", "vignettes", "--format", format])
        .current_dir(root())
        .env("CI", "1")
        .output()
        .expect("the binary runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8")
}

/// The value in the `| name | value |` row of the committed report.
fn committed(report: &str, name: &str) -> f64 {
    let prefix = format!("| {name} | ");
    let line = report.lines().find(|l| l.starts_with(&prefix)).unwrap_or_else(|| panic!("no `{name}` row"));
    line[prefix.len()..].trim_end_matches(" |").trim().parse().expect("a number")
}

#[test]
fn no_emergency_is_under_triaged_and_accuracy_does_not_regress() {
    let v: serde_json::Value = serde_json::from_str(&eval("json")).expect("json");
    let n = |k: &str| v[k].as_f64().unwrap_or_else(|| panic!("`{k}` missing"));
    assert!(n("cases") >= 80.0, "the benchmark needs at least 80 vignettes");
    assert_eq!(n("emergency_under_triage"), 0.0, "an emergency vignette was given a lower urgency");
    let report = std::fs::read_to_string(root().join("docs/validation.md")).expect("docs/validation.md");
    // The committed report keeps 4 decimals.
    assert!(n("top1") + 5e-5 >= committed(&report, "top1"), "top1 fell below the committed report");
    assert!(n("top3") + 5e-5 >= committed(&report, "top3"), "top3 fell below the committed report");
    for k in ["top1", "top3", "triage_exact", "over_triage", "under_triage", "brier"] {
        assert!((0.0..=1.0).contains(&n(k)), "{k}");
    }
}

#[test]
fn the_validation_report_is_current() {
    let now = eval("markdown");
    let committed = std::fs::read_to_string(root().join("docs/validation.md")).expect("docs/validation.md");
    assert!(
        now == committed,
        "docs/validation.md is stale: regenerate it with `cargo run --release -p cluneal-cli -- eval vignettes --format markdown > docs/validation.md`"
    );
}
