//! The Cluneal engine: a pure function from a case and a validated knowledge
//! base to a report. No I/O, no clock, no randomness; every collection in the
//! report has a defined order, so the same case always gives the same report.
//!
//! ```text
//! Case --check--> Facts --score--> probabilities --+--> differential (with evidence)
//!                   |                              +--> next questions (information gain)
//!                   +--> red flags --> triage      +--> work-up, plan, exercises
//! ```

mod block;
pub mod case;
mod facts;
mod math;
mod plan;
mod questions;
pub mod report;
mod score;
mod triage;
mod workup;

use cluneal_kb::{AnswerType, ConditionId, ConditionModel, FindingId, KnowledgeBase, ReferenceId, Urgency};

pub use case::{
    AGE_YEARS, Answer, BLOCK_HOURS, BLOCK_MINUTES, BlockReading, BlockRecord, Bounds, Case, Guidance, PAIN,
    Respondent, Response, Sex, Sides, TreatmentTried, WEEKS,
};
pub use facts::{CaseError, CaseProblem};
pub use report::*;

use facts::{Facts, Origin, Tri};
use score::{Model, Scores};
use triage::FlagModel;

/// The engine: a validated knowledge base compiled for fast assessment.
#[derive(Debug, Clone)]
pub struct Engine {
    kb: KnowledgeBase,
    model: Model,
    flags: Vec<FlagModel>,
    /// Red-flag findings with the highest urgency each can lead to.
    screen: Vec<(usize, Urgency)>,
    /// For each finding, the yes/no findings its question settles (itself when
    /// it is a yes/no question, then the findings derived from it).
    asks: score::Rows<usize>,
    /// Whether each finding's question is asked of a patient, and of a clinician.
    askable_by: Vec<[bool; 2]>,
    /// Every finding in interview order: by its question group's order, then
    /// knowledge-base order (the order warning-sign questions are asked in).
    interview_order: Vec<usize>,
    /// One-line citation of each reference, in knowledge-base order.
    citations: Vec<String>,
    /// Ids resolved once to indices, so a report compares no strings.
    index: Index,
}

/// The knowledge base's resolved cross-references as the engine's index
/// tables (positions in the knowledge base's lists), built once at start-up.
#[derive(Debug, Clone, Default)]
struct Index {
    /// Typed ids by position, to ask the knowledge base about a condition.
    condition_ids: Vec<ConditionId>,
    /// Per finding: the red flags it takes part in, and the highest urgency they reach.
    flags_of_finding: Vec<Vec<usize>>,
    flag_urgency: Vec<Option<Urgency>>,
    /// Per criteria set, per item: the findings it checks.
    criteria_items: Vec<Vec<Vec<usize>>>,
    /// Diagnostics in work-up order.
    diagnostics: Vec<Diagnostic>,
    /// Per exercise: (finding, avoid_if entry) and (condition, avoid_with_conditions entry).
    exercise_avoid_finding: Vec<Vec<(usize, usize)>>,
    exercise_avoid_condition: Vec<Vec<(usize, usize)>>,
    /// Per plan step (knowledge-base order): its treatments, each with the
    /// conditions it is used for.
    step_treatments: Vec<Vec<(usize, Vec<usize>)>>,
    /// Per finding: its question group's index.
    group_of: Vec<usize>,
    /// Per finding: the finding a derived finding is computed from, if any.
    derived_source: Vec<Option<usize>>,
    /// Per finding: the more specific findings that imply it.
    implied_by: Vec<Vec<usize>>,
    /// Per condition: its telltale findings (`raise_when_any`).
    raise_when_any: Vec<Vec<usize>>,
}

#[derive(Debug, Clone)]
struct Diagnostic {
    at: usize,
    findings: Vec<usize>,
    rules_in: Vec<usize>,
    rules_out: Vec<usize>,
    refs: Vec<usize>,
}

/// Positions of typed ids, for the engine's index-based tables.
fn positions<I: Copy>(ids: &[I], index: fn(I) -> usize) -> Vec<usize> {
    ids.iter().map(|&i| index(i)).collect()
}

