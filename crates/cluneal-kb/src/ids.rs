//! Typed ids: every cross-reference of a loaded knowledge base resolved once,
//! after the lints pass, into indices that only this crate can mint. Callers
//! (the engine above all) read them instead of looking id strings up again.

use std::collections::BTreeMap;

use crate::lints::ProblemKind;
use crate::load::HasId;
use crate::model::*;
use crate::{KbErrors, Problem};

macro_rules! typed_id {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        ///
        /// Minted only by the knowledge base that resolved it, and an index
        /// into that knowledge base's own list (sorted by id, so id order is
        /// index order).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub(crate) u32);

        impl $name {
            /// The position in the knowledge base's list of this kind.
            pub fn index(self) -> usize {
                // u32 always fits in usize on the targets Cluneal builds for.
                self.0 as usize
            }
        }
    )*};
}

typed_id!(
    /// A finding of the knowledge base.
    FindingId,
    /// A condition of the knowledge base.
    ConditionId,
    /// A reference of the knowledge base.
    ReferenceId,
    /// A red flag of the knowledge base.
    RedFlagId,
    /// A question group of the knowledge base.
    GroupId,
    /// A plan step of the knowledge base.
    PlanStepId,
);

/// An evidence entry's finding and source, in the order of `Condition::evidence`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvidenceLink {
    /// The finding the entry is about.
    pub finding: FindingId,
    /// The reference its numbers come from.
    pub source: ReferenceId,
}

/// A condition's prior for one care setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriorLink {
    /// The entry's position in `Condition::prior`.
    pub entry: usize,
    /// The reference the prior comes from.
    pub source: ReferenceId,
}

/// A red flag's findings and source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedFlagLinks {
    /// `any_of`, in file order.
    pub any_of: Vec<FindingId>,
    /// `all_of`, in file order.
    pub all_of: Vec<FindingId>,
    /// The reference the flag comes from.
    pub source: ReferenceId,
}

/// A criteria set's source, and per item the findings that meet it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CriteriaLinks {
    /// The reference the criteria come from.
    pub source: ReferenceId,
    /// Per item: its `finding`, then its `any_of`.
    pub items: Vec<Vec<FindingId>>,
}

/// A work-up step's findings, conditions and sources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiagnosticLinks {
    /// The findings it records.
    pub findings: Vec<FindingId>,
    /// The conditions it rules in.
    pub rules_in: Vec<ConditionId>,
    /// The conditions it rules out.
    pub rules_out: Vec<ConditionId>,
    /// Its references.
    pub sources: Vec<ReferenceId>,
}

/// Every cross-reference of a knowledge base, resolved. Each table is
/// parallel to the knowledge base's list of its kind (or to the entry list it
/// names).
#[derive(Debug, Clone, Default)]
pub(crate) struct Links {
    pub finding_ids: BTreeMap<String, FindingId>,
    /// The same, for the lookup every case makes once per answer.
    pub finding_lookup: PrefixIndex<FindingId>,
    pub condition_ids: BTreeMap<String, ConditionId>,
    pub reference_ids: BTreeMap<String, ReferenceId>,
    pub red_flag_ids: BTreeMap<String, RedFlagId>,
    pub group_ids: BTreeMap<String, GroupId>,
    pub plan_step_ids: BTreeMap<String, PlanStepId>,
    pub group_of: Vec<GroupId>,
    pub derived_from: Vec<Option<FindingId>>,
    pub implied_by: Vec<Vec<FindingId>>,
    pub evidence: Vec<Vec<EvidenceLink>>,
    /// Per condition, per variant, in the order of its `evidence`.
    pub variant_evidence: Vec<Vec<Vec<EvidenceLink>>>,
    /// Per condition, per care setting (in `kb.toml`'s order).
    pub priors: Vec<Vec<PriorLink>>,
    pub raise_when_any: Vec<Vec<FindingId>>,
    pub coexists: Vec<Vec<ConditionId>>,
    pub correlation_findings: Vec<Vec<FindingId>>,
    pub red_flags: Vec<RedFlagLinks>,
    pub criteria: Vec<CriteriaLinks>,
    pub diagnostics: Vec<DiagnosticLinks>,
    pub avoid_if: Vec<Vec<FindingId>>,
    pub avoid_with_conditions: Vec<Vec<ConditionId>>,
    pub treatment_step: Vec<PlanStepId>,
    pub treatment_conditions: Vec<Vec<ConditionId>>,
    pub block_result: Vec<FindingId>,
    pub block_sources: Vec<Vec<ReferenceId>>,
}

