//! The Cluneal knowledge base: schema, validation and the compiled, read-only form.
//!
//! This crate is pure: it never touches the file system. Callers hand it the
//! files as `(relative path, text)` pairs (the binary embeds them, or reads an
//! edited copy from disk), and [`KnowledgeBase::load`] either returns a validated
//! knowledge base or every problem it found. Only a validated knowledge base can
//! be built, so the engine never sees unchecked knowledge.

mod lints;
mod load;
pub mod model;

/// The knowledge base compiled into the binary: `include_dir!` embeds the
/// workspace's `knowledge/` folder at build time (`build.rs` only tells Cargo
/// to rebuild when a file is added or removed there).
pub mod embedded {
    use include_dir::{Dir, DirEntry, include_dir};

    use crate::{KbErrors, Problem, ProblemKind, SourceFile};

    static KNOWLEDGE: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../knowledge");

    /// The embedded `.toml` files in path order, ready for
    /// [`crate::KnowledgeBase::load`]; a file that is not UTF-8 text is a problem.
    pub fn files() -> Result<Vec<SourceFile>, KbErrors> {
        let mut files = Vec::new();
        let mut problems = Vec::new();
        collect(&KNOWLEDGE, &mut files, &mut problems);
        if !problems.is_empty() {
            problems.sort();
            return Err(KbErrors(problems));
        }
        // By the path as a string, as `--knowledge DIR` lists them, not by
        // path component as `include_dir!` nests them.
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(files)
    }

    fn collect(dir: &Dir<'static>, files: &mut Vec<SourceFile>, problems: &mut Vec<Problem>) {
        for entry in dir.entries() {
            match entry {
                DirEntry::Dir(d) => collect(d, files, problems),
                DirEntry::File(f) if f.path().extension().is_some_and(|e| e == "toml") => {
                    // `include_dir!` writes paths relative to the folder, with `/`.
                    let path = f.path().to_string_lossy().into_owned();
                    match f.contents_utf8() {
                        Some(text) => files.push(SourceFile { path, text: text.to_string() }),
                        None => problems.push(Problem {
                            file: path,
                            line: None,
                            column: None,
                            // TOML files are UTF-8 by the TOML specification.
                            kind: ProblemKind::Toml {
                                message: "not UTF-8 text (TOML files must be UTF-8)".into(),
                            },
                        }),
                    }
                }
                DirEntry::File(_) => {}
            }
        }
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn the_embedded_listing_is_every_toml_file_in_path_order() {
            let files = super::files().expect("the embedded files are UTF-8");
            let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
            assert!(paths.contains(&"kb.toml"), "kb.toml is embedded");
            // Nested files keep their folder, written with `/`.
            assert!(paths.iter().any(|p| p.starts_with("findings/")), "{paths:?}");
            assert!(paths.iter().all(|p| p.ends_with(".toml") && !p.contains('\\')), "{paths:?}");
            // Strictly increasing: sorted by the path as a string, no file twice.
            assert!(paths.windows(2).all(|w| w[0] < w[1]), "not in path order: {paths:?}");
        }
    }
}

use std::collections::BTreeMap;
use std::fmt;

pub use lints::problem::ProblemKind;
pub use model::*;

/// One knowledge file, as handed to the loader.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the knowledge root, with `/` separators, e.g. `findings/pain_buttock.toml`.
    pub path: String,
    /// The file's text.
    pub text: String,
}

/// One problem found while validating the knowledge base.
#[derive(Debug, Clone)]
pub struct Problem {
    /// The file, relative to the knowledge root.
    pub file: String,
    /// The line, when the problem has one.
    pub line: Option<usize>,
    /// The column, when known.
    pub column: Option<usize>,
    /// What is wrong; its `Display` is the message (lower case, user input in backticks).
    pub kind: ProblemKind,
}