impl Index {
    #[expect(
        clippy::indexing_slicing,
        reason = "finding and red-flag indices come from the knowledge base's resolved ids, and `flags_of_finding` has one entry per finding"
    )]
    fn build(kb: &KnowledgeBase) -> Index {
        let f = |ids: &[FindingId]| positions(ids, FindingId::index);
        let c = |ids: &[ConditionId]| positions(ids, ConditionId::index);
        let finding_ids: Vec<FindingId> = kb.finding_ids().collect();
        let condition_ids: Vec<ConditionId> = kb.condition_ids().collect();
        let mut flags_of_finding = vec![Vec::new(); kb.findings().len()];
        for (k, id) in kb.red_flag_ids().enumerate() {
            let links = kb.red_flag_links(id);
            for i in f(&links.any_of).into_iter().chain(f(&links.all_of)) {
                if !flags_of_finding[i].contains(&k) {
                    flags_of_finding[i].push(k);
                }
            }
        }
        let flag_urgency = flags_of_finding
            .iter()
            .map(|ks: &Vec<usize>| ks.iter().map(|&k| kb.red_flags()[k].urgency).max())
            .collect();
        let criteria_items =
            kb.criteria_links().iter().map(|x| x.items.iter().map(|it| f(it)).collect()).collect();
        let mut diagnostics: Vec<Diagnostic> = kb
            .diagnostic_links()
            .iter()
            .enumerate()
            .map(|(at, d)| Diagnostic {
                at,
                findings: f(&d.findings),
                rules_in: c(&d.rules_in),
                rules_out: c(&d.rules_out),
                refs: positions(&d.sources, ReferenceId::index),
            })
            .collect();
        diagnostics.sort_by(|a, b| {
            let (x, y) = (&kb.diagnostics()[a.at], &kb.diagnostics()[b.at]);
            x.order.cmp(&y.order).then_with(|| x.id.cmp(&y.id))
        });
        // Paired with each entry's position in the exercise's list, which the plan reports.
        let exercise_avoid_finding =
            kb.exercise_avoid_if().iter().map(|ids| f(ids).into_iter().zip(0..).collect()).collect();
        let exercise_avoid_condition =
            kb.exercise_avoid_with().iter().map(|ids| c(ids).into_iter().zip(0..).collect()).collect();
        let step_treatments = kb
            .plan_steps()
            .iter()
            .map(|st| {
                let step = kb.plan_step_id(&st.id);
                kb.treatment_steps()
                    .iter()
                    .zip(kb.treatment_conditions())
                    .enumerate()
                    .filter(|(_, (s, _))| Some(**s) == step)
                    .map(|(k, (_, conditions))| (k, c(conditions)))
                    .collect()
            })
            .collect();
        let group_of = finding_ids.iter().map(|&x| kb.group_of(x).index()).collect();
        let derived_source = finding_ids.iter().map(|&x| kb.derived_from(x).map(FindingId::index)).collect();
        let implied_by = finding_ids.iter().map(|&x| f(kb.implied_by(x))).collect();
        let raise_when_any = condition_ids.iter().map(|&x| f(kb.raise_when_any(x))).collect();
        Index {
            condition_ids,
            implied_by,
            raise_when_any,
            flags_of_finding,
            flag_urgency,
            criteria_items,
            diagnostics,
            exercise_avoid_finding,
            exercise_avoid_condition,
            step_treatments,
            group_of,
            derived_source,
        }
    }
}

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

impl Engine {
    /// The engine with the knowledge base's own differential model.
    pub fn new(kb: KnowledgeBase) -> Engine {
        let kind = kb.meta().engine.differential_model;
        Engine::with_model(kb, kind)
    }

