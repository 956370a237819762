//! The adaptive interview: whether to stop, and which question to ask next
//! (unanswered warning signs first, then the most informative question), with
//! the reason shown beside each question.

use cluneal_kb::{AnswerType, KnowledgeBase, Urgency};

use crate::Engine;
use crate::case::CaseError;
use crate::case::{Answer, Case, PAIN, Respondent};
use crate::compile::Compiled;
use crate::facts::Facts;
use crate::questions;
use crate::report::{InterviewStatus, NextQuestion, Triage};
use crate::score::Scores;
use crate::triage::OpenScreen;

/// What the interview should do next.
#[derive(Debug, Clone, PartialEq)]
pub enum Step<'k> {
    /// Ask these questions: one, or several from a tick-all-that-apply group.
    Ask {
        /// The question group's id.
        group: String,
        /// The group's prompt for the respondent.
        prompt: String,
        /// Whether the questions are answered together (tick all that apply).
        multi_select: bool,
        /// The questions.
        questions: Vec<NextQuestion<'k>>,
    },
    /// Stop: the picture is settled (or nothing useful is left to ask).
    Done {
        /// Why the interview stops.
        reason: String,
    },
}

/// The interview's next move and the triage of the answers so far (an
/// emergency must be shown at once, before anything else is asked).
#[derive(Debug, Clone, PartialEq)]
pub struct Next<'k> {
    /// Ask or stop.
    pub step: Step<'k>,
    /// The triage of the answers so far.
    pub triage: Triage<'k>,
}

/// A simulated interview: what was asked, in order, and the case it built.
#[derive(Debug, Clone, PartialEq)]
pub struct Transcript {
    /// The case the answers built.
    pub case: Case,
    /// Finding ids in the order they were asked.
    pub asked: Vec<String>,
    /// Prompts shown (a tick-all group counts once).
    pub prompts: usize,
    /// Why the interview stopped.
    pub stop_reason: String,
}

impl Engine {
    /// Run the adaptive interview against a fully described case: every question
    /// is answered from `full` ("unknown" when it is silent), and the interview
    /// stops by its own rule. Case fields (age, sex, setting, duration, sides) are
    /// taken as given, as are treatments tried; block records only when a clinician is answering.
    pub fn simulate(&self, full: &Case, respondent: Respondent) -> Result<Transcript, CaseError> {
        self.check(full)?;
        let mut case = Case {
            label: full.label.clone(),
            age: full.age,
            sex: full.sex,
            setting: full.setting.clone(),
            duration_weeks: full.duration_weeks,
            sides: full.sides,
            respondent,
            ..Case::default()
        };
        // Patients know what they have tried; block records come from clinicians.
        case.treatments_tried = full.treatments_tried.clone();
        if respondent == Respondent::Clinician {
            case.block = full.block.clone();
            case.blocks = full.blocks.clone();
        }
        let mut asked = Vec::new();
        let mut prompts = 0;
        let mut singles = 0;
        // Each prompt settles at least one finding, so this bound is never the real stop.
        for _ in 0..=self.kb().findings().len() {
            match self.next_step(&case, singles)?.step {
                Step::Done { reason } => {
                    return Ok(Transcript { case, asked, prompts, stop_reason: reason });
                }
                Step::Ask { multi_select, questions, .. } => {
                    prompts += 1;
                    if !multi_select {
                        singles += 1;
                    }
                    for q in questions {
                        let a = full.answers.get(q.finding).cloned().unwrap_or(Answer::Unknown);
                        case.answers.insert(q.finding.to_string(), a);
                        asked.push(q.finding.to_string());
                    }
                }
            }
        }
        Ok(Transcript { case, asked, prompts, stop_reason: "every question has been asked".into() })
    }
}

/// What one case's answers settle, computed once per call and read by the
/// ranking and the questions.
#[derive(Debug, Clone, Copy)]
pub struct CaseState<'a> {
    pub facts: &'a Facts,
    pub scores: &'a Scores,
    pub open: &'a OpenScreen,
}

