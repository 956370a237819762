//! The Cluneal knowledge base: schema, validation and the compiled, read-only form.
//!
//! This crate is pure: it never touches the file system. Callers hand it the
//! files as `(relative path, text)` pairs (the binary embeds them, or reads an
//! edited copy from disk), and [`KnowledgeBase::load`] either returns a validated
//! knowledge base or every problem it found. Only a validated knowledge base can
//! be built, so the engine never sees unchecked knowledge.

mod ids;
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

use ids::Links;
pub use ids::{
    ConditionId, CriteriaLinks, DiagnosticLinks, EvidenceLink, FindingId, GroupId, PlanStepId, PriorLink,
    RedFlagId, RedFlagLinks, ReferenceId,
};

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
///
/// Its fields are private, so once loaded it cannot be altered, not even in a
/// clone:
///
/// ```compile_fail
/// let kb = cluneal_kb::KnowledgeBase::embedded().map_err(|e| e.to_string())?;
/// let mut copy = kb.clone();
/// copy.conditions.clear();
/// # Ok::<(), String>(())
/// ```
///
/// Reading goes through accessors:
///
/// ```
/// let kb = cluneal_kb::KnowledgeBase::embedded().map_err(|e| e.to_string())?;
/// assert!(!kb.conditions().is_empty());
/// # Ok::<(), String>(())
/// ```
#[derive(Debug, Clone)]
pub struct KnowledgeBase {
    /// The contents of `kb.toml`.
    meta: KbMeta,
    /// SHA-256 (hex) over the knowledge files in path order, each as its path,
    /// a NUL byte, its length in bytes (8 bytes, little-endian) and its text:
    /// names the exact files a report was made with, where `meta.version` names
    /// a release. The embedded copy and `--knowledge knowledge` give the same hash.
    content_hash: String,
    /// Findings, sorted by id.
    findings: Vec<Finding>,
    /// Question groups, sorted by id.
    groups: Vec<QuestionGroup>,
    /// Conditions, sorted by id.
    conditions: Vec<Condition>,
    /// Correlation groups, sorted by id.
    correlations: Vec<Correlation>,
    /// Red flags, sorted by id.
    red_flags: Vec<RedFlag>,
    /// Criteria sets, sorted by id.
    criteria: Vec<Criteria>,
    /// Work-up steps, sorted by id.
    diagnostics: Vec<DiagnosticStep>,
    /// Nerve-block protocols, sorted by id.
    blocks: Vec<BlockProtocol>,
    /// Treatments, sorted by id.
    treatments: Vec<Treatment>,
    /// Plan steps, sorted by id.
    plan_steps: Vec<PlanStep>,
    /// Exercises, sorted by id.
    exercises: Vec<Exercise>,
    /// Self-care items, sorted by id.
    self_care: Vec<SelfCare>,
    /// Education topics, sorted by id.
    education: Vec<Education>,
    /// Condition categories, sorted by id.
    categories: Vec<Category>,
    /// References, sorted by id.
    references: Vec<Reference>,
    /// Health-record code mappings, sorted by id.
    record_codes: Vec<RecordCodes>,
    /// CDS Hooks cards, sorted by id.
    cds_cards: Vec<CdsCard>,
    /// The seed article's coverage map.
    seed_coverage: SeedCoverage,
    index: Index,
    links: Links,
}

/// String lookups of the kinds without a typed id.
#[derive(Debug, Clone, Default)]
struct Index {
    treatments: BTreeMap<String, usize>,
    blocks: BTreeMap<String, usize>,
    diagnostics: BTreeMap<String, usize>,
}

