//! Embeds the web app (`web/`) into the binary: the server works offline with
//! nothing beside it. `--web-dir` serves the folder from disk instead (development).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::{env, fs};

fn main() -> std::io::Result<()> {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").map_err(std::io::Error::other)?);
    let root = manifest.join("web");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    if root.is_dir() {
        for entry in fs::read_dir(&root)? {
            let path = entry?.path();
            if path.is_file() {
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                files.push((name, path.canonicalize()?));
            }
        }
    }
    files.sort();
    let mut code =
        String::from("/// The web app's files: (name, bytes).\npub static WEB: &[(&str, &[u8])] = &[\n");
    for (name, path) in &files {
        writeln!(code, "    ({name:?}, include_bytes!({:?})),", path.display().to_string())
            .map_err(std::io::Error::other)?;
    }
    code.push_str("];\n");
    let out = PathBuf::from(env::var("OUT_DIR").map_err(std::io::Error::other)?).join("web.rs");
    fs::write(out, code)
}
