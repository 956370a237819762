//! Validation of the engine on clinical vignettes: how often it ranks the
//! reference diagnosis first or in the top three, whether its triage is safe,
//! how well calibrated its probabilities are, how efficient the adaptive
//! interview is, what a nerve block adds, and how simple baselines compare.
//!
//! Pure: vignettes come in as values (the CLI reads the files), an
//! [`Evaluation`] comes out, and the same inputs always give the same output.

mod render;

use std::collections::BTreeMap;

use cluneal_engine::{Answer, Case, ConditionResult, Engine, Report, Respondent};
use cluneal_kb::{DifferentialModel, KnowledgeBase, Urgency};
use serde::{Deserialize, Serialize};

pub use render::{markdown, text};

/// One clinical vignette: a case plus its reference answer and where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vignette {
    /// One line, in our own words.
    pub summary: String,
    /// The source's diagnosis and urgency.
    pub reference: Reference,
    /// Where the vignette comes from.
    pub source: Source,
    /// `history`, `exam`, `block` or `sparse`.
    pub detail: String,
    /// The case as entered from the published presentation alone (blind mode).
    pub case: Case,
    /// The case entered again with the step that settled the diagnosis
    /// (informed mode). Vignettes entered by the two-step blind protocol
    /// (`vignettes/blind/PROTOCOL.md`) have it; the earlier ones were entered
    /// once, with everything the source reports, so for them `case` is the
    /// informed case and blind mode leaves out the nerve block.
    #[serde(default)]
    pub informed_case: Option<Case>,
    /// `blind_two_step` for vignettes entered by the blind protocol (their
    /// records are `vignettes/blind/<id>.*.json`); absent for the earlier ones.
    #[serde(default)]
    pub protocol: Option<String>,
}

/// Which part of the vignettes a figure is measured on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Split {
    /// Knowledge and model changes are judged here.
    Development,
    /// Locked: never looked at while tuning; the CI gate and the targets apply here.
    Test,
}

impl Split {
    /// The lower-case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Split::Development => "development",
            Split::Test => "test",
        }
    }
}

/// The locked split, a fixed rule on the vignette id (its file name without
/// `.json`): FNV-1a (64-bit) of the id's bytes, and the test split is the
/// third whose hash is divisible by 3. Fixed before any tuning on the new
/// vignettes; never change it.
pub fn split_of(id: &str) -> Split {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    if h.is_multiple_of(3) { Split::Test } else { Split::Development }
}

/// The id of a vignette file: its name without `.json`.
pub fn vignette_id(file: &str) -> &str {
    file.strip_suffix(".json").unwrap_or(file)
}

/// Blind: the published presentation alone; informed: with the settling step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// The published presentation alone.
    Blind,
    /// With the step that settled the diagnosis.
    Informed,
}

impl Mode {
    /// The lower-case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Blind => "blind",
            Mode::Informed => "informed",
        }
    }
}

/// What the source concluded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    /// The source's final diagnosis (a condition id).
    pub condition: String,
    /// The urgency the published presentation warrants.
    pub urgency: Urgency,
}

/// The publication a vignette is written from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// The citation.
    pub citation: String,
    /// Where to read it.
    pub url: String,
    /// The kind of publication (`case_report`, `case_series`, ...).
    pub kind: String,
}

/// A published accuracy figure to compare with (see `vignettes/anchors.toml`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Anchor {
    /// Who was measured (a symptom checker, physicians, ...).
    pub who: String,
    /// The study that measured it.
    pub study: String,
    /// Where to read it.
    pub url: String,
    /// Top-1 accuracy, 0-1.
    #[serde(default)]
    pub top1: Option<f64>,
    /// Top-3 accuracy, 0-1.
    #[serde(default)]
    pub top3: Option<f64>,
    /// Triage accuracy, 0-1.
    #[serde(default)]
    pub triage: Option<f64>,
    /// What the figure means, where that needs saying.
    #[serde(default)]
    pub note: Option<String>,
}

/// The contents of `vignettes/anchors.toml`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Anchors {
    /// The published figures.
    #[serde(default)]
    pub anchor: Vec<Anchor>,
}

/// What is wrong with a vignette, named by file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct VignetteError {
    /// The vignette's file name.
    pub file: String,
    /// What is wrong.
    pub message: String,
}

/// Check every vignette against the knowledge base before evaluating: a
/// reference condition that does not exist, or a case the engine rejects.
pub fn check(engine: &Engine, vignettes: &[(String, Vignette)]) -> Vec<VignetteError> {
    let mut errors = Vec::new();
    for (file, v) in vignettes {
        if engine.kb().condition(&v.reference.condition).is_none() {
            errors.push(VignetteError {
                file: file.clone(),
                message: format!("unknown reference condition `{}`", v.reference.condition),
            });
        }
        if let Err(e) = engine.check(&v.case) {
            errors.push(VignetteError { file: file.clone(), message: e.to_string() });
        }
        if let Some(informed) = &v.informed_case
            && let Err(e) = engine.check(informed)
        {
            errors.push(VignetteError { file: file.clone(), message: format!("informed_case: {e}") });
        }
    }
    errors
}

