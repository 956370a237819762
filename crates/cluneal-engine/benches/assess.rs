//! Criterion benchmark: a full report (next questions included), the
//! next-question ranking alone and scoring alone, for every example case, in
//! the default differential model; and the full report in the independent model.
//! Results and the command are in `docs/performance.md`.

// The benchmark reads the example cases from disk and stops on a broken one;
// the engine it measures does neither.
#![allow(
    clippy::disallowed_methods,
    clippy::disallowed_types,
    clippy::expect_used,
    missing_docs,
    reason = "benchmark harness, not engine code"
)]

use std::hint::black_box;
use std::path::Path;

use cluneal_engine::{Case, Engine};
use cluneal_kb::{DifferentialModel, KnowledgeBase};
use criterion::{Criterion, criterion_group, criterion_main};

// The same allocator as the `cluneal` binary, so the numbers are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn examples() -> Vec<(String, Case)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut out: Vec<(String, Case)> = std::fs::read_dir(&dir)
        .expect("examples folder")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let name = p.file_stem().expect("file name").to_string_lossy().into_owned();
            let case = serde_json::from_str(&std::fs::read_to_string(&p).expect("read")).expect("parse");
            (name, case)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn bench(c: &mut Criterion) {
    let engine = Engine::new(KnowledgeBase::embedded().expect("valid knowledge base"));
    let cases = examples();
    let mut assess = c.benchmark_group("assess");
    for (name, case) in &cases {
        assess.bench_function(name.as_str(), |b| b.iter(|| engine.assess(black_box(case)).expect("valid")));
    }
    assess.finish();
    let mut next = c.benchmark_group("next_step");
    for (name, case) in &cases {
        next.bench_function(name.as_str(), |b| {
            b.iter(|| engine.next_step(black_box(case), 0).expect("valid"))
        });
    }
    next.finish();
    let mut probs = c.benchmark_group("probabilities");
    for (name, case) in &cases {
        probs.bench_function(name.as_str(), |b| {
            b.iter(|| engine.probabilities(black_box(case)).expect("valid"))
        });
    }
    probs.finish();
    // The independent model (the default is competing causes) on the same
    // cases, in the same run, so the two compare as a ratio (docs/performance.md).
    let independent = Engine::with_model(
        KnowledgeBase::embedded().expect("valid knowledge base"),
        DifferentialModel::Independent,
    );
    let mut other = c.benchmark_group("assess_independent");
    for (name, case) in &cases {
        other.bench_function(name.as_str(), |b| {
            b.iter(|| independent.assess(black_box(case)).expect("valid"))
        });
    }
    other.finish();
    c.bench_function("knowledge_base_load_and_compile", |b| {
        b.iter(|| Engine::new(KnowledgeBase::embedded().expect("valid")))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(std::time::Duration::from_secs(2)).warm_up_time(std::time::Duration::from_millis(500));
    targets = bench
}
criterion_main!(benches);