/// Ids in sorted order, searched by their first 16 bytes as one integer: a
/// binary search over a few kilobytes of integers, then one string comparison,
/// where a `BTreeMap<String, _>` compares strings at every step. Deterministic
/// (no hashing); a case names a finding once per answer, so this is on the
/// path of every assessment.
#[derive(Debug, Clone)]
pub(crate) struct PrefixIndex<I> {
    /// Big-endian first 16 bytes of each id, zero-padded: their order is the
    /// ids' byte order, so this list is sorted like `ids`.
    prefixes: Vec<u128>,
    ids: Vec<(String, I)>,
}

impl<I> Default for PrefixIndex<I> {
    fn default() -> Self {
        PrefixIndex { prefixes: Vec::new(), ids: Vec::new() }
    }
}

fn prefix(id: &str) -> u128 {
    let mut b = [0u8; 16];
    for (slot, byte) in b.iter_mut().zip(id.as_bytes()) {
        *slot = *byte;
    }
    u128::from_be_bytes(b)
}

impl<I: Copy> PrefixIndex<I> {
    pub fn new(map: &BTreeMap<String, I>) -> PrefixIndex<I> {
        PrefixIndex {
            prefixes: map.keys().map(|k| prefix(k)).collect(),
            ids: map.iter().map(|(k, &v)| (k.clone(), v)).collect(),
        }
    }

    pub fn get(&self, id: &str) -> Option<I> {
        let key = prefix(id);
        let first = self.prefixes.partition_point(|&p| p < key);
        // Ids that share their first 16 bytes sit side by side.
        self.prefixes
            .get(first..)?
            .iter()
            .take_while(|&&p| p == key)
            .zip(self.ids.get(first..)?)
            .find(|(_, (k, _))| k == id)
            .map(|(_, &(_, v))| v)
    }
}

/// Id to typed index. A list longer than `u32::MAX` would leave its tail
/// without ids, and a reference to it would be reported as unknown.
fn ids_of<T: HasId, I>(items: &[T], make: fn(u32) -> I) -> BTreeMap<String, I> {
    (0..=u32::MAX).zip(items).map(|(i, x)| (x.id().to_string(), make(i))).collect()
}

/// Resolves ids, keeping every one that does not resolve as a problem of the
/// file that names it. The lints already refused dangling ids, so a problem
/// here is a lint that missed one: it is reported, never papered over.
struct Resolver<'a> {
    links: &'a Links,
    file: String,
    problems: Vec<Problem>,
}

impl Resolver<'_> {
    fn one<I: Copy>(&mut self, map: &BTreeMap<String, I>, what: &'static str, id: &str) -> Option<I> {
        let found = map.get(id).copied();
        if found.is_none() {
            self.missing(what, id);
        }
        found
    }
    fn missing(&mut self, what: &'static str, id: &str) {
        self.problems.push(Problem {
            file: self.file.clone(),
            line: None,
            column: None,
            kind: ProblemKind::UnknownId { what, id: id.to_string(), hint: String::new() },
        });
    }
    fn all<I: Copy>(&mut self, map: &BTreeMap<String, I>, what: &'static str, ids: &[String]) -> Vec<I> {
        ids.iter().filter_map(|id| self.one(map, what, id)).collect()
    }
    fn findings(&mut self, ids: &[String]) -> Vec<FindingId> {
        {
            let links = self.links;
            self.all(&links.finding_ids, "finding", ids)
        }
    }
    fn conditions(&mut self, ids: &[String]) -> Vec<ConditionId> {
        {
            let links = self.links;
            self.all(&links.condition_ids, "condition", ids)
        }
    }
    fn references(&mut self, ids: &[String]) -> Vec<ReferenceId> {
        {
            let links = self.links;
            self.all(&links.reference_ids, "reference", ids)
        }
    }
    fn finding(&mut self, id: &str) -> Option<FindingId> {
        {
            let links = self.links;
            self.one(&links.finding_ids, "finding", id)
        }
    }
    fn reference(&mut self, id: &str) -> Option<ReferenceId> {
        {
            let links = self.links;
            self.one(&links.reference_ids, "reference", id)
        }
    }
    fn at(&mut self, folder: &str, id: &str) {
        self.file = format!("{folder}/{id}.toml");
    }
}