/// Top-line accuracy on a set of cases.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Accuracy {
    /// Number of cases.
    pub cases: usize,
    /// Share with the reference condition ranked first.
    pub top1: f64,
    /// Share with the reference condition in the first three.
    pub top3: f64,
    /// Mean probability given to the reference condition.
    pub mean_reference_probability: f64,
}

/// Sensitivity and specificity of ranking one condition first.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ConditionMetrics {
    /// Condition id.
    pub condition: String,
    /// Vignettes whose reference is this condition.
    pub cases: usize,
    /// Of those, the share ranked first.
    pub sensitivity: Option<f64>,
    /// Of the other vignettes, the share where this condition was not ranked first.
    pub specificity: Option<f64>,
    /// What the vignettes of this condition were ranked first as, when wrong.
    pub mistaken_for: BTreeMap<String, usize>,
}

/// One band of a calibration table: predictions from `from` to `to`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CalibrationBand {
    /// Lower bound of the band (inclusive).
    pub from: f64,
    /// Upper bound of the band.
    pub to: f64,
    /// (case, condition) pairs whose probability falls in the band.
    pub predictions: usize,
    /// Mean predicted probability in the band.
    pub mean_predicted: f64,
    /// Share of those pairs where the condition is the reference diagnosis.
    pub observed: f64,
}

/// How the simulated adaptive interview did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct InterviewMetrics {
    /// Vignettes interviewed.
    pub cases: usize,
    /// Mean prompts shown (a tick-all group counts once).
    pub mean_prompts: f64,
    /// Mean findings asked.
    pub mean_findings_asked: f64,
    /// Mean number of questions this respondent could be asked at all.
    pub mean_askable: f64,
    /// Top-1 after the simulated interview.
    pub top1: f64,
    /// Top-1 with every answer the vignette gives (asking every question).
    pub top1_all_questions: f64,
    /// Share of simulated interviews whose triage equals the full vignette's.
    pub triage_agreement: f64,
}

/// Accuracy with and without the nerve block, on the vignettes that have one.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BlockComparison {
    /// Vignettes that carry a nerve-block record or block result.
    pub cases: usize,
    /// With the block.
    pub with_block: Accuracy,
    /// With the block left out.
    pub without_block: Accuracy,
}

/// What simpler rules achieve on the same vignettes.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Baselines {
    /// Ranking every case by the priors of its care setting alone.
    pub prior_only: Accuracy,
    /// Ranking every case by the answers alone: each condition's likelihood
    /// ratio, as if every condition had the same prior (in the independent
    /// model this is the ranking equal priors give). What these vignettes'
    /// case mix, about as many of a rare condition as of a common one, would
    /// reward; no mean probability (NaN), since none is implied.
    pub answers_only: Accuracy,
    /// SCNE predicted when both Kuniya screening items are met; versus the engine's top-1.
    pub scne_criteria_rule: RuleMetrics,
    /// The engine's top-1 read as an SCNE / not-SCNE rule.
    pub scne_engine: RuleMetrics,
}

/// Sensitivity and specificity of a yes/no rule for SCNE.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RuleMetrics {
    /// Share of SCNE vignettes the rule calls SCNE.
    pub sensitivity: f64,
    /// Share of other vignettes the rule does not call SCNE.
    pub specificity: f64,
}

/// One vignette's outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseResult {
    /// The vignette's file name.
    pub file: String,
    /// The reference condition.
    pub reference: String,
    /// The reference urgency.
    pub reference_urgency: Urgency,
    /// The engine's leading specific cause.
    pub top1: String,
    /// The reference's rank (1 = first).
    pub rank: usize,
    /// The probability given to the reference.
    pub reference_probability: f64,
    /// The engine's urgency.
    pub urgency: Urgency,
    /// How much the vignette gives (`history`, `exam`, `block`, `sparse`).
    pub detail: String,
    /// Which split it belongs to.
    pub split: Split,
    /// Serious reference listed as must-not-miss or in the top 3 (None: not serious).
    pub must_not_miss: Option<bool>,
    /// Why the reference was not ranked first, from the report's own figures
    /// (absent when it was first, or when the reference is "no specific cause").
    pub miss: Option<Miss>,
    /// When the triage differs from the reference urgency: the red flags that
    /// fired at the level Cluneal gave (empty when none fired at that level).
    pub deciding_flags: Vec<String>,
}