#[expect(
    clippy::indexing_slicing,
    reason = "condition, finding and reference indices come from the index tables built by `Engine::with_model` from the same knowledge base"
)]
pub fn step<'k>(
    kb: &'k KnowledgeBase,
    compiled: &Compiled,
    case: &Case,
    asked: usize,
    state: &CaseState<'_>,
    tri: &Triage<'_>,
) -> Step<'k> {
    let CaseState { facts, scores, open } = *state;
    // The interview asks one question (or one tick-all group, whose members
    // are scored below when the ranking left them out).
    let ranked = questions::rank(kb, compiled, facts, scores, open, case.respondent, 1);
    let status = status(kb, compiled, tri, scores, &ranked, Some(asked));
    if status.settled {
        return Step::Done { reason: status.reason };
    }
    let lead = match ranked.urgent.first() {
        Some(c) => c,
        None if !diagnosis_settled(kb, compiled, scores, &ranked, Some(asked)) && !ranked.gain.is_empty() => {
            &ranked.gain[0]
        }
        None => match ranked.closing.first() {
            Some(c) => c,
            None => return Step::Done { reason: status.reason },
        },
    };
    let finding = &kb.findings()[lead.finding];
    let group = kb.groups().get(compiled.index.group_of[lead.finding]);
    let (gid, prompt) =
        group.map_or((finding.group.clone(), String::new()), |g| (g.id.clone(), prompt(g, case.respondent)));
    if !group.is_some_and(|g| g.multi_select) {
        let q = question(kb, compiled, lead, scores, open, case.respondent);
        return Step::Ask { group: gid, prompt, multi_select: false, questions: vec![q] };
    }
    // A tick-all-that-apply group is asked whole, in knowledge-base order.
    let questions = (0..kb.findings().len())
        .filter(|&f| {
            compiled.index.group_of[f] == compiled.index.group_of[lead.finding]
                && kb.findings()[f].answer == AnswerType::YesNo
                && questions::can_ask(kb, compiled, facts, f, case.respondent)
                && !facts.settled(f)
        })
        .map(|f| {
            let find = |list: &[questions::Candidate]| list.iter().find(|c| c.finding == f).cloned();
            // The ranking may leave out questions that cannot reach its head:
            // those members are scored here.
            let scored = || {
                let gain = questions::gain_of_question(compiled, scores, f);
                (gain > 0.0).then_some(questions::Candidate {
                    finding: f,
                    red_flag: open.urgency_of(f),
                    gain,
                })
            };
            let c = find(&ranked.urgent)
                .or_else(|| find(&ranked.gain))
                .or_else(scored)
                .or_else(|| find(&ranked.closing))
                .unwrap_or(questions::Candidate { finding: f, red_flag: open.urgency_of(f), gain: 0.0 });
            question(kb, compiled, &c, scores, open, case.respondent)
        })
        .collect();
    Step::Ask { group: gid, prompt, multi_select: true, questions }
}

pub fn prompt(g: &cluneal_kb::QuestionGroup, r: Respondent) -> String {
    match r {
        Respondent::Patient => g.patient_prompt.clone(),
        Respondent::Clinician => g.clinician_prompt.clone(),
    }
}

#[expect(
    clippy::indexing_slicing,
    reason = "condition, finding and reference indices come from the index tables built by `Engine::with_model` from the same knowledge base"
)]
pub fn specific_leader(kb: &KnowledgeBase, compiled: &Compiled, scores: &Scores) -> Option<usize> {
    (0..kb.conditions().len())
        .filter(|&c| !compiled.model.conditions[c].no_specific)
        .max_by(|&a, &b| scores.p[a].total_cmp(&scores.p[b]).then(b.cmp(&a)))
}

/// Whether the differential is settled: a specific condition reached the
/// stopping probability, no question is worth asking, or the question limit
/// (`asked`, when counting) was reached.
pub fn diagnosis_settled(
    kb: &KnowledgeBase,
    compiled: &Compiled,
    scores: &Scores,
    ranked: &questions::Ranked,
    asked: Option<usize>,
) -> bool {
    diagnosis_stop(kb, compiled, scores, ranked, asked).is_some()
}

