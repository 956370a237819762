//! The differential, in one of two models built from the same knowledge:
//!
//! - **competing causes**: the pain has one primary cause drawn
//!   from the conditions, or two that often coexist. Each hypothesis scores its
//!   prior times, per known finding, its own frequency of that finding over the
//!   finding's background frequency; the scores are normalised into one
//!   distribution, and a condition's probability is the sum over the hypotheses
//!   it takes part in.
//! - **independent**: each condition alone, prior odds times likelihood ratios
//!   against "other low back pain"; "no specific cause" is what the specific
//!   conditions leave.
//!
//! `kb.toml` chooses the model (`engine.differential_model`); the validation
//! report compares both.
//!
//! In both, correlated findings count once in full and then at a reduced weight.

use cluneal_kb::{ConditionModel, DifferentialModel, KnowledgeBase};

use crate::facts::{Facts, Tri};
use crate::math::{entropy, entropy_of_odds};

pub const NO_GROUP: u32 = u32::MAX;
/// `Ev::variant` of an entry from the condition's own evidence.
pub const NO_VARIANT: u32 = u32::MAX;

/// One evidence entry in the form the arithmetic needs.
#[derive(Debug, Clone)]
pub struct Ev {
    pub finding: usize,
    pub ln_pos: f64,
    pub ln_neg: f64,
    pub lr_pos: f64,
    pub lr_neg: f64,
    /// The correlation group's residual weight (1 outside a group), and the
    /// likelihood ratios raised to it.
    pub weight: f64,
    pub lr_pos_w: f64,
    pub lr_neg_w: f64,
    /// Correlation group of the finding, or `NO_GROUP`.
    pub group: u32,
    /// Index of the entry in the condition's `evidence` list, or in its
    /// variant's when `variant` is set.
    pub entry: usize,
    /// The condition's variant whose `evidence` holds the entry (`NO_VARIANT`
    /// for the condition's own list).
    pub variant: u32,
    /// Index of the entry's reference in the knowledge base.
    pub source_ref: usize,
    /// The most information, in bits, that the answer can carry about the
    /// condition at any prior (the capacity of the yes/no channel the two
    /// ratios define), or infinity when the ratios define no such channel.
    /// Bounds the question ranking's search.
    pub capacity: f64,
    /// Where the state of this entry's correlation group for its hypothesis is
    /// kept in `Scores::groups` (`NO_GROUP` outside a group).
    pub slot: u32,
}

impl Ev {
    /// An entry from its two likelihood ratios and its correlation group.
    fn new(
        finding: usize,
        (lr_pos, lr_neg): (f64, f64),
        group: u32,
        weight: f64,
        entry: usize,
        source_ref: usize,
    ) -> Ev {
        Ev {
            finding,
            ln_pos: ln(lr_pos),
            ln_neg: ln(lr_neg),
            lr_pos,
            lr_neg,
            weight,
            lr_pos_w: lr_pos.powf(weight),
            lr_neg_w: lr_neg.powf(weight),
            group,
            entry,
            variant: NO_VARIANT,
            source_ref,
            capacity: capacity(lr_pos, lr_neg),
            slot: NO_GROUP,
        }
    }
}

/// One evidence entry as scoring and the question ranking read it: whose it
/// is and its arithmetic, side by side in the per-finding tables
/// (`Model::uses`, `Model::by_finding`). Those loops then read memory in order
/// instead of reaching into a different condition's evidence list (and a
/// wider record) for every entry.
#[derive(Debug, Clone, Copy)]
pub struct Use {
    pub condition: u32,
    /// Position in the condition's `evidence`.
    pub ev: u32,
    /// `Ev::slot`: `NO_GROUP` outside a correlation group.
    pub slot: u32,
    pub ln_pos: f64,
    pub ln_neg: f64,
    pub lr_pos: f64,
    pub lr_neg: f64,
    pub lr_pos_w: f64,
    pub lr_neg_w: f64,
    pub weight: f64,
}

impl Use {
    fn of(condition: u32, ev: u32, e: &Ev) -> Use {
        Use {
            condition,
            ev,
            slot: e.slot,
            ln_pos: e.ln_pos,
            ln_neg: e.ln_neg,
            lr_pos: e.lr_pos,
            lr_neg: e.lr_neg,
            lr_pos_w: e.lr_pos_w,
            lr_neg_w: e.lr_neg_w,
            weight: e.weight,
        }
    }
}

/// Capacity in bits of the yes/no channel with P(yes | condition) = a and
/// P(yes | not) = b, where a / b and (1 - a) / (1 - b) are the two likelihood
/// ratios. The mutual information H(q) - p h(a) - (1 - p) h(b) is concave in
/// the prior p; it peaks where log2((1 - q) / q) = (h(a) - h(b)) / (a - b).
fn capacity(lr_pos: f64, lr_neg: f64) -> f64 {
    // Ratios that define no channel: no bound.
    let (b, a) = channel(lr_pos, lr_neg);
    if b.is_nan() {
        return f64::INFINITY;
    }
    let t = (entropy(a) - entropy(b)) / (a - b);
    let q = 1.0 / (1.0 + t.exp2());
    let p = ((q - b) / (a - b)).clamp(0.0, 1.0);
    let q = b + p * (a - b);
    (entropy(q) - p * entropy(a) - (1.0 - p) * entropy(b)).max(0.0)
}

