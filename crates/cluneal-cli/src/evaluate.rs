//! `cluneal eval`: reading the vignette folder, and a progress bar on a terminal.

use std::io::{IsTerminal, Write};
use std::path::Path;

use anyhow::{Context, Result, anyhow};
use cluneal_eval::{Anchors, Validation, Vignette};
use cluneal_kb::KnowledgeBase;

/// The one command that regenerates `docs/validation.md`.
pub const REPORT_COMMAND: &str = "cluneal eval vignettes --format markdown > docs/validation.md";

/// Every `*.json` file of the folder as a vignette, in file-name order.
pub fn load(dir: &Path) -> Result<Vec<(String, Vignette)>> {
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read the vignette folder `{}`", dir.display()))?;
    let mut files: Vec<std::path::PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(anyhow!("no `*.json` vignettes in `{}`", dir.display()));
    }
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for path in files {
        let name = path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let text =
            std::fs::read_to_string(&path).with_context(|| format!("cannot read `{}`", path.display()))?;
        match serde_json::from_str::<Vignette>(&text) {
            Ok(v) => out.push((name, v)),
            Err(e) => problems.push(format!("{}:{}:{}: {e}", path.display(), e.line(), e.column())),
        }
    }
    if !problems.is_empty() {
        return Err(anyhow!(
            "{} vignette file(s) do not parse:\n  {}",
            problems.len(),
            problems.join("\n  ")
        ));
    }
    Ok(out)
}

/// The published anchors (`anchors.toml` in the vignette folder), if present.
pub fn anchors(dir: &Path) -> Result<Anchors> {
    let path = dir.join("anchors.toml");
    if !path.exists() {
        return Ok(Anchors::default());
    }
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read `{}`", path.display()))?;
    toml::from_str(&text).map_err(|e| anyhow!("{}: {}", path.display(), e.message()))
}

/// Evaluate both models on both splits and modes, with a progress bar on
/// standard error when it is a terminal and not in CI.
pub fn run(kb: &KnowledgeBase, vignettes: &[(String, Vignette)]) -> Validation {
    let show = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    let e = cluneal_eval::validate(kb, vignettes, |done, total| {
        if show {
            let width = 30;
            let filled = done * width / total.max(1);
            let mut err = std::io::stderr().lock();
            let _ = write!(
                err,
                "\r[{}{}] {done}/{total} assessments",
                "#".repeat(filled),
                ".".repeat(width - filled)
            );
            let _ = err.flush();
        }
    });
    if show {
        eprintln!();
    }
    e
}
