//! The differential as the report shows it: every condition in ranked order
//! with the findings for and against it, the must-not-miss list, and the
//! conditions a telltale finding asks to consider.

use cluneal_kb::KnowledgeBase;

use crate::compile::Compiled;
use crate::facts::{Facts, Origin, Tri};
use crate::report::{
    AskAbout, Band, ConditionResult, EvidenceAnswer, EvidenceItem, EvidenceOrigin, MustNotMiss, Triage,
};
use crate::score::{self, Scores};

#[expect(
    clippy::indexing_slicing,
    reason = "condition, finding and reference indices come from the index tables built by `Engine::with_model` from the same knowledge base"
)]
pub fn differential<'k>(
    kb: &'k KnowledgeBase,
    compiled: &Compiled,
    facts: &Facts,
    scores: &Scores,
    applied: &score::Applications,
    order: &[usize],
) -> Vec<ConditionResult<'k>> {
    let s = facts.setting;
    // Built in ranked order, in place, never moved by a sort.
    let mut out: Vec<ConditionResult<'_>> = Vec::with_capacity(kb.conditions().len());
    let mut keys: Vec<(f64, usize)> = Vec::with_capacity(64);
    for &ci in order {
        let c = &kb.conditions()[ci];
        // The evidence shown is that of the presentation that fits best.
        let h = compiled.model.shown(scores, ci);
        let m = &compiled.model.conditions[h];
        let prior = compiled.model.conditions[ci].prior_p.get(s).copied().unwrap_or(0.0);
        let prior_entry =
            kb.prior_link(compiled.index.condition_ids[ci], s).and_then(|p| c.prior.get(p.entry));
        let prior_source = prior_entry.map_or("", |p| p.source.as_str());
        let prior_grade = prior_entry.map_or(cluneal_kb::Grade::ExpertEstimate, |p| p.grade);
        // Sort small keys (effect, then id order = knowledge-base order), then
        // build each evidence item once, where it belongs.
        // Keys below `na` are applied findings; for an exclusion condition, key
        // `na + cj` is the move of specific condition `cj`.
        let own = applied.of(h);
        let na = own.len();
        keys.clear();
        let exclusion_delta = |cj: usize| scores.moves[cj];
        keys.extend(own.iter().enumerate().map(|(k, a)| (a.delta, k)));
        if m.exclusion {
            for (cj, other) in compiled.model.conditions.iter().enumerate().take(compiled.model.n_conditions)
            {
                let delta = exclusion_delta(cj);
                // A display cut-off (log scale): moves under 1% are not listed as evidence.
                if !other.exclusion && delta.abs() >= 0.01 {
                    keys.push((delta, na + cj));
                }
            }
        }
        // Ties by finding, then evidence position: a total order, whatever
        // order the scoring recorded the entries in.
        let tie = |k: usize| {
            if k < na {
                let ev = own[k].ev;
                (m.evidence[ev].finding, ev)
            } else {
                (kb.findings().len() + k, 0)
            }
        };
        keys.sort_unstable_by(|a, b| b.0.abs().total_cmp(&a.0.abs()).then_with(|| tie(a.1).cmp(&tie(b.1))));
        let item = |k: usize| -> EvidenceItem<'_> {
            if k >= na {
                let cj = k - na;
                let ratio = exclusion_delta(cj).exp();
                return EvidenceItem {
                    finding: &kb.conditions()[cj].id,
                    label: &kb.conditions()[cj].name,
                    answer: if ratio < 1.0 { EvidenceAnswer::MoreLikely } else { EvidenceAnswer::LessLikely },
                    likelihood_ratio: ratio,
                    weight: None,
                    effective_ratio: None,
                    origin: EvidenceOrigin::Exclusion,
                    source: prior_source,
                    grade: prior_grade,
                };
            }
            let a = &own[k];
            let ev = &m.evidence[a.ev];
            let e = match c.variant.get(ev.variant as usize) {
                Some(v) => &v.evidence[ev.entry],
                None => &c.evidence[ev.entry],
            };
            let f = &kb.findings()[ev.finding];
            let (lr, lr_w) = if a.yes { (ev.lr_pos, ev.lr_pos_w) } else { (ev.lr_neg, ev.lr_neg_w) };
            EvidenceItem {
                finding: &f.id,
                label: &f.label,
                answer: if a.yes { EvidenceAnswer::Yes } else { EvidenceAnswer::No },
                likelihood_ratio: lr,
                // The lead of a correlation group counts in full, the rest at the residual weight.
                weight: (a.weight != 1.0).then_some(a.weight),
                effective_ratio: (a.weight != 1.0).then_some(lr_w),
                origin: match facts.origin[ev.finding] {
                    Origin::Answer | Origin::None => EvidenceOrigin::Answer,
                    Origin::Derived => EvidenceOrigin::Derived,
                    Origin::Block(b) => EvidenceOrigin::Block(&kb.blocks()[b].id),
                },
                source: &e.source,
                grade: e.grade,
            }
        };
        // A finding answered yes that raised it, beyond age and sex: in any
        // of its presentations, as the condition's ratio mixes them all.
        let sign_in = |p: usize| {
            let evidence = &compiled.model.conditions[p].evidence;
            applied.of(p).iter().any(|a| {
                a.delta > 0.0
                    && a.yes
                    && !compiled.personal.get(evidence[a.ev].finding).copied().unwrap_or(false)
            })
        };
        let sign_for_it = match compiled.model.presentations.get(ci) {
            Some(&(a, b)) if a < b => (a as usize..b as usize).any(sign_in),
            _ => sign_in(h),
        };
        let variant = compiled.model.variant_of.get(h).and_then(|&v| c.variant.get(v as usize));
        let n_for = keys.iter().filter(|(d, _)| *d > 0.0).count();
        let mut evidence_for = Vec::with_capacity(n_for);
        let mut evidence_against = Vec::with_capacity(keys.len() - n_for);
        for &(d, k) in &keys {
            if d > 0.0 {
                evidence_for.push(item(k));
            } else if d < 0.0 {
                evidence_against.push(item(k));
            }
        }
        // The condition's own evidence, so it reads the same in both models
        // (the competing model's normalisation is not evidence); with
        // variants, each presentation's weighted by its share.
        let answers_ratio = match compiled.model.presentations.get(ci) {
            Some(&(a, b)) if a < b => (a as usize..b as usize)
                .map(|p| {
                    let share = compiled.model.share.get(p).copied().unwrap_or(0.0);
                    share * applied.of(p).iter().map(|x| x.delta).sum::<f64>().exp()
                })
                .sum(),
            _ => evidence_for
                .iter()
                .chain(&evidence_against)
                .map(|e| e.effective_ratio.unwrap_or(e.likelihood_ratio))
                .product(),
        };
        out.push(ConditionResult {
            condition: &c.id,
            name: &c.name,
            probability: scores.p[ci],
            presentation: variant.map(|v| v.id.as_str()),
            presentation_name: variant.map(|v| v.name.as_str()),
            prior,
            prior_source,
            serious: c.serious,
            model: c.model,
            band: band(kb, scores.p[ci]),
            evidence_for,
            evidence_against,
            answers_ratio,
            sign_for_it,
        });
    }
    out
}

