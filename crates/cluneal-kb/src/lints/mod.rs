//! The knowledge base's lints: one function per kind of knowledge file
//! (`kinds.rs`), each adding typed problems ([`ProblemKind`]) at a place in its
//! file. The place is a key path (`evidence[3].finding`); its line comes from
//! the TOML parser's spans, so a problem points at the offending entry even
//! when the same id appears earlier in the file.

pub(crate) mod kinds;
pub(crate) mod problem;

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

pub(crate) use problem::ProblemKind;

use crate::Problem;
use crate::load::Raw;
use crate::model::{AnswerType, Finding, Sourced};

/// One step of a key path into a TOML document.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Seg<'a> {
    Key(&'a str),
    Item(usize),
}

impl<'a> From<&'a str> for Seg<'a> {
    fn from(k: &'a str) -> Self {
        Seg::Key(k)
    }
}

impl<'a> From<&'a String> for Seg<'a> {
    fn from(k: &'a String) -> Self {
        Seg::Key(k)
    }
}

impl From<usize> for Seg<'_> {
    fn from(i: usize) -> Self {
        Seg::Item(i)
    }
}

/// A key path: `at!["evidence", i, "finding"]`.
macro_rules! at {
    ($($s:expr),* $(,)?) => { &[$($crate::lints::Seg::from($s)),*][..] };
}
pub(crate) use at;

/// `at` with `more` appended.
fn join<'a>(at: &[Seg<'a>], more: &[Seg<'a>]) -> Vec<Seg<'a>> {
    at.iter().chain(more).copied().collect()
}

/// The dotted name of a key path's keys, for messages: `codes[0].code` is `codes.code`.
fn key_name(at: &[Seg]) -> String {
    let keys: Vec<&str> = at
        .iter()
        .filter_map(|s| match s {
            Seg::Key(k) => Some(*k),
            Seg::Item(_) => None,
        })
        .collect();
    keys.join(".")
}

/// The problems found so far, and each parsed file with its spans.
pub(crate) struct Cx<'a> {
    problems: Vec<Problem>,
    docs: BTreeMap<String, (&'a str, Spanned<DeTable<'a>>)>,
}

impl<'a> Cx<'a> {
    pub(crate) fn new() -> Self {
        Cx { problems: Vec::new(), docs: BTreeMap::new() }
    }

    /// Keep the spans of a file that parsed, to place its problems.
    pub(crate) fn spans(&mut self, path: &str, text: &'a str) {
        if let Ok(doc) = DeTable::parse(text) {
            self.docs.insert(path.to_string(), (text, doc));
        }
    }

    /// A problem with a known line and column (TOML syntax and schema errors).
    pub(crate) fn at_offset(&mut self, file: &str, text: &str, offset: Option<usize>, kind: ProblemKind) {
        let (line, column) = match offset {
            Some(o) => {
                let (l, c) = line_col(text, o);
                (Some(l), Some(c))
            }
            None => (None, None),
        };
        self.problems.push(Problem { file: file.to_string(), line, column, kind });
    }

    /// A problem at key path `at` of `file`: the line of the deepest part of
    /// the path the file has (a missing key falls back to its table), none for
    /// an empty path.
    pub(crate) fn report(&mut self, file: &str, at: &[Seg], kind: ProblemKind) {
        let line = self.docs.get(file).and_then(|(text, doc)| {
            let span = span_of(doc, at)?;
            Some(line_col(text, span.start).0)
        });
        self.problems.push(Problem { file: file.to_string(), line, column: None, kind });
    }

    pub(crate) fn has_problem_in(&self, file: &str) -> bool {
        self.problems.iter().any(|p| p.file == file)
    }

    pub(crate) fn into_problems(self) -> Vec<Problem> {
        let mut p = self.problems;
        p.sort();
        p.dedup();
        p
    }
}

/// The span of the deepest value along `at`; `None` when not even its first key is there.
fn span_of(doc: &Spanned<DeTable>, at: &[Seg]) -> Option<Range<usize>> {
    let (first, rest) = at.split_first()?;
    let Seg::Key(k) = first else { return None };
    let mut value: &Spanned<DeValue> = doc.get_ref().get(*k)?;
    for seg in rest {
        let next = match seg {
            Seg::Key(k) => value.get_ref().get(*k),
            Seg::Item(i) => value.get_ref().get(*i),
        };
        match next {
            Some(v) => value = v,
            None => break,
        }
    }
    Some(value.span())
}