/// The reference against the leading cause, as the report computed them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Miss {
    /// Which explanation applies.
    pub reason: MissReason,
    /// The leading cause.
    pub leader: String,
    /// The leader's probability.
    pub leader_probability: f64,
    /// The reference's prior in the case's care setting.
    pub reference_prior: f64,
    /// The leader's prior in the same setting.
    pub leader_prior: f64,
    /// The factor by which the answers moved the reference: its odds in the
    /// independent model (so prior odds times this factor give its
    /// probability); in the competing model, its likelihood against each
    /// finding's background.
    pub reference_ratio: f64,
    /// The same factor for the leader.
    pub leader_ratio: f64,
    /// The findings that raised the leader most (at most two).
    pub leader_for: Vec<String>,
}

/// Why a reference was ranked below the leading cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MissReason {
    /// Taken together, the answers lower the reference.
    AnswersAgainst,
    /// No finding present beyond the person's age and sex raised it.
    NothingForIt,
    /// Its lower prior in this care setting explains more of the gap to the
    /// leader than the answers do.
    Rarer,
    /// The answers explain more of the gap than the priors do.
    AnswersFavourLeader,
    /// Its probability equals the leader's; the order is the knowledge base's.
    Tied,
}

impl MissReason {
    /// Every reason, in the order reports list them.
    pub const ALL: [Self; 5] =
        [Self::AnswersAgainst, Self::NothingForIt, Self::Rarer, Self::AnswersFavourLeader, Self::Tied];
}

/// ln(p / (1 - p)), finite at the ends.
fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-12, 1.0 - 1e-12);
    (p / (1.0 - p)).ln()
}

/// The reference against the leader, when another cause leads ("no specific
/// cause" is not a cause, so a reference of that kind gets none).
fn miss_of(r: &Report<'_>, reference: &str) -> Option<Miss> {
    let leader = r.differential.first()?;
    let own = r.differential.iter().find(|c| c.condition == reference)?;
    if own.condition == leader.condition {
        return None;
    }
    // How much of the gap in log-odds each part explains.
    let prior_gap = logit(leader.prior) - logit(own.prior);
    let answers_gap = leader.answers_ratio.ln() - own.answers_ratio.ln();
    let reason = if own.probability == leader.probability {
        MissReason::Tied
    } else if own.answers_ratio < 1.0 {
        MissReason::AnswersAgainst
    } else if !own.sign_for_it {
        MissReason::NothingForIt
    } else if prior_gap >= answers_gap {
        MissReason::Rarer
    } else {
        MissReason::AnswersFavourLeader
    };
    Some(Miss {
        reason,
        leader: leader.condition.to_string(),
        leader_probability: leader.probability,
        reference_prior: own.prior,
        leader_prior: leader.prior,
        reference_ratio: own.answers_ratio,
        leader_ratio: leader.answers_ratio,
        leader_for: leader.evidence_for.iter().take(2).map(|e| e.finding.to_string()).collect(),
    })
}

/// Every figure of one evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// The knowledge-base version evaluated.
    pub kb_version: String,
    /// Number of vignettes.
    pub cases: usize,
    /// Share with the reference ranked first.
    pub top1: f64,
    /// Share with the reference in the first three.
    pub top3: f64,
    /// Share whose urgency equals the reference urgency.
    pub triage_exact: f64,
    /// Share given a higher urgency than the reference.
    pub over_triage: f64,
    /// Share given a lower urgency than the reference.
    pub under_triage: f64,
    /// Emergency-reference vignettes given a lower urgency.
    pub emergency_under_triage: usize,
    /// Vignettes with a serious reference diagnosis.
    pub serious_cases: usize,
    /// Of those, the share with the reference in the must-not-miss list or the top 3.
    pub must_not_miss_recall: f64,
    /// Mean -ln p(reference), with p floored at 1e-4 (a miss costs at most 9.2).
    /// Not a proper score when the probabilities shown do not sum to one (the
    /// independent model's never do; the competing model's do not when a
    /// coexisting pair counts for both its causes): raising every condition
    /// lowers it. The
    /// models are compared on `log_loss_one_cause` and `log_loss_each_condition`.
    pub log_loss: f64,
    /// Mean -ln of the reference's share of the probabilities shown (every
    /// cause and "no specific cause", normalised to sum to one), floored at
    /// 1e-4: the log loss of the question a vignette asks, which one cause,
    /// scored the same way for both models.
    pub log_loss_one_cause: f64,
    /// Mean over vignettes of the binary log loss of every probability shown
    /// (every cause and "no specific cause") against whether it is the
    /// reference (1 for the reference, 0 for the rest), averaged over them, each
    /// probability held within [1e-4, 1 - 1e-4]: a proper score for
    /// probabilities that need not sum to one, the log-loss twin of
    /// `brier_all_conditions` (over the same conditions).
    pub log_loss_each_condition: f64,
    /// Mean Brier score of the reference condition's probability: (1 - p)^2.
    pub brier: f64,
    /// Mean multi-condition Brier score: sum over the conditions shown (every
    /// cause and "no specific cause") of (p - y)^2, divided by their number.
    pub brier_all_conditions: f64,
    /// Mean probability given to the reference condition.
    pub mean_reference_probability: f64,
    /// Accuracy by how much the vignette gives.
    pub by_detail: BTreeMap<String, Accuracy>,
    /// Per-condition sensitivity and specificity, by condition id.
    pub per_condition: Vec<ConditionMetrics>,
    /// Calibration in ten bands of predicted probability.
    pub calibration: Vec<CalibrationBand>,
    /// The simulated adaptive interview.
    pub interview: InterviewMetrics,
    /// What the nerve block adds.
    pub nerve_block: BlockComparison,
    /// Simpler rules on the same vignettes.
    pub baselines: Baselines,
    /// Each vignette's outcome, in file order.
    pub results: Vec<CaseResult>,
}

