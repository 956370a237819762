//! Triage: the highest urgency among the red flags that fire. A red flag never
//! depends on the differential, so an emergency sign escalates whatever else is present.

use cluneal_kb::{KnowledgeBase, RedFlag, Urgency};

use crate::facts::{Facts, Tri};
use crate::report::{FiredRedFlag, Triage};

/// Compiled red flag: finding indices.
#[derive(Debug, Clone)]
pub struct FlagModel {
    pub any_of: Vec<usize>,
    pub all_of: Vec<usize>,
    pub min_present: usize,
    pub urgency: Urgency,
}

pub fn compile(kb: &KnowledgeBase) -> Vec<FlagModel> {
    let idx = |ids: &[String]| ids.iter().filter_map(|f| kb.finding_index(f)).collect::<Vec<_>>();
    kb.red_flags
        .iter()
        .map(|r| FlagModel {
            any_of: idx(&r.any_of),
            all_of: idx(&r.all_of),
            min_present: r.min_present.unwrap_or(1),
            urgency: r.urgency,
        })
        .collect()
}

/// Whether a flag fires, and the findings that made it fire.
pub fn fires(m: &FlagModel, facts: &Facts) -> Option<Vec<usize>> {
    if !m.all_of.iter().all(|&f| facts.is(f, Tri::Yes)) {
        return None;
    }
    let present: Vec<usize> = m.any_of.iter().copied().filter(|&f| facts.is(f, Tri::Yes)).collect();
    if !m.any_of.is_empty() && present.len() < m.min_present {
        return None;
    }
    let mut because = m.all_of.clone();
    because.extend(present);
    Some(because)
}

/// Every finding that takes part in some red flag, with the highest urgency it can lead to.
pub fn red_flag_findings(kb: &KnowledgeBase, flags: &[FlagModel]) -> Vec<(usize, Urgency)> {
    let mut best: Vec<Option<Urgency>> = vec![None; kb.findings.len()];
    for m in flags {
        for &f in m.any_of.iter().chain(&m.all_of) {
            best[f] = Some(best[f].map_or(m.urgency, |u| u.max(m.urgency)));
        }
    }
    best.iter().enumerate().filter_map(|(i, u)| u.map(|u| (i, u))).collect()
}

pub fn triage(kb: &KnowledgeBase, flags: &[FlagModel], screen: &[(usize, Urgency)], facts: &Facts) -> Triage {
    let mut fired: Vec<(&RedFlag, Vec<usize>)> = Vec::new();
    for (r, m) in kb.red_flags.iter().zip(flags) {
        if let Some(because) = fires(m, facts) {
            fired.push((r, because));
        }
    }
    // Most urgent first; ties by id (the list is already in id order).
    fired.sort_by_key(|f| std::cmp::Reverse(f.0.urgency));
    let level = fired.first().map_or(Urgency::Routine, |(r, _)| r.urgency);
    // The screen counts questions a patient can answer; examination items confirm.
    // A derived finding is answered through its source: name the question to ask.
    let mut unanswered: Vec<String> = Vec::new();
    for (f, _) in screen {
        let finding = &kb.findings[*f];
        if finding.asked_by != cluneal_kb::AskedBy::Patient || facts.settled(*f) {
            continue;
        }
        let name = match &finding.derived {
            Some(d) => d.field.clone(),
            None => finding.id.clone(),
        };
        if !unanswered.contains(&name) {
            unanswered.push(name);
        }
    }
    let screen_complete = unanswered.is_empty();
    let message = match fired.first() {
        Some((r, _)) => r.patient_action.clone(),
        None if screen_complete => kb.meta.messages.no_red_flags.clone(),
        None => kb.meta.messages.screen_incomplete.clone(),
    };
    let red_flags = fired
        .into_iter()
        .map(|(r, because)| FiredRedFlag {
            id: r.id.clone(),
            name: r.name.clone(),
            urgency: r.urgency,
            because: because.iter().map(|&f| kb.findings[f].id.clone()).collect(),
            conditions: r.conditions.clone(),
            patient_action: r.patient_action.clone(),
            clinician_action: r.clinician_action.clone(),
            source: r.source.clone(),
            grade: r.grade,
        })
        .collect();
    Triage { level, message, red_flags, screen_complete, unanswered }
}
