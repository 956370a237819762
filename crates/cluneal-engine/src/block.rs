//! Nerve-block records: checked, interpreted against the protocol's thresholds,
//! and turned into the yes/no finding the differential uses.

use cluneal_kb::{BlockProtocol, KnowledgeBase};

use crate::case::{BLOCK_HOURS, BLOCK_MINUTES, BlockRecord, Case, CaseProblem, PAIN, range};
use crate::report::{BlockReadingResult, BlockResult, CriterionStatus};

// The block's reading, as the report names it.
use crate::report::BlockOutcome as Outcome;

fn path(k: usize, single: bool) -> String {
    if single { "block".into() } else { format!("blocks[{k}]") }
}

fn protocol_index(kb: &KnowledgeBase, r: &BlockRecord) -> Option<usize> {
    let id = r.protocol.as_deref().or(kb.meta().defaults.block.as_deref())?;
    kb.blocks().iter().position(|b| b.id == id)
}

/// Name every wrong field of every block record.
pub fn check_records(kb: &KnowledgeBase, case: &Case, problems: &mut Vec<CaseProblem>) {
    let records = case
        .block
        .iter()
        .map(|r| (path(0, true), r))
        .chain(case.blocks.iter().enumerate().map(|(k, r)| (path(k, false), r)));
    for (p, r) in records {
        match r.protocol.as_deref().or(kb.meta().defaults.block.as_deref()) {
            None => problems.push(CaseProblem {
                path: format!("{p}.protocol"),
                message: "no block protocol given and the knowledge base names no default".into(),
            }),
            Some(id) if kb.block(id).is_none() => {
                let known: Vec<&str> = kb.blocks().iter().map(|b| b.id.as_str()).collect();
                problems.push(CaseProblem {
                    path: format!("{p}.protocol"),
                    message: format!("unknown block protocol `{id}`; known: {}", known.join(", ")),
                });
            }
            Some(_) => {}
        }
        range(problems, &format!("{p}.pain_before"), r.pain_before, PAIN);
        for (k, reading) in r.readings.iter().enumerate() {
            let rp = format!("{p}.readings[{k}]");
            range(problems, &format!("{rp}.pain"), reading.pain, PAIN);
            match (reading.minutes, reading.hours) {
                (Some(_), Some(_)) | (None, None) => problems.push(CaseProblem {
                    path: rp,
                    message: "give exactly one of `minutes` or `hours`".into(),
                }),
                (Some(m), None) => range(problems, &format!("{rp}.minutes"), m, BLOCK_MINUTES),
                (None, Some(h)) => range(problems, &format!("{rp}.hours"), h, BLOCK_HOURS),
            }
        }
    }
}

/// Interpret one (checked) block record against its protocol.
fn interpret<'k>(p: &'k BlockProtocol, r: &BlockRecord) -> BlockResult<'k> {
    let (start, end) = (p.window_start_minutes.value, p.window_end_minutes.value);
    let mut readings: Vec<BlockReadingResult> = r
        .readings
        .iter()
        .filter_map(|x| {
            let minutes = x.at_minutes()?;
            // Pain that rose more than tenfold from a tiny starting score would give
            // an unbounded (even infinite) figure; below -10 it is reported as -10.
            let relief =
                if r.pain_before > 0.0 { ((r.pain_before - x.pain) / r.pain_before).max(-10.0) } else { 0.0 };
            Some(BlockReadingResult {
                minutes,
                pain: x.pain,
                relief,
                in_window: minutes >= start && minutes <= end,
            })
        })
        .collect();
    readings.sort_by(|a, b| a.minutes.total_cmp(&b.minutes));
    let best = readings.iter().filter(|x| x.in_window).map(|x| x.relief).max_by(f64::total_cmp);
    let (pos, inc) = (p.positive_relief.value, p.inconclusive_relief.value);
    let pct = |v: f64| format!("{:.0}%", v * 100.0);
    let (outcome, reason) = if r.pain_before <= 0.0 {
        (
            Outcome::Inconclusive,
            "no pain was recorded before the block, so relief cannot be measured".to_string(),
        )
    } else {
        match best {
            None => (
                Outcome::Inconclusive,
                format!(
                    "no pain score was recorded between {start} and {end} minutes after the injection, the window in which relief is read"
                ),
            ),
            Some(b) if b >= pos => (
                Outcome::Positive,
                format!(
                    "best relief {} within {start}-{end} minutes reaches the {} threshold",
                    pct(b),
                    pct(pos)
                ),
            ),
            Some(b) if b >= inc => (
                Outcome::Inconclusive,
                format!(
                    "best relief {} within {start}-{end} minutes is between {} and {}",
                    pct(b),
                    pct(inc),
                    pct(pos)
                ),
            ),
            Some(b) => (
                Outcome::Negative,
                format!("best relief {} within {start}-{end} minutes is below {}", pct(b), pct(inc)),
            ),
        }
    };
    let next = match outcome {
        Outcome::Positive => &p.positive_next,
        Outcome::Negative => &p.negative_next,
        Outcome::Inconclusive => &p.inconclusive_next,
    };
    let mut sources: Vec<&'k str> = p.sources.iter().map(String::as_str).collect();
    for s in [
        &p.positive_relief.source,
        &p.inconclusive_relief.source,
        &p.window_start_minutes.source,
        &p.window_end_minutes.source,
    ] {
        if !sources.contains(&s.as_str()) {
            sources.push(s);
        }
    }
    BlockResult {
        protocol: &p.id,
        name: &p.name,
        condition: &p.condition,
        pain_before: r.pain_before,
        readings,
        best_relief: best,
        window_start_minutes: start,
        window_end_minutes: end,
        positive_threshold: pos,
        inconclusive_threshold: inc,
        result: outcome,
        reason,
        next,
        patient_expectations: &p.patient_expectations,
        sources,
    }
}

