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
mod compile;
mod criteria;
mod differential;
mod facts;
mod interview;
mod math;
mod plan;
mod questions;
pub mod report;
mod score;
mod triage;
mod workup;

use cluneal_kb::{ConditionModel, KnowledgeBase};

pub use case::{
    AGE_YEARS, Answer, BLOCK_HOURS, BLOCK_MINUTES, BlockReading, BlockRecord, Bounds, Case, CaseError,
    CaseProblem, Guidance, PAIN, Respondent, Response, Sex, Sides, TreatmentTried, WEEKS,
};
pub use interview::{Next, Step, Transcript};
pub use report::*;

/// A probability as the reports print it: a whole percentage, or "under 1%"
/// and "over 99%" where rounding would show 0% or 100% for a value that is
/// neither (one rule for the work-up, the FHIR cards and the PDF).
pub fn percent(p: f64) -> String {
    let mut s = String::with_capacity(8);
    workup::push_percent_label(&mut s, p);
    s
}

use compile::Compiled;
use facts::Checked;
use score::Scores;

/// The engine: a validated knowledge base compiled for fast assessment.
#[derive(Debug, Clone)]
pub struct Engine {
    kb: KnowledgeBase,
    compiled: Compiled,
}

impl Engine {
    /// The engine with the knowledge base's own differential model.
    pub fn new(kb: KnowledgeBase) -> Engine {
        let kind = kb.meta().engine.differential_model;
        Engine::with_model(kb, kind)
    }

    /// The engine with a chosen differential model (validation compares both).
    pub fn with_model(kb: KnowledgeBase, kind: cluneal_kb::DifferentialModel) -> Engine {
        let compiled = Compiled::build(&kb, kind);
        Engine { kb, compiled }
    }

    /// The knowledge base the engine was built from.
    pub fn kb(&self) -> &KnowledgeBase {
        &self.kb
    }

    /// The differential model this engine scores with.
    pub fn differential_model(&self) -> cluneal_kb::DifferentialModel {
        self.compiled.model.kind
    }

    /// Check a case against the knowledge base, naming every problem.
    pub fn check(&self, case: &Case) -> Result<(), CaseError> {
        facts::build(&self.kb, &self.compiled, case).map(|_| ())
    }

    /// Probabilities of every condition, in knowledge-base order (no report).
    pub fn probabilities(&self, case: &Case) -> Result<Vec<f64>, CaseError> {
        let checked = facts::build(&self.kb, &self.compiled, case)?;
        let mut p = score::score(&self.compiled.model, &checked.facts, None).p;
        // The conditions only: pairs and presentations are the model's own.
        p.truncate(self.compiled.model.n_conditions);
        Ok(p)
    }