impl Problem {
    /// The order problems are listed in, and what makes two the same.
    fn key(&self) -> (&str, Option<usize>, Option<usize>, String) {
        (&self.file, self.line, self.column, self.kind.to_string())
    }
}

impl PartialEq for Problem {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Problem {}

impl PartialOrd for Problem {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Problem {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "{}:{}:{}: {}", self.file, l, c, self.kind),
            (Some(l), None) => write!(f, "{}:{}: {}", self.file, l, self.kind),
            _ => write!(f, "{}: {}", self.file, self.kind),
        }
    }
}

/// Every problem found in a knowledge base, in a stable order.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the knowledge base has {} problem(s)", .0.len())]
pub struct KbErrors(pub Vec<Problem>);

/// A validated, immutable knowledge base. Every collection is sorted by id and
/// every cross-reference is known to resolve.
#[derive(Debug, Clone)]
pub struct KnowledgeBase {
    /// The contents of `kb.toml`.
    pub meta: KbMeta,
    /// SHA-256 (hex) over the knowledge files in path order, each as its path,
    /// a NUL byte, its length in bytes (8 bytes, little-endian) and its text:
    /// names the exact files a report was made with, where `meta.version` names
    /// a release. The embedded copy and `--knowledge knowledge` give the same hash.
    pub content_hash: String,
    /// Findings, sorted by id.
    pub findings: Vec<Finding>,
    /// Question groups, sorted by id.
    pub groups: Vec<QuestionGroup>,
    /// Conditions, sorted by id.
    pub conditions: Vec<Condition>,
    /// Correlation groups, sorted by id.
    pub correlations: Vec<Correlation>,
    /// Red flags, sorted by id.
    pub red_flags: Vec<RedFlag>,
    /// Criteria sets, sorted by id.
    pub criteria: Vec<Criteria>,
    /// Work-up steps, sorted by id.
    pub diagnostics: Vec<DiagnosticStep>,
    /// Nerve-block protocols, sorted by id.
    pub blocks: Vec<BlockProtocol>,
    /// Treatments, sorted by id.
    pub treatments: Vec<Treatment>,
    /// Plan steps, sorted by id.
    pub plan_steps: Vec<PlanStep>,
    /// Exercises, sorted by id.
    pub exercises: Vec<Exercise>,
    /// Self-care items, sorted by id.
    pub self_care: Vec<SelfCare>,
    /// Education topics, sorted by id.
    pub education: Vec<Education>,
    /// Condition categories, sorted by id.
    pub categories: Vec<Category>,
    /// References, sorted by id.
    pub references: Vec<Reference>,
    /// Health-record code mappings, sorted by id.
    pub record_codes: Vec<RecordCodes>,
    /// CDS Hooks cards, sorted by id.
    pub cds_cards: Vec<CdsCard>,
    /// The seed article's coverage map.
    pub seed_coverage: SeedCoverage,
    index: Index,
}

#[derive(Debug, Clone, Default)]
struct Index {
    findings: BTreeMap<String, usize>,
    conditions: BTreeMap<String, usize>,
    groups: BTreeMap<String, usize>,
    references: BTreeMap<String, usize>,
    treatments: BTreeMap<String, usize>,
    blocks: BTreeMap<String, usize>,
    plan_steps: BTreeMap<String, usize>,
    diagnostics: BTreeMap<String, usize>,
}

impl KnowledgeBase {
    /// Parse and validate a whole knowledge base, reporting every problem at once.
    pub fn load(files: &[SourceFile]) -> Result<KnowledgeBase, KbErrors> {
        load::load(files)
    }

    /// The knowledge base compiled into the binary.
    pub fn embedded() -> Result<KnowledgeBase, KbErrors> {
        load::load(&embedded::files()?)
    }