/// The residual weight of a correlation group (1 outside any group).
#[expect(
    clippy::indexing_slicing,
    reason = "condition, evidence, finding and group indices are built by `Model::compile` from one knowledge base, and every table is sized by it"
)]
fn weight_of(group_weight: &[f64], g: u32) -> f64 {
    if g == NO_GROUP { 1.0 } else { group_weight[g as usize] }
}

#[derive(Debug, Clone)]
pub struct CondModel {
    /// Scored as what the specific conditions leave (independent model only).
    pub exclusion: bool,
    /// "No specific cause" (`model = "exclusion"` in the knowledge base), in
    /// either model: a conclusion, never a cause the interview stops on or
    /// the work-up tests.
    pub no_specific: bool,
    /// Prior log-odds, one per care setting.
    pub prior_lo: Vec<f64>,
    pub prior_p: Vec<f64>,
    /// ln(1 - prior), one per care setting (the exclusion conditions' arithmetic).
    pub ln_not_prior: Vec<f64>,
    pub evidence: Vec<Ev>,
}

/// The knowledge base compiled for fast scoring.
#[derive(Debug, Clone)]
pub struct Model {
    pub kind: DifferentialModel,
    /// The hypotheses: one per condition, in knowledge-base order, then
    /// (competing model) one per pair of coexisting conditions, then one per
    /// presentation of each condition with variants.
    pub conditions: Vec<CondModel>,
    /// The two conditions of each joint hypothesis after the single ones.
    pub pairs: Vec<(usize, usize)>,
    /// Number of conditions (the hypotheses before the pairs and presentations).
    pub n_conditions: usize,
    /// Per condition, the range of hypotheses that hold its presentations when
    /// it has variants (its main presentation first); empty otherwise. Such a
    /// condition's own row has no evidence: it receives the sum of its
    /// presentations (their odds in the independent model, their
    /// probabilities in the competing one).
    pub presentations: Vec<(u32, u32)>,
    /// The condition each hypothesis is a presentation of (itself for a
    /// condition without variants; `u32::MAX` for a pair): read through
    /// `Model::condition`.
    condition_of: Vec<u32>,
    /// The variant each hypothesis stands for (`NO_VARIANT` for a main presentation).
    pub variant_of: Vec<u32>,
    /// Each hypothesis's share of its condition's cases (1 unless it is a presentation).
    pub share: Vec<f64>,
    /// Per condition, the references of its variants' shares (cited with it).
    pub share_sources: Rows<usize>,
    /// Residual weight of each correlation group.
    pub group_weight: Vec<f64>,
    /// For each finding, the entries of the conditions the question ranking
    /// weighs (exclusion conditions left out in the independent model).
    pub by_finding: Rows<Use>,
    /// Number of (hypothesis, correlation group) pairs that occur in the evidence.
    pub n_slots: usize,
    /// For each finding, what the question ranking's bound reads: an item per
    /// `by_finding` entry, except that the presentations of a condition with
    /// variants share one item for their condition.
    pub bound_items: Rows<BoundItem>,
    /// For each finding, every (hypothesis, evidence position) that uses it,
    /// exclusion conditions and pairs included: scoring visits only the
    /// answered findings' entries instead of every entry of every condition.
    pub uses: Rows<Use>,
    /// Each hypothesis's group-state slots, as a range of `Scores::groups`.
    pub slots_of: Vec<(u32, u32)>,
    /// The residual weight of each slot's correlation group.
    pub slot_weight: Vec<f64>,
}

/// One list per index (finding), all in one allocation: the rows of a
/// compressed sparse table. The question ranking and the scoring scan many of
/// these lists per case, and one contiguous block stays in cache where
/// hundreds of small vectors do not.
#[derive(Debug, Clone)]
pub struct Rows<T> {
    start: Vec<u32>,
    items: Vec<T>,
}

impl<T> Default for Rows<T> {
    fn default() -> Rows<T> {
        Rows { start: Vec::new(), items: Vec::new() }
    }
}

impl<T> Rows<T> {
    pub fn from_lists(lists: Vec<Vec<T>>) -> Rows<T> {
        let mut start = Vec::with_capacity(lists.len() + 1);
        let mut items = Vec::with_capacity(lists.iter().map(Vec::len).sum());
        start.push(0);
        for list in lists {
            items.extend(list);
            start.push(items.len() as u32);
        }
        Rows { start, items }
    }