    /// The full report for one case.
    pub fn assess(&self, case: &Case) -> Result<Report<'_>, CaseError> {
        let checked = facts::build(&self.kb, &self.compiled, case)?;
        let mut applied = score::Applications::default();
        let scores = score::score(&self.compiled.model, &checked.facts, Some(&mut applied));
        Ok(self.report(case, checked, &scores, &applied))
    }

    /// The interview's next move, given how many single questions were already asked.
    pub fn next_step(&self, case: &Case, asked: usize) -> Result<Next<'_>, CaseError> {
        let facts = facts::build(&self.kb, &self.compiled, case)?.facts;
        let scores = score::score(&self.compiled.model, &facts, None);
        let open = triage::OpenScreen::of(
            &self.compiled.flags,
            &self.compiled.flags_by_urgency,
            self.kb.findings().len(),
            &facts,
        );
        let triage = triage::triage(&self.kb, &self.compiled.flags, &self.compiled.screen, &open, &facts);
        let state = interview::CaseState { facts: &facts, scores: &scores, open: &open };
        let step = interview::step(&self.kb, &self.compiled, case, asked, &state, &triage);
        Ok(Next { step, triage })
    }

    #[expect(
        clippy::indexing_slicing,
        reason = "condition, finding and reference indices come from the index tables built by `Engine::with_model` from the same knowledge base"
    )]
    fn report<'k>(
        &'k self,
        case: &Case,
        checked: Checked<'k>,
        scores: &Scores,
        applied: &score::Applications,
    ) -> Report<'k> {
        let kb = &self.kb;
        let Checked { facts, notes, blocks } = checked;
        let facts = &facts;
        let blocks: Vec<BlockResult<'k>> = blocks.into_iter().map(|b| b.result).collect();
        let warning_signs = triage::OpenScreen::of(
            &self.compiled.flags,
            &self.compiled.flags_by_urgency,
            kb.findings().len(),
            facts,
        );
        let tri = triage::triage(kb, &self.compiled.flags, &self.compiled.screen, &warning_signs, facts);
        // Conditions in ranked order (probability, then id = knowledge-base order),
        // sorted once for the differential and the work-up.
        let mut order: Vec<usize> = (0..kb.conditions().len()).collect();
        order.sort_unstable_by(|&a, &b| scores.p[b].total_cmp(&scores.p[a]).then(a.cmp(&b)));
        let mut differential = differential::differential(kb, &self.compiled, facts, scores, applied, &order);
        // "No specific cause" is a conclusion apart from the ranked causes.
        let no_specific_cause = differential
            .iter()
            .position(|r| r.model == ConditionModel::Exclusion)
            .map(|k| differential.remove(k));
        let must_not_miss = differential::must_not_miss(kb, &differential, &tri);
        let ask_about = differential::ask_about(kb, &self.compiled, &differential, facts);
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
        let n_next = kb.meta().engine.next_questions;
        let ranked =
            questions::rank(&self.kb, &self.compiled, facts, scores, &warning_signs, case.respondent, n_next);
        let interview = interview::status(kb, &self.compiled, &tri, scores, &ranked, None);
        // Lazily: the closing questions are only looked at when the first two
        // lists are shorter than the report's list.
        let next_questions: Vec<NextQuestion<'_>> = ranked
            .urgent
            .iter()
            .chain(&ranked.gain)
            .chain(ranked.closing.iter().filter(|c| !ranked.gain.iter().any(|g| g.finding == c.finding)))
            .take(n_next)
            .map(|c| interview::question(kb, &self.compiled, c, scores, &warning_signs, case.respondent))
            .collect();

        let relevant = kb.meta().engine.relevant_probability.value;
        let likely: Vec<usize> = (0..kb.conditions().len())
            .filter(|&c| !self.compiled.model.conditions[c].no_specific && scores.p[c] >= relevant)
            .collect();
        let ranked: Vec<usize> =
            order.iter().copied().filter(|&c| !self.compiled.model.conditions[c].no_specific).collect();
        let mut in_play = likely.clone();
        // A whole number from 0 to 30 (checked at load).
        let always = kb.meta().engine.always_in_play.value as usize;
        for &c in ranked.iter().take(always) {
            if !in_play.contains(&c) {
                in_play.push(c);
            }
        }
        let (workup, workup_refs) = workup::workup(kb, &self.compiled, facts, &scores.p, &in_play, &tri);
        let focus = interview::specific_leader(kb, &self.compiled, scores).unwrap_or(0);
        let hold = tri.red_flags.first().map(|r| r.patient_action);
        let plan = plan::plan(&plan::PlanInput {
            compiled: &self.compiled,
            kb,
            case,
            facts,
            likely: &likely,
            focus,
            level: tri.level,
            hold_message: hold,
        });
        let criteria = criteria::criteria(kb, &self.compiled, facts, case);

        // Every reference the report cites, marked by index; reference files
        // are sorted by id, so index order is id order.
        let setting = facts.setting;
        let mut cited = vec![false; kb.references().len()];
        let mut cite = |k: usize| {
            if let Some(c) = cited.get_mut(k) {
                *c = true;
            }
        };
        let model = &self.compiled.model;
        for ci in 0..model.n_conditions {
            if let Some(p) = kb.prior_link(self.compiled.index.condition_ids[ci], setting) {
                cite(p.source.index());
            }
            let h = model.shown(scores, ci);
            for a in applied.of(h) {
                cite(model.conditions[h].evidence[a.ev].source_ref);
            }
            for &r in model.share_sources.row(ci) {
                cite(r);
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
                ReferenceEntry { id: &r.id, citation: &self.compiled.citations[k], url: r.url.as_deref() }
            })
            .collect();

        Report {
            kb_version: &kb.meta().version,
            kb_hash: kb.content_hash(),
            setting: kb.meta().settings.get(facts.setting).map_or("", String::as_str),
            respondent: case.respondent,
            differential_model: self.differential_model(),
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
}
