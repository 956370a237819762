//! The knowledge base compiled once, at start-up, into the index-based tables
//! every assessment reads: the differential model, the red-flag screen, the
//! interview order and the resolved cross-references. Nothing here runs per case.

use cluneal_kb::{AnswerType, ConditionId, FindingId, KnowledgeBase, ReferenceId};

use crate::case::Respondent;
use crate::questions;
use crate::score::{self, Model};
use crate::triage::{self, FlagModel};

/// Everything the engine derives from its knowledge base.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    /// The differential model the knowledge base names (or the one asked for).
    pub model: Model,
    /// Each red flag's findings as indices, in knowledge-base order.
    pub flags: Vec<FlagModel>,
    /// Red flags most urgent first (knowledge-base order within an urgency).
    pub flags_by_urgency: Vec<usize>,
    /// Red-flag findings, in the order the triage lists unanswered ones.
    pub screen: Vec<usize>,
    /// For each finding, the yes/no findings its question settles (itself when
    /// it is a yes/no question, then the findings derived from it).
    pub asks: score::Rows<usize>,
    /// Whether each finding's question is asked of a patient, and of a clinician.
    pub askable_by: Vec<ByRespondent<bool>>,
    /// Every finding in interview order: by its question group's order, then
    /// knowledge-base order (the order warning-sign questions are asked in).
    pub interview_order: Vec<usize>,
    /// One-line citation of each reference, in knowledge-base order.
    pub citations: Vec<String>,
    /// Per question: the ranking's bound items of every yes/no finding its
    /// answer settles (`asks`), in one row.
    pub question_bounds: score::Rows<score::BoundItem>,
    /// The same rows cut to what the ranking's first, loose bound reads
    /// (16 bytes an item instead of 40), so that pass over every open
    /// question streams through less memory.
    pub loose_bounds: score::Rows<score::LooseItem>,
    /// Per respondent (patient, clinician): the findings whose question that
    /// respondent is asked and whose answer bears on some condition, in
    /// knowledge-base order: the only questions the ranking can score.
    pub rankable: ByRespondent<Vec<usize>>,
    /// Whether each finding only restates the person's age or sex (derived
    /// from those case fields): it makes a cause more or less common but is
    /// not a sign of it.
    pub personal: Vec<bool>,
    /// Ids resolved once to indices, so a report compares no strings.
    pub index: Index,
}

impl Compiled {
    pub fn build(kb: &KnowledgeBase, kind: cluneal_kb::DifferentialModel) -> Compiled {
        let index = Index::build(kb);
        let model = Model::compile(kb, kind);
        let flags = triage::compile(kb);
        let mut flags_by_urgency: Vec<usize> = (0..flags.len()).collect();
        flags_by_urgency.sort_by_key(|&k| std::cmp::Reverse(flags.get(k).map(|m| m.urgency)));
        let mut screen = triage::red_flag_findings(kb, &flags);
        // In the order the triage lists unanswered questions (by name), so it
        // never sorts strings per case.
        screen.sort_by(|&a, &b| triage::screen_name(kb, a).cmp(triage::screen_name(kb, b)).then(a.cmp(&b)));
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
        let askable_by: Vec<ByRespondent<bool>> = (0..kb.findings().len())
            .map(|f| ByRespondent {
                patient: questions::askable(kb, f, Respondent::Patient),
                clinician: questions::askable(kb, f, Respondent::Clinician),
            })
            .collect();
        let question_bounds = score::Rows::from_lists(
            (0..kb.findings().len())
                .map(|f| asks.row(f).iter().flat_map(|&d| model.bound_items.row(d).iter().copied()).collect())
                .collect(),
        );
        let loose_bounds = score::Rows::from_lists(
            (0..kb.findings().len())
                .map(|f| question_bounds.row(f).iter().map(score::LooseItem::from).collect())
                .collect(),
        );
        let rankable_by = |r: Respondent| -> Vec<usize> {
            (0..kb.findings().len())
                .filter(|&f| {
                    !question_bounds.row(f).is_empty() && askable_by.get(f).is_some_and(|a| *a.of(r))
                })
                .collect()
        };
        let rankable = ByRespondent {
            patient: rankable_by(Respondent::Patient),
            clinician: rankable_by(Respondent::Clinician),
        };
        let personal = kb
            .findings()
            .iter()
            .map(|f| f.derived.as_ref().is_some_and(|d| d.field == "age" || d.field == "sex"))
            .collect();
        Compiled {
            model,
            personal,
            flags,
            flags_by_urgency,
            screen,
            asks,
            askable_by,
            interview_order,
            citations,
            question_bounds,
            loose_bounds,
            rankable,
            index,
        }
    }

    /// Whether this respondent is asked finding `f`'s question.
    pub fn askable(&self, f: usize, r: Respondent) -> bool {
        self.askable_by.get(f).is_some_and(|a| *a.of(r))
    }

    /// The questions the ranking can score for this respondent (`rankable`).
    pub fn rankable(&self, r: Respondent) -> &[usize] {
        self.rankable.of(r)
    }
}