impl KnowledgeBase {
    // Read-only access: the fields are private so that a validated knowledge
    // base cannot be altered after `load` and then handed to the engine.
    /// The contents of `kb.toml`.
    pub fn meta(&self) -> &KbMeta {
        &self.meta
    }
    /// The setting whose priors apply when a case names none: `defaults.setting`,
    /// else the first of `settings` (validation guarantees there is one).
    pub fn default_setting(&self) -> &str {
        self.meta
            .defaults
            .setting
            .as_deref()
            .or(self.meta.settings.first().map(String::as_str))
            .unwrap_or_default()
    }
    /// Finding `id`'s label, or the id itself when no finding has it.
    pub fn finding_label<'a>(&'a self, id: &'a str) -> &'a str {
        self.finding(id).map_or(id, |f| f.label.as_str())
    }
    /// The display name of care setting `setting` (`kb.toml`'s `[care_setting]`),
    /// or the id itself when it names no setting.
    pub fn setting_name<'a>(&'a self, setting: &'a str) -> &'a str {
        self.meta.care_setting.get(setting).map_or(setting, |s| s.name.as_str())
    }
    /// SHA-256 (hex) over the knowledge files in path order, each as its path,
    /// a NUL byte, its length in bytes (8 bytes, little-endian) and its text:
    /// names the exact files a report was made with, where `meta.version` names
    /// a release. The embedded copy and `--knowledge knowledge` give the same hash.
    pub fn content_hash(&self) -> &str {
        &self.content_hash
    }
    /// Findings, sorted by id.
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }
    /// Question groups, sorted by id.
    pub fn groups(&self) -> &[QuestionGroup] {
        &self.groups
    }
    /// Conditions, sorted by id.
    pub fn conditions(&self) -> &[Condition] {
        &self.conditions
    }
    /// Correlation groups, sorted by id.
    pub fn correlations(&self) -> &[Correlation] {
        &self.correlations
    }
    /// Red flags, sorted by id.
    pub fn red_flags(&self) -> &[RedFlag] {
        &self.red_flags
    }
    /// Criteria sets, sorted by id.
    pub fn criteria(&self) -> &[Criteria] {
        &self.criteria
    }
    /// Work-up steps, sorted by id.
    pub fn diagnostics(&self) -> &[DiagnosticStep] {
        &self.diagnostics
    }
    /// Nerve-block protocols, sorted by id.
    pub fn blocks(&self) -> &[BlockProtocol] {
        &self.blocks
    }
    /// Treatments, sorted by id.
    pub fn treatments(&self) -> &[Treatment] {
        &self.treatments
    }
    /// Plan steps, sorted by id.
    pub fn plan_steps(&self) -> &[PlanStep] {
        &self.plan_steps
    }
    /// Exercises, sorted by id.
    pub fn exercises(&self) -> &[Exercise] {
        &self.exercises
    }
    /// Self-care items, sorted by id.
    pub fn self_care(&self) -> &[SelfCare] {
        &self.self_care
    }
    /// Education topics, sorted by id.
    pub fn education(&self) -> &[Education] {
        &self.education
    }
    /// Condition categories, sorted by id.
    pub fn categories(&self) -> &[Category] {
        &self.categories
    }
    /// References, sorted by id.
    pub fn references(&self) -> &[Reference] {
        &self.references
    }
    /// Health-record code mappings, sorted by id.
    pub fn record_codes(&self) -> &[RecordCodes] {
        &self.record_codes
    }
    /// CDS Hooks cards, sorted by id.
    pub fn cds_cards(&self) -> &[CdsCard] {
        &self.cds_cards
    }
    /// The seed article's coverage map.
    pub fn seed_coverage(&self) -> &SeedCoverage {
        &self.seed_coverage
    }

    /// Parse and validate a whole knowledge base, reporting every problem at once.
    pub fn load(files: &[SourceFile]) -> Result<KnowledgeBase, KbErrors> {
        load::load(files)
    }

    /// The knowledge base compiled into the binary.
    pub fn embedded() -> Result<KnowledgeBase, KbErrors> {
        load::load(&embedded::files()?)
    }

    /// Finding `id`, resolved.
    pub fn finding_id(&self, id: &str) -> Option<FindingId> {
        self.links.finding_lookup.get(id)
    }
    /// Condition `id`, resolved.
    pub fn condition_id(&self, id: &str) -> Option<ConditionId> {
        self.links.condition_ids.get(id).copied()
    }
    /// Reference `id`, resolved.
    pub fn reference_id(&self, id: &str) -> Option<ReferenceId> {
        self.links.reference_ids.get(id).copied()
    }
    /// Red flag `id`, resolved.
    pub fn red_flag_id(&self, id: &str) -> Option<RedFlagId> {
        self.links.red_flag_ids.get(id).copied()
    }
    /// Question group `id`, resolved.
    pub fn group_id(&self, id: &str) -> Option<GroupId> {
        self.links.group_ids.get(id).copied()
    }
    /// Plan step `id`, resolved.
    pub fn plan_step_id(&self, id: &str) -> Option<PlanStepId> {
        self.links.plan_step_ids.get(id).copied()
    }
    /// Every finding, in id order.
    pub fn finding_ids(&self) -> impl Iterator<Item = FindingId> + '_ {
        self.links.finding_ids.values().copied()
    }
    /// Every condition, in id order.
    pub fn condition_ids(&self) -> impl Iterator<Item = ConditionId> + '_ {
        self.links.condition_ids.values().copied()
    }

    /// Every red flag, in id order.
    pub fn red_flag_ids(&self) -> impl Iterator<Item = RedFlagId> + '_ {
        self.links.red_flag_ids.values().copied()
    }

    /// The position of finding `id` in `findings`.
    pub fn finding_index(&self, id: &str) -> Option<usize> {
        self.finding_id(id).map(FindingId::index)
    }
    /// The position of condition `id` in `conditions`.
    pub fn condition_index(&self, id: &str) -> Option<usize> {
        self.condition_id(id).map(ConditionId::index)
    }
    /// The position of question group `id` in `groups`.
    pub fn group_index(&self, id: &str) -> Option<usize> {
        self.group_id(id).map(GroupId::index)
    }
    /// Finding `id`.
    pub fn finding(&self, id: &str) -> Option<&Finding> {
        self.finding_id(id).map(|f| &self[f])
    }
    /// An evidence entry in normal form, set against its finding's background.
    /// Validation guarantees it for every entry of a loaded knowledge base.
    pub fn likelihood(&self, e: &Evidence) -> Result<Likelihood, String> {
        e.likelihood(self.finding(&e.finding).and_then(|f| f.background.as_ref()).map(|b| b.value))
    }
    /// Condition `id`.
    pub fn condition(&self, id: &str) -> Option<&Condition> {
        self.condition_id(id).map(|c| &self[c])
    }
    /// Question group `id`.
    pub fn group(&self, id: &str) -> Option<&QuestionGroup> {
        self.group_id(id).map(|g| &self[g])
    }
    /// Reference `id`.
    pub fn reference(&self, id: &str) -> Option<&Reference> {
        self.reference_id(id).map(|r| &self[r])
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
        self.plan_step_id(id).map(|s| &self[s])
    }
    /// Work-up step `id`.
    pub fn diagnostic(&self, id: &str) -> Option<&DiagnosticStep> {
        self.index.diagnostics.get(id).and_then(|&i| self.diagnostics.get(i))
    }

    /// Finding `f`'s question group.
    #[expect(
        clippy::indexing_slicing,
        reason = "a finding id is an index into this knowledge base's findings, and `group_of` has one entry per finding"
    )]
    pub fn group_of(&self, f: FindingId) -> GroupId {
        self.links.group_of[f.index()]
    }
    /// The finding derived finding `f` is computed from, when it comes from a finding.
    pub fn derived_from(&self, f: FindingId) -> Option<FindingId> {
        self.links.derived_from.get(f.index()).copied().flatten()
    }
    /// The more specific findings that imply finding `f`.
    pub fn implied_by(&self, f: FindingId) -> &[FindingId] {
        self.links.implied_by.get(f.index()).map_or(&[], Vec::as_slice)
    }
    /// Condition `c`'s evidence entries' findings and sources, in the order of its `evidence`.
    pub fn evidence_links(&self, c: ConditionId) -> &[EvidenceLink] {
        self.links.evidence.get(c.index()).map_or(&[], Vec::as_slice)
    }
    /// Variant `v` of condition `c`: its evidence entries' findings and sources,
    /// in the order of the variant's `evidence`.
    pub fn variant_evidence_links(&self, c: ConditionId, v: usize) -> &[EvidenceLink] {
        self.links.variant_evidence.get(c.index()).and_then(|l| l.get(v)).map_or(&[], Vec::as_slice)
    }
    /// Condition `c`'s prior in care setting `setting` (an index into `meta.settings`).
    pub fn prior_link(&self, c: ConditionId, setting: usize) -> Option<PriorLink> {
        self.links.priors.get(c.index()).and_then(|p| p.get(setting)).copied()
    }
    /// Condition `c`'s telltale findings (`raise_when_any`).
    pub fn raise_when_any(&self, c: ConditionId) -> &[FindingId] {
        self.links.raise_when_any.get(c.index()).map_or(&[], Vec::as_slice)
    }
    /// The conditions condition `c` coexists with, in the order of its `coexists`.
    pub fn coexists_with(&self, c: ConditionId) -> &[ConditionId] {
        self.links.coexists.get(c.index()).map_or(&[], Vec::as_slice)
    }
    /// Per correlation group (parallel to `correlations`): its findings.
    pub fn correlation_findings(&self) -> &[Vec<FindingId>] {
        &self.links.correlation_findings
    }
    /// Red flag `f`'s findings and source.
    #[expect(
        clippy::indexing_slicing,
        reason = "a red flag id is an index into this knowledge base's red flags, and `red_flags` has one entry per flag"
    )]
    pub fn red_flag_links(&self, f: RedFlagId) -> &RedFlagLinks {
        &self.links.red_flags[f.index()]
    }
    /// Per criteria set (parallel to `criteria`): its source and items' findings.
    pub fn criteria_links(&self) -> &[CriteriaLinks] {
        &self.links.criteria
    }
    /// Per work-up step (parallel to `diagnostics`): its findings, conditions and sources.
    pub fn diagnostic_links(&self) -> &[DiagnosticLinks] {
        &self.links.diagnostics
    }
    /// Per exercise (parallel to `exercises`): the findings of its `avoid_if`, in order.
    pub fn exercise_avoid_if(&self) -> &[Vec<FindingId>] {
        &self.links.avoid_if
    }
    /// Per exercise (parallel to `exercises`): the conditions of its `avoid_with_conditions`, in order.
    pub fn exercise_avoid_with(&self) -> &[Vec<ConditionId>] {
        &self.links.avoid_with_conditions
    }
    /// Per treatment (parallel to `treatments`): its plan step.
    pub fn treatment_steps(&self) -> &[PlanStepId] {
        &self.links.treatment_step
    }
    /// Per treatment (parallel to `treatments`): the conditions it is used for.
    pub fn treatment_conditions(&self) -> &[Vec<ConditionId>] {
        &self.links.treatment_conditions
    }
    /// Per block protocol (parallel to `blocks`): its result finding.
    pub fn block_results(&self) -> &[FindingId] {
        &self.links.block_result
    }
    /// Per block protocol (parallel to `blocks`): its sources.
    pub fn block_sources(&self) -> &[Vec<ReferenceId>] {
        &self.links.block_sources
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

/// `kb[id]`: the entry a typed id names. Ids are minted by the knowledge base
/// for its own lists, so the index is in range.
macro_rules! index_by_id {
    ($($id:ty => $field:ident: $t:ty),* $(,)?) => {$(
        impl std::ops::Index<$id> for KnowledgeBase {
            type Output = $t;
            #[expect(clippy::indexing_slicing, reason = "a typed id is an index into the list of the knowledge base that minted it")]
            fn index(&self, id: $id) -> &$t {
                &self.$field[id.index()]
            }
        }
    )*};
}
index_by_id!(
    FindingId => findings: Finding,
    ConditionId => conditions: Condition,
    ReferenceId => references: Reference,
    RedFlagId => red_flags: RedFlag,
    GroupId => groups: QuestionGroup,
    PlanStepId => plan_steps: PlanStep,
);
