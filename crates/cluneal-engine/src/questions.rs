//! Which question next: unanswered red-flag questions first, then the finding
//! whose answer is expected to change the differential most (expected
//! information gain, in bits, summed over the conditions it bears on).

use cluneal_kb::{AskedBy, KnowledgeBase, Urgency};

use crate::case::Respondent;
use crate::compile::Compiled;
use crate::facts::Facts;
use crate::math::entropy_of_odds;
use crate::score::{Model, Scores, factor_if};
use crate::triage::OpenScreen;

/// Expected information gain of answering yes/no finding `f`, per condition.
/// The chance of a "yes" is the one that keeps the expected posterior equal to
/// the current probability, so correlated findings are priced consistently.
/// A condition with variants is weighed once, as the report shows it: its
/// presentations' factors are mixed by their current weights, so an answer
/// that only tells one presentation from another tells nothing.
#[expect(
    clippy::indexing_slicing,
    reason = "finding, condition and group indices come from the compiled model, and every table is sized by the same knowledge base"
)]
fn gain_of(model: &Model, scores: &Scores, f: usize, mut per_condition: impl FnMut(usize, f64)) -> f64 {
    let mut total = 0.0;
    // The presentations of one condition are adjacent in the row (hypothesis
    // order): their factors are gathered, then the condition is scored.
    let mut mixing: Option<Mixture> = None;
    for e in model.by_finding.row(f) {
        let h = e.condition as usize;
        let (f_yes, ln_yes) = factor_if(scores, e, true);
        let (f_no, ln_no) = factor_if(scores, e, false);
        if let Some(c) = model.presentation_of(h) {
            let w = model.presentation_weight(scores, h, c);
            match &mut mixing {
                Some(m) if m.condition == c => m.add(w, f_yes, f_no),
                _ => {
                    if let Some(m) = mixing.take() {
                        total += m.gain(scores, &mut per_condition);
                    }
                    let mut m = Mixture { condition: c, yes: 0.0, no: 0.0 };
                    m.add(w, f_yes, f_no);
                    mixing = Some(m);
                }
            }
            continue;
        }
        if let Some(m) = mixing.take() {
            total += m.gain(scores, &mut per_condition);
        }
        let (odds, lo) = (scores.odds[h], scores.lo[h]);
        total += binary_gain(
            scores,
            h,
            (odds * f_yes, lo + ln_yes),
            (odds * f_no, lo + ln_no),
            &mut per_condition,
        );
    }
    if let Some(m) = mixing.take() {
        total += m.gain(scores, &mut per_condition);
    }
    total
}

/// A condition with variants under one answer: the weighted sums of its
/// presentations' factors less one (a presentation without an entry for the
/// finding keeps factor 1 and adds nothing).
struct Mixture {
    condition: usize,
    yes: f64,
    no: f64,
}

impl Mixture {
    fn add(&mut self, w: f64, f_yes: f64, f_no: f64) {
        self.yes += w * (f_yes - 1.0);
        self.no += w * (f_no - 1.0);
    }

    #[expect(clippy::indexing_slicing, reason = "the condition index comes from the compiled model")]
    fn gain(&self, scores: &Scores, per_condition: &mut impl FnMut(usize, f64)) -> f64 {
        let c = self.condition;
        let (odds, lo) = (scores.odds[c], scores.lo[c]);
        let (m_yes, m_no) = (1.0 + self.yes, 1.0 + self.no);
        if !(m_yes > 0.0 && m_no > 0.0) {
            return 0.0;
        }
        binary_gain(scores, c, (odds * m_yes, lo + m_yes.ln()), (odds * m_no, lo + m_no.ln()), per_condition)
    }
}

