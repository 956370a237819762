//! The stepped plan around the leading condition, the exercise program
//! filtered by this case's contraindications, and self-care.

use std::borrow::Cow;

use cluneal_kb::{KnowledgeBase, SelfCareKind, Urgency};

use crate::case::{Case, Response};
use crate::facts::{Facts, Tri};
use crate::report::{
    ExerciseItem, Plan, PlanStepResult, PlanTreatment, SelfCareItem, StepStatus, WithheldExercise,
};

pub struct PlanInput<'k, 'a> {
    pub compiled: &'k crate::compile::Compiled,
    pub kb: &'k KnowledgeBase,
    pub case: &'a Case,
    pub facts: &'a Facts,
    /// Conditions at or above the relevant probability.
    pub likely: &'a [usize],
    /// The leading specific condition.
    pub focus: usize,
    pub level: Urgency,
    pub hold_message: Option<&'k str>,
}

/// The state of a finding resolved at start-up (`None`: not in the knowledge base).
fn finding_state(facts: &Facts, finding: Option<usize>) -> Tri {
    finding.and_then(|i| facts.state.get(i).copied()).unwrap_or(Tri::Unknown)
}

fn tried<'a>(case: &'a Case, id: &str) -> Option<&'a crate::case::TreatmentTried> {
    case.treatments_tried.iter().rev().find(|t| t.treatment == id)
}

#[expect(
    clippy::indexing_slicing,
    reason = "condition, plan-step and exercise indices come from the engine's index tables, built from the same knowledge base"
)]
fn step_result<'k>(input: &PlanInput<'k, '_>, si: usize, focus: usize) -> PlanStepResult<'k> {
    let kb = input.kb;
    let step = &kb.plan_steps()[si];
    let treatments: Vec<PlanTreatment<'k>> = input.compiled.index.step_treatments[si]
        .iter()
        .filter(|(_, conditions)| conditions.contains(&focus))
        .map(|(t, _)| &kb.treatments()[*t])
        .map(|t| PlanTreatment {
            id: &t.id,
            name: &t.name,
            category: &t.category,
            tried: tried(input.case, &t.id).map(|x| x.response),
        })
        .collect();
    PlanStepResult {
        id: &step.id,
        order: step.order,
        name: &step.name,
        status: StepStatus::Upcoming,
        reason: String::new(),
        patient_summary: &step.patient_summary,
        entry: &step.entry,
        move_on_when: &step.move_on_when,
        treatments,
    }
}

/// How long a positive block's relief lasted, in weeks: the latest reading of a
/// block whose protocol answers `finding` that is still at or above the
/// protocol's positive relief. `None` without such a block or reading.
fn relief_weeks(kb: &KnowledgeBase, case: &Case, finding: &str) -> Option<f64> {
    let mut best: Option<f64> = None;
    for r in case.block.iter().chain(&case.blocks) {
        let id = r.protocol.as_deref().or(kb.meta().defaults.block.as_deref());
        let Some(p) = id.and_then(|id| kb.block(id)) else { continue };
        if p.result_finding != finding || r.pain_before <= 0.0 {
            continue;
        }
        for x in &r.readings {
            let Some(minutes) = x.at_minutes() else { continue };
            if (r.pain_before - x.pain) / r.pain_before >= p.positive_relief.value {
                let weeks = minutes / (60.0 * 24.0 * 7.0);
                best = Some(best.map_or(weeks, |b: f64| b.max(weeks)));
            }
        }
    }
    best
}