/// The reference's rank among the specific causes; "no specific cause" (shown
/// apart) ranks by its probability among them.
fn rank_of(r: &Report<'_>, condition: &str) -> usize {
    if let Some(n) = r.no_specific_cause.as_ref().filter(|n| n.condition == condition) {
        return 1 + r.differential.iter().filter(|c| c.probability > n.probability).count();
    }
    r.differential.iter().position(|c| c.condition == condition).map_or(usize::MAX, |p| p + 1)
}

/// The rank of `condition` among the ranked causes ordered by `key`, largest
/// first (ties by id), and its key; `usize::MAX` and 0 when it is not among them.
fn rank_by(r: &Report<'_>, condition: &str, key: impl Fn(&ConditionResult<'_>) -> f64) -> (usize, f64) {
    let mut by_key: Vec<(&str, f64)> = r.differential.iter().map(|c| (c.condition, key(c))).collect();
    by_key.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    by_key.iter().position(|(c, _)| *c == condition).map_or((usize::MAX, 0.0), |k| (k + 1, by_key[k].1))
}

fn probability_of(r: &Report<'_>, condition: &str) -> f64 {
    r.differential
        .iter()
        .chain(r.no_specific_cause.as_ref())
        .find(|c| c.condition == condition)
        .map_or(0.0, |c| c.probability)
}

/// The case a mode assesses.
pub fn case_for(engine: &Engine, v: &Vignette, mode: Mode) -> Case {
    match (mode, &v.informed_case) {
        (Mode::Informed, Some(c)) => c.clone(),
        (Mode::Informed, None) | (Mode::Blind, Some(_)) => v.case.clone(),
        (Mode::Blind, None) => without_block(engine, &v.case),
    }
}

fn share(n: usize, d: usize) -> f64 {
    if d == 0 { 0.0 } else { n as f64 / d as f64 }
}

fn accuracy(ranks: &[(usize, f64)]) -> Accuracy {
    let n = ranks.len();
    Accuracy {
        cases: n,
        top1: share(ranks.iter().filter(|(r, _)| *r == 1).count(), n),
        top3: share(ranks.iter().filter(|(r, _)| *r <= 3).count(), n),
        mean_reference_probability: if n == 0 {
            0.0
        } else {
            ranks.iter().map(|(_, p)| p).sum::<f64>() / n as f64
        },
    }
}

/// The case without any nerve-block information: records and block results.
fn without_block(engine: &Engine, case: &Case) -> Case {
    let mut c = case.clone();
    c.block = None;
    c.blocks.clear();
    for b in engine.kb().blocks() {
        c.answers.remove(&b.result_finding);
    }
    c
}

fn has_block(engine: &Engine, case: &Case) -> bool {
    case.all_blocks().next().is_some()
        || engine
            .kb()
            .blocks()
            .iter()
            .any(|b| case.answers.get(&b.result_finding).is_some_and(|a| *a != Answer::Unknown))
}

