//! Parsing: every file is read by the table entry of its folder ([`KINDS`]),
//! then every lint runs (`lints`). Nothing stops at the first error, so an
//! author sees every problem in one run.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;

use crate::lints::{Cx, Known, ProblemKind, at, kinds, valid_id};
use crate::model::*;
use crate::{Index, KbErrors, KnowledgeBase, SourceFile, ids};

pub(crate) trait HasId {
    fn set_id(&mut self, id: String);
    fn id(&self) -> &str;
}

macro_rules! has_id {
    ($($t:ty),*) => {$(
        impl HasId for $t {
            fn set_id(&mut self, id: String) { self.id = id; }
            fn id(&self) -> &str { &self.id }
        }
    )*};
}
has_id!(
    Finding,
    QuestionGroup,
    Condition,
    Correlation,
    RedFlag,
    Criteria,
    DiagnosticStep,
    BlockProtocol,
    Treatment,
    PlanStep,
    Exercise,
    SelfCare,
    Education,
    Category,
    Reference,
    RecordCodes,
    CdsCard
);

/// The parsed files, before validation: each kind's entries with the file they came from.
#[derive(Default)]
pub(crate) struct Raw {
    pub meta: Option<KbMeta>,
    pub seed: Option<SeedCoverage>,
    pub findings: Vec<(String, Finding)>,
    pub groups: Vec<(String, QuestionGroup)>,
    pub conditions: Vec<(String, Condition)>,
    pub correlations: Vec<(String, Correlation)>,
    pub red_flags: Vec<(String, RedFlag)>,
    pub criteria: Vec<(String, Criteria)>,
    pub diagnostics: Vec<(String, DiagnosticStep)>,
    pub blocks: Vec<(String, BlockProtocol)>,
    pub treatments: Vec<(String, Treatment)>,
    pub plan_steps: Vec<(String, PlanStep)>,
    pub exercises: Vec<(String, Exercise)>,
    pub self_care: Vec<(String, SelfCare)>,
    pub education: Vec<(String, Education)>,
    pub categories: Vec<(String, Category)>,
    pub references: Vec<(String, Reference)>,
    pub record_codes: Vec<(String, RecordCodes)>,
    pub cds_cards: Vec<(String, CdsCard)>,
}

/// One kind of knowledge: the folder its files live in, how they are read,
/// its lint, and its ids.
pub(crate) struct Kind {
    pub folder: &'static str,
    /// Whether education topics and the seed coverage may name its ids.
    pub citable: bool,
    read: for<'a> fn(&mut Cx<'a>, &'a SourceFile, &str, &mut Raw),
    lint: fn(&mut Cx, &Raw, &Known),
    pub ids: fn(&Raw) -> Vec<&str>,
    /// The ids of a loaded knowledge base, for `all_ids`.
    pub loaded: fn(&KnowledgeBase) -> Vec<&str>,
}

macro_rules! kind {
    ($folder:literal, $field:ident, citable: $citable:literal) => {
        Kind {
            folder: $folder,
            citable: $citable,
            read: |cx, file, id, raw| read(cx, file, id, &mut raw.$field),
            lint: kinds::$field,
            ids: |raw| raw.$field.iter().map(|(_, x)| x.id()).collect(),
            loaded: |kb| kb.$field.iter().map(|x| x.id()).collect(),
        }
    };
}

/// Every kind of knowledge, in the order `kb list` shows them.
pub(crate) const KINDS: [Kind; 17] = [
    kind!("conditions", conditions, citable: true),
    kind!("findings", findings, citable: true),
    kind!("question_groups", groups, citable: true),
    kind!("correlations", correlations, citable: true),
    kind!("red_flags", red_flags, citable: true),
    kind!("criteria", criteria, citable: true),
    kind!("diagnostics", diagnostics, citable: true),
    kind!("blocks", blocks, citable: true),
    kind!("treatments", treatments, citable: true),
    kind!("plan_steps", plan_steps, citable: true),
    kind!("exercises", exercises, citable: true),
    kind!("self_care", self_care, citable: true),
    kind!("education", education, citable: true),
    kind!("categories", categories, citable: true),
    kind!("references", references, citable: true),
    kind!("record_codes", record_codes, citable: false),
    kind!("cds_cards", cds_cards, citable: false),
];

/// Parse one file, reporting a syntax or schema error at its line and column,
/// and keep its spans for the lints.
fn parse<'a, T: DeserializeOwned>(cx: &mut Cx<'a>, file: &'a SourceFile) -> Option<T> {
    match toml::from_str::<T>(&file.text) {
        Ok(v) => {
            cx.spans(&file.path, &file.text);
            Some(v)
        }
        Err(e) => {
            // toml's message repeats the source excerpt; keep only its first line.
            let message = e.message().lines().next().unwrap_or("invalid TOML").to_string();
            let offset = e.span().map(|s| s.start);
            cx.at_offset(&file.path, &file.text, offset, ProblemKind::Toml { message });
            None
        }
    }
}

