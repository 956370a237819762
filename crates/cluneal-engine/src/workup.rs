//! The work-up: which examination or test comes next, and why. A step is
//! suggested while some of the findings it answers are still open and it can
//! rule in or rule out a condition that is in play.

use cluneal_kb::KnowledgeBase;

use crate::facts::Facts;
use crate::report::WorkupStep;

/// How many work-up steps a report lists.
const MAX_STEPS: usize = 6;

fn pct(p: f64) -> String {
    format!("{:.0}%", p * 100.0)
}

pub fn workup(
    kb: &KnowledgeBase,
    facts: &Facts,
    probabilities: &[f64],
    in_play: &[usize],
) -> Vec<WorkupStep> {
    let mut steps: Vec<&cluneal_kb::DiagnosticStep> = kb.diagnostics.iter().collect();
    steps.sort_by(|a, b| a.order.cmp(&b.order).then(a.id.cmp(&b.id)));
    let name_p = |id: &String| -> Option<String> {
        let ci = kb.condition_index(id)?;
        in_play.contains(&ci).then(|| {
            format!(
                "{} ({})",
                kb.conditions[ci].short_name,
                pct(probabilities[ci])
            )
        })
    };
    let mut out = Vec::new();
    for d in steps {
        let open: Vec<&String> = d
            .findings
            .iter()
            .filter(|f| kb.finding_index(f).is_some_and(|i| !facts.settled(i)))
            .collect();
        if !d.findings.is_empty() && open.is_empty() {
            continue;
        }
        let rin: Vec<String> = d.rules_in.iter().filter_map(name_p).collect();
        let rout: Vec<String> = d.rules_out.iter().filter_map(name_p).collect();
        if rin.is_empty() && rout.is_empty() {
            continue;
        }
        let mut reason = Vec::new();
        if !rin.is_empty() {
            reason.push(format!("can support {}", rin.join(", ")));
        }
        if !rout.is_empty() {
            reason.push(format!("can rule out {}", rout.join(", ")));
        }
        out.push(WorkupStep {
            id: d.id.clone(),
            name: d.name.clone(),
            kind: d.kind.clone(),
            when: d.when.clone(),
            patient_explanation: d.patient_explanation.clone(),
            reason: reason.join("; "),
            rules_in: d.rules_in.clone(),
            rules_out: d.rules_out.clone(),
            sources: d.sources.clone(),
        });
        if out.len() == MAX_STEPS {
            break;
        }
    }
    out
}
