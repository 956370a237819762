//! The work-up: which examination or test comes next, and why. A step is
//! suggested while it still has an open finding that bears on a condition in
//! play (one it can rule in or out). Steps that confirm or exclude the cause
//! behind a red flag that fired come first; the rest keep the clinical order
//! of the knowledge base (history and examination, then blocks, then imaging).

use std::fmt::Write as _;

use cluneal_kb::KnowledgeBase;

use crate::compile::Compiled;
use crate::facts::Facts;
use crate::report::{Triage, WorkupStep};

/// How many work-up steps a report lists.
const MAX_STEPS: usize = 6;

/// The suggested steps, and the references they cite (as indices).
#[expect(
    clippy::indexing_slicing,
    reason = "diagnostic, finding and condition indices come from the engine's index tables, built from the same knowledge base"
)]
pub fn workup<'k>(
    kb: &'k KnowledgeBase,
    compiled: &Compiled,
    facts: &Facts,
    probabilities: &[f64],
    in_play: &[usize],
    triage: &Triage<'_>,
) -> (Vec<WorkupStep<'k>>, Vec<usize>) {
    let flagged: Vec<usize> = triage
        .red_flags
        .iter()
        .flat_map(|r| r.conditions.iter())
        .filter_map(|c| kb.condition_index(c))
        .collect();
    // Which steps to suggest is decided first; the reasons, the costly part,
    // are written only for the steps the report lists.
    let mut urgent_steps = Vec::new();
    let mut other_steps = Vec::new();
    // Which conditions the open findings of the step at hand bear on: marked
    // with the step's number, so the marks need no clearing between steps.
    let mut bears_on = vec![usize::MAX; compiled.model.n_conditions];
    for (k, d) in compiled.index.diagnostics.iter().enumerate() {
        // Only a red-flag step can still enter a full list.
        if urgent_steps.len() >= MAX_STEPS || (other_steps.len() >= MAX_STEPS && flagged.is_empty()) {
            break;
        }
        let wanted = |set: &[usize]| d.rules_in.iter().chain(&d.rules_out).any(|c| set.contains(c));
        if !wanted(in_play) && !wanted(&flagged) {
            continue;
        }
        let mut open = false;
        for &f in &d.findings {
            if !facts.settled(f) {
                open = true;
                for u in compiled.model.by_finding.row(f) {
                    // A presentation bears on its condition.
                    let c = compiled.model.condition(u.condition as usize);
                    if let Some(m) = c.and_then(|c| bears_on.get_mut(c)) {
                        *m = k;
                    }
                }
            }
        }
        if !open {
            continue;
        }
        // Does an open finding of this step carry evidence for condition `c`?
        let bears = |c: usize| bears_on.get(c) == Some(&k);
        let relevant = |ids: &[usize], set: &[usize]| -> Vec<usize> {
            ids.iter().copied().filter(|c| set.contains(c) && bears(*c)).collect()
        };
        let urgent = relevant(&d.rules_in, &flagged);
        if !urgent.is_empty() {
            urgent_steps.push((d, urgent, relevant(&d.rules_in, in_play), relevant(&d.rules_out, in_play)));
        } else if other_steps.len() < MAX_STEPS {
            let rin = relevant(&d.rules_in, in_play);
            let rout = relevant(&d.rules_out, in_play);
            if !rin.is_empty() || !rout.is_empty() {
                other_steps.push((d, urgent, rin, rout));
            }
        }
    }
    // Red-flag steps first; within each list the work-up order is kept.
    let mut refs = Vec::new();
    let mut steps = Vec::with_capacity(MAX_STEPS);
    for (d, urgent, rin, rout) in urgent_steps.into_iter().chain(other_steps).take(MAX_STEPS) {
        // "can support SCNE (62%), MCNE (20%); can rule out ...", built in one string.
        let mut reason = String::with_capacity(96);
        let mut part = |lead: &str, tail: &str, cs: &[usize]| {
            if cs.is_empty() {
                return;
            }
            if !reason.is_empty() {
                reason.push_str("; ");
            }
            reason.push_str(lead);
            for (k, &c) in cs.iter().enumerate() {
                if k > 0 {
                    reason.push_str(", ");
                }
                reason.push_str(&kb.conditions()[c].short_name);
                push_percent(&mut reason, probabilities[c]);
            }
            reason.push_str(tail);
        };
        part("a red flag points to ", ": confirm or exclude it now", &urgent);
        part("can support ", "", &rin);
        part("can rule out ", "", &rout);
        // A step partly recorded says what is still missing, so an examination
        // already done is never suggested as if it were not.
        let done = d.findings.iter().filter(|&&f| facts.settled(f)).count();
        if done > 0 {
            // Does an open finding of this step carry evidence for any condition
            // in play (a presentation's evidence counting for its condition)?
            let model = &compiled.model;
            let bears_any = |f: usize| {
                model
                    .by_finding
                    .row(f)
                    .iter()
                    .any(|u| model.condition(u.condition as usize).is_some_and(|c| in_play.contains(&c)))
            };
            let open: Vec<&str> = d
                .findings
                .iter()
                .filter(|&&f| !facts.settled(f) && bears_any(f))
                .filter_map(|&f| kb.findings().get(f).map(|x| x.label.as_str()))
                .collect();
            let _ = write!(reason, "; {done} of its findings recorded");
            if !open.is_empty() {
                let _ = write!(reason, ", still open: {}", open.join(", "));
            }
        }
        if let Some(x) = kb.diagnostics().get(d.at) {
            refs.extend(&d.refs);
            steps.push(WorkupStep {
                id: &x.id,
                name: &x.name,
                kind: &x.kind,
                when: &x.when,
                patient_explanation: &x.patient_explanation,
                reason,
                rules_in: &x.rules_in,
                rules_out: &x.rules_out,
                sources: &x.sources,
            });
        }
    }
    (steps, refs)
}

