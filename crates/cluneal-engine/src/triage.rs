//! Triage: the highest urgency among the red flags that fire. A red flag never
//! depends on the differential, so an emergency sign escalates whatever else is present.

use cluneal_kb::{FindingId, KnowledgeBase, RedFlag, Urgency};

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
    let idx = |ids: &[FindingId]| ids.iter().map(|f| f.index()).collect::<Vec<_>>();
    kb.red_flag_ids()
        .map(|k| (&kb[k], kb.red_flag_links(k)))
        .map(|(r, links)| FlagModel {
            any_of: idx(&links.any_of),
            all_of: idx(&links.all_of),
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
    // Counted before anything is collected: most flags do not fire.
    let present = m.any_of.iter().filter(|&&f| facts.is(f, Tri::Yes)).count();
    if !m.any_of.is_empty() && present < m.min_present {
        return None;
    }
    let mut because = Vec::with_capacity(m.all_of.len() + present);
    because.extend_from_slice(&m.all_of);
    because.extend(m.any_of.iter().copied().filter(|&f| facts.is(f, Tri::Yes)));
    Some(because)
}

/// Whether a flag can still fire (or has fired) on these answers: none of its
/// `all_of` findings is answered "no", and enough of its `any_of` findings are
/// not "no" to reach `min_present` ("unknown" may still turn out yes).
fn can_fire(m: &FlagModel, facts: &Facts) -> bool {
    // Stops at the `min_present`-th finding left open: usually the first.
    let enough =
        || m.any_of.iter().filter(|&&f| !facts.is(f, Tri::No)).nth(m.min_present.saturating_sub(1)).is_some();
    !m.all_of.iter().any(|&f| facts.is(f, Tri::No)) && (m.any_of.is_empty() || enough())
}

/// The warning-sign screen of one case: the red flags that can still fire
/// and, per finding, the highest urgency among those that take it in. A flag
/// ruled out by an answer (a man is never postpartum; a pain of three months
/// did not start this week) no longer makes its other findings warning-sign
/// questions: they are then asked, if at all, for what they tell the
/// differential. Computed once per case and read by the triage, the question
/// ranking and the questions' reasons.
#[derive(Debug, Clone, Default)]
pub struct OpenScreen {
    /// Per red flag (knowledge-base order): whether it can still fire.
    pub flags: Vec<bool>,
    /// Per finding: the highest urgency of the open flags that take it in.
    pub urgency: Vec<Option<Urgency>>,
}

impl OpenScreen {
    pub fn of(flags: &[FlagModel], by_urgency: &[usize], n_findings: usize, facts: &Facts) -> OpenScreen {
        let open: Vec<bool> = flags.iter().map(|m| can_fire(m, facts)).collect();
        // Most urgent flags first, so the first open flag to reach a finding sets its urgency.
        let mut urgency: Vec<Option<Urgency>> = vec![None; n_findings];
        for &k in by_urgency {
            let Some(m) = flags.get(k).filter(|_| open.get(k).copied().unwrap_or(false)) else {
                continue;
            };
            for &f in m.any_of.iter().chain(&m.all_of) {
                if let Some(b @ None) = urgency.get_mut(f) {
                    *b = Some(m.urgency);
                }
            }
        }
        OpenScreen { flags: open, urgency }
    }

    /// The urgency finding `f`'s question is asked at, if it is a warning sign.
    pub fn urgency_of(&self, f: usize) -> Option<Urgency> {
        self.urgency.get(f).copied().flatten()
    }

    /// Whether red flag `k` can still fire.
    pub fn flag_open(&self, k: usize) -> bool {
        self.flags.get(k).copied().unwrap_or(false)
    }
}

/// Every finding that takes part in some red flag, in knowledge-base order
/// (the urgency each is asked at depends on the case: `OpenScreen`).
pub fn red_flag_findings(kb: &KnowledgeBase, flags: &[FlagModel]) -> Vec<usize> {
    let mut named = vec![false; kb.findings().len()];
    for m in flags {
        for &f in m.any_of.iter().chain(&m.all_of) {
            if let Some(x) = named.get_mut(f) {
                *x = true;
            }
        }
    }
    named.iter().enumerate().filter_map(|(i, &x)| x.then_some(i)).collect()
}

/// The name the triage gives an unanswered warning-sign question: the case
/// field a derived finding is answered through, else the finding's id.
pub fn screen_name(kb: &KnowledgeBase, f: usize) -> &str {
    kb.findings().get(f).map_or("", |finding| match &finding.derived {
        Some(d) => d.field.as_str(),
        None => finding.id.as_str(),
    })
}

#[expect(
    clippy::indexing_slicing,
    reason = "finding indices come from the compiled red flags, and `Facts` has one slot per finding of the same knowledge base"
)]
pub fn triage<'k>(
    kb: &'k KnowledgeBase,
    flags: &[FlagModel],
    screen: &[usize],
    open: &OpenScreen,
    facts: &Facts,
) -> Triage<'k> {
    let mut fired: Vec<(&'k RedFlag, Vec<usize>)> = Vec::with_capacity(16);
    for (r, m) in kb.red_flags().iter().zip(flags) {
        if let Some(because) = fires(m, facts) {
            fired.push((r, because));
        }
    }
    // Most urgent first; ties by id (the list is already in id order).
    fired.sort_by_key(|f| std::cmp::Reverse(f.0.urgency));
    let level = fired.first().map_or(Urgency::Routine, |(r, _)| r.urgency);
    // The screen counts questions a patient can answer; examination items confirm.
    // A question answered "unknown" (don't know) is still open: only yes or no
    // closes it. A derived finding is answered through its source: name the
    // question to ask.
    let mut unanswered: Vec<&'k str> = Vec::with_capacity(screen.len());
    let mut resorted = false;
    // Only questions of flags that can still fire keep the screen open.
    // The screen is in name order (`Engine::with_model`), so the names come out
    // sorted; several derived findings share a case field (age): list it once.
    for f in screen {
        let finding = &kb.findings()[*f];
        if finding.asked_by != cluneal_kb::AskedBy::Patient
            || !facts.is(*f, Tri::Unknown)
            || open.urgency_of(*f).is_none()
        {
            continue;
        }
        // A derived finding whose number or choice (another finding, not a
        // case field) was answered "unknown" is now asked itself, so the
        // screen names it rather than that question.
        let own = facts.underived.contains(f)
            && finding.derived.as_ref().is_some_and(|d| kb.finding(&d.field).is_some());
        let name = if own { finding.id.as_str() } else { screen_name(kb, *f) };
        resorted |= own;
        if unanswered.last() != Some(&name) {
            unanswered.push(name);
        }
    }
    if resorted {
        unanswered.sort_unstable();
        unanswered.dedup();
    }
    let screen_complete = unanswered.is_empty();
    let message = match fired.first() {
        Some((r, _)) => r.patient_action.as_str(),
        None if screen_complete => kb.meta().messages.no_red_flags.as_str(),
        None => kb.meta().messages.screen_incomplete.as_str(),
    };
    let red_flags = fired
        .into_iter()
        .map(|(r, because)| FiredRedFlag {
            id: &r.id,
            name: &r.name,
            urgency: r.urgency,
            because: because.iter().filter_map(|&f| kb.findings().get(f)).map(|x| x.id.as_str()).collect(),
            conditions: &r.conditions,
            patient_action: &r.patient_action,
            clinician_action: &r.clinician_action,
            source: &r.source,
            grade: r.grade,
        })
        .collect();
    Triage { level, message, red_flags, screen_complete, unanswered }
}