/// Serious conditions with a supporting finding that are either at least
/// `must_not_miss_probability` likely or, with a supporting finding beyond age
/// and sex, have had their odds multiplied at least
/// `must_not_miss_likelihood_ratio`-fold by the answers; and any condition a
/// fired red flag names (so triage and differential never disagree). Most
/// probable first, whatever their rank. Supporting findings are listed for serious
/// conditions only.
pub fn must_not_miss<'k>(
    kb: &'k KnowledgeBase,
    differential: &[ConditionResult<'k>],
    tri: &Triage<'k>,
) -> Vec<MustNotMiss<'k>> {
    let floor = kb.meta().engine.must_not_miss_probability.value;
    let moved = kb.meta().engine.must_not_miss_likelihood_ratio.value;
    let mut out: Vec<MustNotMiss<'k>> = differential
        .iter()
        .enumerate()
        .filter_map(|(k, r)| {
            let findings: Vec<&'k str> = if r.serious {
                r.evidence_for.iter().filter(|e| e.answer == EvidenceAnswer::Yes).map(|e| e.finding).collect()
            } else {
                Vec::new()
            };
            let red_flags: Vec<&'k str> = tri
                .red_flags
                .iter()
                .filter(|f| f.conditions.iter().any(|c| c == r.condition))
                .map(|f| f.id)
                .collect();
            // Likely enough, or pointed to (a rare serious cause seldom reaches
            // the floor on a sparse presentation): a finding beyond age and sex
            // is for it, and the answers together, for and against, have
            // multiplied its odds at least `moved`-fold. Age and sex count
            // towards that (older age is itself a warning sign for several
            // serious causes) but never list a condition alone.
            let supported = !findings.is_empty()
                && (r.probability >= floor || (r.sign_for_it && r.answers_ratio >= moved));
            (supported || !red_flags.is_empty()).then_some(MustNotMiss {
                condition: r.condition,
                name: r.name,
                probability: r.probability,
                rank: k + 1,
                findings,
                red_flags,
            })
        })
        .collect();
    out.sort_unstable_by(|a, b| b.probability.total_cmp(&a.probability).then(a.rank.cmp(&b.rank)));
    out
}

/// Conditions whose telltale findings (`raise_when_any`) are answered yes,
/// in knowledge-base order, whatever their rank in `differential`.
pub fn ask_about<'k>(
    kb: &'k KnowledgeBase,
    compiled: &Compiled,
    differential: &[ConditionResult<'k>],
    facts: &Facts,
) -> Vec<AskAbout<'k>> {
    let mut out = Vec::new();
    for (c, telltale) in kb.conditions().iter().zip(&compiled.index.raise_when_any) {
        let findings: Vec<&'k str> = telltale
            .iter()
            .filter(|&&i| facts.is(i, Tri::Yes))
            .filter_map(|&i| kb.findings().get(i).map(|f| f.id.as_str()))
            .collect();
        if findings.is_empty() {
            continue;
        }
        let Some((k, r)) = differential.iter().enumerate().find(|(_, r)| r.condition == c.id) else {
            continue;
        };
        out.push(AskAbout {
            condition: r.condition,
            name: r.name,
            probability: r.probability,
            rank: k + 1,
            findings,
        });
    }
    out
}

/// A probability in words, by the knowledge base's bands.
pub fn band(kb: &KnowledgeBase, p: f64) -> Band {
    if p >= kb.meta().engine.fits_well_probability.value {
        Band::FitsWell
    } else if p >= kb.meta().engine.relevant_probability.value {
        Band::Possible
    } else {
        Band::LessLikely
    }
}