/// One-based line and column of byte `offset` in `text`.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// `id` is snake_case: a-z first, then a-z, 0-9 and `_`.
pub(crate) fn valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some('a'..='z'))
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The ids every lint may refer to, gathered once.
pub(crate) struct Known<'a> {
    pub refs: BTreeSet<&'a str>,
    pub findings: BTreeSet<&'a str>,
    pub conditions: BTreeSet<&'a str>,
    pub groups: BTreeSet<&'a str>,
    pub diagnostics: BTreeSet<&'a str>,
    pub steps: BTreeSet<&'a str>,
    pub treatments: BTreeSet<&'a str>,
    pub blocks: BTreeSet<&'a str>,
    /// Ids of the kinds that education topics and the seed coverage may name.
    pub citable: BTreeSet<&'a str>,
    pub finding_by_id: BTreeMap<&'a str, &'a Finding>,
    /// The care settings of `kb.toml`; none when it did not load, so that
    /// priors are not all reported against an empty list.
    pub settings: Option<Vec<&'a str>>,
}

impl<'a> Known<'a> {
    pub(crate) fn new(raw: &'a Raw) -> Self {
        fn ids<T: crate::load::HasId>(v: &[(String, T)]) -> BTreeSet<&str> {
            v.iter().map(|(_, x)| x.id()).collect()
        }
        Known {
            refs: ids(&raw.references),
            findings: ids(&raw.findings),
            conditions: ids(&raw.conditions),
            groups: ids(&raw.groups),
            diagnostics: ids(&raw.diagnostics),
            steps: ids(&raw.plan_steps),
            treatments: ids(&raw.treatments),
            blocks: ids(&raw.blocks),
            citable: crate::load::KINDS.iter().filter(|k| k.citable).flat_map(|k| (k.ids)(raw)).collect(),
            finding_by_id: raw.findings.iter().map(|(_, f)| (f.id.as_str(), f)).collect(),
            settings: raw.meta.as_ref().map(|m| m.settings.iter().map(String::as_str).collect()),
        }
    }

    fn background(&self, id: &str) -> Option<f64> {
        self.finding_by_id.get(id).and_then(|f| f.background.as_ref()).map(|b| b.value)
    }

    /// A known finding that is not yes/no (unknown ones are reported as unknown).
    fn known_not_yes_no(&self, id: &str) -> bool {
        self.finding_by_id.get(id).is_some_and(|f| f.answer != AnswerType::YesNo)
    }
}

/// A reference to an id of some kind, with a "did you mean" when it does not resolve.
fn expect(cx: &mut Cx, file: &str, at: &[Seg], what: &'static str, id: &str, known: &BTreeSet<&str>) {
    if known.contains(id) {
        return;
    }
    let hint = crate::KnowledgeBase::did_you_mean(id, known.iter().copied());
    cx.report(file, at, ProblemKind::UnknownId { what, id: id.to_string(), hint });
}

/// A text that must say something; the message names the key path.
fn nonempty(cx: &mut Cx, file: &str, at: &[Seg], value: &str) {
    if value.trim().is_empty() {
        cx.report(file, at, ProblemKind::Empty { key: key_name(at) });
    }
}

/// A sourced number within `range`, citing a known reference.
fn sourced(cx: &mut Cx, file: &str, at: &[Seg], q: &Sourced, range: (f64, f64), refs: &BTreeSet<&str>) {
    if !q.value.is_finite() || q.value < range.0 || q.value > range.1 {
        let key = at
            .iter()
            .rev()
            .find_map(|s| match s {
                Seg::Key(k) => Some(*k),
                Seg::Item(_) => None,
            })
            .unwrap_or_default()
            .to_string();
        cx.report(file, at, ProblemKind::OutOfRange { key, value: q.value, lo: range.0, hi: range.1 });
    }
    expect(cx, file, &join(at, at!["source"]), "reference", &q.source, refs);
}

/// Every entry of `sources` is a known reference, and there is at least one when `required`.
fn sources(cx: &mut Cx, file: &str, sources: &[String], required: bool, refs: &BTreeSet<&str>) {
    if required && sources.is_empty() {
        cx.report(file, at!["sources"], ProblemKind::NoSources);
    }
    for (i, s) in sources.iter().enumerate() {
        expect(cx, file, at!["sources", i], "reference", s, refs);
    }
}