/// The expected fall in hypothesis `c`'s entropy when an answer moves its
/// odds (and log-odds) to `yes` or `no`.
#[expect(clippy::indexing_slicing, reason = "the hypothesis index comes from the compiled model")]
fn binary_gain(
    scores: &Scores,
    c: usize,
    (o_yes, lo_yes): (f64, f64),
    (o_no, lo_no): (f64, f64),
    per_condition: &mut impl FnMut(usize, f64),
) -> f64 {
    let p = scores.p[c];
    let p_yes = o_yes / (1.0 + o_yes);
    let p_no = o_no / (1.0 + o_no);
    let spread = p_yes - p_no;
    if spread.abs() < 1e-12 {
        return 0.0;
    }
    let q = ((p - p_no) / spread).clamp(0.0, 1.0);
    let g =
        scores.entropy[c] - (q * entropy_of_odds(o_yes, lo_yes) + (1.0 - q) * entropy_of_odds(o_no, lo_no));
    if g > 0.0 {
        per_condition(c, g);
        g
    } else {
        0.0
    }
}

/// Rounding allowance of the ranking's bound, in bits: the bound and the exact
/// gain are computed by different arithmetic, so they may differ in the last digits.
const BOUND_SLACK: f64 = 1e-5;

/// An upper bound on `gain_of_question` for question `f`: per condition
/// (over every yes/no finding its answer settles, flattened at start-up), the
/// smallest of its entropy, the entry's capacity and the chi-square bound at
/// the condition's probability (one division per entry, so it is only
/// computed for questions the loose bound does not rule out). Inside a
/// correlation group that has already fired, the entry's effect depends on
/// the group's lead, so only the entropy bounds it.
#[expect(
    clippy::indexing_slicing,
    reason = "finding, condition and group indices come from the compiled model, and every table is sized by the same knowledge base"
)]
fn bound_of_question(c: &Compiled, scores: &Scores, f: usize) -> f64 {
    let mut total = 0.0;
    for it in c.question_bounds.row(f) {
        let c = it.condition as usize;
        let h = scores.entropy[c];
        total += if scores.group_at(it.slot).any {
            h
        } else if !it.chi.is_nan() {
            h.min(it.capacity).min(it.chi_square_bound(scores.p[c]))
        } else {
            h.min(it.capacity)
        };
    }
    total
}

/// The loose bound: `bound_of_question` without the chi-square bound, from
/// the compact rows (`Compiled::loose_bounds`): the same items in the same
/// order, so the same sum. Out-of-table indices read as no entropy and no fired group.
fn loose_bound_of_question(c: &Compiled, scores: &Scores, f: usize) -> f64 {
    let (entropy, groups) = (scores.entropy.as_slice(), scores.groups.as_slice());
    let mut total = 0.0;
    for it in c.loose_bounds.row(f) {
        let h = entropy.get(it.condition as usize).copied().unwrap_or(0.0);
        let fired = groups.get(it.slot as usize).is_some_and(|g| g.any);
        total += if fired { h } else { h.min(it.capacity) };
    }
    total
}

/// Expected information gain of asking finding `f` (the sum over the yes/no
/// findings its answer settles: itself, or what is derived from a scale,
/// number or choice question).
pub fn gain_of_question(c: &Compiled, scores: &Scores, f: usize) -> f64 {
    let mut total = 0.0;
    for &d in c.asks.row(f) {
        total += gain_of(&c.model, scores, d, |_, _| {});
    }
    total
}

/// A candidate question and its score.
#[derive(Debug, Clone, Copy)]
pub struct Candidate {
    pub finding: usize,
    pub red_flag: Option<Urgency>,
    pub gain: f64,
}

/// Whether this respondent can answer the finding, and whether it is asked at all.
pub fn askable(kb: &KnowledgeBase, f: usize, respondent: Respondent) -> bool {
    kb.findings().get(f).is_some_and(|finding| finding.derived.is_none() && answers(finding, respondent))
}

/// Whether this respondent can answer the finding's question.
fn answers(finding: &cluneal_kb::Finding, respondent: Respondent) -> bool {
    respondent == Respondent::Clinician || finding.asked_by == AskedBy::Patient
}

/// Whether this respondent is asked finding `f` in this case: a question of
/// its own, or a derived yes/no finding that nothing derived (`Facts::underived`:
/// no age or duration given, or "unknown" to the number it comes from).
pub fn can_ask(kb: &KnowledgeBase, c: &Compiled, facts: &Facts, f: usize, respondent: Respondent) -> bool {
    c.askable(f, respondent)
        || (facts.underived.contains(&f) && kb.findings().get(f).is_some_and(|x| answers(x, respondent)))
}