    /// The list of index `i` (empty outside the table).
    pub fn row(&self, i: usize) -> &[T] {
        match (self.start.get(i), self.start.get(i + 1)) {
            (Some(&a), Some(&b)) => self.items.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// Number of items over all lists.
    pub fn entries(&self) -> usize {
        self.items.len()
    }

    /// Number of lists.
    pub fn len(&self) -> usize {
        self.start.len().saturating_sub(1)
    }
}

/// One evidence entry as the question ranking's bound sees it.
#[derive(Debug, Clone, Copy)]
pub struct BoundItem {
    pub condition: u32,
    /// `Ev::slot`.
    pub slot: u32,
    /// `Ev::capacity`.
    pub capacity: f64,
    /// The yes/no channel the two ratios define, P(yes | condition) = `b + spread`
    /// and P(yes | not) = `b`, with `chi` = spread² log2(e); NaN when the ratios
    /// define no channel.
    pub b: f64,
    pub spread: f64,
    pub chi: f64,
}

/// What the loose bound reads of a `BoundItem`.
#[derive(Debug, Clone, Copy)]
pub struct LooseItem {
    pub capacity: f64,
    pub condition: u32,
    pub slot: u32,
}

impl From<&BoundItem> for LooseItem {
    fn from(it: &BoundItem) -> LooseItem {
        LooseItem { capacity: it.capacity, condition: it.condition, slot: it.slot }
    }
}

impl BoundItem {
    /// An upper bound, in bits, on what the answer tells about the condition at
    /// probability `p` (outside a fired correlation group): the mutual
    /// information p KL(a‖q) + (1 - p) KL(b‖q) is at most the same sum of
    /// chi-square divergences, p (1 - p) (a - b)² / (q (1 - q)) nats, where
    /// q = b + p (a - b) is the chance of a "yes".
    pub fn chi_square_bound(&self, p: f64) -> f64 {
        let q = self.b + p * self.spread;
        let v = q * (1.0 - q);
        if v > 0.0 { self.chi * p * (1.0 - p) / v } else { f64::INFINITY }
    }
}

/// The yes/no channel (P(yes | not), P(yes | condition)) that two likelihood
/// ratios define, or NaNs when they define none: ratios on the same side of 1
/// (or equal), or probabilities outside (0, 1).
pub(crate) fn channel(lr_pos: f64, lr_neg: f64) -> (f64, f64) {
    let spread = lr_pos - lr_neg;
    if !(spread.is_finite() && (lr_pos - 1.0) * (lr_neg - 1.0) < 0.0) {
        return (f64::NAN, f64::NAN);
    }
    let b = (1.0 - lr_neg) / spread;
    let a = lr_pos * b;
    if a > 0.0 && a < 1.0 && b > 0.0 && b < 1.0 { (b, a) } else { (f64::NAN, f64::NAN) }
}

pub fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

pub fn logistic(lo: f64) -> f64 {
    if lo >= 0.0 {
        1.0 / (1.0 + (-lo).exp())
    } else {
        let e = lo.exp();
        e / (1.0 + e)
    }
}

/// The two ratios an evidence entry applies: its likelihood ratios in the
/// independent model; in the competing one, the condition's own frequency
/// against the finding's background, the comparison shared by every cause.
fn ratios_of(l: &cluneal_kb::Likelihood, competing: bool, background: f64) -> (f64, f64) {
    if competing {
        (l.sensitivity / background, (1.0 - l.sensitivity) / (1.0 - background))
    } else {
        (l.lr_positive, l.lr_negative)
    }
}

/// ln(x), kept finite at 0.
fn ln(x: f64) -> f64 {
    x.max(1e-300).ln()
}

impl Model {
    #[expect(
        clippy::indexing_slicing,
        reason = "condition, evidence, finding and group indices are built by `Model::compile` from one knowledge base, and every table is sized by it"
    )]
    pub fn compile(kb: &KnowledgeBase, kind: DifferentialModel) -> Model {
        let competing = kind == DifferentialModel::Competing;
        let background: Vec<f64> =
            kb.findings().iter().map(|f| f.background.as_ref().map_or(f64::NAN, |b| b.value)).collect();
        let mut group_of = vec![NO_GROUP; kb.findings().len()];
        let mut group_weight = Vec::new();
        for (g, (c, findings)) in kb.correlations().iter().zip(kb.correlation_findings()).enumerate() {
            group_weight.push(c.residual_weight.value);
            for f in findings {
                group_of[f.index()] = g as u32;
            }
        }
        let conditions = kb
            .conditions()
            .iter()
            .zip(kb.condition_ids())
            .map(|(c, id)| {
                let prior_p: Vec<f64> = (0..kb.meta().settings.len())
                    // Validation guarantees a prior for every setting; NaN would only flag a broken invariant.
                    .map(|s| {
                        kb.prior_link(id, s)
                            .and_then(|p| c.prior.get(p.entry))
                            .map_or(f64::NAN, |p| p.probability)
                    })
                    .collect();
                let mut evidence: Vec<Ev> = c
                    .evidence
                    .iter()
                    .zip(kb.evidence_links(id))
                    .enumerate()
                    .filter_map(|(entry, (e, link))| {
                        let finding = link.finding.index();
                        let l = kb.likelihood(e).ok()?;
                        let ratios = ratios_of(&l, competing, background[finding]);
                        let g = group_of[finding];
                        Some(Ev::new(
                            finding,
                            ratios,
                            g,
                            weight_of(&group_weight, g),
                            entry,
                            link.source.index(),
                        ))
                    })
                    .collect();
                evidence.sort_by_key(|e| (e.group, e.finding));
                CondModel {
                    exclusion: !competing && c.model == ConditionModel::Exclusion,
                    no_specific: c.model == ConditionModel::Exclusion,
                    prior_lo: prior_p.iter().map(|p| if competing { ln(*p) } else { logit(*p) }).collect(),
                    ln_not_prior: prior_p.iter().map(|p| (1.0 - p).ln()).collect(),
                    prior_p,
                    evidence,
                }
            })
            .collect::<Vec<CondModel>>();
        let n_conditions = conditions.len();
        let mut model = Model {
            kind,
            conditions,
            pairs: Vec::new(),
            n_conditions,
            presentations: vec![(0, 0); n_conditions],
            condition_of: Vec::new(),
            variant_of: Vec::new(),
            share: Vec::new(),
            share_sources: Rows::default(),
            group_weight,
            by_finding: Rows::default(),
            n_slots: 0,
            bound_items: Rows::default(),
            uses: Rows::default(),
            slots_of: Vec::new(),
            slot_weight: Vec::new(),
        };
        if competing {
            model.add_pairs(kb, &group_of, &background);
        }
        model.add_variants(kb, &group_of, &background);
        model.assign_slots(kb.findings().len());
        model
    }