#[expect(
    clippy::indexing_slicing,
    reason = "condition, finding and reference indices come from the index tables built by `Engine::with_model` from the same knowledge base"
)]
pub fn diagnosis_stop(
    kb: &KnowledgeBase,
    compiled: &Compiled,
    scores: &Scores,
    ranked: &questions::Ranked,
    asked: Option<usize>,
) -> Option<String> {
    let i = &kb.meta().interview;
    // Only a specific condition settles the picture; "no specific cause" never does.
    if let Some(c) = specific_leader(kb, compiled, scores)
        && scores.p[c] >= i.stop_probability.value
    {
        return Some(format!(
            "{} has reached {:.0}%, the interview's stopping point",
            kb.conditions()[c].short_name,
            scores.p[c] * 100.0
        ));
    }
    if let Some(n) = asked
        && n as f64 >= i.max_questions.value
    {
        return Some(format!("reached the limit of {} questions", i.max_questions.value));
    }
    match ranked.gain.first() {
        Some(c) if c.gain >= i.min_information_gain.value => None,
        _ => Some("no remaining question would change the picture much".into()),
    }
}

pub fn status(
    kb: &KnowledgeBase,
    compiled: &Compiled,
    tri: &Triage,
    scores: &Scores,
    ranked: &questions::Ranked,
    asked: Option<usize>,
) -> InterviewStatus {
    if tri.level == Urgency::Emergency {
        return InterviewStatus {
            settled: true,
            reason: "an emergency sign is present: act on it now".into(),
        };
    }
    if !ranked.urgent.is_empty() {
        return InterviewStatus { settled: false, reason: "warning-sign questions are still open".into() };
    }
    match diagnosis_stop(kb, compiled, scores, ranked, asked) {
        None => InterviewStatus {
            settled: false,
            reason: "further questions can still change the picture".into(),
        },
        Some(_) if !ranked.closing.is_empty() => InterviewStatus {
            settled: false,
            reason: "a few remaining warning-sign questions are still open".into(),
        },
        Some(reason) => InterviewStatus { settled: true, reason },
    }
}

#[expect(
    clippy::indexing_slicing,
    reason = "condition, finding and reference indices come from the index tables built by `Engine::with_model` from the same knowledge base"
)]
pub fn question<'k>(
    kb: &'k KnowledgeBase,
    compiled: &Compiled,
    c: &questions::Candidate,
    scores: &Scores,
    open: &OpenScreen,
    r: Respondent,
) -> NextQuestion<'k> {
    let f = &kb.findings()[c.finding];
    let reason = match c.red_flag {
        Some(u) => {
            // The flags this answer can still fire, not those already ruled out.
            let flags = &compiled.index.flags_of_finding[c.finding];
            let open = |i: &&usize| open.flag_open(**i);
            let n_open = flags.iter().filter(open).count();
            // Sized once: a report lists up to eight of these, and growing
            // the string piece by piece reallocates it several times.
            let names: usize =
                flags.iter().filter(open).take(2).map(|&i| kb.red_flags()[i].name.len() + 2).sum();
            let mut reason = String::with_capacity(40 + names);
            reason.push_str("warning-sign screen (");
            reason.push_str(u.as_str());
            reason.push_str("): ");
            for (k, &i) in flags.iter().filter(open).take(2).enumerate() {
                if k > 0 {
                    reason.push_str("; ");
                }
                reason.push_str(&kb.red_flags()[i].name);
            }
            if n_open > 2 {
                use std::fmt::Write as _;
                // Writing to a `String` cannot fail.
                let _ = write!(reason, "; and {} more", n_open - 2);
            }
            reason
        }
        None => {
            // One string, no intermediate lists (eight of these per report).
            let mut reason = String::with_capacity(96);
            reason.push_str("would most change the likelihood of ");
            for (k, (ci, _)) in questions::bears_on(compiled, scores, c.finding).iter().take(3).enumerate() {
                if k > 0 {
                    reason.push_str(", ");
                }
                reason.push_str(&kb.conditions()[*ci].short_name);
            }
            reason
        }
    };
    NextQuestion {
        finding: &f.id,
        question: match r {
            Respondent::Patient => &f.question,
            Respondent::Clinician => &f.clinician,
        },
        group: &f.group,
        answer_type: f.answer,
        options: &f.options,
        // A scale is a pain score (the case's checked range).
        min: match f.answer {
            AnswerType::Scale => Some(PAIN.min),
            _ => f.min,
        },
        max: match f.answer {
            AnswerType::Scale => Some(PAIN.max),
            _ => f.max,
        },
        red_flag: c.red_flag.is_some(),
        information_gain: c.gain,
        reason,
    }
}