    /// The engine with a chosen differential model (validation compares both).
    pub fn with_model(kb: KnowledgeBase, kind: cluneal_kb::DifferentialModel) -> Engine {
        let index = Index::build(&kb);
        let model = Model::compile(&kb, kind);
        let flags = triage::compile(&kb);
        let mut screen = triage::red_flag_findings(&kb, &flags);
        // In the order the triage lists unanswered questions (by name), so it
        // never sorts strings per case.
        screen.sort_by(|a, b| {
            triage::screen_name(&kb, a.0).cmp(triage::screen_name(&kb, b.0)).then(a.0.cmp(&b.0))
        });
        let mut derived_from = vec![Vec::new(); kb.findings().len()];
        for (i, source) in index.derived_source.iter().enumerate() {
            if let Some(from) = source.and_then(|s| derived_from.get_mut(s)) {
                from.push(i);
            }
        }
        let group_order: Vec<i64> = kb.finding_ids().map(|f| kb[kb.group_of(f)].order).collect();
        let mut interview_order: Vec<usize> = (0..kb.findings().len()).collect();
        interview_order.sort_by_key(|&f| (group_order.get(f).copied().unwrap_or(i64::MAX), f));
        let citations = kb.references().iter().map(cluneal_kb::Reference::citation).collect();
        let asks = score::Rows::from_lists(
            (0..kb.findings().len())
                .map(|f| {
                    let own = kb.findings().get(f).is_some_and(|x| x.answer == AnswerType::YesNo);
                    own.then_some(f)
                        .into_iter()
                        .chain(derived_from.get(f).into_iter().flatten().copied())
                        .collect()
                })
                .collect(),
        );
        let askable_by = (0..kb.findings().len())
            .map(|f| {
                [
                    questions::askable(&kb, f, Respondent::Patient),
                    questions::askable(&kb, f, Respondent::Clinician),
                ]
            })
            .collect();
        Engine { kb, model, flags, screen, asks, askable_by, interview_order, citations, index }
    }

    /// Whether this respondent is asked finding `f`'s question.
    fn askable(&self, f: usize, r: Respondent) -> bool {
        self.askable_by.get(f).is_some_and(|[patient, clinician]| match r {
            Respondent::Patient => *patient,
            Respondent::Clinician => *clinician,
        })
    }

    /// The knowledge base the engine was built from.
    pub fn kb(&self) -> &KnowledgeBase {
        &self.kb
    }

    /// Check a case against the knowledge base, naming every problem.
    pub fn check(&self, case: &Case) -> Result<(), CaseError> {
        facts::build(self, case).map(|_| ())
    }

    /// Probabilities of every condition, in knowledge-base order (no report).
    pub fn probabilities(&self, case: &Case) -> Result<Vec<f64>, CaseError> {
        let (facts, _) = facts::build(self, case)?;
        Ok(score::score(&self.model, &facts, None).p)
    }

