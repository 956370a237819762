//! CPU time per full report (`assess`) and per interview step (`next_step`),
//! median over the example cases, from the time the
//! thread spent on a CPU (`/proc/thread-self/schedstat`, Linux). On a shared,
//! loaded machine wall-clock benchmarks (criterion) queue behind other work;
//! time on the CPU does not, so two builds can be compared side by side while
//! other jobs run. Each case: a warm-up, then the median of five rounds.
//!
//! `cargo run --release -p cluneal-engine --example cpu_per_report [iterations]`
#![allow(
    clippy::disallowed_methods,
    clippy::disallowed_macros,
    clippy::disallowed_types,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs,
    reason = "a measurement harness reads the example cases and prints; the engine it measures does neither"
)]

use std::hint::black_box;

use cluneal_engine::{Case, Engine};
use cluneal_kb::KnowledgeBase;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn on_cpu_ns() -> u64 {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").expect("schedstat");
    s.split_whitespace().next().and_then(|x| x.parse().ok()).expect("on-cpu ns")
}

fn main() {
    let n: u32 = std::env::args().nth(1).and_then(|x| x.parse().ok()).unwrap_or(5000);
    let engine = Engine::new(KnowledgeBase::embedded().expect("valid"));
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("examples")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let cases: Vec<Case> = files
        .iter()
        .map(|p| serde_json::from_str(&std::fs::read_to_string(p).expect("read")).expect("parse"))
        .collect();
    report("assess", n, &cases, |c| {
        black_box(engine.assess(black_box(c)).expect("valid"));
    });
    report("next_step", n, &cases, |c| {
        black_box(engine.next_step(black_box(c), 0).expect("valid"));
    });
}

/// Median over the cases of each case's median CPU time per call.
fn report(what: &str, n: u32, cases: &[Case], call: impl Fn(&Case)) {
    let mut per_case = Vec::new();
    for case in cases {
        for _ in 0..n / 10 {
            call(case);
        }
        let mut rounds: Vec<u64> = (0..5)
            .map(|_| {
                let t0 = on_cpu_ns();
                for _ in 0..n {
                    call(case);
                }
                (on_cpu_ns() - t0) / u64::from(n)
            })
            .collect();
        rounds.sort_unstable();
        per_case.push(rounds[2]);
    }
    let mut sorted = per_case.clone();
    sorted.sort_unstable();
    let m = sorted.len();
    let median =
        if m % 2 == 1 { sorted[m / 2] as f64 } else { (sorted[m / 2 - 1] + sorted[m / 2]) as f64 / 2.0 };
    println!("{what}: median {:.2} µs over {m} cases; per case (ns): {per_case:?}", median / 1000.0);
}
