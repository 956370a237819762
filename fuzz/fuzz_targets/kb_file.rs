//! Bytes → one knowledge file (`<path>\n<text>`, e.g. `findings/x.toml` then
//! its TOML) → `KnowledgeBase::load`, beside the embedded `kb.toml`.
//!
//! The loader takes a whole set of files, and loading the embedded set of
//! about 800 files costs milliseconds, so this target hands it the fuzzed file
//! and `kb.toml` only: every path rule, the TOML and schema parsing and every
//! check of the file's own items run, and references to the files left out
//! come back as problems. `kb_file_in_set` puts the file into the full set
//! instead, slower, to reach a valid knowledge base and the engine.
//!
//! Every outcome is fine except a panic or a timeout.

#![no_main]

use std::sync::OnceLock;

use cluneal_kb::{KnowledgeBase, SourceFile};
use libfuzzer_sys::fuzz_target;

fn embedded_files() -> Vec<SourceFile> {
    match cluneal_kb::embedded::files() {
        Ok(files) => files,
        // The harness's own setup: an embedded set that does not read is a bug to see at once.
        Err(e) => panic!("the embedded knowledge files do not read: {e:?}"),
    }
}

fn kb_toml() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| {
        embedded_files().into_iter().find(|f| f.path == "kb.toml").map(|f| f.text).unwrap_or_default()
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((path, text)) = split(data) else { return };
    let mut files = vec![SourceFile { path: path.to_string(), text: text.to_string() }];
    if path != "kb.toml" {
        files.push(SourceFile { path: "kb.toml".into(), text: kb_toml().to_string() });
    }
    match KnowledgeBase::load(&files) {
        Ok(_) => {}
        Err(e) => {
            // `kb check` prints every problem.
            for p in &e.0 {
                let _ = p.to_string();
            }
        }
    }
});

/// `<path>\n<text>`, both UTF-8 (the CLI reads knowledge files as UTF-8 text).
fn split(data: &[u8]) -> Option<(&str, &str)> {
    let text = std::str::from_utf8(data).ok()?;
    text.split_once('\n')
}
