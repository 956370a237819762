//! Bytes → one knowledge file (`<path>\n<text>`) put in place of the file of
//! that path in the embedded knowledge base (or added to it) →
//! `KnowledgeBase::load` on the whole set; when the set still validates,
//! `Engine::new` and `Engine::assess` on every example case.
//!
//! Slow (the whole set is parsed for every input), so it runs for a fixed time
//! rather than a count; `kb_file` is the fast one.
//!
//! Every outcome is fine except a panic or a timeout: a knowledge base that
//! passed validation must compile and assess any valid case.

#![no_main]

use std::sync::OnceLock;

use cluneal_engine::{Case, Engine};
use cluneal_kb::{KnowledgeBase, SourceFile};
use libfuzzer_sys::fuzz_target;

const EXAMPLES: [&str; 3] = [
    include_str!("../../examples/scne_typical.json"),
    include_str!("../../examples/cauda_equina.json"),
    include_str!("../../examples/scne_block_positive.json"),
];

fn embedded() -> &'static [SourceFile] {
    static FILES: OnceLock<Vec<SourceFile>> = OnceLock::new();
    FILES.get_or_init(|| match cluneal_kb::embedded::files() {
        Ok(files) => files,
        // The harness's own setup: an embedded set that does not read is a bug to see at once.
        Err(e) => panic!("the embedded knowledge files do not read: {e:?}"),
    })
}

fn examples() -> &'static [Case] {
    static CASES: OnceLock<Vec<Case>> = OnceLock::new();
    CASES.get_or_init(|| EXAMPLES.iter().filter_map(|t| serde_json::from_str(t).ok()).collect())
}

fuzz_target!(|data: &[u8]| {
    let Ok(all) = std::str::from_utf8(data) else { return };
    let Some((path, text)) = all.split_once('\n') else { return };
    let mut files = embedded().to_vec();
    let fuzzed = SourceFile { path: path.to_string(), text: text.to_string() };
    match files.iter_mut().find(|f| f.path == path) {
        Some(f) => *f = fuzzed,
        None => files.push(fuzzed),
    }
    let kb = match KnowledgeBase::load(&files) {
        Ok(kb) => kb,
        Err(e) => {
            for p in &e.0 {
                let _ = p.to_string();
            }
            return;
        }
    };
    let engine = Engine::new(kb);
    for case in examples() {
        if let Ok(report) = engine.assess(case) {
            for c in &report.differential {
                assert!(
                    c.probability.is_finite() && (0.0..=1.0).contains(&c.probability),
                    "probability of `{}` is {}",
                    c.condition,
                    c.probability
                );
            }
        }
    }
});