/// The inputs of [`resolve`]: the validated lists.
pub(crate) struct Lists<'a> {
    pub settings: &'a [String],
    pub findings: &'a [Finding],
    pub groups: &'a [QuestionGroup],
    pub conditions: &'a [Condition],
    pub correlations: &'a [Correlation],
    pub red_flags: &'a [RedFlag],
    pub criteria: &'a [Criteria],
    pub diagnostics: &'a [DiagnosticStep],
    pub blocks: &'a [BlockProtocol],
    pub treatments: &'a [Treatment],
    pub plan_steps: &'a [PlanStep],
    pub exercises: &'a [Exercise],
    pub references: &'a [Reference],
}

/// Resolve every cross-reference once. Runs after the lints passed, so it
/// finds nothing to report unless a lint has a gap.
pub(crate) fn resolve(l: &Lists) -> Result<Links, KbErrors> {
    let finding_ids = ids_of(l.findings, FindingId);
    let ids = Links {
        finding_lookup: PrefixIndex::new(&finding_ids),
        finding_ids,
        condition_ids: ids_of(l.conditions, ConditionId),
        reference_ids: ids_of(l.references, ReferenceId),
        red_flag_ids: ids_of(l.red_flags, RedFlagId),
        group_ids: ids_of(l.groups, GroupId),
        plan_step_ids: ids_of(l.plan_steps, PlanStepId),
        ..Links::default()
    };
    let mut r = Resolver { links: &ids, file: String::new(), problems: Vec::new() };

    let mut group_of = Vec::with_capacity(l.findings.len());
    let mut derived_from = Vec::with_capacity(l.findings.len());
    let mut implied_by = Vec::with_capacity(l.findings.len());
    for f in l.findings {
        r.at("findings", &f.id);
        if let Some(g) = r.one(&ids.group_ids, "question group", &f.group) {
            group_of.push(g);
        }
        // A derived finding comes from a case field or from a finding; only the latter has an id.
        derived_from.push(f.derived.as_ref().and_then(|d| ids.finding_ids.get(&d.field).copied()));
        implied_by.push(r.findings(&f.implied_by));
    }

    let mut evidence = Vec::with_capacity(l.conditions.len());
    let mut variant_evidence = Vec::with_capacity(l.conditions.len());
    let mut priors = Vec::with_capacity(l.conditions.len());
    let mut raise_when_any = Vec::with_capacity(l.conditions.len());
    let mut coexists = Vec::with_capacity(l.conditions.len());
    for c in l.conditions {
        r.at("conditions", &c.id);
        let mut links = |list: &[crate::Evidence]| -> Vec<EvidenceLink> {
            list.iter()
                .filter_map(|e| {
                    Some(EvidenceLink { finding: r.finding(&e.finding)?, source: r.reference(&e.source)? })
                })
                .collect()
        };
        evidence.push(links(&c.evidence));
        variant_evidence.push(c.variant.iter().map(|v| links(&v.evidence)).collect());
        priors.push(
            l.settings
                .iter()
                .filter_map(|s| {
                    let Some(entry) = c.prior.iter().position(|p| &p.setting == s) else {
                        r.missing("prior for care setting", s);
                        return None;
                    };
                    let source = c.prior.get(entry).and_then(|p| r.reference(&p.source))?;
                    Some(PriorLink { entry, source })
                })
                .collect(),
        );
        raise_when_any.push(r.findings(&c.raise_when_any));
        let partners: Vec<String> = c.coexists.iter().map(|x| x.condition.clone()).collect();
        coexists.push(r.conditions(&partners));
    }

    let correlation_findings = l
        .correlations
        .iter()
        .map(|c| {
            r.at("correlations", &c.id);
            r.findings(&c.findings)
        })
        .collect();

    let mut red_flags = Vec::with_capacity(l.red_flags.len());
    for f in l.red_flags {
        r.at("red_flags", &f.id);
        let (any_of, all_of) = (r.findings(&f.any_of), r.findings(&f.all_of));
        if let Some(source) = r.reference(&f.source) {
            red_flags.push(RedFlagLinks { any_of, all_of, source });
        }
    }

    let mut criteria = Vec::with_capacity(l.criteria.len());
    for c in l.criteria {
        r.at("criteria", &c.id);
        let items = c
            .item
            .iter()
            .map(|it| r.findings(&it.finding.iter().chain(&it.any_of).cloned().collect::<Vec<_>>()))
            .collect();
        if let Some(source) = r.reference(&c.source) {
            criteria.push(CriteriaLinks { source, items });
        }
    }

    let diagnostics = l
        .diagnostics
        .iter()
        .map(|d| {
            r.at("diagnostics", &d.id);
            DiagnosticLinks {
                findings: r.findings(&d.findings),
                rules_in: r.conditions(&d.rules_in),
                rules_out: r.conditions(&d.rules_out),
                sources: r.references(&d.sources),
            }
        })
        .collect();

    let mut avoid_if = Vec::with_capacity(l.exercises.len());
    let mut avoid_with_conditions = Vec::with_capacity(l.exercises.len());
    for e in l.exercises {
        r.at("exercises", &e.id);
        avoid_if.push(r.findings(&e.avoid_if.iter().map(|a| a.finding.clone()).collect::<Vec<_>>()));
        avoid_with_conditions.push(
            r.conditions(&e.avoid_with_conditions.iter().map(|a| a.condition.clone()).collect::<Vec<_>>()),
        );
    }

    let mut treatment_step = Vec::with_capacity(l.treatments.len());
    let mut treatment_conditions = Vec::with_capacity(l.treatments.len());
    for t in l.treatments {
        r.at("treatments", &t.id);
        if let Some(s) = r.one(&ids.plan_step_ids, "plan step", &t.step) {
            treatment_step.push(s);
        }
        treatment_conditions.push(r.conditions(&t.conditions));
    }

    let mut block_result = Vec::with_capacity(l.blocks.len());
    let mut block_sources = Vec::with_capacity(l.blocks.len());
    for b in l.blocks {
        r.at("blocks", &b.id);
        if let Some(f) = r.finding(&b.result_finding) {
            block_result.push(f);
        }
        block_sources.push(r.references(&b.sources));
    }

    if !r.problems.is_empty() {
        let mut problems = r.problems;
        problems.sort();
        return Err(KbErrors(problems));
    }
    Ok(Links {
        group_of,
        derived_from,
        implied_by,
        evidence,
        variant_evidence,
        priors,
        raise_when_any,
        coexists,
        correlation_findings,
        red_flags,
        criteria,
        diagnostics,
        avoid_if,
        avoid_with_conditions,
        treatment_step,
        treatment_conditions,
        block_result,
        block_sources,
        ..ids
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prefix_index_finds_exactly_what_the_map_finds() {
        // Ids that share their first 16 bytes, one that is a prefix of
        // another, and lookups of near misses around each.
        let ids = [
            "a",
            "pain_worse_bending",
            "pain_worse_bending_forward",
            "pain_worse_bendinh",
            "pain_worse_bendin",
            "pain_worse_bending_sideways",
            "z",
            "aaaaaaaaaaaaaaaaaaaa",
            "aaaaaaaaaaaaaaaab",
        ];
        let map: BTreeMap<String, u32> = ids.iter().zip(0..).map(|(k, v)| (k.to_string(), v)).collect();
        let index = PrefixIndex::new(&map);
        let mut probes: Vec<String> = Vec::new();
        for id in ids {
            probes.push(id.to_string());
            probes.push(format!("{id}_"));
            probes.push(id[..id.len() - 1].to_string());
            probes.push(format!("{id}\u{0}"));
        }
        probes.extend(["".to_string(), "\u{0}".to_string(), "~".to_string()]);
        for p in &probes {
            assert_eq!(index.get(p), map.get(p.as_str()).copied(), "`{p}`");
        }
    }
}