/// One value for each kind of respondent.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ByRespondent<T> {
    pub patient: T,
    pub clinician: T,
}

impl<T> ByRespondent<T> {
    pub fn of(&self, r: Respondent) -> &T {
        match r {
            Respondent::Patient => &self.patient,
            Respondent::Clinician => &self.clinician,
        }
    }
}

/// The knowledge base's resolved cross-references as the engine's index
/// tables (positions in the knowledge base's lists), built once at start-up.
#[derive(Debug, Clone, Default)]
pub(crate) struct Index {
    /// Typed ids by position, to ask the knowledge base about a condition.
    pub condition_ids: Vec<ConditionId>,
    /// Per finding: the red flags it takes part in (for a question that
    /// derived findings are answered through, theirs as well).
    pub flags_of_finding: Vec<Vec<usize>>,
    /// Per criteria set, per item: the findings it checks.
    pub criteria_items: Vec<Vec<Vec<usize>>>,
    /// Diagnostics in work-up order.
    pub diagnostics: Vec<Diagnostic>,
    /// Per exercise: (finding, avoid_if entry) and (condition, avoid_with_conditions entry).
    pub exercise_avoid_finding: Vec<Vec<(usize, usize)>>,
    pub exercise_avoid_condition: Vec<Vec<(usize, usize)>>,
    /// Per plan step (knowledge-base order): its treatments, each with the
    /// conditions it is used for.
    pub step_treatments: Vec<Vec<(usize, Vec<usize>)>>,
    /// Per finding: its question group's index.
    pub group_of: Vec<usize>,
    /// Per finding: the finding a derived finding is computed from, if any.
    pub derived_source: Vec<Option<usize>>,
    /// The findings more specific ones imply, each with those that imply it
    /// (a case visits only these, not every finding).
    pub implied_by: Vec<(usize, Vec<usize>)>,
    /// The findings with a rule each case must evaluate, so it visits only
    /// these: set from treatments tried, derived from another answer or a case
    /// field, and asked of some sexes only.
    pub from_treatments: Vec<usize>,
    pub derived: Vec<usize>,
    pub sex_specific: Vec<usize>,
    /// Per plan step (knowledge-base order): the finding it requires and the
    /// finding that completes it, resolved once instead of per report.
    pub step_findings: Vec<(Option<usize>, Option<usize>)>,
    /// Plan steps in plan order (`order`, then knowledge-base order).
    pub step_order: Vec<usize>,
    /// Per self-care item: the findings it is about.
    pub self_care_about: Vec<Vec<Option<usize>>>,
    /// Per condition: its telltale findings (`raise_when_any`).
    pub raise_when_any: Vec<Vec<usize>>,
}

#[derive(Debug, Clone)]
pub(crate) struct Diagnostic {
    pub at: usize,
    pub findings: Vec<usize>,
    pub rules_in: Vec<usize>,
    pub rules_out: Vec<usize>,
    pub refs: Vec<usize>,
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
        let derived_source: Vec<Option<usize>> =
            finding_ids.iter().map(|&x| kb.derived_from(x).map(FindingId::index)).collect();
        // A derived finding is asked through its source (severe pain through
        // the pain score), so the source's question names the derived
        // finding's flags too.
        for (i, source) in derived_source.iter().enumerate() {
            if let Some(s) = *source {
                for k in flags_of_finding[i].clone() {
                    if !flags_of_finding[s].contains(&k) {
                        flags_of_finding[s].push(k);
                    }
                }
            }
        }
        let implied_by = finding_ids
            .iter()
            .enumerate()
            .map(|(i, &x)| (i, f(kb.implied_by(x))))
            .filter(|(_, by)| !by.is_empty())
            .collect();
        let having = |has: fn(&cluneal_kb::Finding) -> bool| -> Vec<usize> {
            kb.findings().iter().enumerate().filter(|(_, x)| has(x)).map(|(i, _)| i).collect()
        };
        let from_treatments = having(|x| x.from_treatments.is_some());
        let derived = having(|x| x.derived.is_some());
        let sex_specific = having(|x| !x.sexes.is_empty());
        let finding = |id: &Option<String>| id.as_deref().and_then(|x| kb.finding_index(x));
        let step_findings = kb
            .plan_steps()
            .iter()
            .map(|s| (finding(&s.requires_finding), finding(&s.completed_by_finding)))
            .collect();
        let mut step_order: Vec<usize> = (0..kb.plan_steps().len()).collect();
        step_order.sort_by_key(|&i| kb.plan_steps().get(i).map(|s| s.order));
        let self_care_about = kb
            .self_care()
            .iter()
            .map(|s| s.about_findings.iter().map(|x| kb.finding_index(x)).collect())
            .collect();
        let raise_when_any = condition_ids.iter().map(|&x| f(kb.raise_when_any(x))).collect();
        Index {
            condition_ids,
            implied_by,
            from_treatments,
            derived,
            sex_specific,
            step_findings,
            step_order,
            self_care_about,
            raise_when_any,
            flags_of_finding,
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