    /// The position of finding `id` in `findings`.
    pub fn finding_index(&self, id: &str) -> Option<usize> {
        self.index.findings.get(id).copied()
    }
    /// The position of condition `id` in `conditions`.
    pub fn condition_index(&self, id: &str) -> Option<usize> {
        self.index.conditions.get(id).copied()
    }
    /// The position of question group `id` in `groups`.
    pub fn group_index(&self, id: &str) -> Option<usize> {
        self.index.groups.get(id).copied()
    }
    /// Finding `id`.
    pub fn finding(&self, id: &str) -> Option<&Finding> {
        self.finding_index(id).and_then(|i| self.findings.get(i))
    }
    /// An evidence entry in normal form, set against its finding's background.
    /// Validation guarantees it for every entry of a loaded knowledge base.
    pub fn likelihood(&self, e: &Evidence) -> Result<Likelihood, String> {
        e.likelihood(self.finding(&e.finding).and_then(|f| f.background.as_ref()).map(|b| b.value))
    }
    /// Condition `id`.
    pub fn condition(&self, id: &str) -> Option<&Condition> {
        self.condition_index(id).and_then(|i| self.conditions.get(i))
    }
    /// Question group `id`.
    pub fn group(&self, id: &str) -> Option<&QuestionGroup> {
        self.group_index(id).and_then(|i| self.groups.get(i))
    }
    /// Reference `id`.
    pub fn reference(&self, id: &str) -> Option<&Reference> {
        self.index.references.get(id).and_then(|&i| self.references.get(i))
    }
    /// Treatment `id`.
    pub fn treatment(&self, id: &str) -> Option<&Treatment> {
        self.index.treatments.get(id).and_then(|&i| self.treatments.get(i))
    }
    /// Block protocol `id`.
    pub fn block(&self, id: &str) -> Option<&BlockProtocol> {
        self.index.blocks.get(id).and_then(|&i| self.blocks.get(i))
    }
    /// Plan step `id`.
    pub fn plan_step(&self, id: &str) -> Option<&PlanStep> {
        self.index.plan_steps.get(id).and_then(|&i| self.plan_steps.get(i))
    }
    /// Work-up step `id`.
    pub fn diagnostic(&self, id: &str) -> Option<&DiagnosticStep> {
        self.index.diagnostics.get(id).and_then(|&i| self.diagnostics.get(i))
    }

    /// Known ids closest to `unknown`, best first, for "did you mean" hints.
    pub fn closest<'a>(unknown: &str, known: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
        let mut scored: Vec<(f64, &str)> =
            known.map(|k| (strsim::jaro_winkler(unknown, k), k)).filter(|(s, _)| *s > 0.75).collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        scored.into_iter().take(3).map(|(_, k)| k).collect()
    }

    /// " (did you mean `a`, `b`)" for the known ids closest to `unknown`, or "".
    pub fn did_you_mean<'a>(unknown: &str, known: impl Iterator<Item = &'a str>) -> String {
        let close = KnowledgeBase::closest(unknown, known);
        if close.is_empty() {
            String::new()
        } else {
            format!(
                " (did you mean {})",
                close.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
            )
        }
    }

    /// Every id of every kind, with the kind's folder name; for listing and lookup.
    pub fn all_ids(&self) -> Vec<(&'static str, &str)> {
        load::KINDS.iter().flat_map(|k| (k.loaded)(self).into_iter().map(|id| (k.folder, id))).collect()
    }

    /// The comparison table (seed: SCNE vs SGNE vs general nerve entrapment),
    /// derived from the condition and category files: one row per category
    /// member that has a comparison profile, then the category itself.
    pub fn comparison_rows(&self) -> Vec<(&str, &Comparison)> {
        let mut rows = Vec::new();
        for cat in &self.categories {
            for m in &cat.members {
                if let Some(c) = self.condition(m)
                    && let Some(cmp) = &c.comparison
                {
                    rows.push((c.name.as_str(), cmp));
                }
            }
            rows.push((cat.name.as_str(), &cat.comparison));
        }
        rows
    }
}