    /// The hypothesis whose evidence the report shows for condition `c`: its
    /// most probable presentation when it has variants (the first on a tie),
    /// else its own.
    pub fn shown(&self, scores: &Scores, c: usize) -> usize {
        match self.presentations.get(c) {
            Some(&(a, b)) if a < b => (a as usize..b as usize)
                .max_by(|&x, &y| {
                    let (px, py) = (scores.p.get(x).copied(), scores.p.get(y).copied());
                    px.partial_cmp(&py).unwrap_or(std::cmp::Ordering::Equal).then(y.cmp(&x))
                })
                .unwrap_or(c),
            _ => c,
        }
    }

    /// The condition hypothesis `h` stands for: itself, or the condition it is
    /// a presentation of; none for a pair of coexisting conditions.
    pub fn condition(&self, h: usize) -> Option<usize> {
        self.condition_of.get(h).map(|&c| c as usize).filter(|&c| c < self.n_conditions)
    }

    /// The condition whose presentation hypothesis `h` is, when `h` stands
    /// for a presentation rather than for a condition itself (or a pair).
    pub fn presentation_of(&self, h: usize) -> Option<usize> {
        self.condition(h).filter(|&c| c != h)
    }

    /// The weight of presentation `h` within its condition `c` in this case:
    /// its share of the condition's odds (independent model, where the
    /// condition's odds are their sum) or of its probability (competing model).
    pub fn presentation_weight(&self, scores: &Scores, h: usize, c: usize) -> f64 {
        let of = |v: &[f64]| match (v.get(h), v.get(c)) {
            (Some(&x), Some(&total)) if total > 0.0 => x / total,
            _ => 0.0,
        };
        match self.kind {
            DifferentialModel::Independent => of(&scores.odds),
            DifferentialModel::Competing => of(&scores.p),
        }
    }

    /// Whether hypothesis `h` is one the question ranking weighs on its own:
    /// a condition (not an exclusion condition of the independent model, and
    /// not one whose presentations stand in for it) or a presentation.
    fn ranked(&self, h: usize) -> bool {
        let split = self.presentations.get(h).is_some_and(|&(a, b)| a < b);
        self.condition(h).is_some() && !split && !self.conditions.get(h).is_some_and(|c| c.exclusion)
    }