fn read<'a, T: DeserializeOwned + HasId>(
    cx: &mut Cx<'a>,
    file: &'a SourceFile,
    id: &str,
    into: &mut Vec<(String, T)>,
) {
    if let Some(mut v) = parse::<T>(cx, file) {
        v.set_id(id.to_string());
        into.push((file.path.clone(), v));
    }
}

pub(crate) fn load(files: &[SourceFile]) -> Result<KnowledgeBase, KbErrors> {
    let mut cx = Cx::new();
    let mut sorted: Vec<&SourceFile> = files.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    let mut raw = Raw::default();
    let mut seen_paths = std::collections::BTreeSet::new();
    for f in sorted {
        if !seen_paths.insert(f.path.as_str()) {
            cx.report(&f.path, at![], ProblemKind::FileTwice);
            continue;
        }
        match f.path.as_str() {
            "kb.toml" => raw.meta = parse(&mut cx, f),
            "seed_coverage.toml" => raw.seed = parse(&mut cx, f),
            path => {
                let Some((dir, name)) = path.split_once('/') else {
                    cx.report(path, at![], ProblemKind::TopLevelFile);
                    continue;
                };
                let Some(id) = name.strip_suffix(".toml") else {
                    cx.report(path, at![], ProblemKind::NotToml);
                    continue;
                };
                if id.contains('/') {
                    cx.report(path, at![], ProblemKind::TooDeep);
                    continue;
                }
                if !valid_id(id) {
                    cx.report(path, at![], ProblemKind::BadFileName { id: id.to_string() });
                    continue;
                }
                match KINDS.iter().find(|k| k.folder == dir) {
                    Some(kind) => (kind.read)(&mut cx, f, id, &mut raw),
                    None => cx.report(path, at![], ProblemKind::UnknownFolder { folder: dir.to_string() }),
                }
            }
        }
    }
    if raw.meta.is_none() && !cx.has_problem_in("kb.toml") {
        cx.report("kb.toml", at![], ProblemKind::MissingMeta);
    }
    if raw.seed.is_none() && !cx.has_problem_in("seed_coverage.toml") {
        cx.report("seed_coverage.toml", at![], ProblemKind::MissingSeed);
    }
    let known = Known::new(&raw);
    kinds::lint_meta(&mut cx, &raw, &known);
    for kind in &KINDS {
        (kind.lint)(&mut cx, &raw, &known);
    }
    kinds::lint_seed(&mut cx, &raw, &known);
    let problems = cx.into_problems();
    let (Some(meta), Some(seed_coverage), true) = (raw.meta, raw.seed, problems.is_empty()) else {
        return Err(KbErrors(problems));
    };
    let findings = entries(raw.findings);
    let groups = entries(raw.groups);
    let conditions = entries(raw.conditions);
    let references = entries(raw.references);
    let treatments = entries(raw.treatments);
    let blocks = entries(raw.blocks);
    let plan_steps = entries(raw.plan_steps);
    let diagnostics = entries(raw.diagnostics);
    let index = Index {
        treatments: index_of(&treatments),
        blocks: index_of(&blocks),
        diagnostics: index_of(&diagnostics),
    };
    let correlations = entries(raw.correlations);
    let red_flags = entries(raw.red_flags);
    let criteria = entries(raw.criteria);
    let exercises = entries(raw.exercises);
    let links = ids::resolve(&ids::Lists {
        settings: &meta.settings,
        findings: &findings,
        groups: &groups,
        conditions: &conditions,
        correlations: &correlations,
        red_flags: &red_flags,
        criteria: &criteria,
        diagnostics: &diagnostics,
        blocks: &blocks,
        treatments: &treatments,
        plan_steps: &plan_steps,
        exercises: &exercises,
        references: &references,
    })?;
    Ok(KnowledgeBase {
        meta,
        content_hash: content_hash(files),
        findings,
        groups,
        conditions,
        correlations,
        red_flags,
        criteria,
        diagnostics,
        blocks,
        treatments,
        plan_steps,
        exercises,
        self_care: entries(raw.self_care),
        education: entries(raw.education),
        categories: entries(raw.categories),
        references,
        record_codes: entries(raw.record_codes),
        cds_cards: entries(raw.cds_cards),
        seed_coverage,
        index,
        links,
    })
}

