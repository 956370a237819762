//! Which question next: unanswered red-flag questions first, then the finding
//! whose answer is expected to change the differential most (expected
//! information gain, in bits, summed over the conditions it bears on).

use cluneal_kb::{AnswerType, AskedBy, KnowledgeBase, Urgency};

use crate::Engine;
use crate::case::Respondent;
use crate::facts::Facts;
use crate::score::{Model, Scores, delta_if, logistic};

/// Binary entropy in bits.
fn entropy(p: f64) -> f64 {
    if p <= 0.0 || p >= 1.0 {
        return 0.0;
    }
    -(p * p.log2() + (1.0 - p) * (1.0 - p).log2())
}

/// Expected information gain of answering yes/no finding `f`, per condition.
/// The chance of a "yes" is the one that keeps the expected posterior equal to
/// the current probability, so correlated findings are priced consistently.
fn gain_of(
    model: &Model,
    scores: &Scores,
    f: usize,
    mut per_condition: impl FnMut(usize, f64),
) -> f64 {
    let mut total = 0.0;
    for &(c, k) in &model.by_finding[f] {
        let c = c as usize;
        let e = &model.conditions[c].evidence[k as usize];
        let lo = scores.lo[c];
        let p = scores.p[c];
        let p_yes = logistic(lo + delta_if(model, scores, c, e, true));
        let p_no = logistic(lo + delta_if(model, scores, c, e, false));
        let spread = p_yes - p_no;
        if spread.abs() < 1e-12 {
            continue;
        }
        let q = ((p - p_no) / spread).clamp(0.0, 1.0);
        let g = entropy(p) - (q * entropy(p_yes) + (1.0 - q) * entropy(p_no));
        if g > 0.0 {
            total += g;
            per_condition(c, g);
        }
    }
    total
}

/// A candidate question and its score.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub finding: usize,
    pub red_flag: Option<Urgency>,
    pub gain: f64,
}

/// Whether this respondent can answer the finding, and whether it is asked at all.
pub fn askable(kb: &KnowledgeBase, f: usize, respondent: Respondent) -> bool {
    let finding = &kb.findings[f];
    finding.derived.is_none()
        && (respondent == Respondent::Clinician || finding.asked_by == AskedBy::Patient)
}

/// Rank every unanswered question: red flags first (most urgent first, then
/// interview order), then by expected information gain.
pub fn rank(
    engine: &Engine,
    facts: &Facts,
    scores: &Scores,
    respondent: Respondent,
) -> (Vec<Candidate>, Vec<Candidate>) {
    let (kb, model, screen) = (&engine.kb, &engine.model, &engine.screen);
    let (derived_from, group_order) = (&engine.derived_from, &engine.group_order);
    let mut flags: Vec<Candidate> = screen
        .iter()
        .filter(|(f, _)| askable(kb, *f, respondent) && !facts.settled(*f))
        .map(|&(f, u)| Candidate {
            finding: f,
            red_flag: Some(u),
            gain: 0.0,
        })
        .collect();
    flags.sort_by(|a, b| {
        b.red_flag
            .cmp(&a.red_flag)
            .then(group_order[a.finding].cmp(&group_order[b.finding]))
            .then(a.finding.cmp(&b.finding))
    });
    let mut rest: Vec<Candidate> = Vec::new();
    for (f, derived) in derived_from.iter().enumerate() {
        if facts.settled(f) || !askable(kb, f, respondent) || screen.iter().any(|(s, _)| *s == f) {
            continue;
        }
        let mut gain = 0.0;
        if kb.findings[f].answer == AnswerType::YesNo {
            gain += gain_of(model, scores, f, |_, _| {});
        }
        // A scale, number or choice question is worth what its derived yes/no findings are worth.
        for &d in derived {
            gain += gain_of(model, scores, d, |_, _| {});
        }
        if gain > 0.0 {
            rest.push(Candidate {
                finding: f,
                red_flag: None,
                gain,
            });
        }
    }
    rest.sort_by(|a, b| b.gain.total_cmp(&a.gain).then(a.finding.cmp(&b.finding)));
    (flags, rest)
}

/// The conditions a question bears on most, largest gain first.
pub fn bears_on(
    model: &Model,
    scores: &Scores,
    derived_from: &[Vec<usize>],
    f: usize,
) -> Vec<(usize, f64)> {
    let mut by_condition: Vec<(usize, f64)> = Vec::new();
    let mut add = |c: usize, g: f64| match by_condition.iter_mut().find(|(x, _)| *x == c) {
        Some(e) => e.1 += g,
        None => by_condition.push((c, g)),
    };
    gain_of(model, scores, f, &mut add);
    for &d in &derived_from[f] {
        gain_of(model, scores, d, &mut add);
    }
    by_condition.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    by_condition
}