/// Evaluate every vignette. `progress` is called after each one (for a progress bar).
/// Vignettes must have passed [`check`]; one that fails anyway is skipped.
pub fn evaluate(
    engine: &Engine,
    vignettes: &[(String, Vignette)],
    mode: Mode,
    mut progress: impl FnMut(usize),
) -> Evaluation {
    let kb = engine.kb();
    let conditions: Vec<&str> = kb.conditions().iter().map(|c| c.id.as_str()).collect();
    let mut results = Vec::new();
    let mut ranks = Vec::new();
    let mut by_detail: BTreeMap<String, Vec<(usize, f64)>> = BTreeMap::new();
    let mut brier = 0.0;
    let mut brier_all = 0.0;
    let mut bands = vec![(0usize, 0.0f64, 0usize); 10];
    let mut interview = InterviewMetrics::default();
    let (mut prompts, mut asked, mut askable, mut i_top1, mut i_full, mut i_triage) = (0, 0, 0, 0, 0, 0);
    let mut block_with = Vec::new();
    let mut block_without = Vec::new();
    let mut prior_ranks = Vec::new();
    let mut answers_ranks = Vec::new();
    let (mut rule_tp, mut rule_fp, mut rule_tn, mut rule_fn) = (0, 0, 0, 0);
    let (mut eng_tp, mut eng_fp, mut eng_tn, mut eng_fn) = (0, 0, 0, 0);

    let mut log_loss = 0.0;
    let mut log_loss_one = 0.0;
    let mut log_loss_each = 0.0;
    for (k, (file, v)) in vignettes.iter().enumerate() {
        let case = case_for(engine, v, mode);
        let Ok(report) = engine.assess(&case) else {
            progress(k + 1);
            continue;
        };
        let reference = v.reference.condition.as_str();
        let rank = rank_of(&report, reference);
        let p_ref = probability_of(&report, reference);
        log_loss -= p_ref.max(1e-4).ln();
        let shown: Vec<(&str, f64)> = report
            .differential
            .iter()
            .chain(report.no_specific_cause.as_ref())
            .map(|c| (c.condition, c.probability))
            .collect();
        let scores = shared_scores(&shown, reference);
        log_loss_one += scores.log_loss_one_cause;
        log_loss_each += scores.log_loss_each_condition;
        brier_all += scores.brier_each_condition;
        let serious = kb.condition(reference).is_some_and(|c| c.serious);
        let must_not_miss =
            serious.then(|| rank <= 3 || report.must_not_miss.iter().any(|m| m.condition == reference));
        ranks.push((rank, p_ref));
        by_detail.entry(v.detail.clone()).or_default().push((rank, p_ref));
        brier += (1.0 - p_ref).powi(2);
        for c in &report.differential {
            let band = ((c.probability * 10.0).floor() as usize).min(9);
            bands[band].0 += 1;
            bands[band].1 += c.probability;
            bands[band].2 += usize::from(c.condition == reference);
        }
        let top1 = report.differential.first().map_or("", |c| c.condition).to_string();

        // Baselines: the setting's priors alone, and the Kuniya screening rule for SCNE.
        prior_ranks.push(rank_by(&report, reference, |c| c.prior));
        answers_ranks.push((rank_by(&report, reference, |c| c.answers_ratio).0, f64::NAN));
        let kuniya = report.criteria.iter().find(|c| c.id == "kuniya_scne_criteria");
        let rule = kuniya.is_some_and(|c| {
            c.items
                .iter()
                .filter(|it| !it.findings.iter().any(|f| kb.blocks().iter().any(|b| b.result_finding == *f)))
                .all(|it| it.status == cluneal_engine::CriterionStatus::Met)
        });
        let is_scne = reference == "scne";
        match (rule, is_scne) {
            (true, true) => rule_tp += 1,
            (true, false) => rule_fp += 1,
            (false, false) => rule_tn += 1,
            (false, true) => rule_fn += 1,
        }
        match (top1 == "scne", is_scne) {
            (true, true) => eng_tp += 1,
            (true, false) => eng_fp += 1,
            (false, false) => eng_tn += 1,
            (false, true) => eng_fn += 1,
        }

        // The adaptive interview, answered from the vignette.
        if let Ok(t) = engine.simulate(&case, case.respondent)
            && let Ok(after) = engine.assess(&t.case)
        {
            interview.cases += 1;
            prompts += t.prompts;
            asked += t.asked.len();
            askable += kb
                .findings()
                .iter()
                .filter(|f| {
                    f.derived.is_none()
                        && (case.respondent == Respondent::Clinician
                            || f.asked_by == cluneal_kb::AskedBy::Patient)
                })
                .count();
            i_top1 += usize::from(rank_of(&after, reference) == 1);
            i_full += usize::from(rank == 1);
            i_triage += usize::from(after.triage.level == report.triage.level);
        }

        // What the block adds.
        if has_block(engine, &case)
            && let Ok(without) = engine.assess(&without_block(engine, &case))
        {
            block_with.push((rank, p_ref));
            block_without.push((rank_of(&without, reference), probability_of(&without, reference)));
        }

        results.push(CaseResult {
            file: file.clone(),
            reference: reference.to_string(),
            reference_urgency: v.reference.urgency,
            top1,
            rank,
            reference_probability: p_ref,
            urgency: report.triage.level,
            detail: v.detail.clone(),
            split: split_of(vignette_id(file)),
            must_not_miss,
            miss: if rank == 1 { None } else { miss_of(&report, reference) },
            deciding_flags: if report.triage.level == v.reference.urgency {
                Vec::new()
            } else {
                report
                    .triage
                    .red_flags
                    .iter()
                    .filter(|f| f.urgency == report.triage.level)
                    .map(|f| f.id.to_string())
                    .collect()
            },
        });
        progress(k + 1);
    }

    let n = results.len();
    let exact = results.iter().filter(|r| r.urgency == r.reference_urgency).count();
    let over = results.iter().filter(|r| r.urgency > r.reference_urgency).count();
    let under = results.iter().filter(|r| r.urgency < r.reference_urgency).count();
    let emergency_under = results
        .iter()
        .filter(|r| r.reference_urgency == Urgency::Emergency && r.urgency < Urgency::Emergency)
        .count();

    let per_condition = conditions
        .iter()
        .map(|&c| {
            let own: Vec<&CaseResult> = results.iter().filter(|r| r.reference == c).collect();
            let others: Vec<&CaseResult> = results.iter().filter(|r| r.reference != c).collect();
            let mut mistaken_for = BTreeMap::new();
            for r in own.iter().filter(|r| r.top1 != c) {
                *mistaken_for.entry(r.top1.clone()).or_insert(0) += 1;
            }
            ConditionMetrics {
                condition: c.to_string(),
                cases: own.len(),
                sensitivity: (!own.is_empty())
                    .then(|| share(own.iter().filter(|r| r.top1 == c).count(), own.len())),
                specificity: (!others.is_empty())
                    .then(|| share(others.iter().filter(|r| r.top1 != c).count(), others.len())),
                mistaken_for,
            }
        })
        .collect();

    let calibration = bands
        .iter()
        .enumerate()
        .map(|(k, &(count, sum_p, hits))| CalibrationBand {
            from: k as f64 / 10.0,
            to: (k + 1) as f64 / 10.0,
            predictions: count,
            mean_predicted: if count == 0 { 0.0 } else { sum_p / count as f64 },
            observed: share(hits, count),
        })
        .collect();

    let m = interview.cases.max(1) as f64;
    interview.mean_prompts = prompts as f64 / m;
    interview.mean_findings_asked = asked as f64 / m;
    interview.mean_askable = askable as f64 / m;
    interview.top1 = share(i_top1, interview.cases);
    interview.top1_all_questions = share(i_full, interview.cases);
    interview.triage_agreement = share(i_triage, interview.cases);

    let overall = accuracy(&ranks);
    let serious: Vec<bool> = results.iter().filter_map(|r| r.must_not_miss).collect();
    Evaluation {
        kb_version: kb.meta().version.clone(),
        cases: n,
        top1: overall.top1,
        top3: overall.top3,
        triage_exact: share(exact, n),
        over_triage: share(over, n),
        under_triage: share(under, n),
        emergency_under_triage: emergency_under,
        serious_cases: serious.len(),
        must_not_miss_recall: share(serious.iter().filter(|x| **x).count(), serious.len()),
        log_loss: if n == 0 { 0.0 } else { log_loss / n as f64 },
        log_loss_one_cause: if n == 0 { 0.0 } else { log_loss_one / n as f64 },
        log_loss_each_condition: if n == 0 { 0.0 } else { log_loss_each / n as f64 },
        brier: if n == 0 { 0.0 } else { brier / n as f64 },
        brier_all_conditions: if n == 0 { 0.0 } else { brier_all / n as f64 },
        mean_reference_probability: overall.mean_reference_probability,
        by_detail: by_detail.iter().map(|(k, v)| (k.clone(), accuracy(v))).collect(),
        per_condition,
        calibration,
        interview,
        nerve_block: BlockComparison {
            cases: block_with.len(),
            with_block: accuracy(&block_with),
            without_block: accuracy(&block_without),
        },
        baselines: Baselines {
            prior_only: accuracy(&prior_ranks),
            answers_only: accuracy(&answers_ranks),
            scne_criteria_rule: RuleMetrics {
                sensitivity: share(rule_tp, rule_tp + rule_fn),
                specificity: share(rule_tn, rule_tn + rule_fp),
            },
            scne_engine: RuleMetrics {
                sensitivity: share(eng_tp, eng_tp + eng_fn),
                specificity: share(eng_tn, eng_tn + eng_fp),
            },
        },
        results,
    }
}