fn entries<T>(v: Vec<(String, T)>) -> Vec<T> {
    // Already sorted by path, and path order within a folder is id order.
    v.into_iter().map(|(_, t)| t).collect()
}

fn index_of<T: HasId>(v: &[T]) -> BTreeMap<String, usize> {
    v.iter().enumerate().map(|(i, x)| (x.id().to_string(), i)).collect()
}

/// The knowledge base's content hash (see `KnowledgeBase::content_hash`).
fn content_hash(files: &[SourceFile]) -> String {
    use sha2::{Digest, Sha256};
    let mut sorted: Vec<&SourceFile> = files.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    let mut h = Sha256::new();
    for f in sorted {
        h.update(f.path.as_bytes());
        h.update([0u8]);
        h.update((f.text.len() as u64).to_le_bytes());
        h.update(f.text.as_bytes());
    }
    h.finalize().iter().fold(String::with_capacity(64), |mut out, b| {
        use std::fmt::Write as _;
        // Writing to a String cannot fail.
        let _ = write!(out, "{b:02x}");
        out
    })
}
#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::lints::line_col;

    #[test]
    fn line_and_column_are_one_based() {
        assert_eq!(line_col("ab\ncd", 0), (1, 1));
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
    }

    /// The embedded knowledge with file `path` rewritten by `edit`.
    fn edited(path: &str, edit: impl Fn(&str) -> String) -> Vec<SourceFile> {
        let mut files = crate::embedded::files().expect("the embedded files are UTF-8");
        let f = files.iter_mut().find(|f| f.path == path).expect("the file exists");
        let new = edit(&f.text);
        assert_ne!(new, f.text, "the edit changed {path}");
        f.text = new;
        files
    }

    fn problems(files: &[SourceFile]) -> Vec<String> {
        match load(files) {
            Ok(_) => Vec::new(),
            Err(e) => e.0.iter().map(|p| format!("{}: {}", p.file, p.kind)).collect(),
        }
    }

    #[test]
    fn every_exercise_has_its_own_picture_and_its_text() {
        let kb = load(&crate::embedded::files().expect("the embedded files are UTF-8"))
            .expect("the embedded knowledge base is valid");
        let keys: BTreeSet<&str> = kb.exercises.iter().map(|e| e.picture.as_str()).collect();
        assert_eq!(keys.len(), kb.exercises.len(), "a picture is shared");
        assert!(kb.exercises.iter().all(|e| !e.picture_alt.trim().is_empty()));

        // Cat-cow drawn with the bird-dog picture: refused, naming the other exercise.
        let shared = edited("exercises/cat_cow.toml", |t| {
            t.replace("picture = \"cat_cow\"", "picture = \"bird_dog\"")
        });
        let p = problems(&shared);
        assert!(
            p.iter().any(|m| m.starts_with("exercises/cat_cow.toml:")
                && m.contains("picture `bird_dog` is also used by exercise `bird_dog`")),
            "{p:?}"
        );

        // No picture, and no text for it.
        let blank = edited("exercises/clamshell.toml", |t| {
            t.lines()
                .map(|l| {
                    if l.starts_with("picture = ") {
                        "picture = \"\"".to_string()
                    } else if l.starts_with("picture_alt = ") {
                        "picture_alt = \" \"".to_string()
                    } else {
                        l.to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join("\n")
        });
        let p = problems(&blank);
        assert!(p.iter().any(|m| m == "exercises/clamshell.toml: `picture` must not be empty"), "{p:?}");
        assert!(p.iter().any(|m| m == "exercises/clamshell.toml: `picture_alt` must not be empty"), "{p:?}");

        // A missing `picture_alt` is a schema error.
        let missing = edited("exercises/pelvic_tilt.toml", |t| {
            t.lines().filter(|l| !l.starts_with("picture_alt = ")).collect::<Vec<_>>().join("\n")
        });
        let p = problems(&missing);
        assert!(
            p.iter().any(|m| m.starts_with("exercises/pelvic_tilt.toml") && m.contains("picture_alt")),
            "{p:?}"
        );
    }

    #[test]
    fn engine_rules_are_sourced_knowledge() {
        let kb = load(&crate::embedded::files().expect("the embedded files are UTF-8"))
            .expect("the embedded knowledge base is valid");
        assert_eq!(kb.meta.engine.always_in_play.value, 3.0);
        assert_eq!(kb.meta.engine.exercises_on_hold_at.urgency, crate::Urgency::Urgent);
        let half = edited("kb.toml", |t| {
            t.replace("always_in_play = { value = 3,", "always_in_play = { value = 2.5,")
        });
        let p = problems(&half);
        assert!(p.iter().any(|m| m.contains("`always_in_play` must be a whole number")), "{p:?}");
        let unsourced = edited("kb.toml", |t| {
            t.replace(
                "exercises_on_hold_at = { urgency = \"urgent\", source = \"seed_article\"",
                "exercises_on_hold_at = { urgency = \"urgent\", source = \"nobody_2099\"",
            )
        });
        let p = problems(&unsourced);
        assert!(p.iter().any(|m| m.contains("nobody_2099")), "{p:?}");
    }

    #[test]
    fn a_question_group_picture_comes_with_its_words() {
        let kb = load(&crate::embedded::files().expect("the embedded files are UTF-8"))
            .expect("the embedded knowledge base is valid");
        let g = kb.groups.iter().find(|g| g.id == "self_palpation").expect("the self-palpation group");
        assert_eq!(g.picture.as_deref(), Some("self_palpation_crest"));
        assert!(g.picture_alt.as_deref().is_some_and(|a| !a.trim().is_empty()));

        let no_words = edited("question_groups/self_palpation.toml", |t| {
            t.lines().filter(|l| !l.starts_with("picture_alt = ")).collect::<Vec<_>>().join("\n")
        });
        let p = problems(&no_words);
        assert!(
            p.iter().any(|m| m.starts_with("question_groups/self_palpation.toml")
                && m.contains("`picture` needs a `picture_alt`")),
            "{p:?}"
        );
        let blank =
            edited("question_groups/self_palpation.toml", |t| {
                t.lines()
                    .map(|l| {
                        if l.starts_with("picture = ") {
                            "picture = \" \"".to_string()
                        } else {
                            l.to_string()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        let p = problems(&blank);
        assert!(
            p.iter().any(|m| m == "question_groups/self_palpation.toml: `picture` must not be empty"),
            "{p:?}"
        );
    }

    #[test]
    fn a_telltale_sign_must_be_a_yes_no_finding() {
        let scaled = edited("conditions/scne.toml", |t| {
            t.replacen(
                "raise_when_any = [\"pain_over_iliac_crest\"",
                "raise_when_any = [\"pain_intensity\"",
                1,
            )
        });
        let p = problems(&scaled);
        assert!(
            p.iter().any(|m| m.starts_with("conditions/scne.toml:")
                && m.contains("`pain_intensity`, which is not a yes/no finding")),
            "{p:?}"
        );
    }

    #[test]
    fn every_cross_reference_resolves_to_the_entry_it_names() {
        let kb = load(&crate::embedded::files().expect("the embedded files are UTF-8"))
            .expect("the embedded knowledge base is valid");
        for (i, f) in kb.findings.iter().enumerate() {
            let id = kb.finding_id(&f.id).expect("every finding has an id");
            assert_eq!((id.index(), kb[id].id.as_str()), (i, f.id.as_str()));
            assert_eq!(kb[kb.group_of(id)].id, f.group);
            let implied: Vec<&str> = kb.implied_by(id).iter().map(|&x| kb[x].id.as_str()).collect();
            assert_eq!(implied, f.implied_by);
        }
        assert_eq!(kb.finding_ids().count(), kb.findings.len());
        assert!(kb.finding_id("no_such_finding").is_none());
        for c in &kb.conditions {
            let ci = kb.condition_id(&c.id).expect("every condition has an id");
            let links = kb.evidence_links(ci);
            assert_eq!(links.len(), c.evidence.len());
            for (e, l) in c.evidence.iter().zip(links) {
                assert_eq!(
                    (kb[l.finding].id.as_str(), kb[l.source].id.as_str()),
                    (e.finding.as_str(), e.source.as_str())
                );
            }
            for (s, setting) in kb.meta.settings.iter().enumerate() {
                let p = kb.prior_link(ci, s).expect("a prior for every setting");
                let entry = &c.prior[p.entry];
                assert_eq!(
                    (entry.setting.as_str(), entry.source.as_str()),
                    (setting.as_str(), kb[p.source].id.as_str())
                );
            }
        }
        for f in &kb.red_flags {
            let links = kb.red_flag_links(kb.red_flag_id(&f.id).expect("every red flag has an id"));
            assert_eq!(kb[links.source].id, f.source);
            let any: Vec<&str> = links.any_of.iter().map(|&x| kb[x].id.as_str()).collect();
            assert_eq!(any, f.any_of);
        }
    }

    #[test]
    fn ids_are_snake_case() {
        assert!(valid_id("scne"));
        assert!(valid_id("age_over_70"));
        assert!(!valid_id("Scne"));
        assert!(!valid_id("1abc"));
        assert!(!valid_id("a-b"));
    }
}
