//! From a case to facts: every finding's state, indexed like the knowledge base.
//! Checking the case names every wrong field at once.

use cluneal_kb::{AnswerType, KnowledgeBase};

use crate::block;
use crate::case::{AGE_YEARS, Answer, Bounds, Case, CaseError, CaseProblem, PAIN, Respondent, WEEKS, range};
use crate::compile::Compiled;
use crate::report::BlockOutcome;

/// The state of a yes/no finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tri {
    Unknown,
    Yes,
    No,
}

/// Where a finding's state came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Not answered.
    None,
    Answer,
    Derived,
    /// Set by the interpretation of a block record (index into the knowledge base's blocks).
    Block(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Number(f64),
    Choice(usize),
}

/// Facts about one case, one slot per finding of the knowledge base.
#[derive(Debug, Clone)]
pub struct Facts {
    pub state: Vec<Tri>,
    pub origin: Vec<Origin>,
    pub value: Vec<Option<Value>>,
    /// Index of the care setting in `kb.meta.settings`.
    pub setting: usize,
    /// Derived yes/no findings that nothing derived: their case field (age,
    /// sex, duration, sides) is missing, or their number or choice question was
    /// answered "unknown". The interview may ask them directly ("more than
    /// three months?" of someone who cannot give the weeks), in knowledge-base order.
    pub underived: Vec<usize>,
}

impl Facts {
    /// True when the finding was answered (even "unknown") or derived or set by a block:
    /// the interview does not ask it again.
    pub fn settled(&self, i: usize) -> bool {
        self.origin.get(i).is_some_and(|o| *o != Origin::None)
    }
    pub fn is(&self, i: usize, t: Tri) -> bool {
        self.state.get(i) == Some(&t)
    }
}

fn hint(unknown: &str, known: impl Iterator<Item = impl AsRef<str>>) -> String {
    let known: Vec<String> = known.map(|k| k.as_ref().to_string()).collect();
    KnowledgeBase::did_you_mean(unknown, known.iter().map(String::as_str))
}

/// A checked case: its facts, notes for the report, and its block records
/// as interpreted (once) against their protocols.
pub struct Checked<'k> {
    pub facts: Facts,
    pub notes: Vec<String>,
    pub blocks: Vec<block::Interpreted<'k>>,
}