/// One evaluation: a model, a split and a mode.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Run {
    /// The differential model (`competing` or `independent`).
    pub model: &'static str,
    /// The split evaluated.
    pub split: Split,
    /// The mode evaluated.
    pub mode: Mode,
    /// The figures.
    pub evaluation: Evaluation,
}

/// Every run: both differential models, both splits, both modes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Validation {
    /// The knowledge-base version evaluated.
    pub kb_version: String,
    /// The model the knowledge base uses (`engine.differential_model`).
    pub default_model: &'static str,
    /// Why it is the default, from `engine.differential_model_note`.
    pub default_model_note: Option<String>,
    /// The model the differential issue's rule picks: on the locked test split,
    /// in both modes, the higher top-3 and the lower one-cause log loss; none
    /// when neither model wins on both.
    pub rule_picks: Option<&'static str>,
    /// How vignettes are split (`SPLIT_RULE`).
    pub split_rule: &'static str,
    /// Number of vignettes.
    pub cases: usize,
    /// Vignettes in the development split.
    pub development_cases: usize,
    /// Vignettes in the test split.
    pub test_cases: usize,
    /// Every run.
    pub runs: Vec<Run>,
}

impl Validation {
    /// The run of this model, split and mode.
    pub fn run(&self, model: &str, split: Split, mode: Mode) -> Option<&Run> {
        self.runs.iter().find(|r| r.model == model && r.split == split && r.mode == mode)
    }
}

