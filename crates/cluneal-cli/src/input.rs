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

/// A vignette file wraps a case with its reference answer (see `docs/validation.md`).
#[derive(serde::Deserialize)]
struct Wrapped {
    case: Case,
}

fn located(name: &str, e: &serde_json::Error) -> anyhow::Error {
    anyhow!("{name}:{}:{}: {}", e.line(), e.column(), clean(&e.to_string()))
}

/// Parse a case, or the `case` of a vignette file; a syntax or type error names
/// the file, line and column.
pub fn parse_case(name: &str, text: &str) -> Result<Case> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| located(name, &e))?;
    // `Value` (and serde) keep the last of a repeated key without a word.
    if let Some(d) = cluneal_server::strict::find_duplicate_key(text) {
        return Err(anyhow!("{name}:{}:{}: {d}", d.line, d.column));
    }
    if value.get("case").is_some() && value.get("answers").is_none() {
        return serde_json::from_str::<Wrapped>(text).map(|w| w.case).map_err(|e| located(name, &e));
    }
    serde_json::from_str::<Case>(text).map_err(|e| located(name, &e))
}

pub fn read_case(path: &Path) -> Result<Case> {
    let (name, text) = read_text(path)?;
    parse_case(&name, &text)
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