/// Check a case against the knowledge base and build its facts.
#[expect(
    clippy::indexing_slicing,
    reason = "finding indices come from the engine's index tables, and `Facts` has one slot per finding of the same knowledge base"
)]
pub fn build<'k>(kb: &'k KnowledgeBase, c: &Compiled, case: &Case) -> Result<Checked<'k>, CaseError> {
    let n = kb.findings().len();
    let mut problems = Vec::new();
    let mut notes = Vec::new();
    let mut facts = Facts {
        state: vec![Tri::Unknown; n],
        origin: vec![Origin::None; n],
        value: vec![None; n],
        setting: 0,
        underived: Vec::new(),
    };

    let s = case.setting.as_deref().unwrap_or_else(|| kb.default_setting());
    match kb.meta().settings.iter().position(|x| x == s) {
        Some(i) => facts.setting = i,
        None => problems.push(CaseProblem {
            path: "setting".into(),
            message: format!(
                "unknown setting `{s}`{}; known: {}",
                hint(s, kb.meta().settings.iter()),
                kb.meta().settings.join(", ")
            ),
        }),
    }
    if let Some(a) = case.age {
        range(&mut problems, "age", a, AGE_YEARS);
    }
    if let Some(d) = case.duration_weeks {
        range(&mut problems, "duration_weeks", d, WEEKS);
    }

    let mut unscored_no = Vec::new();
    for (id, answer) in &case.answers {
        // Built only when something is wrong: most answers are fine.
        let path = || format!("answers.{id}");
        let Some(i) = kb.finding_index(id) else {
            problems.push(CaseProblem {
                path: path(),
                message: format!(
                    "unknown finding `{id}`{}",
                    hint(id, kb.findings().iter().map(|f| f.id.as_str()))
                ),
            });
            continue;
        };
        let f = &kb.findings()[i];
        facts.origin[i] = Origin::Answer;
        match (f.answer, answer) {
            (_, Answer::Unknown) => {}
            (AnswerType::YesNo, Answer::Yes) => facts.state[i] = Tri::Yes,
            // A patient's "no" to "did the injection help?" may only mean there was
            // no injection: it is kept as answered (not asked again) but not scored.
            (AnswerType::YesNo, Answer::No)
                if case.respondent == Respondent::Patient && f.presupposes.is_some() =>
            {
                unscored_no.push(i);
            }
            (AnswerType::YesNo, Answer::No) => facts.state[i] = Tri::No,
            (AnswerType::YesNo, other) => problems.push(CaseProblem {
                path: path(),
                message: format!("`{id}` takes \"yes\", \"no\" or \"unknown\", not `{}`", other.describe()),
            }),
            (AnswerType::Scale, Answer::Number(v)) => {
                if PAIN.contains(*v) {
                    facts.value[i] = Some(Value::Number(*v));
                } else {
                    range(&mut problems, &path(), *v, PAIN);
                }
            }
            (AnswerType::Number, Answer::Number(v)) => {
                let bounds = Bounds { min: f.min.unwrap_or(f64::MIN), max: f.max.unwrap_or(f64::MAX) };
                if bounds.contains(*v) {
                    facts.value[i] = Some(Value::Number(*v));
                } else {
                    range(&mut problems, &path(), *v, bounds);
                }
            }
            (AnswerType::Scale | AnswerType::Number, other) => problems.push(CaseProblem {
                path: path(),
                message: format!("`{id}` takes a number, not `{}`", other.describe()),
            }),
            (AnswerType::Choice, Answer::Choice(c)) => match f.options.iter().position(|o| o == c) {
                Some(k) => facts.value[i] = Some(Value::Choice(k)),
                None => problems.push(CaseProblem {
                    path: path(),
                    message: format!(
                        "`{c}` is not an option of `{id}`{}; options: {}",
                        hint(c, f.options.iter()),
                        f.options.join(", ")
                    ),
                }),
            },
            (AnswerType::Choice, other) => problems.push(CaseProblem {
                path: path(),
                message: format!("`{id}` takes one of {}, not `{}`", f.options.join(", "), other.describe()),
            }),
        }
    }

    for (k, t) in case.treatments_tried.iter().enumerate() {
        if kb.treatment(&t.treatment).is_none() {
            problems.push(CaseProblem {
                path: format!("treatments_tried[{k}].treatment"),
                message: format!(
                    "unknown treatment `{}`{}",
                    t.treatment,
                    hint(&t.treatment, kb.treatments().iter().map(|x| x.id.as_str()))
                ),
            });
        }
        if let Some(w) = t.weeks {
            range(&mut problems, &format!("treatments_tried[{k}].weeks"), w, WEEKS);
        }
    }

    block::check_records(kb, case, &mut problems);

    if !problems.is_empty() {
        problems.sort();
        return Err(CaseError(problems));
    }

    if !unscored_no.is_empty() {
        let listed: Vec<String> = unscored_no
            .iter()
            .map(|&i| {
                let f = &kb.findings()[i];
                format!("`{}` ({})", f.id, f.presupposes.as_deref().unwrap_or_default())
            })
            .collect();
        notes.push(format!(
            "a patient's \"no\" may only mean it was never done, so these answers were not counted as negative results: {}",
            listed.join(", ")
        ));
    }
    derive(kb, c, case, &mut facts);
    let blocks = block::interpret_records(kb, case);
    apply_blocks(kb, &blocks, &mut facts, &mut notes);
    Ok(Checked { facts, notes, blocks })
}