    /// Conditions with variants: each presentation becomes a hypothesis of
    /// its own, after the pairs, with the condition's prior times its share;
    /// a variant's entries replace the main presentation's for the same
    /// finding or add to them. The condition's own row is then emptied.
    #[expect(
        clippy::indexing_slicing,
        reason = "condition, evidence, finding and group indices are built by `Model::compile` from one knowledge base, and every table is sized by it"
    )]
    fn add_variants(&mut self, kb: &KnowledgeBase, group_of: &[u32], background: &[f64]) {
        let competing = self.kind == DifferentialModel::Competing;
        let n_hyp = self.conditions.len();
        self.condition_of =
            (0..n_hyp).map(|h| if h < self.n_conditions { h as u32 } else { u32::MAX }).collect();
        self.variant_of = vec![NO_VARIANT; n_hyp];
        self.share = vec![1.0; n_hyp];
        self.share_sources = Rows::from_lists(
            kb.conditions()
                .iter()
                .map(|c| {
                    c.variant
                        .iter()
                        .filter_map(|v| kb.reference_id(&v.share.source))
                        .map(|r| r.index())
                        .collect()
                })
                .collect(),
        );
        for (ci, (c, id)) in kb.conditions().iter().zip(kb.condition_ids()).enumerate() {
            if c.variant.is_empty() {
                continue;
            }
            let main = self.conditions[ci].clone();
            let first = self.conditions.len() as u32;
            let rest: f64 = c.variant.iter().map(|v| v.share.value).sum();
            let with_share = |m: &CondModel, share: f64| -> CondModel {
                let mut m = m.clone();
                let ln_share = ln(share);
                m.prior_lo = m.prior_lo.iter().map(|lo| lo + ln_share).collect();
                m.prior_p = m.prior_p.iter().map(|p| p * share).collect();
                m.ln_not_prior = m.prior_p.iter().map(|p| (1.0 - p).ln()).collect();
                m
            };
            self.conditions.push(with_share(&main, 1.0 - rest));
            self.condition_of.push(ci as u32);
            self.variant_of.push(NO_VARIANT);
            self.share.push(1.0 - rest);
            for (vi, v) in c.variant.iter().enumerate() {
                let mut m = with_share(&main, v.share.value);
                for (entry, (e, link)) in v.evidence.iter().zip(kb.variant_evidence_links(id, vi)).enumerate()
                {
                    let finding = link.finding.index();
                    let Ok(l) = kb.likelihood(e) else { continue };
                    let ratios = ratios_of(&l, competing, background[finding]);
                    let g = group_of[finding];
                    let mut ev = Ev::new(
                        finding,
                        ratios,
                        g,
                        weight_of(&self.group_weight, g),
                        entry,
                        link.source.index(),
                    );
                    ev.variant = vi as u32;
                    m.evidence.retain(|x| x.finding != finding);
                    m.evidence.push(ev);
                }
                m.evidence.sort_by_key(|e| (e.group, e.finding));
                self.conditions.push(m);
                self.condition_of.push(ci as u32);
                self.variant_of.push(vi as u32);
                self.share.push(v.share.value);
            }
            self.presentations[ci] = (first, self.conditions.len() as u32);
            let own = &mut self.conditions[ci];
            own.evidence.clear();
            // No prior of its own: the presentations carry it.
            own.prior_lo = own.prior_lo.iter().map(|_| ln(0.0)).collect();
        }
    }

    /// One group-state slot per correlation group that a hypothesis uses (its
    /// evidence is sorted by group), so scoring keeps only the states that
    /// exist; then the per-finding tables, which carry each entry's slot.
    #[expect(
        clippy::indexing_slicing,
        reason = "condition, evidence, finding and group indices are built by `Model::compile` from one knowledge base, and every table is sized by it"
    )]
    fn assign_slots(&mut self, n_findings: usize) {
        let mut next = 0u32;
        let mut uses: Vec<Vec<Use>> = vec![Vec::new(); n_findings];
        self.slots_of = Vec::with_capacity(self.conditions.len());
        self.slot_weight = Vec::new();
        for (ci, c) in self.conditions.iter_mut().enumerate() {
            let first = next;
            let mut current = NO_GROUP;
            for (k, e) in c.evidence.iter_mut().enumerate() {
                if e.group != NO_GROUP {
                    if e.group != current {
                        current = e.group;
                        next += 1;
                        self.slot_weight.push(self.group_weight[e.group as usize]);
                    }
                    e.slot = next - 1;
                }
                if let Some(u) = uses.get_mut(e.finding) {
                    u.push(Use::of(ci as u32, k as u32, e));
                }
            }
            self.slots_of.push((first, next));
        }
        self.n_slots = next as usize;
        self.uses = Rows::from_lists(uses);
        // The ranking's table: the single conditions' entries and their
        // presentations' (pairs of the competing model left out), and in the
        // independent model not the exclusion conditions, which are derived
        // from the others.
        self.by_finding = Rows::from_lists(
            (0..n_findings)
                .map(|f| {
                    self.uses.row(f).iter().filter(|u| self.ranked(u.condition as usize)).copied().collect()
                })
                .collect(),
        );
        let bound_items = (0..n_findings)
            .map(|f| {
                let mut items: Vec<BoundItem> = Vec::new();
                for u in self.by_finding.row(f) {
                    let (c, k) = (u.condition, u.ev);
                    // A presentation: the ranking scores its condition once
                    // (a mixture of the presentations' channels), bounded by
                    // the condition's entropy alone.
                    if let Some(cond) = self.presentation_of(c as usize) {
                        let cond = cond as u32;
                        if items.last().is_none_or(|it| it.condition != cond) {
                            items.push(BoundItem {
                                condition: cond,
                                slot: NO_GROUP,
                                capacity: f64::INFINITY,
                                b: f64::NAN,
                                spread: f64::NAN,
                                chi: f64::NAN,
                            });
                        }
                        continue;
                    }
                    let e = &self.conditions[c as usize].evidence[k as usize];
                    let (b, a) = channel(e.lr_pos, e.lr_neg);
                    let spread = a - b;
                    items.push(BoundItem {
                        condition: c,
                        slot: e.slot,
                        capacity: e.capacity,
                        b,
                        spread,
                        chi: spread * spread * std::f64::consts::LOG2_E,
                    });
                }
                items
            })
            .collect();
        self.bound_items = Rows::from_lists(bound_items);
    }

    /// Joint hypotheses for coexisting conditions (competing model). A pair
    /// takes its share of the prior from the condition that lists it; a finding
    /// is present when either cause produces it (noisy-OR with the background as
    /// the leak), absent only when neither does.
    #[expect(
        clippy::indexing_slicing,
        reason = "condition, evidence, finding and group indices are built by `Model::compile` from one knowledge base, and every table is sized by it"
    )]
    fn add_pairs(&mut self, kb: &KnowledgeBase, group_of: &[u32], background: &[f64]) {
        let mut added: Vec<((usize, usize), usize, f64)> = Vec::new();
        for (a, (c, id)) in kb.conditions().iter().zip(kb.condition_ids()).enumerate() {
            for (x, b) in c.coexists.iter().zip(kb.coexists_with(id)) {
                let b = b.index();
                let key = (a.min(b), a.max(b));
                if added.iter().any(|(k, _, _)| *k == key) {
                    continue;
                }
                added.push((key, a, x.probability));
            }
        }
        for ((lo, hi), owner, share) in added {
            let (ma, mb) = (&self.conditions[lo], &self.conditions[hi]);
            let mut findings: Vec<usize> =
                ma.evidence.iter().chain(&mb.evidence).map(|e| e.finding).collect();
            findings.sort_unstable();
            findings.dedup();
            let freq = |m: &CondModel, f: usize| {
                let b = background[f];
                m.evidence.iter().find(|e| e.finding == f).map_or(b, |e| e.lr_pos * b)
            };
            let mut evidence: Vec<Ev> = findings
                .into_iter()
                .map(|f| {
                    let b = background[f];
                    let (fa, fb) = (freq(ma, f), freq(mb, f));
                    let absent = ((1.0 - fa) * (1.0 - fb) / (1.0 - b)).clamp(1e-9, 1.0 - 1e-9);
                    let ratios = ((1.0 - absent) / b, absent / (1.0 - b));
                    // The pair cites the stronger member's entry.
                    let stronger = if (fa / b).ln().abs() >= (fb / b).ln().abs() { ma } else { mb };
                    let src = stronger
                        .evidence
                        .iter()
                        .find(|e| e.finding == f)
                        .or_else(|| ma.evidence.iter().chain(&mb.evidence).find(|e| e.finding == f));
                    let g = group_of[f];
                    Ev::new(
                        f,
                        ratios,
                        g,
                        weight_of(&self.group_weight, g),
                        src.map_or(0, |e| e.entry),
                        src.map_or(0, |e| e.source_ref),
                    )
                })
                .collect();
            evidence.sort_by_key(|e| (e.group, e.finding));
            let prior_p: Vec<f64> = self.conditions[owner].prior_p.iter().map(|p| p * share).collect();
            self.conditions.push(CondModel {
                exclusion: false,
                no_specific: false,
                prior_lo: prior_p.iter().map(|p| ln(*p)).collect(),
                ln_not_prior: prior_p.iter().map(|p| (1.0 - p).ln()).collect(),
                prior_p,
                evidence,
            });
            self.pairs.push((lo, hi));
        }
        // Each owner keeps the rest of its prior as a single cause.
        for (owner, c) in kb.conditions().iter().enumerate() {
            // Validation keeps the shares of one condition below 1 in total.
            let shared: f64 = c.coexists.iter().map(|x| x.probability).sum();
            if shared > 0.0 {
                let m = &mut self.conditions[owner];
                m.prior_lo = m.prior_p.iter().map(|p| ln(p * (1.0 - shared))).collect();
            }
        }
    }
}

