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
fn gain_of(model: &Model, scores: &Scores, f: usize, mut per_condition: impl FnMut(usize, f64)) -> f64 {
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
    finding.derived.is_none() && (respondent == Respondent::Clinician || finding.asked_by == AskedBy::Patient)
}

/// Every unanswered question, in three lists.
#[derive(Debug, Clone, Default)]
pub struct Ranked {
    /// Red-flag history questions that can lead to an `urgent` or `emergency` triage:
    /// asked before anything else, most urgent first, then in interview order.
    pub urgent: Vec<Candidate>,
    /// Other questions by expected information gain, largest first.
    pub gain: Vec<Candidate>,
    /// Red-flag questions that lead at most to `soon`: asked at the latest
    /// before the interview ends (earlier if their information gain is high).
    pub closing: Vec<Candidate>,
}

pub fn rank(engine: &Engine, facts: &Facts, scores: &Scores, respondent: Respondent) -> Ranked {
    let (kb, model, screen) = (&engine.kb, &engine.model, &engine.screen);
    let (derived_from, group_order) = (&engine.derived_from, &engine.group_order);
    let mut urgent = Vec::new();
    let mut closing = Vec::new();
    for &(f, u) in screen.iter() {
        // The screen is the history a patient can give; examination and test items
        // that bear on a red flag are ranked by what they add, and suggested in the work-up.
        if kb.findings[f].asked_by != AskedBy::Patient || !askable(kb, f, respondent) || facts.settled(f) {
            continue;
        }
        let c = Candidate { finding: f, red_flag: Some(u), gain: 0.0 };
        if u >= Urgency::Urgent { urgent.push(c) } else { closing.push(c) }
    }
    let by_flag = |a: &Candidate, b: &Candidate| {
        b.red_flag
            .cmp(&a.red_flag)
            .then(group_order[a.finding].cmp(&group_order[b.finding]))
            .then(a.finding.cmp(&b.finding))
    };
    urgent.sort_by(by_flag);
    closing.sort_by(by_flag);
    let mut gain_list: Vec<Candidate> = Vec::new();
    for (f, derived) in derived_from.iter().enumerate() {
        if facts.settled(f) || !askable(kb, f, respondent) || urgent.iter().any(|c| c.finding == f) {
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
            let red_flag = screen.iter().find(|(x, _)| *x == f).map(|(_, u)| *u);
            gain_list.push(Candidate { finding: f, red_flag, gain });
        }
    }
    gain_list.sort_by(|a, b| b.gain.total_cmp(&a.gain).then(a.finding.cmp(&b.finding)));
    Ranked { urgent, gain: gain_list, closing }
}

/// The conditions a question bears on most, largest gain first.
pub fn bears_on(model: &Model, scores: &Scores, derived_from: &[Vec<usize>], f: usize) -> Vec<(usize, f64)> {
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