/// Appends " (62%)": a probability as a whole percentage (see
/// `push_percent_label`). Written digit by digit, since the formatting
/// machinery costs more than the rest of a reason.
fn push_percent(out: &mut String, p: f64) {
    out.push_str(" (");
    push_percent_label(out, p);
    out.push(')');
}

/// Appends a probability as people read it: a whole percentage, or "under 1%"
/// and "over 99%" where rounding would show 0% or 100% for a value that is
/// neither certain nor impossible ("Spinal cancer (0%): confirm or exclude it
/// now" would contradict itself). Exactly 0 reads "0%".
pub(crate) fn push_percent_label(out: &mut String, p: f64) {
    if p > 0.0 && p < 0.005 {
        out.push_str("under 1%");
        return;
    }
    if p >= 0.995 {
        out.push_str("over 99%");
        return;
    }
    // 0 to 99 once rounded (clamped, so nothing else can show).
    let n = (p * 100.0).round().clamp(0.0, 99.0) as u32;
    if n >= 10 {
        out.push(char::from(b'0' + ((n / 10) % 10) as u8));
    }
    out.push(char::from(b'0' + (n % 10) as u8));
    out.push('%');
}

#[cfg(test)]
mod tests {
    use super::push_percent;

    #[test]
    fn a_percentage_reads_as_the_formatter_would_write_it() {
        for p in [0.0, 0.005, 0.05, 0.094, 0.095, 0.5, 0.62, 0.994] {
            let mut s = String::new();
            push_percent(&mut s, p);
            assert_eq!(s, format!(" ({}%)", (p * 100.0).round() as u32), "{p}");
        }
    }

    #[test]
    fn a_percentage_that_would_round_to_0_or_100_reads_as_a_bound() {
        for (p, want) in [
            (0.0004, " (under 1%)"),
            (0.004, " (under 1%)"),
            (0.995, " (over 99%)"),
            (0.9999, " (over 99%)"),
            (1.0, " (over 99%)"),
        ] {
            let mut s = String::new();
            push_percent(&mut s, p);
            assert_eq!(s, want, "{p}");
        }
    }
}
