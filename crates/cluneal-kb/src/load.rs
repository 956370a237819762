//! Parsing and validation. Every check adds to one list of problems; nothing
//! stops at the first error, so an author sees everything in one run.

use std::collections::{BTreeMap, BTreeSet};

use serde::de::DeserializeOwned;

use crate::model::*;
use crate::{Index, KbErrors, KnowledgeBase, Problem, SourceFile};

struct Cx<'a> {
    problems: Vec<Problem>,
    texts: BTreeMap<String, &'a str>,
}

impl Cx<'_> {
    /// Report a problem; the line is found by searching the file for `near`
    /// (usually the offending id), so authors land on the right line.
    fn problem(&mut self, file: &str, near: Option<&str>, message: impl Into<String>) {
        let line = near.and_then(|n| {
            self.texts.get(file).and_then(|t| {
                let quoted = format!("\"{n}\"");
                let pos = t.find(&quoted).or_else(|| t.find(n))?;
                Some(t[..pos].matches('\n').count() + 1)
            })
        });
        self.problems.push(Problem { file: file.to_string(), line, column: None, message: message.into() });
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn parse<T: DeserializeOwned>(cx: &mut Cx, file: &SourceFile) -> Option<T> {
    match toml::from_str::<T>(&file.text) {
        Ok(v) => Some(v),
        Err(e) => {
            let (line, column) = match e.span() {
                Some(span) => {
                    let (l, c) = line_col(&file.text, span.start);
                    (Some(l), Some(c))
                }
                None => (None, None),
            };
            // toml's message repeats the source excerpt; keep only its first line.
            let msg = e.message().lines().next().unwrap_or("invalid TOML").to_string();
            cx.problems.push(Problem { file: file.path.clone(), line, column, message: msg });
            None
        }
    }
}

trait HasId {
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

fn valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some('a'..='z'))
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[derive(Default)]
struct Raw {
    meta: Option<KbMeta>,
    seed: Option<SeedCoverage>,
    findings: Vec<(String, Finding)>,
    groups: Vec<(String, QuestionGroup)>,
    conditions: Vec<(String, Condition)>,
    correlations: Vec<(String, Correlation)>,
    red_flags: Vec<(String, RedFlag)>,
    criteria: Vec<(String, Criteria)>,
    diagnostics: Vec<(String, DiagnosticStep)>,
    blocks: Vec<(String, BlockProtocol)>,
    treatments: Vec<(String, Treatment)>,
    plan_steps: Vec<(String, PlanStep)>,
    exercises: Vec<(String, Exercise)>,
    self_care: Vec<(String, SelfCare)>,
    education: Vec<(String, Education)>,
    categories: Vec<(String, Category)>,
    references: Vec<(String, Reference)>,
    record_codes: Vec<(String, RecordCodes)>,
    cds_cards: Vec<(String, CdsCard)>,
}

fn push<T: DeserializeOwned + HasId>(cx: &mut Cx, file: &SourceFile, id: &str, into: &mut Vec<(String, T)>) {
    if let Some(mut v) = parse::<T>(cx, file) {
        v.set_id(id.to_string());
        into.push((file.path.clone(), v));
    }
}

pub(crate) fn load(files: &[SourceFile]) -> Result<KnowledgeBase, KbErrors> {
    let mut cx = Cx { problems: Vec::new(), texts: BTreeMap::new() };
    for f in files {
        cx.texts.insert(f.path.clone(), f.text.as_str());
    }
    let mut sorted: Vec<&SourceFile> = files.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    let mut raw = Raw::default();
    let mut seen_paths = BTreeSet::new();
    for f in sorted {
        if !seen_paths.insert(f.path.as_str()) {
            cx.problem(&f.path, None, "file given twice");
            continue;
        }
        match f.path.as_str() {
            "kb.toml" => raw.meta = parse(&mut cx, f),
            "seed_coverage.toml" => raw.seed = parse(&mut cx, f),
            path => {
                let Some((dir, name)) = path.split_once('/') else {
                    cx.problem(path, None, "unexpected file at the top of the knowledge folder");
                    continue;
                };
                let Some(id) = name.strip_suffix(".toml") else {
                    cx.problem(path, None, "knowledge files must end in `.toml`");
                    continue;
                };
                if id.contains('/') {
                    cx.problem(path, None, "knowledge folders are one level deep");
                    continue;
                }
                if !valid_id(id) {
                    cx.problem(
                        path,
                        None,
                        format!("file name `{id}` is not a valid id (use snake_case: a-z, 0-9, _)"),
                    );
                    continue;
                }
                match dir {
                    "findings" => push(&mut cx, f, id, &mut raw.findings),
                    "question_groups" => push(&mut cx, f, id, &mut raw.groups),
                    "conditions" => push(&mut cx, f, id, &mut raw.conditions),
                    "correlations" => push(&mut cx, f, id, &mut raw.correlations),
                    "red_flags" => push(&mut cx, f, id, &mut raw.red_flags),
                    "criteria" => push(&mut cx, f, id, &mut raw.criteria),
                    "diagnostics" => push(&mut cx, f, id, &mut raw.diagnostics),
                    "blocks" => push(&mut cx, f, id, &mut raw.blocks),
                    "treatments" => push(&mut cx, f, id, &mut raw.treatments),
                    "plan_steps" => push(&mut cx, f, id, &mut raw.plan_steps),
                    "exercises" => push(&mut cx, f, id, &mut raw.exercises),
                    "self_care" => push(&mut cx, f, id, &mut raw.self_care),
                    "education" => push(&mut cx, f, id, &mut raw.education),
                    "categories" => push(&mut cx, f, id, &mut raw.categories),
                    "references" => push(&mut cx, f, id, &mut raw.references),
                    "record_codes" => push(&mut cx, f, id, &mut raw.record_codes),
                    "cds_cards" => push(&mut cx, f, id, &mut raw.cds_cards),
                    other => cx.problem(path, None, format!("unknown knowledge folder `{other}`")),
                }
            }
        }
    }
    if raw.meta.is_none() && !cx.problems.iter().any(|p| p.file == "kb.toml") {
        cx.problem("kb.toml", None, "missing: the knowledge base needs a `kb.toml`");
    }
    if raw.seed.is_none() && !cx.problems.iter().any(|p| p.file == "seed_coverage.toml") {
        cx.problem("seed_coverage.toml", None, "missing: the seed coverage list is required");
    }
    check(&mut cx, &raw);
    if !cx.problems.is_empty() {
        let mut p = cx.problems;
        p.sort();
        p.dedup();
        return Err(KbErrors(p));
    }
    let (Some(meta), Some(seed)) = (raw.meta, raw.seed) else {
        return Err(KbErrors(vec![Problem {
            file: "kb.toml".into(),
            line: None,
            column: None,
            message: "missing".into(),
        }]));
    };
    let content_hash = content_hash(files);
    Ok(build(
        content_hash,
        meta,
        seed,
        raw_into(raw.findings),
        raw_into(raw.groups),
        raw_into(raw.conditions),
        Rest {
            correlations: raw_into(raw.correlations),
            red_flags: raw_into(raw.red_flags),
            criteria: raw_into(raw.criteria),
            diagnostics: raw_into(raw.diagnostics),
            blocks: raw_into(raw.blocks),
            treatments: raw_into(raw.treatments),
            plan_steps: raw_into(raw.plan_steps),
            exercises: raw_into(raw.exercises),
            self_care: raw_into(raw.self_care),
            education: raw_into(raw.education),
            categories: raw_into(raw.categories),
            references: raw_into(raw.references),
            record_codes: raw_into(raw.record_codes),
            cds_cards: raw_into(raw.cds_cards),
        },
    ))
}

fn raw_into<T>(v: Vec<(String, T)>) -> Vec<T> {
    // Already sorted by path, and path order within a folder is id order.
    v.into_iter().map(|(_, t)| t).collect()
}

struct Rest {
    record_codes: Vec<RecordCodes>,
    cds_cards: Vec<CdsCard>,
    correlations: Vec<Correlation>,
    red_flags: Vec<RedFlag>,
    criteria: Vec<Criteria>,
    diagnostics: Vec<DiagnosticStep>,
    blocks: Vec<BlockProtocol>,
    treatments: Vec<Treatment>,
    plan_steps: Vec<PlanStep>,
    exercises: Vec<Exercise>,
    self_care: Vec<SelfCare>,
    education: Vec<Education>,
    categories: Vec<Category>,
    references: Vec<Reference>,
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

fn build(
    content_hash: String,
    meta: KbMeta,
    seed_coverage: SeedCoverage,
    findings: Vec<Finding>,
    groups: Vec<QuestionGroup>,
    conditions: Vec<Condition>,
    r: Rest,
) -> KnowledgeBase {
    let index = Index {
        findings: index_of(&findings),
        conditions: index_of(&conditions),
        groups: index_of(&groups),
        references: index_of(&r.references),
        treatments: index_of(&r.treatments),
        blocks: index_of(&r.blocks),
        plan_steps: index_of(&r.plan_steps),
        diagnostics: index_of(&r.diagnostics),
    };
    KnowledgeBase {
        meta,
        content_hash,
        findings,
        groups,
        conditions,
        correlations: r.correlations,
        red_flags: r.red_flags,
        criteria: r.criteria,
        diagnostics: r.diagnostics,
        blocks: r.blocks,
        treatments: r.treatments,
        plan_steps: r.plan_steps,
        exercises: r.exercises,
        self_care: r.self_care,
        education: r.education,
        categories: r.categories,
        references: r.references,
        record_codes: r.record_codes,
        cds_cards: r.cds_cards,
        seed_coverage,
        index,
    }
}

fn ids<T: HasId>(v: &[(String, T)]) -> BTreeSet<&str> {
    v.iter().map(|(_, x)| x.id()).collect()
}

/// A reference from one file to an id of some kind, checked with a "did you mean".
fn expect(cx: &mut Cx, file: &str, what: &str, id: &str, known: &BTreeSet<&str>) {
    if known.contains(id) {
        return;
    }
    let hint = crate::KnowledgeBase::did_you_mean(id, known.iter().copied());
    cx.problem(file, Some(id), format!("unknown {what} `{id}`{hint}"));
}

fn nonempty(cx: &mut Cx, file: &str, key: &str, value: &str) {
    if value.trim().is_empty() {
        cx.problem(file, Some(key), format!("`{key}` must not be empty"));
    }
}

fn sourced(cx: &mut Cx, file: &str, key: &str, q: &Sourced, range: (f64, f64), refs: &BTreeSet<&str>) {
    if !q.value.is_finite() || q.value < range.0 || q.value > range.1 {
        cx.problem(
            file,
            Some(key),
            format!("`{key}` = {} is out of range [{}, {}]", q.value, range.0, range.1),
        );
    }
    expect(cx, file, "reference", &q.source, refs);
}

fn check(cx: &mut Cx, raw: &Raw) {
    let refs = ids(&raw.references);
    let findings = ids(&raw.findings);
    let conditions = ids(&raw.conditions);
    let groups = ids(&raw.groups);
    let diagnostics = ids(&raw.diagnostics);
    let steps = ids(&raw.plan_steps);
    let finding_by_id: BTreeMap<&str, &Finding> =
        raw.findings.iter().map(|(_, f)| (f.id.as_str(), f)).collect();
    let background = |id: &str| finding_by_id.get(id).and_then(|f| f.background.as_ref()).map(|b| b.value);
    let yes_no = |id: &str| finding_by_id.get(id).is_some_and(|f| f.answer == AnswerType::YesNo);
    let mut settings: Vec<&str> = Vec::new();

    if let Some(meta) = &raw.meta {
        let f = "kb.toml";
        nonempty(cx, f, "version", &meta.version);
        if meta.settings.is_empty() {
            cx.problem(f, Some("settings"), "`settings` must list at least one care setting");
        }
        settings = meta.settings.iter().map(String::as_str).collect();
        for s in &settings {
            if !valid_id(s) {
                cx.problem(f, Some(s), format!("setting `{s}` is not a valid id"));
            }
        }
        let i = &meta.interview;
        sourced(cx, f, "stop_probability", &i.stop_probability, (0.5, 1.0), &refs);
        sourced(cx, f, "min_information_gain", &i.min_information_gain, (0.0, 1.0), &refs);
        sourced(cx, f, "max_questions", &i.max_questions, (1.0, 500.0), &refs);
        sourced(cx, f, "relevant_probability", &meta.engine.relevant_probability, (0.0, 1.0), &refs);
        sourced(cx, f, "fits_well_probability", &meta.engine.fits_well_probability, (0.0, 1.0), &refs);
        if meta.engine.fits_well_probability.value <= meta.engine.relevant_probability.value {
            cx.problem(
                f,
                Some("fits_well_probability"),
                "`fits_well_probability` must be above `relevant_probability`",
            );
        }
        sourced(cx, f, "open_picture_probability", &meta.engine.open_picture_probability, (0.0, 1.0), &refs);
        sourced(cx, f, "always_in_play", &meta.engine.always_in_play, (0.0, 30.0), &refs);
        if meta.engine.always_in_play.value.fract() != 0.0 {
            cx.problem(f, Some("always_in_play"), "`always_in_play` must be a whole number of conditions");
        }
        expect(cx, f, "reference", &meta.engine.exercises_on_hold_at.source, &refs);
        sourced(cx, f, "pain_mic_points", &meta.outcomes.pain_mic_points, (0.0, 10.0), &refs);
        sourced(cx, f, "pain_mic_share", &meta.outcomes.pain_mic_share, (0.0, 1.0), &refs);
        sourced(
            cx,
            f,
            "must_not_miss_probability",
            &meta.engine.must_not_miss_probability,
            (0.0, 1.0),
            &refs,
        );
        if !(1..=50).contains(&meta.engine.next_questions) {
            cx.problem(f, Some("next_questions"), "`next_questions` must be 1 to 50");
        }
        if let Some(s) = &meta.defaults.setting
            && !meta.settings.contains(s)
        {
            cx.problem(f, Some(s), format!("default setting `{s}` is not in `settings`"));
        }
        if let Some(b) = &meta.defaults.block {
            expect(cx, f, "block protocol", b, &ids(&raw.blocks));
        }
        for (key, v) in [
            ("disclaimer", &meta.messages.disclaimer),
            ("screen_incomplete", &meta.messages.screen_incomplete),
            ("exercises_withheld", &meta.messages.exercises_withheld),
            ("no_red_flags", &meta.messages.no_red_flags),
            ("picture_open", &meta.messages.picture_open),
            ("picture_focused", &meta.messages.picture_focused),
        ] {
            if v.trim().is_empty() {
                cx.problem(f, None, format!("`messages.{key}` must not be empty"));
            }
        }
    }

    for (file, g) in &raw.groups {
        nonempty(cx, file, "title", &g.title);
        nonempty(cx, file, "patient_prompt", &g.patient_prompt);
        nonempty(cx, file, "clinician_prompt", &g.clinician_prompt);
        // A picture without its words is lost on a screen reader; words without
        // a picture describe nothing.
        match (&g.picture, &g.picture_alt) {
            (Some(p), Some(a)) => {
                nonempty(cx, file, "picture", p);
                nonempty(cx, file, "picture_alt", a);
            }
            (Some(_), None) => {
                cx.problem(file, Some("picture"), "`picture` needs a `picture_alt` that says what it shows")
            }
            (None, Some(_)) => cx.problem(file, Some("picture_alt"), "`picture_alt` without a `picture`"),
            (None, None) => {}
        }
    }

    for (file, f) in &raw.findings {
        for sex in &f.sexes {
            if !["female", "male", "other"].contains(&sex.as_str()) {
                cx.problem(
                    file,
                    Some("sexes"),
                    format!("unknown sex `{sex}` in `sexes`: use female, male or other"),
                );
            }
        }
        nonempty(cx, file, "label", &f.label);
        nonempty(cx, file, "question", &f.question);
        nonempty(cx, file, "clinician", &f.clinician);
        expect(cx, file, "question group", &f.group, &groups);
        for code in &f.codes {
            nonempty(cx, file, "codes.code", &code.code);
            nonempty(cx, file, "codes.system", &code.system);
        }
        if f.sources.is_empty() {
            cx.problem(file, Some("sources"), "`sources` must name at least one reference");
        }
        for s in &f.sources {
            expect(cx, file, "reference", s, &refs);
        }
        for x in &f.implied_by {
            expect(cx, file, "finding", x, &findings);
            if x == &f.id {
                cx.problem(file, Some(x), "a finding cannot imply itself");
            }
            if findings.contains(x.as_str()) && !yes_no(x) {
                cx.problem(file, Some(x), format!("`implied_by` finding `{x}` must be yes/no"));
            }
        }
        if !f.implied_by.is_empty() && f.answer != AnswerType::YesNo {
            cx.problem(file, Some("implied_by"), "only a yes/no finding can be implied by others");
        }
        if let Some(b) = &f.background {
            sourced(cx, file, "background", b, (0.000_001, 0.9999), &refs);
            if b.grade == Grade::ExpertEstimate && b.note.as_deref().is_none_or(|n| n.trim().is_empty()) {
                cx.problem(file, Some("background"), "an expert-estimate `background` needs a `note`");
            }
        }
        match f.answer {
            AnswerType::Number => match (f.min, f.max) {
                (Some(lo), Some(hi)) if lo < hi => {}
                _ => cx.problem(file, Some("answer"), "a `number` finding needs `min` < `max`"),
            },
            AnswerType::Choice => {
                if f.options.len() < 2 {
                    cx.problem(file, Some("options"), "a `choice` finding needs at least two `options`");
                }
            }
            AnswerType::YesNo | AnswerType::Scale => {}
        }
        if let Some(d) = &f.derived {
            if f.answer != AnswerType::YesNo {
                cx.problem(file, Some("derived"), "a derived finding must have answer = \"yes_no\"");
            }
            let n = [d.at_least.is_some(), d.below.is_some(), d.equals.is_some(), d.one_of.is_some()]
                .iter()
                .filter(|b| **b)
                .count();
            if n != 1 {
                cx.problem(
                    file,
                    Some("derived"),
                    "`derived` needs exactly one of `at_least`, `below`, `equals`, `one_of`",
                );
            }
            let numeric = d.at_least.is_some() || d.below.is_some();
            match d.field.as_str() {
                "age" | "duration_weeks" => {
                    if !numeric {
                        cx.problem(file, Some(&d.field), format!("`{}` is numeric: use `at_least` or `below`", d.field));
                    }
                }
                "sex" | "sides" => {
                    if numeric {
                        cx.problem(file, Some(&d.field), format!("`{}` is text: use `equals` or `one_of`", d.field));
                    }
                }
                other => match finding_by_id.get(other) {
                    None => cx.problem(
                        file,
                        Some(other),
                        format!("`derived.field` `{other}` is neither a case field (age, duration_weeks, sex, sides) nor a finding"),
                    ),
                    Some(src) if src.derived.is_some() => {
                        cx.problem(file, Some(other), "a derived finding cannot derive from another derived finding")
                    }
                    Some(src) if numeric && !matches!(src.answer, AnswerType::Scale | AnswerType::Number) => {
                        cx.problem(file, Some(other), format!("`{other}` is not numeric"))
                    }
                    Some(src) if !numeric && src.answer != AnswerType::Choice => {
                        cx.problem(file, Some(other), format!("`{other}` is not a choice finding"))
                    }
                    Some(_) => {}
                },
            }
        }
    }

    for (file, f) in &raw.findings {
        if let Some(t) = &f.from_treatments {
            if f.answer != AnswerType::YesNo || f.derived.is_some() {
                cx.problem(
                    file,
                    Some("from_treatments"),
                    "`from_treatments` needs a yes/no finding that is not derived",
                );
            }
            if t.responses.is_empty() {
                cx.problem(
                    file,
                    Some("from_treatments"),
                    "`from_treatments.responses` must name at least one response",
                );
            }
            for r in &t.responses {
                if !["good", "partial", "none", "worse"].contains(&r.as_str()) {
                    cx.problem(
                        file,
                        Some(r),
                        format!("unknown treatment response `{r}` (good, partial, none, worse)"),
                    );
                }
            }
            sourced(cx, file, "min_weeks", &t.min_weeks, (0.0, 520.0), &refs);
        }
    }

    for (file, c) in &raw.conditions {
        for (k, v) in [
            ("name", &c.name),
            ("short_name", &c.short_name),
            ("patient_description", &c.patient_description),
            ("clinician_description", &c.clinician_description),
            ("management", &c.management),
            ("referral", &c.referral),
        ] {
            nonempty(cx, file, k, v);
        }
        for code in &c.codes {
            nonempty(cx, file, "codes.code", &code.code);
            nonempty(cx, file, "codes.system", &code.system);
        }
        if let Some(cmp) = &c.comparison {
            for t in &cmp.key_tools {
                expect(cx, file, "diagnostic", t, &diagnostics);
            }
        }
        let mut seen_settings = BTreeSet::new();
        for p in &c.prior {
            if !settings.contains(&p.setting.as_str()) {
                cx.problem(file, Some(&p.setting), format!("prior for unknown setting `{}`", p.setting));
            }
            if !seen_settings.insert(p.setting.as_str()) {
                cx.problem(file, Some(&p.setting), format!("two priors for setting `{}`", p.setting));
            }
            if !(p.probability > 0.0 && p.probability < 1.0) {
                cx.problem(
                    file,
                    Some(&p.setting),
                    format!(
                        "prior probability {} for `{}` must lie strictly between 0 and 1",
                        p.probability, p.setting
                    ),
                );
            }
            expect(cx, file, "reference", &p.source, &refs);
        }
        for s in &settings {
            if !seen_settings.contains(s) {
                cx.problem(file, Some("prior"), format!("no prior for setting `{s}`"));
            }
        }
        // An exclusion condition's own evidence may only lower it: findings that by
        // definition point to a specific cause.
        if c.model == ConditionModel::Exclusion {
            for e in &c.evidence {
                if e.likelihood(background(&e.finding)).is_ok_and(|l| l.lr_positive > 1.0) {
                    cx.problem(
                        file,
                        Some(&e.finding),
                        format!(
                            "evidence for `{}` on an exclusion condition must have lr_positive below 1",
                            e.finding
                        ),
                    );
                }
            }
        }
        for f in &c.raise_when_any {
            expect(cx, file, "finding", f, &findings);
            // A telltale sign is "present" only as a yes: a number or an option cannot be.
            if findings.contains(f.as_str()) && !yes_no(f) {
                cx.problem(
                    file,
                    Some(f),
                    format!("`raise_when_any` lists `{f}`, which is not a yes/no finding"),
                );
            }
        }
        let mut partners = BTreeSet::new();
        for x in &c.coexists {
            expect(cx, file, "condition", &x.condition, &conditions);
            if x.condition == c.id {
                cx.problem(file, Some(&x.condition), "a condition cannot coexist with itself");
            }
            if !partners.insert(x.condition.as_str()) {
                cx.problem(
                    file,
                    Some(&x.condition),
                    format!("two coexistence entries for `{}`", x.condition),
                );
            }
            if !(x.probability > 0.0 && x.probability < 1.0) {
                cx.problem(
                    file,
                    Some(&x.condition),
                    format!("coexistence probability {} must lie strictly between 0 and 1", x.probability),
                );
            }
            expect(cx, file, "reference", &x.source, &refs);
        }
        let shared: f64 = c.coexists.iter().map(|x| x.probability).sum();
        if shared >= 1.0 {
            cx.problem(
                file,
                Some("coexists"),
                format!("coexistence probabilities sum to {shared}; they must stay below 1 (the rest is the condition alone)"),
            );
        }
        let mut seen = BTreeSet::new();
        for e in &c.evidence {
            if !seen.insert(e.finding.as_str()) {
                cx.problem(
                    file,
                    Some(&e.finding),
                    format!("two evidence entries for finding `{}`", e.finding),
                );
            }
            expect(cx, file, "finding", &e.finding, &findings);
            if findings.contains(e.finding.as_str()) && !yes_no(&e.finding) {
                cx.problem(
                    file,
                    Some(&e.finding),
                    format!(
                        "evidence needs a yes/no finding; `{}` is not (derive a yes/no finding from it)",
                        e.finding
                    ),
                );
            }
            expect(cx, file, "reference", &e.source, &refs);
            if let Some(f) = finding_by_id.get(e.finding.as_str())
                && f.background.is_none()
            {
                cx.problem(
                    file,
                    Some(&e.finding),
                    format!(
                        "finding `{}` is used as evidence but has no `background` frequency (its file must give one)",
                        e.finding
                    ),
                );
            }
            if let Err(msg) = e.likelihood(background(&e.finding)) {
                cx.problem(file, Some(&e.finding), format!("evidence for `{}`: {msg}", e.finding));
            }
            if e.grade == Grade::ExpertEstimate && e.note.as_deref().is_none_or(|n| n.trim().is_empty()) {
                cx.problem(
                    file,
                    Some(&e.finding),
                    format!("expert estimate for `{}` needs a `note` saying what it rests on", e.finding),
                );
            }
        }
    }

    let mut grouped: BTreeMap<&str, &str> = BTreeMap::new();
    for (file, g) in &raw.correlations {
        if g.findings.len() < 2 {
            cx.problem(file, Some("findings"), "a correlation group needs at least two findings");
        }
        for f in &g.findings {
            expect(cx, file, "finding", f, &findings);
            if let Some(other) = grouped.insert(f.as_str(), g.id.as_str()) {
                cx.problem(file, Some(f), format!("finding `{f}` is already in correlation group `{other}`"));
            }
        }
        sourced(cx, file, "residual_weight", &g.residual_weight, (0.0, 1.0), &refs);
        nonempty(cx, file, "rationale", &g.rationale);
    }

    for (file, r) in &raw.red_flags {
        nonempty(cx, file, "name", &r.name);
        nonempty(cx, file, "patient_action", &r.patient_action);
        nonempty(cx, file, "clinician_action", &r.clinician_action);
        if r.conditions.is_empty() {
            cx.problem(
                file,
                Some("conditions"),
                "a red flag must name the condition(s) it is for in `conditions`",
            );
        }
        if r.any_of.is_empty() && r.all_of.is_empty() {
            cx.problem(file, None, "a red flag needs `any_of` or `all_of` findings");
        }
        for f in r.any_of.iter().chain(&r.all_of) {
            expect(cx, file, "finding", f, &findings);
            if findings.contains(f.as_str()) && !yes_no(f) {
                cx.problem(file, Some(f), format!("red-flag finding `{f}` must be yes/no"));
            }
        }
        if let Some(n) = r.min_present
            && (n == 0 || n > r.any_of.len())
        {
            cx.problem(
                file,
                Some("min_present"),
                format!(
                    "`min_present` = {n} must lie between 1 and the {} finding(s) of `any_of`",
                    r.any_of.len()
                ),
            );
        }
        for c in &r.conditions {
            expect(cx, file, "condition", c, &conditions);
        }
        expect(cx, file, "reference", &r.source, &refs);
    }

    for (file, c) in &raw.criteria {
        expect(cx, file, "condition", &c.condition, &conditions);
        expect(cx, file, "reference", &c.source, &refs);
        if c.item.is_empty() {
            cx.problem(file, None, "criteria need at least one `item`");
        }
        for it in &c.item {
            nonempty(cx, file, "item.text", &it.text);
            match (&it.finding, it.any_of.is_empty()) {
                (Some(f), true) => expect(cx, file, "finding", f, &findings),
                (None, false) => {
                    for f in &it.any_of {
                        expect(cx, file, "finding", f, &findings);
                    }
                }
                _ => cx.problem(
                    file,
                    Some(&it.text),
                    "a criteria item needs exactly one of `finding` or `any_of`",
                ),
            }
            if let Some(b) = &it.block {
                if !raw.blocks.iter().any(|(_, p)| p.id == b.protocol) {
                    cx.problem(file, Some(&b.protocol), format!("unknown block protocol `{}`", b.protocol));
                }
                if !(b.min_relief > 0.0 && b.min_relief <= 1.0) {
                    cx.problem(file, Some("min_relief"), "`block.min_relief` must lie in (0, 1]");
                }
                if !(b.at_minutes > 0.0 && b.tolerance_minutes >= 0.0 && b.tolerance_minutes < b.at_minutes) {
                    cx.problem(
                        file,
                        Some("at_minutes"),
                        "`block.at_minutes` must be positive and `tolerance_minutes` between 0 and it",
                    );
                }
                if let Some(g) = &b.guidance
                    && !["ultrasound", "fluoroscopy", "landmark"].contains(&g.as_str())
                {
                    cx.problem(
                        file,
                        Some(g),
                        format!("guidance `{g}` is not `ultrasound`, `fluoroscopy` or `landmark`"),
                    );
                }
            }
        }
    }

    for (file, d) in &raw.diagnostics {
        nonempty(cx, file, "name", &d.name);
        nonempty(cx, file, "when", &d.when);
        nonempty(cx, file, "patient_explanation", &d.patient_explanation);
        for f in &d.findings {
            expect(cx, file, "finding", f, &findings);
        }
        for c in d.rules_in.iter().chain(&d.rules_out) {
            expect(cx, file, "condition", c, &conditions);
        }
        for s in &d.sources {
            expect(cx, file, "reference", s, &refs);
        }
    }

    for (file, b) in &raw.blocks {
        expect(cx, file, "condition", &b.condition, &conditions);
        expect(cx, file, "finding", &b.result_finding, &findings);
        sourced(cx, file, "positive_relief", &b.positive_relief, (0.0, 1.0), &refs);
        sourced(cx, file, "inconclusive_relief", &b.inconclusive_relief, (0.0, 1.0), &refs);
        sourced(cx, file, "window_start_minutes", &b.window_start_minutes, (0.0, 100_000.0), &refs);
        sourced(cx, file, "window_end_minutes", &b.window_end_minutes, (0.0, 100_000.0), &refs);
        if b.inconclusive_relief.value > b.positive_relief.value {
            cx.problem(
                file,
                Some("inconclusive_relief"),
                "`inconclusive_relief` must not exceed `positive_relief`",
            );
        }
        if b.window_start_minutes.value >= b.window_end_minutes.value {
            cx.problem(file, Some("window_start_minutes"), "the reading window must start before it ends");
        }
        for s in &b.sources {
            expect(cx, file, "reference", s, &refs);
        }
    }

    for (file, t) in &raw.treatments {
        nonempty(cx, file, "name", &t.name);
        nonempty(cx, file, "patient_description", &t.patient_description);
        expect(cx, file, "plan step", &t.step, &steps);
        for c in &t.conditions {
            expect(cx, file, "condition", c, &conditions);
        }
        for o in &t.outcome {
            expect(cx, file, "reference", &o.source, &refs);
        }
        if t.sources.is_empty() {
            cx.problem(file, Some("sources"), "`sources` must name at least one reference");
        }
        for s in &t.sources {
            expect(cx, file, "reference", s, &refs);
        }
    }

    let treatments = ids(&raw.treatments);
    for (file, m) in &raw.record_codes {
        check_record_codes(cx, file, m, &finding_by_id, &treatments, &refs);
    }
    for (file, c) in &raw.cds_cards {
        check_cds_card(cx, file, c, &refs);
    }

    let mut orders = BTreeMap::new();
    for (file, s) in &raw.plan_steps {
        if let Some(other) = orders.insert(s.order, s.id.as_str()) {
            cx.problem(file, Some("order"), format!("plan step order {} is also used by `{other}`", s.order));
        }
        nonempty(cx, file, "entry", &s.entry);
        nonempty(cx, file, "patient_summary", &s.patient_summary);
        if let Some(q) = &s.typical_duration_weeks {
            sourced(cx, file, "typical_duration_weeks", q, (0.0, 520.0), &refs);
        }
        if let Some(q) = &s.lasting_relief_weeks {
            sourced(cx, file, "lasting_relief_weeks", q, (0.0, 520.0), &refs);
            if s.completed_by_finding.is_none() {
                cx.problem(
                    file,
                    Some("lasting_relief_weeks"),
                    "`lasting_relief_weeks` belongs to a block step (with `completed_by_finding`)",
                );
            }
        }
        for f in s.completed_by_finding.iter().chain(&s.requires_finding) {
            expect(cx, file, "finding", f, &findings);
        }
        for r in &s.sources {
            expect(cx, file, "reference", r, &refs);
        }
    }

    let mut pictures: BTreeMap<&str, &str> = BTreeMap::new();
    for (file, e) in &raw.exercises {
        nonempty(cx, file, "purpose", &e.purpose);
        nonempty(cx, file, "picture", &e.picture);
        nonempty(cx, file, "picture_alt", &e.picture_alt);
        if !e.picture.trim().is_empty()
            && let Some(other) = pictures.insert(e.picture.as_str(), e.id.as_str())
        {
            cx.problem(
                file,
                Some("picture"),
                format!(
                    "picture `{}` is also used by exercise `{other}`: each exercise needs its own",
                    e.picture
                ),
            );
        }
        if e.steps.is_empty() {
            cx.problem(file, Some("steps"), "an exercise needs its `steps`");
        }
        let d = &e.dosage;
        if d.sets == 0 || d.reps == 0 || d.per_week == 0 || d.per_week > 21 {
            cx.problem(file, Some("dosage"), "dosage needs sets >= 1, reps >= 1 and per_week in 1..=21");
        }
        expect(cx, file, "reference", &d.source, &refs);
        for a in &e.avoid_if {
            expect(cx, file, "finding", &a.finding, &findings);
        }
        for a in &e.avoid_with_conditions {
            expect(cx, file, "condition", &a.condition, &conditions);
        }
        for s in &e.sources {
            expect(cx, file, "reference", s, &refs);
        }
    }

    for (file, s) in &raw.self_care {
        nonempty(cx, file, "text", &s.text);
        if (s.kind == SelfCareKind::SeekCare) != s.urgency.is_some() {
            cx.problem(
                file,
                Some("urgency"),
                "`urgency` is required for kind = \"seek_care\" and only there",
            );
        }
        for f in &s.about_findings {
            expect(cx, file, "finding", f, &findings);
        }
        for r in &s.sources {
            expect(cx, file, "reference", r, &refs);
        }
    }

    let all: BTreeSet<&str> = [
        &findings,
        &conditions,
        &groups,
        &diagnostics,
        &steps,
        &refs,
        &ids(&raw.correlations),
        &ids(&raw.red_flags),
        &ids(&raw.criteria),
        &ids(&raw.blocks),
        &ids(&raw.treatments),
        &ids(&raw.exercises),
        &ids(&raw.self_care),
        &ids(&raw.education),
        &ids(&raw.categories),
    ]
    .into_iter()
    .flat_map(|s| s.iter().copied())
    .collect();

    for (file, e) in &raw.education {
        if e.sections.is_empty() {
            cx.problem(file, Some("sections"), "an education topic needs at least one section");
        }
        for r in &e.related {
            expect(cx, file, "id", r, &all);
        }
        for r in &e.sources {
            expect(cx, file, "reference", r, &refs);
        }
    }

    for (file, c) in &raw.categories {
        for m in &c.members {
            expect(cx, file, "condition", m, &conditions);
        }
        for t in &c.comparison.key_tools {
            expect(cx, file, "diagnostic", t, &diagnostics);
        }
    }

    for (file, r) in &raw.references {
        nonempty(cx, file, "title", &r.title);
        if let Some(u) = &r.url
            && !(u.starts_with("https://") || u.starts_with("http://"))
        {
            cx.problem(file, Some(u), format!("url `{u}` must start with http:// or https://"));
        }
    }

    // Seed coverage: every item of the source article must be represented.
    if let Some(seed) = &raw.seed {
        let f = "seed_coverage.toml";
        if seed.item.is_empty() {
            cx.problem(f, None, "the seed coverage list is empty");
        }
        for it in &seed.item {
            if it.covered_by.is_empty() {
                cx.problem(f, Some(&it.text), format!("seed item not covered: [{}] {}", it.section, it.text));
            }
            for id in &it.covered_by {
                if !all.contains(id.as_str()) {
                    cx.problem(
                        f,
                        Some(id),
                        format!(
                            "seed item [{}] \"{}\" is not covered: the knowledge base lacks `{id}`",
                            it.section, it.text
                        ),
                    );
                }
            }
        }
    }

    // The seed's comparison table must be derivable from the data.
    if !raw.categories.iter().any(|(_, c)| {
        c.members.iter().any(|m| raw.conditions.iter().any(|(_, x)| &x.id == m && x.comparison.is_some()))
    }) {
        cx.problem(
            "categories",
            None,
            "no category with members that carry a `[comparison]` profile: the comparison table cannot be built",
        );
    }
}

/// The FHIR resource types a record mapping may read.
const RECORD_RESOURCES: [&str; 5] =
    ["Condition", "Observation", "Procedure", "MedicationRequest", "MedicationStatement"];

fn check_record_codes(
    cx: &mut Cx,
    file: &str,
    m: &RecordCodes,
    finding_by_id: &BTreeMap<&str, &Finding>,
    treatments: &BTreeSet<&str>,
    refs: &BTreeSet<&str>,
) {
    nonempty(cx, file, "name", &m.name);
    match (&m.finding, &m.treatment) {
        (Some(_), Some(_)) | (None, None) => {
            cx.problem(file, None, "a record mapping names exactly one of `finding` and `treatment`");
        }
        (Some(f), None) => match finding_by_id.get(f.as_str()) {
            None => {
                let hint = crate::KnowledgeBase::did_you_mean(f, finding_by_id.keys().copied());
                cx.problem(file, Some(f), format!("unknown finding `{f}`{hint}"));
            }
            Some(finding) if finding.derived.is_some() => cx.problem(
                file,
                Some(f),
                format!("`{f}` is derived from other answers; map the record to what it is derived from"),
            ),
            Some(finding) => match (finding.answer, &m.option) {
                (AnswerType::Choice, Some(o)) if finding.options.contains(o) => {}
                (AnswerType::Choice, Some(o)) => cx.problem(
                    file,
                    Some(o),
                    format!("`{o}` is not an option of `{f}` ({})", finding.options.join(", ")),
                ),
                (AnswerType::Choice, None) => {
                    cx.problem(
                        file,
                        Some(f),
                        format!("`{f}` is a choice: say which `option` the codes give"),
                    );
                }
                (_, Some(o)) => {
                    cx.problem(file, Some(o), format!("`option` applies to choice findings only, not `{f}`"));
                }
                (AnswerType::YesNo, None) => {}
                (_, None) => {
                    if m.resources.iter().any(|r| r != "Observation") {
                        cx.problem(
                            file,
                            Some("resources"),
                            format!("`{f}` takes a value, which only an `Observation` carries"),
                        );
                    }
                }
            },
        },
        (None, Some(t)) => expect(cx, file, "treatment", t, treatments),
    }
    if m.resources.is_empty() {
        cx.problem(file, Some("resources"), "`resources` must name at least one FHIR resource type");
    }
    for r in &m.resources {
        if !RECORD_RESOURCES.contains(&r.as_str()) {
            cx.problem(
                file,
                Some(r),
                format!(
                    "`{r}` is not a resource type Cluneal reads (one of {})",
                    RECORD_RESOURCES.join(", ")
                ),
            );
        }
    }
    if m.gives_duration && !m.resources.iter().any(|r| r == "Condition") {
        cx.problem(file, Some("gives_duration"), "`gives_duration` needs `Condition` among `resources`");
    }
    if m.codes.is_empty() {
        cx.problem(file, Some("codes"), "`codes` must list at least one code");
    }
    let mut seen = BTreeSet::new();
    for c in &m.codes {
        nonempty(cx, file, "codes.system", &c.system);
        nonempty(cx, file, "codes.code", &c.code);
        nonempty(cx, file, "codes.display", &c.display);
        expect(cx, file, "reference", &c.source, refs);
        if !c.system.starts_with("http://") && !c.system.starts_with("https://") {
            cx.problem(file, Some(&c.code), format!("`{}` is not a system URI", c.system));
        }
        if !seen.insert((c.system.as_str(), c.code.as_str())) {
            cx.problem(file, Some(&c.code), format!("code `{}` is listed twice", c.code));
        }
    }
}

fn check_cds_card(cx: &mut Cx, file: &str, c: &CdsCard, refs: &BTreeSet<&str>) {
    if !["patient-view", "order-select"].contains(&c.hook.as_str()) {
        cx.problem(file, Some(&c.hook), format!("hook `{}` is not `patient-view` or `order-select`", c.hook));
    }
    if !["info", "warning", "critical"].contains(&c.indicator.as_str()) {
        cx.problem(
            file,
            Some(&c.indicator),
            format!("indicator `{}` is not `info`, `warning` or `critical`", c.indicator),
        );
    }
    nonempty(cx, file, "summary", &c.summary);
    nonempty(cx, file, "detail", &c.detail);
    // CDS Hooks: the summary is under 140 characters; `{condition}` may add up to 60.
    let longest = c.summary.replace("{condition}", &"x".repeat(60)).chars().count();
    if longest >= 140 {
        cx.problem(
            file,
            Some("summary"),
            format!("`summary` can reach {longest} characters; CDS Hooks wants under 140"),
        );
    }
    let is_order = c.trigger == CdsTrigger::OrderForUnexplainedPain;
    if is_order != (c.hook == "order-select") {
        cx.problem(
            file,
            Some("trigger"),
            "`order_for_unexplained_pain` goes with the `order-select` hook, and only it",
        );
    }
    if is_order == c.order_codes.is_empty() {
        cx.problem(file, Some("order_codes"), "an order card lists `order_codes`; other cards list none");
    }
    for code in &c.order_codes {
        nonempty(cx, file, "order_codes.code", &code.code);
        nonempty(cx, file, "order_codes.display", &code.display);
        expect(cx, file, "reference", &code.source, refs);
    }
    match (&c.min_weeks, c.trigger) {
        (Some(w), CdsTrigger::PersistentPainWithoutCause | CdsTrigger::OrderForUnexplainedPain) => {
            sourced(cx, file, "min_weeks", w, (1.0, 520.0), refs);
        }
        (None, CdsTrigger::PersistentPainWithoutCause) => {
            cx.problem(file, Some("trigger"), "`persistent_pain_without_cause` needs `min_weeks`");
        }
        (Some(_), CdsTrigger::RedFlag) => {
            cx.problem(file, Some("min_weeks"), "a red-flag card takes no `min_weeks`")
        }
        _ => {}
    }
    let mut seen = BTreeSet::new();
    for r in &c.override_reasons {
        if !valid_id(&r.code) {
            cx.problem(file, Some(&r.code), format!("override reason `{}` is not a valid id", r.code));
        }
        if !seen.insert(r.code.as_str()) {
            cx.problem(file, Some(&r.code), format!("override reason `{}` is listed twice", r.code));
        }
        nonempty(cx, file, "override_reasons.display", &r.display);
    }
    if c.sources.is_empty() {
        cx.problem(file, Some("sources"), "`sources` must name at least one reference");
    }
    for s in &c.sources {
        expect(cx, file, "reference", s, refs);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            Err(e) => e.0.iter().map(|p| format!("{}: {}", p.file, p.message)).collect(),
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
    fn ids_are_snake_case() {
        assert!(valid_id("scne"));
        assert!(valid_id("age_over_70"));
        assert!(!valid_id("Scne"));
        assert!(!valid_id("1abc"));
        assert!(!valid_id("a-b"));
    }
}