/// One block record read against its protocol. Each record is interpreted
/// once per assessment: its outcome (`result.result`) sets the protocol's
/// result finding, and the result goes into the report.
pub struct Interpreted<'k> {
    /// The protocol's position in the knowledge base's blocks.
    pub protocol: usize,
    pub result: BlockResult<'k>,
}

/// Interpretations of every (checked) block record, in the case's order.
pub fn interpret_records<'k>(kb: &'k KnowledgeBase, case: &Case) -> Vec<Interpreted<'k>> {
    case.all_blocks()
        .filter_map(|r| {
            let protocol = protocol_index(kb, r)?;
            let result = interpret(kb.blocks().get(protocol)?, r);
            Some(Interpreted { protocol, result })
        })
        .collect()
}

/// A criteria item that asks for a block result in its own terms: `met` when
/// a record of its protocol, with its guidance, has a reading near its time
/// reaching its relief; `unmet` when such readings fall short or the guidance
/// differs; otherwise `unknown`. With the reason, in words.
pub fn criterion(
    kb: &KnowledgeBase,
    b: &cluneal_kb::CriterionBlock,
    case: &Case,
) -> (CriterionStatus, String) {
    let pct = |v: f64| format!("{:.0}%", v * 100.0);
    let (lo, hi) = (b.at_minutes - b.tolerance_minutes, b.at_minutes + b.tolerance_minutes);
    let records: Vec<&BlockRecord> = case
        .block
        .iter()
        .chain(&case.blocks)
        .filter(|r| {
            r.protocol.as_deref().or(kb.meta().defaults.block.as_deref()) == Some(b.protocol.as_str())
        })
        .collect();
    if records.is_empty() {
        return (CriterionStatus::Unknown, "no block of this kind is recorded".into());
    }
    let mut short = None;
    let mut unguided = false;
    let mut wrong_guidance = None;
    let mut off_time = false;
    for r in records {
        if let Some(want) = &b.guidance {
            match r.guidance {
                None => {
                    unguided = true;
                    continue;
                }
                Some(g) if g.as_str() != want => {
                    wrong_guidance = Some(g.as_str());
                    continue;
                }
                Some(_) => {}
            }
        }
        if r.pain_before <= 0.0 {
            continue;
        }
        let near: Vec<(f64, f64)> = r
            .readings
            .iter()
            .filter_map(|x| x.at_minutes().map(|m| (m, (r.pain_before - x.pain) / r.pain_before)))
            .filter(|(m, _)| *m >= lo && *m <= hi)
            .collect();
        if near.is_empty() {
            off_time = true;
            continue;
        }
        if let Some((m, relief)) = near.iter().copied().max_by(|a, b| a.1.total_cmp(&b.1)) {
            if relief >= b.min_relief {
                return (
                    CriterionStatus::Met,
                    format!("{} relief at {m:.0} minutes reaches {}", pct(relief), pct(b.min_relief)),
                );
            }
            short = Some((m, relief));
        }
    }
    if let Some((m, relief)) = short {
        return (
            CriterionStatus::Unmet,
            format!(
                "{} relief at {m:.0} minutes is below the {} the criterion asks",
                pct(relief),
                pct(b.min_relief)
            ),
        );
    }
    if let Some(g) = wrong_guidance {
        return (
            CriterionStatus::Unmet,
            format!(
                "the block was {g}-guided; the criterion asks for {}",
                b.guidance.as_deref().unwrap_or("")
            ),
        );
    }
    if unguided {
        return (
            CriterionStatus::Unknown,
            format!(
                "the needle guidance is not recorded; the criterion asks for {}",
                b.guidance.as_deref().unwrap_or("")
            ),
        );
    }
    if off_time {
        return (
            CriterionStatus::Unknown,
            format!("no pain score was recorded {lo:.0}-{hi:.0} minutes after the injection"),
        );
    }
    (CriterionStatus::Unknown, "no pain score before the block".into())
}
