//! Reading cases from files or standard input, with errors that name the file,
//! line and column, or the field at fault.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result, anyhow};
use cluneal_engine::{Case, CaseError};

/// Read the text of `path`, or standard input when `path` is `-`.
pub fn read_text(path: &Path) -> Result<(String, String)> {
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).context("cannot read standard input")?;
        Ok(("<stdin>".into(), text))
    } else {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("cannot read `{}`", path.display()))?;
        Ok((path.display().to_string(), text))
    }
}

/// What a file holds: decided by the command line, never guessed from its keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A case (`schemas/case.schema.json`).
    Case,
    /// A clinical vignette (`vignettes/*.json`): its `case` is used, checked
    /// against the vignette format so no other field is dropped unread.
    Vignette,
}

fn located(name: &str, e: &serde_json::Error) -> anyhow::Error {
    anyhow!("{name}:{}:{}: {}", e.line(), e.column(), clean(&e.to_string()))
}

/// As `located`, for text already known to be valid JSON, where a remaining
/// error is a value of the wrong kind, never broken syntax.
fn located_shape(name: &str, e: &serde_json::Error) -> anyhow::Error {
    let msg = cluneal_server::strict::reword_wrong_kind(&clean(&e.to_string()));
    anyhow!("{name}:{}:{}: {msg}", e.line(), e.column())
}

/// Parse a case, or the `case` of a vignette file; a syntax or type error names
/// the file, line and column.
pub fn parse_case(name: &str, text: &str, kind: FileKind) -> Result<Case> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| located(name, &e))?;
    // `Value` (and serde) keep the last of a repeated key without a word.
    if let Some(d) = cluneal_server::strict::find_duplicate_key(text) {
        return Err(anyhow!("{name}:{}:{}: {d}", d.line, d.column));
    }
    match kind {
        FileKind::Vignette => serde_json::from_str::<cluneal_eval::Vignette>(text)
            .map(|v| v.case)
            .map_err(|e| located_shape(name, &e)),
        FileKind::Case => serde_json::from_str::<Case>(text).map_err(|e| {
            let err = located_shape(name, &e);
            if value.get("case").is_some() {
                err.context("a vignette file? pass `--vignette` to assess its `case`")
            } else {
                err
            }
        }),
    }
}

pub fn read_case(path: &Path, kind: FileKind) -> Result<Case> {
    let (name, text) = read_text(path)?;
    parse_case(&name, &text, kind)
}

/// serde_json appends " at line L column C"; the location is already in front.
fn clean(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// A case error as one problem per line, naming the file.
pub fn case_error(name: &str, e: &CaseError) -> anyhow::Error {
    let mut msg = format!("{name}: the case has {} problem(s):", e.0.len());
    for p in &e.0 {
        msg.push_str("\n  ");
        msg.push_str(&p.to_string());
    }
    anyhow!(msg)
}

/// One patient's resources from a FHIR Bulk Data export folder (`*.ndjson`
/// files, read in name order), as a Bundle for `$assess`.
pub fn bulk_patient(dir: &Path, patient: &str) -> Result<serde_json::Value> {
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read the export folder `{}`", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ndjson"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(anyhow!("`{}` holds no `.ndjson` files", dir.display()));
    }
    let mut texts = Vec::new();
    for f in &files {
        let name =
            f.file_name().map_or_else(|| f.display().to_string(), |n| n.to_string_lossy().into_owned());
        let text = std::fs::read_to_string(f).with_context(|| format!("cannot read `{}`", f.display()))?;
        texts.push((name, text));
    }
    let lines = texts.iter().flat_map(|(name, text)| {
        text.lines().enumerate().map(move |(k, l)| (format!("{name}:{}", k + 1), l))
    });
    cluneal_fhir::patient_bundle(lines, patient).map_err(|e| anyhow!("`{}`: {e}", dir.display()))
}
