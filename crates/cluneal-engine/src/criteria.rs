//! Published diagnostic criteria sets, item by item: met, unmet or unknown
//! from the case's findings, or from a block record in the criterion's own terms.

use cluneal_kb::KnowledgeBase;

use crate::block;
use crate::case::Case;
use crate::compile::Compiled;
use crate::facts::{Facts, Tri};
use crate::report::{CriteriaResult, CriterionResult, CriterionStatus};

#[expect(
    clippy::indexing_slicing,
    reason = "condition, finding and reference indices come from the index tables built by `Engine::with_model` from the same knowledge base"
)]
pub fn criteria<'k>(
    kb: &'k KnowledgeBase,
    compiled: &Compiled,
    facts: &Facts,
    case: &Case,
) -> Vec<CriteriaResult<'k>> {
    kb.criteria()
        .iter()
        .zip(&compiled.index.criteria_items)
        .map(|(c, item_findings)| {
            let items: Vec<CriterionResult<'_>> = c
                .item
                .iter()
                .zip(item_findings)
                .map(|(it, fs)| {
                    let ids: Vec<&str> = it.finding.iter().chain(&it.any_of).map(String::as_str).collect();
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