#[expect(
    clippy::indexing_slicing,
    reason = "condition, plan-step and exercise indices come from the engine's index tables, built from the same knowledge base"
)]
pub fn plan<'k>(input: &PlanInput<'k, '_>) -> Plan<'k> {
    let kb = input.kb;
    let focus = &kb.conditions()[input.focus];
    // A positive block whose relief lasts needs no step-up (its own plan step says how long).
    let step_findings = &input.compiled.index.step_findings;
    let lasting = kb.plan_steps().iter().zip(step_findings).find_map(|(s, &(_, completed))| {
        let (f, w) = (s.completed_by_finding.as_deref()?, s.lasting_relief_weeks.as_ref()?);
        let weeks = relief_weeks(kb, input.case, f)?;
        (finding_state(input.facts, completed) == Tri::Yes && weeks >= w.value).then_some((f, weeks))
    });
    let order = &input.compiled.index.step_order;
    let mut results: Vec<PlanStepResult<'k>> = Vec::with_capacity(order.len());
    let mut current: Option<&'k str> = None;
    for (si, step) in order.iter().filter_map(|&si| Some((si, kb.plan_steps().get(si)?))) {
        let mut r = step_result(input, si, input.focus);
        if r.treatments.is_empty() && step.completed_by_finding.is_none() {
            continue;
        }
        // A block-type step only belongs to conditions the block can test.
        if let Some(f) = &step.completed_by_finding
            && r.treatments.is_empty()
            && !kb.blocks().iter().any(|b| &b.result_finding == f && b.condition == focus.id)
        {
            continue;
        }
        let (requires, completes) = step_findings[si];
        let required = step.requires_finding.as_deref().map(|f| (f, finding_state(input.facts, requires)));
        let completed =
            step.completed_by_finding.as_deref().map(|f| (f, finding_state(input.facts, completes)));
        let good = r.treatments.iter().any(|t| t.tried == Some(Response::Good));
        let all_failed = !r.treatments.is_empty()
            && r.treatments.iter().all(|t| t.tried.is_some_and(|x| x != Response::Good));
        let trial_weeks = step.typical_duration_weeks.as_ref().map(|q| q.value);
        let longest = r
            .treatments
            .iter()
            .filter_map(|t| tried(input.case, t.id).and_then(|x| x.weeks))
            .fold(0.0_f64, f64::max);
        let any_failed_long_enough =
            r.treatments.iter().any(|t| t.tried.is_some_and(|x| x != Response::Good))
                && trial_weeks.is_some_and(|w| longest >= w);

        let (status, reason) = if let Some((f, Tri::No)) = required {
            (StepStatus::NotIndicated, format!("only when `{f}` is positive, and it is negative"))
        } else if let (Some((f, _)), Some((lf, weeks))) = (required, lasting)
            && f == lf
            && !good
        {
            (
                StepStatus::NotIndicated,
                format!(
                    "the block's relief lasted {weeks:.0} weeks: it manages the pain on its own, so repeat the block when pain returns instead of stepping up"
                ),
            )
        } else if good {
            (StepStatus::Current, "a treatment of this step is helping: keep going".to_string())
        } else if let Some((f, st)) = completed
            && st != Tri::Unknown
        {
            (StepStatus::Done, format!("`{f}` is known"))
        } else if all_failed || any_failed_long_enough {
            (StepStatus::Done, "tried without enough relief".to_string())
        } else if current.is_some() {
            (StepStatus::Upcoming, String::new())
        } else if let Some((f, Tri::Unknown)) = required {
            (StepStatus::Upcoming, format!("only when `{f}` is positive"))
        } else {
            (StepStatus::Current, "the first step not yet completed".to_string())
        };
        if status == StepStatus::Current && current.is_none() {
            current = Some(&step.id);
        }
        r.status = if status == StepStatus::Current && current != Some(step.id.as_str()) {
            StepStatus::Upcoming
        } else {
            status
        };
        r.reason = reason;
        results.push(r);
    }

    let on_hold = input.level >= kb.meta().engine.exercises_on_hold_at.urgency;
    let (exercises, exercises_withheld) = exercises(input, on_hold);
    let pick = |kinds: &[SelfCareKind]| -> Vec<SelfCareItem<'k>> {
        kb.self_care()
            .iter()
            .zip(&input.compiled.index.self_care_about)
            .filter(|(s, _)| kinds.contains(&s.kind))
            // No advice about something the person denied: left out when every
            // finding it is about is answered "no".
            .filter(|(_, about)| {
                about.is_empty() || !about.iter().all(|&f| finding_state(input.facts, f) == Tri::No)
            })
            .map(|(s, _)| s)
            .map(|s| SelfCareItem { id: &s.id, name: &s.name, text: &s.text, urgency: s.urgency })
            .collect()
    };
    let mut seek_care = pick(&[SelfCareKind::SeekCare]);
    seek_care.sort_by(|a, b| b.urgency.cmp(&a.urgency).then_with(|| a.id.cmp(b.id)));

    let summary: Cow<'k, str> = if on_hold {
        Cow::Borrowed(input.hold_message.unwrap_or_default())
    } else {
        match results.iter().find(|s| Some(s.id) == current) {
            Some(s) => Cow::Owned(format!("{}: {}", s.name, s.patient_summary)),
            None if results.iter().any(|s| s.status == StepStatus::NotIndicated) => Cow::Borrowed(
                kb.blocks()
                    .iter()
                    .find(|b| b.condition == focus.id)
                    .map_or(focus.management.as_str(), |b| b.negative_next.as_str()),
            ),
            None => Cow::Borrowed(&focus.management),
        }
    };

    Plan {
        focus: &focus.id,
        focus_name: &focus.name,
        on_hold,
        summary,
        steps: results,
        current_step: current,
        management: &focus.management,
        referral: &focus.referral,
        exercises,
        exercises_withheld,
        self_care: pick(&[SelfCareKind::SelfCare, SelfCareKind::Massage]),
        long_term: pick(&[SelfCareKind::LongTerm]),
        prevention: pick(&[SelfCareKind::Prevention]),
        seek_care,
    }
}

#[expect(
    clippy::indexing_slicing,
    reason = "condition, plan-step and exercise indices come from the engine's index tables, built from the same knowledge base"
)]
fn exercises<'k>(
    input: &PlanInput<'k, '_>,
    on_hold: bool,
) -> (Vec<ExerciseItem<'k>>, Vec<WithheldExercise<'k>>) {
    let kb = input.kb;
    let mut given = Vec::new();
    let mut withheld = Vec::new();
    let index = &input.compiled.index;
    for (k, e) in kb.exercises().iter().enumerate() {
        let reason = if on_hold {
            Some(kb.meta().messages.exercises_withheld.as_str())
        } else {
            index.exercise_avoid_finding[k]
                .iter()
                .find(|(f, _)| input.facts.state[*f] == Tri::Yes)
                .map(|(_, a)| e.avoid_if[*a].reason.as_str())
                .or_else(|| {
                    index.exercise_avoid_condition[k]
                        .iter()
                        .find(|(c, _)| input.likely.contains(c))
                        .map(|(_, a)| e.avoid_with_conditions[*a].reason.as_str())
                })
        };
        match reason {
            Some(reason) => withheld.push(WithheldExercise { id: &e.id, name: &e.name, reason }),
            None => given.push(ExerciseItem {
                id: &e.id,
                name: &e.name,
                purpose: &e.purpose,
                steps: &e.steps,
                sets: e.dosage.sets,
                reps: e.dosage.reps,
                hold_seconds: e.dosage.hold_seconds,
                per_week: e.dosage.per_week,
                progression: &e.progression,
                cautions: &e.cautions,
                picture: &e.picture,
                picture_alt: &e.picture_alt,
                dosage_source: &e.dosage.source,
            }),
        }
    }
    (given, withheld)
}
