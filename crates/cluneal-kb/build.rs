//! Embeds every file under the workspace's `knowledge/` folder into the crate, so
//! the `cluneal` binary runs with nothing beside it. The list is generated here
//! (sorted, so the build is reproducible) and compiled in with `include_str!`.

// The kb crate's one place that touches the file system, at build time only:
// the library itself never does (crates/cluneal-kb/clippy.toml bans it).
#![expect(
    clippy::disallowed_methods,
    clippy::disallowed_macros,
    reason = "a build script reads knowledge/, the environment Cargo sets and writes OUT_DIR by design"
)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(root, &path, out)?;
        } else if path.extension().is_some_and(|e| e == "toml") {
            let rel = path.strip_prefix(root).map_err(std::io::Error::other)?;
            let rel = rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
            out.push((rel, path.canonicalize()?));
        }
    }
    Ok(())
}

fn main() -> std::io::Result<()> {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").map_err(std::io::Error::other)?);
    let root = manifest.join("../../knowledge");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    if root.is_dir() {
        collect(&root, &root, &mut files)?;
    }
    files.sort();
    let mut code = String::from(
        "/// Every embedded knowledge file as (path relative to `knowledge/`, text).\npub static FILES: &[(&str, &str)] = &[\n",
    );
    for (rel, abs) in &files {
        writeln!(code, "    ({rel:?}, include_str!({:?})),", abs.display().to_string())
            .map_err(std::io::Error::other)?;
    }
    code.push_str("];\n");
    let out = PathBuf::from(env::var("OUT_DIR").map_err(std::io::Error::other)?).join("embedded.rs");
    fs::write(out, code)
}
