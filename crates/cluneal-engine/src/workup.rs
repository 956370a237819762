//! The work-up: which examination or test comes next, and why. A step is
//! suggested while it still has an open finding that bears on a condition in
//! play (one it can rule in or out). Steps that confirm or exclude the cause
//! behind a red flag that fired come first; the rest keep the clinical order
//! of the knowledge base (history and examination, then blocks, then imaging).

use crate::Engine;
use crate::facts::Facts;
use crate::report::{Triage, WorkupStep};

/// How many work-up steps a report lists.
const MAX_STEPS: usize = 6;

fn pct(p: f64) -> String {
    format!("{:.0}%", p * 100.0)
}

pub fn workup<'k>(
    engine: &'k Engine,
    facts: &Facts,
    probabilities: &[f64],
    in_play: &[usize],
    triage: &Triage<'_>,
) -> Vec<WorkupStep<'k>> {
    let kb = &engine.kb;
    let flagged: Vec<usize> = triage
        .red_flags
        .iter()
        .flat_map(|r| r.conditions.iter())
        .filter_map(|c| kb.condition_index(c))
        .collect();
    // Does an open finding of this step carry evidence for condition `c`?
    let bears = |findings: &[usize], c: usize| {
        findings.iter().any(|&f| engine.model.by_finding[f].iter().any(|&(ci, _)| ci as usize == c))
    };
    let mut picked: Vec<(bool, i64, WorkupStep<'k>)> = Vec::new();
    for d in &kb.diagnostics {
        let open: Vec<usize> =
            d.findings.iter().filter_map(|f| kb.finding_index(f)).filter(|&i| !facts.settled(i)).collect();
        if open.is_empty() {
            continue;
        }
        let relevant = |ids: &[String], set: &[usize]| -> Vec<usize> {
            ids.iter()
                .filter_map(|id| kb.condition_index(id))
                .filter(|c| set.contains(c) && bears(&open, *c))
                .collect()
        };
        let urgent = relevant(&d.rules_in, &flagged);
        let rin = relevant(&d.rules_in, in_play);
        let rout = relevant(&d.rules_out, in_play);
        if urgent.is_empty() && rin.is_empty() && rout.is_empty() {
            continue;
        }
        let names = |cs: &[usize]| -> String {
            cs.iter()
                .map(|&c| format!("{} ({})", kb.conditions[c].short_name, pct(probabilities[c])))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut reason = Vec::new();
        if !urgent.is_empty() {
            reason.push(format!("a red flag points to {}: confirm or exclude it now", names(&urgent)));
        }
        if !rin.is_empty() {
            reason.push(format!("can support {}", names(&rin)));
        }
        if !rout.is_empty() {
            reason.push(format!("can rule out {}", names(&rout)));
        }
        picked.push((
            !urgent.is_empty(),
            d.order,
            WorkupStep {
                id: &d.id,
                name: &d.name,
                kind: &d.kind,
                when: &d.when,
                patient_explanation: &d.patient_explanation,
                reason: reason.join("; "),
                rules_in: &d.rules_in,
                rules_out: &d.rules_out,
                sources: &d.sources,
            },
        ));
    }
    picked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.id.cmp(b.2.id)));
    picked.into_iter().take(MAX_STEPS).map(|(_, _, w)| w).collect()
}