/// An applied piece of evidence: which entry, which answer, at what weight.
#[derive(Debug, Clone, Copy)]
pub struct Applied {
    /// Position in `CondModel::evidence`.
    pub ev: usize,
    pub yes: bool,
    /// Whether the entry belongs to a correlation group (its delta then counts
    /// through the group's total).
    pub grouped: bool,
    pub weight: f64,
    /// The log-odds change it made.
    pub delta: f64,
}

/// Every applied piece of evidence of one case, condition after condition, in
/// one allocation.
#[derive(Debug, Clone, Default)]
pub struct Applications {
    items: Vec<Applied>,
    /// Per condition, the range of its entries in `items`.
    ranges: Vec<(usize, usize)>,
}

impl Applications {
    pub fn of(&self, c: usize) -> &[Applied] {
        self.ranges.get(c).and_then(|&(a, b)| self.items.get(a..b)).unwrap_or(&[])
    }
}

/// The state of one correlation group for one condition: the strongest
/// contribution and the sum of the others.
#[derive(Debug, Clone, Copy, Default)]
pub struct GroupState {
    pub lead: f64,
    pub rest: f64,
    pub any: bool,
}

impl GroupState {
    pub fn total(&self, w: f64) -> f64 {
        if self.any { self.lead + w * self.rest } else { 0.0 }
    }
}