/// Set each protocol's result finding from the interpreted block records. A
/// block record outranks a typed answer for the same finding (it carries the
/// measurements).
#[expect(
    clippy::indexing_slicing,
    reason = "finding and protocol indices come from the validated knowledge base the engine was built from"
)]
fn apply_blocks(
    kb: &KnowledgeBase,
    blocks: &[block::Interpreted<'_>],
    facts: &mut Facts,
    notes: &mut Vec<String>,
) {
    for b in blocks {
        let pi = b.protocol;
        let Some(fi) = kb.block_results().get(pi).map(|f| f.index()) else {
            continue;
        };
        let outcome = b.result.result;
        let state = match outcome {
            BlockOutcome::Positive => Tri::Yes,
            BlockOutcome::Negative => Tri::No,
            BlockOutcome::Inconclusive => Tri::Unknown,
        };
        if facts.origin[fi] == Origin::Answer && facts.state[fi] != state {
            notes.push(format!(
                "the answer for `{}` differs from the recorded block ({}); the block record was used",
                kb.blocks()[pi].result_finding,
                outcome.as_str()
            ));
        }
        // A later positive block is not undone by an earlier inconclusive one.
        if facts.origin[fi] == Origin::Block(pi) && state == Tri::Unknown {
            continue;
        }
        facts.state[fi] = state;
        facts.origin[fi] = Origin::Block(pi);
    }
}

/// Fill in derived findings that were not answered directly.
#[expect(
    clippy::indexing_slicing,
    reason = "finding indices come from the engine's index tables, and `Facts` has one slot per finding of the same knowledge base"
)]
fn derive(kb: &KnowledgeBase, c: &Compiled, case: &Case, facts: &mut Facts) {
    // A treatment that did not help answers "persistent pain despite treatment"-type findings.
    for &i in &c.index.from_treatments {
        let Some(rule) = &kb.findings()[i].from_treatments else { continue };
        if facts.origin[i] != Origin::None {
            continue;
        }
        let failed = case.treatments_tried.iter().any(|t| {
            rule.responses.iter().any(|r| r == t.response.as_str())
                && t.weeks.is_none_or(|w| w >= rule.min_weeks.value)
        });
        // A treatment that did help means the pain is improving, whatever else failed.
        let failed = failed
            && !case.treatments_tried.iter().any(|t| rule.unless.iter().any(|r| r == t.response.as_str()));
        if failed {
            facts.state[i] = Tri::Yes;
            facts.origin[i] = Origin::Derived;
        }
    }
    // A broader finding left unanswered is "yes" when a more specific one is.
    for (i, impliers) in &c.index.implied_by {
        let i = *i;
        if facts.origin[i] == Origin::None && impliers.iter().any(|&j| facts.state[j] == Tri::Yes) {
            facts.state[i] = Tri::Yes;
            facts.origin[i] = Origin::Derived;
        }
    }
    for &i in &c.index.derived {
        let Some(d) = &kb.findings()[i].derived else { continue };
        if facts.origin[i] == Origin::Answer {
            continue;
        }
        let numeric = |v: Option<f64>| -> Option<bool> {
            let v = v?;
            Some(match (d.at_least, d.below) {
                (Some(t), _) => v >= t,
                (_, Some(t)) => v < t,
                _ => return None,
            })
        };
        let text = |v: Option<&str>| option_matches(d, v?);
        let result = match d.field.as_str() {
            "age" => numeric(case.age),
            "duration_weeks" => numeric(case.duration_weeks),
            "sex" => text(case.sex.map(|s| s.as_str())),
            "sides" => text(case.sides.map(|s| s.as_str())),
            _ => c.index.derived_source[i].and_then(|src| match &facts.value[src] {
                Some(Value::Number(v)) => numeric(Some(*v)),
                Some(Value::Choice(k)) => text(kb.findings()[src].options.get(*k).map(String::as_str)),
                None => None,
            }),
        };
        if let Some(r) = result {
            facts.state[i] = if r { Tri::Yes } else { Tri::No };
            facts.origin[i] = Origin::Derived;
        } else if facts.origin[i] == Origin::None
            && kb.findings()[i].answer == AnswerType::YesNo
            && d.field != "sex"
            && c.index.derived_source[i].is_none_or(|src| facts.origin[src] != Origin::None)
        {
            // A number or choice question not yet asked will settle it; a
            // missing case field or an "unknown" answer never will. (Someone
            // who gave no sex is not asked "are you female?".)
            facts.underived.push(i);
        }
    }
    settle_from_siblings(kb, c, facts);
    // A question for other sexes only is "no" for this one, unless answered.
    if let Some(sex) = case.sex {
        for &i in &c.index.sex_specific {
            let f = &kb.findings()[i];
            if !f.sexes.iter().any(|s| s == sex.as_str()) && facts.origin[i] != Origin::Answer {
                facts.state[i] = Tri::No;
                facts.origin[i] = Origin::Derived;
            }
        }
    }
    facts.underived.retain(|&i| facts.origin[i] == Origin::None);
}

