//! `include_dir!` (in `src/lib.rs`) embeds `knowledge/`, and Cargo rebuilds the
//! crate when an embedded file changes; a file added or removed is no embedded
//! file's change, so this asks Cargo to watch the folder itself.

// Printing is how a build script talks to Cargo; the library itself never
// prints (crates/cluneal-kb/clippy.toml bans it).
#![expect(clippy::disallowed_macros, reason = "a build script prints its instructions to Cargo")]

fn main() {
    println!("cargo:rerun-if-changed=../../knowledge");
}