/// Scores of every condition for one case.
#[derive(Debug, Clone)]
pub struct Scores {
    pub lo: Vec<f64>,
    pub p: Vec<f64>,
    /// p / (1 - p), and the binary entropy of p in bits (for the question ranking).
    pub odds: Vec<f64>,
    pub entropy: Vec<f64>,
    /// The state of each correlation group of each hypothesis (`Ev::slot`).
    pub groups: Vec<GroupState>,
    /// Independent model: how far each specific condition moved the log-chance
    /// that it is absent, ln(1 - p) - ln(1 - prior) (what moves "no specific
    /// cause"); 0 otherwise.
    pub moves: Vec<f64>,
}

impl Scores {
    /// The group state kept in `slot` (empty for `NO_GROUP`).
    pub fn group_at(&self, slot: u32) -> GroupState {
        self.groups.get(slot as usize).copied().unwrap_or_default()
    }
}

/// Score every condition; when `applied` is given, also record each applied
/// piece of evidence per condition (for the report).
///
/// Only the answered findings are visited, each through the entries that use
/// it. The sums come out exactly as a pass over every entry in evidence order
/// would give them: a condition's evidence is sorted by (group, finding), so
/// finding order is each group's own order, and the log-odds add the group
/// totals first, then the ungrouped entries in finding order.
#[expect(
    clippy::indexing_slicing,
    reason = "condition, evidence, finding and group indices are built by `Model::compile` from one knowledge base, and every table is sized by it"
)]
pub fn score(model: &Model, facts: &Facts, applied: Option<&mut Applications>) -> Scores {
    let n = model.conditions.len();
    let mut s = Scores {
        lo: vec![0.0; n],
        p: vec![0.0; n],
        odds: vec![0.0; n],
        entropy: vec![0.0; n],
        groups: vec![GroupState::default(); model.n_slots],
        moves: vec![0.0; n],
    };
    // The entry leading each fired group (its evidence position).
    let mut lead_at = vec![u32::MAX; model.n_slots];
    // Pass 1: every answered entry, in finding order; group states as they go.
    // (hypothesis, slot, group weight, the entry as applied)
    // At most every entry: sized once, as growing it copies what was found so far.
    let mut found: Vec<(u32, u32, f64, Applied)> = Vec::with_capacity(model.uses.entries());
    for f in 0..model.uses.len() {
        let st = facts.state[f];
        if st == Tri::Unknown {
            continue;
        }
        let yes = st == Tri::Yes;
        for u in model.uses.row(f) {
            let d = if yes { u.ln_pos } else { u.ln_neg };
            let grouped = u.slot != NO_GROUP;
            if grouped {
                let slot = u.slot as usize;
                let gs = &mut s.groups[slot];
                if !gs.any {
                    *gs = GroupState { lead: d, rest: 0.0, any: true };
                    lead_at[slot] = u.ev;
                } else if d.abs() > gs.lead.abs() {
                    gs.rest += gs.lead;
                    gs.lead = d;
                    lead_at[slot] = u.ev;
                } else {
                    gs.rest += d;
                }
            }
            found.push((
                u.condition,
                u.slot,
                u.weight,
                Applied { ev: u.ev as usize, yes, grouped, weight: 1.0, delta: d },
            ));
        }
    }
    // The entries by hypothesis (a stable counting sort keeps finding order),
    // group members weighted now that each group's lead is known.
    let mut start = vec![0usize; n + 1];
    for (c, ..) in &found {
        start[*c as usize + 1] += 1;
    }
    for c in 0..n {
        start[c + 1] += start[c];
    }
    let mut at = start.clone();
    let mut items = vec![Applied { ev: 0, yes: false, grouped: false, weight: 1.0, delta: 0.0 }; found.len()];
    for &(c, slot, weight, mut a) in &found {
        if a.grouped && lead_at[slot as usize] != a.ev as u32 {
            a.weight = weight;
            a.delta *= weight;
        }
        items[at[c as usize]] = a;
        at[c as usize] += 1;
    }
    // Direct evidence of exclusion conditions (log likelihood ratios), applied after the others.
    let mut direct = vec![0.0; n];
    for (ci, c) in model.conditions.iter().enumerate() {
        let mut lo = if c.exclusion { 0.0 } else { c.prior_lo.get(facts.setting).copied().unwrap_or(0.0) };
        let (first, end) = model.slots_of[ci];
        let (first, end) = (first as usize, end as usize);
        for (gs, &w) in s.groups[first..end].iter().zip(&model.slot_weight[first..end]) {
            if gs.any {
                lo += gs.total(w);
            }
        }
        for a in &items[start[ci]..start[ci + 1]] {
            if !a.grouped {
                lo += a.delta;
            }
        }
        if c.exclusion {
            direct[ci] = lo;
            continue;
        }
        s.lo[ci] = lo;
        if model.kind == DifferentialModel::Competing {
            continue;
        }
        // One exponential: the odds, then the probability from them.
        let odds = lo.exp();
        s.odds[ci] = odds;
        s.p[ci] = if odds.is_finite() { odds / (1.0 + odds) } else { 1.0 };
        // From the odds and log-odds at hand: one logarithm, and the same
        // arithmetic the ranking uses for the entropy after an answer.
        s.entropy[ci] = entropy_of_odds(odds, lo);
    }
    if let Some(a) = applied {
        a.ranges = (0..n).map(|c| (start[c], start[c + 1])).collect();
        a.items = items;
    }
    if model.kind == DifferentialModel::Competing {
        normalise(model, &mut s);
        return s;
    }
    // A condition with variants: prior odds times the share-weighted mean of
    // its presentations' likelihood ratios, which is the sum of their odds.
    for (ci, &(a, b)) in model.presentations.iter().enumerate() {
        if a == b {
            continue;
        }
        let odds: f64 = s.odds[a as usize..b as usize].iter().sum();
        let lo = odds.ln();
        s.odds[ci] = odds;
        s.lo[ci] = lo;
        s.p[ci] = if odds.is_finite() { odds / (1.0 + odds) } else { 1.0 };
        s.entropy[ci] = entropy_of_odds(odds, lo);
    }
    // Exclusion conditions ("no specific cause"): the prior scaled by how the
    // chance that no specific condition applies moved from its prior value, then
    // moved by findings that by definition point to a specific cause, and never
    // above the chance that the most likely specific condition is absent.
    // Only the conditions count here, never their presentations.
    let conditions = &model.conditions[..model.n_conditions];
    if conditions.iter().any(|c| c.exclusion) {
        for (cj, other) in conditions.iter().enumerate() {
            if !other.exclusion {
                s.moves[cj] = ln_1m(s.p[cj]) - other.ln_not_prior.get(facts.setting).copied().unwrap_or(0.0);
            }
        }
    }
    for (ci, c) in conditions.iter().enumerate() {
        if !c.exclusion {
            continue;
        }
        let prior = c.prior_p.get(facts.setting).copied().unwrap_or(0.0);
        let mut ln_p = prior.ln();
        let mut ceiling: f64 = 1.0;
        for (cj, other) in conditions.iter().enumerate() {
            if other.exclusion {
                continue;
            }
            ln_p += s.moves[cj];
            ceiling = ceiling.min(1.0 - s.p[cj]);
        }
        let base = ln_p.exp().clamp(1e-12, 1.0 - 1e-12);
        let p = logistic(logit(base) + direct[ci]).min(ceiling).clamp(0.0, 1.0);
        s.p[ci] = p;
        s.lo[ci] = if p <= 0.0 {
            f64::MIN
        } else if p >= 1.0 {
            f64::MAX
        } else {
            (p / (1.0 - p)).ln()
        };
    }
    s
}