/// One vignette's scores that both models can be held to, from the
/// probabilities a report shows (`(condition, probability)`, "no specific
/// cause" included).
struct SharedScores {
    /// -ln of the reference's share of their sum, floored at 1e-4.
    log_loss_one_cause: f64,
    /// The mean over them of each one's binary log loss against whether it is
    /// the reference, each probability held within [1e-4, 1 - 1e-4].
    log_loss_each_condition: f64,
    /// The mean over them of (p - y)^2, y = 1 for the reference, else 0.
    brier_each_condition: f64,
}

fn shared_scores(shown: &[(&str, f64)], reference: &str) -> SharedScores {
    let total: f64 = shown.iter().map(|(_, p)| p).sum();
    let p_ref = shown.iter().find(|(c, _)| *c == reference).map_or(0.0, |(_, p)| *p);
    let n = shown.len().max(1) as f64;
    let (mut log_loss, mut brier) = (0.0, 0.0);
    for &(c, p) in shown {
        let held = p.clamp(1e-4, 1.0 - 1e-4);
        let (y, likelihood) = if c == reference { (1.0, held) } else { (0.0, 1.0 - held) };
        log_loss -= likelihood.ln();
        brier += (p - y).powi(2);
    }
    SharedScores {
        log_loss_one_cause: -(if total > 0.0 { p_ref / total } else { 0.0 }).max(1e-4).ln(),
        log_loss_each_condition: log_loss / n,
        brier_each_condition: brier / n,
    }
}

/// The differential issue's rule for which model to keep: the one that wins on
/// the locked test split by log loss and top-3. Log loss is the one-cause score
/// (`Evaluation::log_loss_one_cause`), the one both models can be held to; a
/// model wins when, in both modes, its top-3 is higher and its log loss lower.
fn rule_picks(runs: &[Run]) -> Option<&'static str> {
    let test = |model: &str, mode: Mode| {
        runs.iter()
            .find(|r| r.model == model && r.split == Split::Test && r.mode == mode)
            .map(|r| &r.evaluation)
    };
    let names = [DifferentialModel::Competing.as_str(), DifferentialModel::Independent.as_str()];
    names.into_iter().find(|&m| {
        let other = names.into_iter().find(|&o| o != m).unwrap_or(m);
        [Mode::Blind, Mode::Informed].into_iter().all(|mode| match (test(m, mode), test(other, mode)) {
            (Some(a), Some(b)) => a.top3 > b.top3 && a.log_loss_one_cause < b.log_loss_one_cause,
            _ => false,
        })
    })
}

/// The split rule in words (see `split_of`).
pub const SPLIT_RULE: &str =
    "FNV-1a 64-bit hash of the vignette id (file name without .json); hash divisible by 3 = test split";