/// Every unanswered question, in three lists.
#[derive(Debug, Clone, Default)]
pub struct Ranked {
    /// Red-flag history questions that can lead to an `urgent` or `emergency` triage:
    /// asked before anything else, most urgent first, then in interview order.
    pub urgent: Vec<Candidate>,
    /// Other questions by expected information gain, largest first. The
    /// first `head` are the best of all unanswered questions, where `head` is
    /// what the caller asked for less the urgent questions, and at least one;
    /// questions that provably cannot reach them may be left out.
    pub gain: Vec<Candidate>,
    /// Other red-flag questions (those leading at most to `soon`, and examination
    /// or test items): asked at the latest before the interview ends (earlier if
    /// their information gain is high), most urgent first.
    pub closing: Vec<Candidate>,
}

#[expect(
    clippy::indexing_slicing,
    reason = "finding, condition and group indices come from the compiled model, and every table is sized by the same knowledge base"
)]
/// Rank the unanswered questions for a caller that reads at most `wanted` of
/// them, urgent questions first (the report's next questions), and always the
/// best by information gain (whether asking on is still worth it).
pub fn rank(
    kb: &KnowledgeBase,
    c: &Compiled,
    facts: &Facts,
    scores: &Scores,
    open: &OpenScreen,
    respondent: Respondent,
    wanted: usize,
) -> Ranked {
    let screen = &c.screen;
    let mut urgent: Vec<Candidate> = Vec::with_capacity(32);
    let mut closing: Vec<Candidate> = Vec::with_capacity(64);
    // A derived red-flag finding (severe pain, from the pain score) is asked
    // through the question it is derived from, at the flag's urgency; the
    // triage names that question while it is open.
    // One slot per finding (not a search per screen entry: the screen has about
    // a hundred findings).
    // Only flags that can still fire make warning-sign questions.
    let mut asked_at: Vec<Option<Urgency>> = vec![None; kb.findings().len()];
    for &f in screen {
        let Some(u) = open.urgency_of(f) else { continue };
        if facts.settled(f) {
            continue;
        }
        // Asked through its number or choice question, unless that has been
        // answered "unknown" (then the finding itself is asked).
        let asked = if facts.underived.contains(&f) { f } else { c.index.derived_source[f].unwrap_or(f) };
        let slot = &mut asked_at[asked];
        *slot = Some(slot.map_or(u, |v| v.max(u)));
    }
    // In interview order, then most urgent first (a stable sort keeps the
    // interview order within each urgency). Findings asked only because their
    // number is missing or unknown come after the others of their urgency: the
    // screen opens with the warning signs themselves.
    //
    // The screen up front is the history a patient can give. Examination and
    // test items that bear on a red flag are ranked by what they add, and any
    // still open are asked before a clinician's interview ends.
    let mut list = |f: usize, u: Urgency| {
        let candidate = Candidate { finding: f, red_flag: Some(u), gain: 0.0 };
        if kb.findings()[f].asked_by == AskedBy::Patient && u >= Urgency::Urgent {
            urgent.push(candidate);
        } else {
            closing.push(candidate);
        }
    };
    let mut later = Vec::new();
    for &f in &c.interview_order {
        let Some(u) = asked_at[f] else { continue };
        if facts.underived.contains(&f) {
            later.push((f, u));
        } else if c.askable(f, respondent) && !facts.settled(f) {
            list(f, u);
        }
    }
    for (f, u) in later {
        if can_ask(kb, c, facts, f, respondent) && !facts.settled(f) {
            list(f, u);
        }
    }
    let urgent = most_urgent_first(urgent);
    let closing = most_urgent_first(closing);
    let mut in_urgent = vec![false; kb.findings().len()];
    for c in &urgent {
        in_urgent[c.finding] = true;
    }
    // Branch and bound: a question can tell no more about a condition than the
    // condition's own uncertainty, nor more than its evidence entry's capacity.
    // The questions with the largest bounds are scored first, to set the floor
    // (the head-th best gain so far); any other question whose bound lies
    // below the floor cannot enter the head, and only the head is ever read in
    // order, so it is not scored.
    let rankable = c.rankable(respondent);
    let mut bounded: Vec<(f64, usize)> = Vec::with_capacity(rankable.len() + facts.underived.len());
    for &f in rankable {
        if in_urgent[f] || facts.settled(f) {
            continue;
        }
        let bound = loose_bound_of_question(c, scores, f);
        if bound > 0.0 {
            bounded.push((bound, f));
        }
    }
    // Derived findings nothing derived, asked directly (a separate loop keeps
    // the one over every question a plain pass over a slice).
    for &f in &facts.underived {
        if in_urgent[f] || facts.settled(f) || !can_ask(kb, c, facts, f, respondent) {
            continue;
        }
        let bound = loose_bound_of_question(c, scores, f);
        if bound > 0.0 {
            bounded.push((bound, f));
        }
    }
    // Urgent questions come first wherever questions are listed, so the gain
    // ranking only needs to be exact for the places they leave.
    let head = wanted.saturating_sub(urgent.len()).max(1);
    let seed = 2 * head;
    if bounded.len() > seed {
        bounded.select_nth_unstable_by(seed, |a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    }
    let by_gain = |a: &Candidate, b: &Candidate| b.gain.total_cmp(&a.gain).then(a.finding.cmp(&b.finding));
    let mut gain_list: Vec<Candidate> = Vec::with_capacity(seed * 2);
    // The best gains so far, largest first, at most `head` of them.
    let mut best: Vec<f64> = Vec::with_capacity(head + 1);
    for &(bound, f) in &bounded {
        // The slack covers rounding, so a question whose gain equals its bound
        // is still scored.
        if let Some(&floor) = best.get(head - 1)
            && (bound + BOUND_SLACK < floor || bound_of_question(c, scores, f) + BOUND_SLACK < floor)
        {
            continue;
        }
        let gain = gain_of_question(c, scores, f);
        if gain > 0.0 {
            gain_list.push(Candidate { finding: f, red_flag: open.urgency_of(f), gain });
            best.insert(best.partition_point(|&g| g >= gain), gain);
            best.truncate(head);
        }
    }
    gain_list.sort_unstable_by(by_gain);
    Ranked { urgent, gain: gain_list, closing }
}

/// Red-flag questions most urgent first, in their given order within each
/// urgency: a stable sort on four keys, done as four passes, which needs no
/// scratch buffer.
fn most_urgent_first(list: Vec<Candidate>) -> Vec<Candidate> {
    if list.len() < 2 {
        return list;
    }
    let mut out = Vec::with_capacity(list.len());
    for u in [Urgency::Emergency, Urgency::Urgent, Urgency::Soon, Urgency::Routine] {
        for c in &list {
            if c.red_flag == Some(u) {
                out.push(Candidate { finding: c.finding, red_flag: Some(u), gain: c.gain });
            }
        }
    }
    out
}

/// The conditions a question bears on most, largest gain first (a
/// condition's presentations counted together).
pub fn bears_on(c: &Compiled, scores: &Scores, f: usize) -> Vec<(usize, f64)> {
    let mut by_condition: Vec<(usize, f64)> = Vec::with_capacity(16);
    let model = &c.model;
    let mut add = |h: usize, g: f64| {
        let c = model.condition(h).unwrap_or(h);
        match by_condition.iter_mut().find(|(x, _)| *x == c) {
            Some(e) => e.1 += g,
            None => by_condition.push((c, g)),
        }
    };
    for &d in c.asks.row(f) {
        gain_of(&c.model, scores, d, &mut add);
    }
    by_condition.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    by_condition
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Engine;
    use crate::case::{Answer, Case};
    use cluneal_kb::DifferentialModel;

    /// Mutual information in bits of the yes/no channel with P(yes | condition)
    /// = a and P(yes | not) = b at prior p, with the library's logarithms.
    fn mutual_information(p: f64, a: f64, b: f64) -> f64 {
        let h =
            |x: f64| if x <= 0.0 || x >= 1.0 { 0.0 } else { -(x * x.log2() + (1.0 - x) * (1.0 - x).log2()) };
        h(p * a + (1.0 - p) * b) - p * h(a) - (1.0 - p) * h(b)
    }

    #[test]
    fn the_chi_square_bound_is_never_below_the_information_an_answer_gives() {
        for &(lr_pos, lr_neg) in &[(9.0, 0.1), (1.2, 0.9), (30.0, 0.7), (2.0, 0.05), (0.2, 1.5), (0.01, 1.01)]
        {
            let (b, a) = crate::score::channel(lr_pos, lr_neg);
            let spread = a - b;
            assert!(!b.is_nan(), "({lr_pos}, {lr_neg}) defines a channel");
            let it = crate::score::BoundItem {
                condition: 0,
                slot: 0,
                capacity: f64::INFINITY,
                b,
                spread,
                chi: spread * spread * std::f64::consts::LOG2_E,
            };
            for &p in &[1e-9, 1e-4, 0.01, 0.1, 0.3, 0.5, 0.7, 0.95, 0.999] {
                let exact = mutual_information(p, a, b);
                let bound = it.chi_square_bound(p);
                assert!(bound + 1e-12 >= exact, "lr ({lr_pos}, {lr_neg}) at {p}: bound {bound} < {exact}");
            }
        }
    }

    /// A deterministic spread of cases: every finding answered yes, no or not
    /// at all by a fixed pseudo-random sequence, for each respondent.
    fn cases(kb: &KnowledgeBase) -> Vec<Case> {
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) % 100
        };
        let mut out = Vec::new();
        for density in [0, 5, 15, 30, 60] {
            for respondent in [Respondent::Patient, Respondent::Clinician] {
                for _ in 0..6 {
                    let mut case = Case { respondent, ..Case::default() };
                    for f in kb
                        .findings()
                        .iter()
                        .filter(|f| f.answer == cluneal_kb::AnswerType::YesNo && f.derived.is_none())
                    {
                        let r = next();
                        if r < density {
                            let answer = if r % 3 == 0 { Answer::Yes } else { Answer::No };
                            case.answers.insert(f.id.clone(), answer);
                        }
                    }
                    out.push(case);
                }
            }
        }
        out
    }

    #[test]
    fn branch_and_bound_ranks_the_head_exactly_as_scoring_every_question_would() {
        for model in DifferentialModel::ALL {
            let engine = Engine::with_model(KnowledgeBase::embedded().expect("valid"), model);
            let n = engine.kb().meta().engine.next_questions;
            for (k, case) in cases(engine.kb()).iter().enumerate() {
                let Ok(facts) = crate::facts::build(engine.kb(), &engine.compiled, case).map(|c| c.facts)
                else {
                    continue;
                };
                let scores = crate::score::score(&engine.compiled.model, &facts, None);
                let open = OpenScreen::of(
                    &engine.compiled.flags,
                    &engine.compiled.flags_by_urgency,
                    engine.kb().findings().len(),
                    &facts,
                );
                // The interview reads one question, the report `next_questions`.
                for wanted in [1, n] {
                    let ranked =
                        rank(engine.kb(), &engine.compiled, &facts, &scores, &open, case.respondent, wanted);
                    let urgent: Vec<usize> = ranked.urgent.iter().map(|c| c.finding).collect();
                    let mut all: Vec<(f64, usize)> = (0..engine.kb().findings().len())
                        .filter(|&f| {
                            !urgent.contains(&f)
                                && !facts.settled(f)
                                && can_ask(engine.kb(), &engine.compiled, &facts, f, case.respondent)
                        })
                        .map(|f| (gain_of_question(&engine.compiled, &scores, f), f))
                        .filter(|&(g, _)| g > 0.0)
                        .collect();
                    all.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
                    let head = wanted.saturating_sub(urgent.len()).max(1);
                    let want: Vec<usize> = all.iter().take(head).map(|&(_, f)| f).collect();
                    let got: Vec<usize> = ranked.gain.iter().take(head).map(|c| c.finding).collect();
                    assert_eq!(
                        got, want,
                        "{model:?} case {k}, {wanted} wanted: the head differs from exhaustive scoring"
                    );
                }
            }
        }
    }
}
