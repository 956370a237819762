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
    assert!(v["cases"].as_f64().unwrap_or(0.0) >= 80.0, "the benchmark needs at least 80 vignettes");
    let default = v["default_model"].as_str().expect("default_model");
    let run = |split: &str, mode: &str| {
        v["runs"]
            .as_array()
            .expect("runs")
            .iter()
            .find(|r| r["model"] == default && r["split"] == split && r["mode"] == mode)
            .unwrap_or_else(|| panic!("no {split}/{mode} run"))["evaluation"]
            .clone()
    };
    // The gate applies to the locked test split, in both modes.
    for mode in ["blind", "informed"] {
        let e = run("test", mode);
        let n = |k: &str| e[k].as_f64().unwrap_or_else(|| panic!("`{k}` missing"));
        assert_eq!(
            n("emergency_under_triage"),
            0.0,
            "an emergency test vignette was given a lower urgency ({mode})"
        );
        for k in
            ["top1", "top3", "triage_exact", "over_triage", "under_triage", "brier", "must_not_miss_recall"]
        {
            assert!((0.0..=1.0).contains(&n(k)), "{k}");
        }
    }
    every_miss_is_explained(&v);
    let e = run("test", "informed");
    let n = |k: &str| e[k].as_f64().unwrap_or_else(|| panic!("`{k}` missing"));
    let report = std::fs::read_to_string(root().join("docs/validation.md")).expect("docs/validation.md");
    // The committed report keeps 4 decimals; its gated rows are the test split, informed mode.
    assert!(n("top1") + 5e-5 >= committed(&report, "top1"), "top1 fell below the committed report");
    assert!(n("top3") + 5e-5 >= committed(&report, "top3"), "top3 fell below the committed report");
}

/// Each vignette not ranked first says why, from the report's own figures,
/// and each triage miss names the flags that decided it.
fn every_miss_is_explained(v: &serde_json::Value) {
    let mut explained = 0;
    for run in v["runs"].as_array().expect("runs") {
        for r in run["evaluation"]["results"].as_array().expect("results") {
            let file = r["file"].as_str().expect("file");
            let rank = r["rank"].as_u64().expect("rank");
            let miss = &r["miss"];
            if rank == 1 || r["reference"] == "nonspecific_low_back_pain" {
                assert!(miss.is_null(), "{file}: a miss without one");
            } else {
                assert_eq!(miss["leader"], r["top1"], "{file}");
                let f = |k: &str| miss[k].as_f64().unwrap_or_else(|| panic!("{file}: `{k}`"));
                match miss["reason"].as_str().expect("reason") {
                    "nothing_for_it" => {}
                    "rarer" => assert!(
                        f("reference_ratio") >= f("leader_ratio")
                            && f("reference_prior") <= f("leader_prior"),
                        "{file}: called rarer: {miss}"
                    ),
                    "answers_favour_leader" => {
                        assert!(f("reference_ratio") < f("leader_ratio"), "{file}: {miss}");
                    }
                    other => panic!("{file}: unknown reason `{other}`"),
                }
                explained += 1;
            }
            let flags = r["deciding_flags"].as_array().expect("deciding_flags");
            if r["urgency"] == r["reference_urgency"] {
                assert!(flags.is_empty(), "{file}: {flags:?}");
            } else if r["urgency"] != "routine" {
                assert!(!flags.is_empty(), "{file}: triage {} with no flag named", r["urgency"]);
            }
        }
    }
    assert!(explained > 0, "no miss was explained");
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
