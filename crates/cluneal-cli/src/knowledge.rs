//! Where the knowledge base comes from: the embedded copy, or an edited folder.

use std::path::Path;

use anyhow::{Context, Result, bail};
use cluneal_kb::{KbErrors, KnowledgeBase, SourceFile};

/// Read every `.toml` file under `root` as a knowledge source file.
pub fn read_dir(root: &Path) -> Result<Vec<SourceFile>> {
    if !root.is_dir() {
        bail!("knowledge folder `{}` does not exist or is not a folder", root.display());
    }
    let mut files = Vec::new();
    collect(root, root, &mut files)?;
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<SourceFile>) -> Result<()> {
    let entries = std::fs::read_dir(dir).with_context(|| format!("cannot read `{}`", dir.display()))?;
    for entry in entries {
        let path = entry.with_context(|| format!("cannot read `{}`", dir.display()))?.path();
        if path.is_dir() {
            collect(root, &path, out)?;
        } else if path.extension().is_some_and(|e| e == "toml") {
            let rel = path.strip_prefix(root).unwrap_or(&path);
            let rel: Vec<String> =
                rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read `{}`", path.display()))?;
            out.push(SourceFile { path: rel.join("/"), text });
        }
    }
    Ok(())
}

/// The source files of the knowledge base in use.
pub fn files(dir: Option<&Path>) -> Result<Vec<SourceFile>> {
    match dir {
        Some(d) => read_dir(d),
        None => cluneal_kb::embedded::files().map_err(|e| problems_error(&e, None)),
    }
}

/// Load and validate; on failure the error lists every problem, one per line.
pub fn load(dir: Option<&Path>) -> Result<KnowledgeBase> {
    let files = files(dir)?;
    KnowledgeBase::load(&files).map_err(|e| problems_error(&e, dir))
}

pub fn problems_error(e: &KbErrors, dir: Option<&Path>) -> anyhow::Error {
    let origin =
        dir.map_or_else(|| "the embedded knowledge base".to_string(), |d| format!("`{}`", d.display()));
    let mut msg = format!("{} has {} problem(s):", origin, e.0.len());
    for p in &e.0 {
        msg.push_str("\n  ");
        msg.push_str(&p.to_string());
    }
    anyhow::anyhow!(msg)
}