/// Whether a finding derived from a choice (`equals` or `one_of`) is "yes"
/// for option `v`; `None` when it is not derived from a choice.
fn option_matches(d: &cluneal_kb::Derived, v: &str) -> Option<bool> {
    match (&d.equals, &d.one_of) {
        (Some(e), _) => Some(v == e),
        (_, Some(list)) => Some(list.iter().any(|x| x == v)),
        _ => None,
    }
}

/// An underived finding that thresholds on the same number (or options of the
/// same choice) already answered settle: "over 50? no" makes "over 65?" a no,
/// "pregnant now? yes" makes "pregnant or recently given birth?" a yes. What
/// they leave open stays a question; answers that contradict each other
/// settle nothing.
#[expect(
    clippy::indexing_slicing,
    reason = "finding indices come from the engine's index tables, and `Facts` has one slot per finding of the same knowledge base"
)]
fn settle_from_siblings(kb: &KnowledgeBase, c: &Compiled, facts: &mut Facts) {
    if facts.underived.is_empty() {
        return;
    }
    let answered = |j: usize, facts: &Facts| match (facts.origin[j], facts.state[j]) {
        (Origin::Answer, Tri::Yes) => Some(true),
        (Origin::Answer, Tri::No) => Some(false),
        _ => None,
    };
    for k in 0..facts.underived.len() {
        let i = facts.underived[k];
        let Some(d) = &kb.findings()[i].derived else { continue };
        let siblings = c
            .index
            .derived
            .iter()
            .copied()
            .filter(|&j| j != i && kb.findings()[j].derived.as_ref().is_some_and(|e| e.field == d.field));
        let settled = if d.at_least.is_some() || d.below.is_some() {
            // The values still possible: [lo, hi).
            let (mut lo, mut hi) = (f64::NEG_INFINITY, f64::INFINITY);
            for j in siblings {
                let (Some(e), Some(yes)) = (&kb.findings()[j].derived, answered(j, facts)) else { continue };
                match (e.at_least, e.below, yes) {
                    (Some(t), _, true) | (None, Some(t), false) => lo = lo.max(t),
                    (Some(t), _, false) | (None, Some(t), true) => hi = hi.min(t),
                    _ => {}
                }
            }
            match (d.at_least, d.below) {
                _ if lo >= hi => None,
                (Some(t), _) if lo >= t => Some(true),
                (Some(t), _) if hi <= t => Some(false),
                (None, Some(t)) if hi <= t => Some(true),
                (None, Some(t)) if lo >= t => Some(false),
                _ => None,
            }
        } else {
            // The options still possible, of the choice question it comes from.
            let Some(src) = c.index.derived_source[i] else { continue };
            let options = &kb.findings()[src].options;
            let takes = |e: &cluneal_kb::Derived, o: &str| option_matches(e, o) == Some(true);
            let mut possible: Vec<&str> = options.iter().map(String::as_str).collect();
            for j in siblings {
                let (Some(e), Some(yes)) = (&kb.findings()[j].derived, answered(j, facts)) else { continue };
                possible.retain(|o| takes(e, o) == yes);
            }
            if possible.is_empty() {
                None
            } else if possible.iter().all(|o| takes(d, o)) {
                Some(true)
            } else if !possible.iter().any(|o| takes(d, o)) {
                Some(false)
            } else {
                None
            }
        };
        if let Some(yes) = settled {
            facts.state[i] = if yes { Tri::Yes } else { Tri::No };
            facts.origin[i] = Origin::Derived;
        }
    }
    facts.underived.retain(|&i| facts.origin[i] == Origin::None);
}