    /// The full report for one case.
    pub fn assess(&self, case: &Case) -> Result<Report<'_>, CaseError> {
        let (facts, notes) = facts::build(self, case)?;
        let mut applied = score::Applications::default();
        let scores = score::score(&self.model, &facts, Some(&mut applied));
        Ok(self.report(case, &facts, &scores, &applied, notes))
    }

    /// The interview's next move, given how many single questions were already asked.
    pub fn next_step(&self, case: &Case, asked: usize) -> Result<Next<'_>, CaseError> {
        let (facts, _) = facts::build(self, case)?;
        let scores = score::score(&self.model, &facts, None);
        let triage = triage::triage(&self.kb, &self.flags, &self.screen, &facts);
        let step = self.step(case, asked, &facts, &scores, &triage);
        Ok(Next { step, triage })
    }

    #[expect(
        clippy::indexing_slicing,
        reason = "condition, finding and reference indices come from the index tables built by `Engine::with_model` from the same knowledge base"
    )]
    fn step(&self, case: &Case, asked: usize, facts: &Facts, scores: &Scores, tri: &Triage<'_>) -> Step<'_> {
        let ranked = questions::rank(self, facts, scores, case.respondent);
        let status = self.status(tri, scores, &ranked, Some(asked));
        if status.settled {
            return Step::Done { reason: status.reason };
        }
        let lead = match ranked.urgent.first() {
            Some(c) => c,
            None if !self.diagnosis_settled(scores, &ranked, Some(asked)) && !ranked.gain.is_empty() => {
                &ranked.gain[0]
            }
            None => match ranked.closing.first() {
                Some(c) => c,
                None => return Step::Done { reason: status.reason },
            },
        };
        let finding = &self.kb.findings()[lead.finding];
        let group = self.kb.groups().get(self.index.group_of[lead.finding]);
        let (gid, prompt) = group.map_or((finding.group.clone(), String::new()), |g| {
            (g.id.clone(), self.prompt(g, case.respondent))
        });
        if !group.is_some_and(|g| g.multi_select) {
            let q = self.question(lead, scores, case.respondent);
            return Step::Ask { group: gid, prompt, multi_select: false, questions: vec![q] };
        }
        // A tick-all-that-apply group is asked whole, in knowledge-base order.
        let questions = (0..self.kb.findings().len())
            .filter(|&f| {
                self.index.group_of[f] == self.index.group_of[lead.finding]
                    && self.kb.findings()[f].answer == AnswerType::YesNo
                    && self.askable(f, case.respondent)
                    && !facts.settled(f)
            })
            .map(|f| {
                let find = |list: &[questions::Candidate]| list.iter().find(|c| c.finding == f).cloned();
                // The ranking may leave out questions that cannot reach its head:
                // those members are scored here.
                let scored = || {
                    let gain = questions::gain_of_question(self, scores, f);
                    (gain > 0.0).then_some(questions::Candidate {
                        finding: f,
                        red_flag: self.index.flag_urgency[f],
                        gain,
                    })
                };
                let c = find(&ranked.urgent)
                    .or_else(|| find(&ranked.gain))
                    .or_else(scored)
                    .or_else(|| find(&ranked.closing))
                    .unwrap_or(questions::Candidate {
                        finding: f,
                        red_flag: self.index.flag_urgency[f],
                        gain: 0.0,
                    });
                self.question(&c, scores, case.respondent)
            })
            .collect();
        Step::Ask { group: gid, prompt, multi_select: true, questions }
    }

    fn prompt(&self, g: &cluneal_kb::QuestionGroup, r: Respondent) -> String {
        match r {
            Respondent::Patient => g.patient_prompt.clone(),
            Respondent::Clinician => g.clinician_prompt.clone(),
        }
    }

    #[expect(
        clippy::indexing_slicing,
        reason = "condition, finding and reference indices come from the index tables built by `Engine::with_model` from the same knowledge base"
    )]
    fn specific_leader(&self, scores: &Scores) -> Option<usize> {
        (0..self.kb.conditions().len())
            .filter(|&c| !self.model.conditions[c].exclusion)
            .max_by(|&a, &b| scores.p[a].total_cmp(&scores.p[b]).then(b.cmp(&a)))
    }

    /// Whether the differential is settled: a specific condition reached the
    /// stopping probability, no question is worth asking, or the question limit
    /// (`asked`, when counting) was reached.
    fn diagnosis_settled(&self, scores: &Scores, ranked: &questions::Ranked, asked: Option<usize>) -> bool {
        self.diagnosis_stop(scores, ranked, asked).is_some()
    }

    #[expect(
        clippy::indexing_slicing,
        reason = "condition, finding and reference indices come from the index tables built by `Engine::with_model` from the same knowledge base"
    )]
    fn diagnosis_stop(
        &self,
        scores: &Scores,
        ranked: &questions::Ranked,
        asked: Option<usize>,
    ) -> Option<String> {
        let i = &self.kb.meta().interview;
        // Only a specific condition settles the picture; "no specific cause" never does.
        if let Some(c) = self.specific_leader(scores)
            && scores.p[c] >= i.stop_probability.value
        {
            return Some(format!(
                "{} has reached {:.0}%, the interview's stopping point",
                self.kb.conditions()[c].short_name,
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

    fn status(
        &self,
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
            return InterviewStatus {
                settled: false,
                reason: "warning-sign questions are still open".into(),
            };
        }
        match self.diagnosis_stop(scores, ranked, asked) {
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
    fn question(&self, c: &questions::Candidate, scores: &Scores, r: Respondent) -> NextQuestion<'_> {
        let f = &self.kb.findings()[c.finding];
        let reason = match c.red_flag {
            Some(u) => {
                let flags = &self.index.flags_of_finding[c.finding];
                let mut reason = format!("warning-sign screen ({}): ", u.as_str());
                for (k, &i) in flags.iter().take(2).enumerate() {
                    if k > 0 {
                        reason.push_str("; ");
                    }
                    reason.push_str(&self.kb.red_flags()[i].name);
                }
                if flags.len() > 2 {
                    reason.push_str(&format!("; and {} more", flags.len() - 2));
                }
                reason
            }
            None => {
                // One string, no intermediate lists (eight of these per report).
                let mut reason = String::with_capacity(96);
                reason.push_str("would most change the likelihood of ");
                for (k, (ci, _)) in questions::bears_on(self, scores, c.finding).iter().take(3).enumerate() {
                    if k > 0 {
                        reason.push_str(", ");
                    }
                    reason.push_str(&self.kb.conditions()[*ci].short_name);
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

    #[expect(
        clippy::indexing_slicing,
        reason = "condition, finding and reference indices come from the index tables built by `Engine::with_model` from the same knowledge base"
    )]
    fn report(
        &self,
        case: &Case,
        facts: &Facts,
        scores: &Scores,
        applied: &score::Applications,
        notes: Vec<String>,
    ) -> Report<'_> {
        let kb = &self.kb;
        let tri = triage::triage(kb, &self.flags, &self.screen, facts);
        // Conditions in ranked order (probability, then id = knowledge-base order),
        // sorted once for the differential and the work-up.
        let mut order: Vec<usize> = (0..kb.conditions().len()).collect();
        order.sort_unstable_by(|&a, &b| scores.p[b].total_cmp(&scores.p[a]).then(a.cmp(&b)));
        let mut differential = self.differential(facts, scores, applied, &order);
        // "No specific cause" is a conclusion apart from the ranked causes.
        let no_specific_cause = differential
            .iter()
            .position(|r| r.model == ConditionModel::Exclusion)
            .map(|k| differential.remove(k));
        let must_not_miss = self.must_not_miss(&differential, &tri);
        let ask_about = self.ask_about(&differential, facts);
        let leading = differential.first().map_or(0.0, |r| r.probability);
        let open = leading < kb.meta().engine.open_picture_probability.value;
        let picture = Picture {
            open,
            message: if open {
                &kb.meta().messages.picture_open
            } else {
                &kb.meta().messages.picture_focused
            },
        };
        let ranked = questions::rank(self, facts, scores, case.respondent);
        let interview = self.status(&tri, scores, &ranked, None);
        let n_next = kb.meta().engine.next_questions;
        // Lazily: the closing questions are only looked at when the first two
        // lists are shorter than the report's list.
        let next_questions: Vec<NextQuestion<'_>> = ranked
            .urgent
            .iter()
            .chain(&ranked.gain)
            .chain(ranked.closing.iter().filter(|c| !ranked.gain.iter().any(|g| g.finding == c.finding)))
            .take(n_next)
            .map(|c| self.question(c, scores, case.respondent))
            .collect();

        let relevant = kb.meta().engine.relevant_probability.value;
        let likely: Vec<usize> = (0..kb.conditions().len())
            .filter(|&c| !self.model.conditions[c].exclusion && scores.p[c] >= relevant)
            .collect();
        let ranked: Vec<usize> =
            order.iter().copied().filter(|&c| !self.model.conditions[c].exclusion).collect();
        let mut in_play = likely.clone();
        // A whole number from 0 to 30 (checked at load).
        let always = kb.meta().engine.always_in_play.value as usize;
        for &c in ranked.iter().take(always) {
            if !in_play.contains(&c) {
                in_play.push(c);
            }
        }
        let (workup, workup_refs) = workup::workup(self, facts, &scores.p, &in_play, &tri);
        let blocks = block::results(kb, case);
        let focus = self.specific_leader(scores).unwrap_or(0);
        let hold = tri.red_flags.first().map(|r| r.patient_action);
        let plan = plan::plan(&plan::PlanInput {
            engine: self,
            kb,
            case,
            facts,
            likely: &likely,
            focus,
            level: tri.level,
            hold_message: hold,
        });
        let criteria = self.criteria(facts, case);

        // Every reference the report cites, marked by index; reference files
        // are sorted by id, so index order is id order.
        let setting = facts.setting;
        let mut cited = vec![false; kb.references().len()];
        let mut cite = |k: usize| {
            if let Some(c) = cited.get_mut(k) {
                *c = true;
            }
        };
        for (ci, c) in self.model.conditions.iter().enumerate().take(self.model.n_conditions) {
            if let Some(p) = kb.prior_link(self.index.condition_ids[ci], setting) {
                cite(p.source.index());
            }
            for a in applied.of(ci) {
                cite(c.evidence[a.ev].source_ref);
            }
        }
        for f in &tri.red_flags {
            if let Some(k) = kb.red_flag_id(f.id) {
                cite(kb.red_flag_links(k).source.index());
            }
        }
        for c in kb.criteria_links() {
            cite(c.source.index());
        }
        for k in workup_refs {
            cite(k);
        }
        for b in &blocks {
            for s in &b.sources {
                if let Some(k) = kb.reference_id(s) {
                    cite(k.index());
                }
            }
        }
        let references = (0..kb.references().len())
            .filter(|&k| cited[k])
            .map(|k| {
                let r = &kb.references()[k];
                ReferenceEntry { id: &r.id, citation: &self.citations[k], url: r.url.as_deref() }
            })
            .collect();

        Report {
            kb_version: &kb.meta().version,
            kb_hash: kb.content_hash(),
            setting: kb.meta().settings.get(facts.setting).map_or("", String::as_str),
            respondent: case.respondent,
            disclaimer: &kb.meta().messages.disclaimer,
            triage: tri,
            must_not_miss,
            ask_about,
            picture,
            differential,
            no_specific_cause,
            criteria,
            next_questions,
            interview,
            workup,
            blocks,
            plan,
            notes,
            references,
        }
    }

    #[expect(
        clippy::indexing_slicing,
        reason = "condition, finding and reference indices come from the index tables built by `Engine::with_model` from the same knowledge base"
    )]
    fn differential(
        &self,
        facts: &Facts,
        scores: &Scores,
        applied: &score::Applications,
        order: &[usize],
    ) -> Vec<ConditionResult<'_>> {
        let kb = &self.kb;
        let s = facts.setting;
        // Built in ranked order, in place, never moved by a sort.
        let mut out: Vec<ConditionResult<'_>> = Vec::with_capacity(kb.conditions().len());
        let mut keys: Vec<(f64, usize)> = Vec::with_capacity(64);
        for &ci in order {
            let c = &kb.conditions()[ci];
            let m = &self.model.conditions[ci];
            let prior = m.prior_p.get(s).copied().unwrap_or(0.0);
            let prior_entry =
                kb.prior_link(self.index.condition_ids[ci], s).and_then(|p| c.prior.get(p.entry));
            let prior_source = prior_entry.map_or("", |p| p.source.as_str());
            let prior_grade = prior_entry.map_or(cluneal_kb::Grade::ExpertEstimate, |p| p.grade);
            // Sort small keys (effect, then id order = knowledge-base order), then
            // build each evidence item once, where it belongs.
            // Keys below `na` are applied findings; for an exclusion condition, key
            // `na + cj` is the move of specific condition `cj`.
            let own = applied.of(ci);
            let na = own.len();
            keys.clear();
            let exclusion_delta = |cj: usize| scores.moves[cj];
            keys.extend(own.iter().enumerate().map(|(k, a)| (a.delta, k)));
            if m.exclusion {
                for (cj, other) in self.model.conditions.iter().enumerate() {
                    let delta = exclusion_delta(cj);
                    // A display cut-off (log scale): moves under 1% are not listed as evidence.
                    if !other.exclusion && delta.abs() >= 0.01 {
                        keys.push((delta, na + cj));
                    }
                }
            }
            // Ties by finding, then evidence position: a total order, whatever
            // order the scoring recorded the entries in.
            let tie = |k: usize| {
                if k < na {
                    let ev = own[k].ev;
                    (m.evidence[ev].finding, ev)
                } else {
                    (kb.findings().len() + k, 0)
                }
            };
            keys.sort_unstable_by(|a, b| {
                b.0.abs().total_cmp(&a.0.abs()).then_with(|| tie(a.1).cmp(&tie(b.1)))
            });
            let item = |k: usize| -> EvidenceItem<'_> {
                if k >= na {
                    let cj = k - na;
                    let ratio = exclusion_delta(cj).exp();
                    return EvidenceItem {
                        finding: &kb.conditions()[cj].id,
                        label: &kb.conditions()[cj].name,
                        answer: if ratio < 1.0 {
                            EvidenceAnswer::MoreLikely
                        } else {
                            EvidenceAnswer::LessLikely
                        },
                        likelihood_ratio: ratio,
                        weight: None,
                        effective_ratio: None,
                        origin: EvidenceOrigin::Exclusion,
                        source: prior_source,
                        grade: prior_grade,
                    };
                }
                let a = &own[k];
                let ev = &m.evidence[a.ev];
                let e = &c.evidence[ev.entry];
                let f = &kb.findings()[ev.finding];
                let (lr, lr_w) = if a.yes { (ev.lr_pos, ev.lr_pos_w) } else { (ev.lr_neg, ev.lr_neg_w) };
                EvidenceItem {
                    finding: &f.id,
                    label: &f.label,
                    answer: if a.yes { EvidenceAnswer::Yes } else { EvidenceAnswer::No },
                    likelihood_ratio: lr,
                    // The lead of a correlation group counts in full, the rest at the residual weight.
                    weight: (a.weight != 1.0).then_some(a.weight),
                    effective_ratio: (a.weight != 1.0).then_some(lr_w),
                    origin: match facts.origin[ev.finding] {
                        Origin::Answer | Origin::None => EvidenceOrigin::Answer,
                        Origin::Derived => EvidenceOrigin::Derived,
                        Origin::Block(b) => EvidenceOrigin::Block(&kb.blocks()[b].id),
                    },
                    source: &e.source,
                    grade: e.grade,
                }
            };
            let n_for = keys.iter().filter(|(d, _)| *d > 0.0).count();
            let mut evidence_for = Vec::with_capacity(n_for);
            let mut evidence_against = Vec::with_capacity(keys.len() - n_for);
            for &(d, k) in &keys {
                if d > 0.0 {
                    evidence_for.push(item(k));
                } else if d < 0.0 {
                    evidence_against.push(item(k));
                }
            }
            out.push(ConditionResult {
                condition: &c.id,
                name: &c.name,
                probability: scores.p[ci],
                prior,
                prior_source,
                serious: c.serious,
                model: c.model,
                band: band(kb, scores.p[ci]),
                evidence_for,
                evidence_against,
            });
        }
        out
    }

    /// Serious conditions with a supporting finding, and any condition a fired
    /// red flag names (so triage and differential never disagree), most probable
    /// first, whatever their rank. Supporting findings are listed for serious
    /// conditions only.
    fn must_not_miss<'k>(
        &'k self,
        differential: &[ConditionResult<'k>],
        tri: &Triage<'k>,
    ) -> Vec<MustNotMiss<'k>> {
        let floor = self.kb.meta().engine.must_not_miss_probability.value;
        let mut out: Vec<MustNotMiss<'k>> = differential
            .iter()
            .enumerate()
            .filter_map(|(k, r)| {
                let findings: Vec<&'k str> = if r.serious {
                    r.evidence_for
                        .iter()
                        .filter(|e| e.answer == EvidenceAnswer::Yes)
                        .map(|e| e.finding)
                        .collect()
                } else {
                    Vec::new()
                };
                let red_flags: Vec<&'k str> = tri
                    .red_flags
                    .iter()
                    .filter(|f| f.conditions.iter().any(|c| c == r.condition))
                    .map(|f| f.id)
                    .collect();
                let supported = !findings.is_empty() && r.probability >= floor;
                (supported || !red_flags.is_empty()).then_some(MustNotMiss {
                    condition: r.condition,
                    name: r.name,
                    probability: r.probability,
                    rank: k + 1,
                    findings,
                    red_flags,
                })
            })
            .collect();
        out.sort_unstable_by(|a, b| b.probability.total_cmp(&a.probability).then(a.rank.cmp(&b.rank)));
        out
    }

    /// Conditions whose telltale findings (`raise_when_any`) are answered yes,
    /// in knowledge-base order, whatever their rank in `differential`.
    fn ask_about<'k>(&'k self, differential: &[ConditionResult<'k>], facts: &Facts) -> Vec<AskAbout<'k>> {
        let mut out = Vec::new();
        for (c, telltale) in self.kb.conditions().iter().zip(&self.index.raise_when_any) {
            let findings: Vec<&'k str> = telltale
                .iter()
                .filter(|&&i| facts.is(i, Tri::Yes))
                .filter_map(|&i| self.kb.findings().get(i).map(|f| f.id.as_str()))
                .collect();
            if findings.is_empty() {
                continue;
            }
            let Some((k, r)) = differential.iter().enumerate().find(|(_, r)| r.condition == c.id) else {
                continue;
            };
            out.push(AskAbout {
                condition: r.condition,
                name: r.name,
                probability: r.probability,
                rank: k + 1,
                findings,
            });
        }
        out
    }

    #[expect(
        clippy::indexing_slicing,
        reason = "condition, finding and reference indices come from the index tables built by `Engine::with_model` from the same knowledge base"
    )]
    fn criteria(&self, facts: &Facts, case: &Case) -> Vec<CriteriaResult<'_>> {
        let kb = &self.kb;
        kb.criteria()
            .iter()
            .zip(&self.index.criteria_items)
            .map(|(c, item_findings)| {
                let items: Vec<CriterionResult<'_>> = c
                    .item
                    .iter()
                    .zip(item_findings)
                    .map(|(it, fs)| {
                        let ids: Vec<&str> =
                            it.finding.iter().chain(&it.any_of).map(String::as_str).collect();
                        let any_yes = fs.iter().any(|&f| facts.state[f] == Tri::Yes);
                        let all_no = !fs.is_empty() && fs.iter().all(|&f| facts.state[f] == Tri::No);
                        if let Some(b) = &it.block {
                            let (status, reason) = block::criterion(kb, b, case);
                            return CriterionResult {
                                text: &it.text,
                                status,
                                findings: ids,
                                reason: Some(reason),
                            };
                        }
                        let status = if any_yes {
                            CriterionStatus::Met
                        } else if all_no {
                            CriterionStatus::Unmet
                        } else {
                            CriterionStatus::Unknown
                        };
                        CriterionResult { text: &it.text, status, findings: ids, reason: None }
                    })
                    .collect();
                let count = |s: CriterionStatus| items.iter().filter(|i| i.status == s).count();
                CriteriaResult {
                    id: &c.id,
                    name: &c.name,
                    condition: &c.condition,
                    met: count(CriterionStatus::Met),
                    unmet: count(CriterionStatus::Unmet),
                    unknown: count(CriterionStatus::Unknown),
                    items,
                    source: &c.source,
                    grade: c.grade,
                }
            })
            .collect()
    }
}

/// A probability in words, by the knowledge base's bands.
fn band(kb: &KnowledgeBase, p: f64) -> Band {
    if p >= kb.meta().engine.fits_well_probability.value {
        Band::FitsWell
    } else if p >= kb.meta().engine.relevant_probability.value {
        Band::Possible
    } else {
        Band::LessLikely
    }
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
        for _ in 0..=self.kb.findings().len() {
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