/// Evaluate both models on both splits in both modes. `progress` gets the
/// number of vignette assessments done and the total.
pub fn validate(
    kb: &KnowledgeBase,
    vignettes: &[(String, Vignette)],
    mut progress: impl FnMut(usize, usize),
) -> Validation {
    let default_model = kb.meta().engine.differential_model;
    let models = DifferentialModel::ALL;
    let (dev, test): (Vec<_>, Vec<_>) =
        vignettes.iter().cloned().partition(|(f, _)| split_of(vignette_id(f)) == Split::Development);
    let total = vignettes.len() * models.len() * 2;
    let mut done = 0;
    let mut runs = Vec::new();
    for model in models {
        let engine = Engine::with_model(kb.clone(), model);
        for (split, set) in [(Split::Development, &dev), (Split::Test, &test)] {
            for mode in [Mode::Blind, Mode::Informed] {
                let base = done;
                let evaluation = evaluate(&engine, set, mode, |k| progress(base + k, total));
                done += set.len();
                runs.push(Run { model: model.as_str(), split, mode, evaluation });
            }
        }
    }
    let rule_picks = rule_picks(&runs);
    Validation {
        kb_version: kb.meta().version.clone(),
        default_model: default_model.as_str(),
        default_model_note: kb.meta().engine.differential_model_note.clone(),
        rule_picks,
        split_rule: SPLIT_RULE,
        cases: vignettes.len(),
        development_cases: dev.len(),
        test_cases: test.len(),
        runs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_one_cause_log_loss_does_not_reward_raising_every_probability() {
        let shown = [("scne", 0.4), ("facet_joint_pain", 0.2), ("nonspecific_low_back_pain", 0.2)];
        let raised: Vec<(&str, f64)> = shown.iter().map(|&(c, p)| (c, p * 2.0)).collect();
        let one = shared_scores(&shown, "scne").log_loss_one_cause;
        let one_raised = shared_scores(&raised, "scne").log_loss_one_cause;
        assert!((one - 0.5f64.ln().abs()).abs() < 1e-12, "{one}");
        assert!((one - one_raised).abs() < 1e-12, "{one} against {one_raised}");
        // The reference's probability as shown would have fallen from -ln 0.4 to -ln 0.8.
        // Raising only the wrong causes costs in both scores.
        let wrong = [("scne", 0.4), ("facet_joint_pain", 0.4), ("nonspecific_low_back_pain", 0.4)];
        let SharedScores { log_loss_one_cause: one_wrong, log_loss_each_condition: each_wrong, .. } =
            shared_scores(&wrong, "scne");
        let each = shared_scores(&shown, "scne").log_loss_each_condition;
        assert!(one_wrong > one && each_wrong > each, "{one} {each} -> {one_wrong} {each_wrong}");
    }

    #[test]
    fn a_certain_right_answer_costs_almost_nothing_and_a_certain_wrong_one_the_floor() {
        let right = shared_scores(&[("scne", 1.0), ("mcne", 0.0)], "scne");
        let (one, each) = (right.log_loss_one_cause, right.log_loss_each_condition);
        assert!(one < 1e-12 && each < 1e-3, "{one} {each}");
        assert!(right.brier_each_condition < 1e-12);
        let wrong = shared_scores(&[("scne", 0.0), ("mcne", 1.0)], "scne");
        let (one, each) = (wrong.log_loss_one_cause, wrong.log_loss_each_condition);
        assert!((one - 1e-4f64.ln().abs()).abs() < 1e-9, "{one}");
        assert!((each - 1e-4f64.ln().abs()).abs() < 1e-9, "{each}");
        assert!((wrong.brier_each_condition - 1.0).abs() < 1e-12);
    }

    fn run(model: &'static str, mode: Mode, top3: f64, log_loss_one_cause: f64) -> Run {
        let evaluation = Evaluation {
            kb_version: String::new(),
            cases: 0,
            top1: 0.0,
            top3,
            triage_exact: 0.0,
            over_triage: 0.0,
            under_triage: 0.0,
            emergency_under_triage: 0,
            serious_cases: 0,
            must_not_miss_recall: 0.0,
            log_loss: 0.0,
            log_loss_one_cause,
            log_loss_each_condition: 0.0,
            brier: 0.0,
            brier_all_conditions: 0.0,
            mean_reference_probability: 0.0,
            by_detail: BTreeMap::new(),
            per_condition: Vec::new(),
            calibration: Vec::new(),
            interview: InterviewMetrics::default(),
            nerve_block: BlockComparison::default(),
            baselines: Baselines::default(),
            results: Vec::new(),
        };
        Run { model, split: Split::Test, mode, evaluation }
    }

    #[test]
    fn the_rule_keeps_a_model_only_when_it_wins_on_both_scores_in_both_modes() {
        let both = |c: [(f64, f64); 2], i: [(f64, f64); 2]| {
            vec![
                run("competing", Mode::Blind, c[0].0, c[0].1),
                run("competing", Mode::Informed, c[1].0, c[1].1),
                run("independent", Mode::Blind, i[0].0, i[0].1),
                run("independent", Mode::Informed, i[1].0, i[1].1),
            ]
        };
        assert_eq!(rule_picks(&both([(0.7, 2.0), (0.9, 1.0)], [(0.6, 2.5), (0.8, 1.5)])), Some("competing"));
        assert_eq!(
            rule_picks(&both([(0.6, 2.5), (0.8, 1.5)], [(0.7, 2.0), (0.9, 1.0)])),
            Some("independent")
        );
        // Better top-3 but worse log loss in one mode: no winner.
        assert_eq!(rule_picks(&both([(0.7, 2.0), (0.9, 1.6)], [(0.6, 2.5), (0.8, 1.5)])), None);
        // A tie on top-3 is not a win.
        assert_eq!(rule_picks(&both([(0.7, 2.0), (0.8, 1.0)], [(0.6, 2.5), (0.8, 1.5)])), None);
    }
}
