//! Bytes → a case, parsed as the CLI (`cluneal assess`) and the API
//! (`POST /api/v1/assess`) parse one → `Engine::assess`, the interview's next
//! step and the simulated interview, on the embedded knowledge base.
//!
//! Every outcome is fine except a panic, a timeout, or a report whose
//! probabilities leave [0, 1].

#![no_main]

use cluneal_engine::{Case, Report};
use cluneal_fuzz::engine;
use libfuzzer_sys::fuzz_target;

// The strict (repeated-key) check lives in the server crate, which the CLI and
// the API both call. Compiling its one source file here runs the same code
// without building the HTTP server, the database drivers and the PDF typesetter.
#[path = "../../crates/cluneal-server/src/strict.rs"]
#[allow(dead_code, reason = "the server's other helpers in this file are not called here")]
mod strict;

/// Questions already asked, as the API's `asked` may say (any whole number).
const ASKED: [usize; 5] = [0, 1, 7, 30, usize::MAX];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // As `parse_case` in cluneal-cli and `ApiJson` in cluneal-server: syntax,
    // then repeated keys, then the shape.
    let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else { return };
    if let Some(d) = strict::find_duplicate_key(text) {
        let _ = d.to_string();
        return;
    }
    let cases: Vec<Case> = if value.get("case").is_some() {
        // `cluneal assess --vignette`: the vignette's case (and its informed case).
        match serde_json::from_str::<cluneal_eval::Vignette>(text) {
            Ok(v) => std::iter::once(v.case).chain(v.informed_case).collect(),
            Err(_) => return,
        }
    } else {
        match serde_json::from_str::<Case>(text) {
            Ok(case) => vec![case],
            Err(_) => return,
        }
    };
    let engine = engine();
    for case in &cases {
        match engine.assess(case) {
            Ok(report) => check_report(&report),
            Err(e) => {
                // The messages a user reads are built too.
                let _ = e.to_string();
                continue;
            }
        }
        let asked = ASKED[data.len() % ASKED.len()];
        if let Err(e) = engine.next_step(case, asked) {
            panic!("assess accepted the case but next_step refused it: {e}");
        }
        if let Err(e) = engine.simulate(case, case.respondent) {
            panic!("assess accepted the case but simulate refused it: {e}");
        }
    }
});

fn check_report(report: &Report<'_>) {
    for c in report.differential.iter().chain(&report.no_specific_cause) {
        assert!(
            c.probability.is_finite() && (0.0..=1.0).contains(&c.probability),
            "probability of `{}` is {}",
            c.condition,
            c.probability
        );
    }
    // The CLI and the API print the report as JSON.
    if let Err(e) = serde_json::to_string(report) {
        panic!("the report does not serialize: {e}");
    }
}