/// Competing causes: the hypotheses' scores into one distribution (one
/// exponential each), then each condition's probability as the sum over the
/// hypotheses it takes part in (its pairs and its presentations).
#[expect(
    clippy::indexing_slicing,
    reason = "condition, evidence, finding and group indices are built by `Model::compile` from one knowledge base, and every table is sized by it"
)]
fn normalise(model: &Model, s: &mut Scores) {
    let top = s.lo.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut z = 0.0;
    for (w, lo) in s.p.iter_mut().zip(&s.lo) {
        *w = (lo - top).exp();
        z += *w;
    }
    for w in &mut s.p {
        *w /= z;
    }
    let nc = model.n_conditions;
    for (k, &(a, b)) in model.pairs.iter().enumerate() {
        let joint = s.p[nc + k];
        s.p[a] += joint;
        s.p[b] += joint;
    }
    for (ci, &(a, b)) in model.presentations.iter().enumerate() {
        if a < b {
            let sum: f64 = s.p[a as usize..b as usize].iter().sum();
            s.p[ci] += sum;
        }
    }
    for c in 0..s.p.len() {
        // A pair's mass counted in both members can push a sum a hair above 1.
        s.p[c] = s.p[c].min(1.0);
        let p = s.p[c].clamp(1e-300, 1.0 - 1e-15);
        s.odds[c] = p / (1.0 - p);
        s.lo[c] = s.odds[c].ln();
        s.entropy[c] = entropy(s.p[c]);
    }
}

/// ln(1 - p), kept finite when p rounds to 1.
pub fn ln_1m(p: f64) -> f64 {
    (1.0 - p).max(1e-12).ln()
}

/// The factor on a condition's odds if finding `e` were answered `yes` (or no),
/// and its natural log. Only an answer that would take over a fired
/// correlation group's lead costs an exponential (the factor exp((w - 1) lead)
/// that demotes the current lead to the residual weight): computed here, for
/// the few entries the ranking scores, instead of for every fired group of
/// every case.
pub fn factor_if(scores: &Scores, e: &Use, yes: bool) -> (f64, f64) {
    let (lr, lr_w, x) = if yes { (e.lr_pos, e.lr_pos_w, e.ln_pos) } else { (e.lr_neg, e.lr_neg_w, e.ln_neg) };
    if e.slot == NO_GROUP {
        return (lr, x);
    }
    let gs = scores.group_at(e.slot);
    if !gs.any {
        (lr, x)
    } else if x.abs() > gs.lead.abs() {
        (lr * ((e.weight - 1.0) * gs.lead).exp(), x + (e.weight - 1.0) * gs.lead)
    } else {
        (lr_w, e.weight * x)
    }
}
