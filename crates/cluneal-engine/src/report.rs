//! The report: everything the engine concludes about one case, each conclusion
//! with the findings for and against it and their sources.

use std::borrow::Cow;

use cluneal_kb::{AnswerType, ConditionModel, Grade, Urgency};

use crate::case::Response;
use serde::Serialize;

/// Everything the engine concludes about one case (JSON Schema: `schemas/report.schema.json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Report<'k> {
    /// Version of the knowledge base the case was assessed with.
    pub kb_version: &'k str,
    /// Content hash of the exact knowledge files (SHA-256, hex; see the
    /// knowledge base's `content_hash`), so a saved report can be traced to them.
    pub kb_hash: &'k str,
    /// The care setting whose priors were used.
    pub setting: &'k str,
    /// Who answered: the wording of questions and messages follows it.
    pub respondent: crate::Respondent,
    /// The differential model that scored the case (`kb.toml`): how its
    /// probabilities and ratios read (one shared distribution in the
    /// competing-causes model; each condition alone in the independent one).
    pub differential_model: cluneal_kb::DifferentialModel,
    /// Cluneal supports clinical judgement; it does not diagnose.
    pub disclaimer: &'k str,
    /// The urgency, set by the red flags alone.
    pub triage: Triage<'k>,
    /// Serious conditions that some finding supports or a fired red flag names,
    /// whatever their rank: listed above the ranked causes.
    pub must_not_miss: Vec<MustNotMiss<'k>>,
    /// Conditions to ask a clinician about because a telltale finding is
    /// present (`raise_when_any` in the knowledge base), whatever their rank.
    pub ask_about: Vec<AskAbout<'k>>,
    /// Whether the picture is still open (no specific cause stands out yet).
    pub picture: Picture<'k>,
    /// Every specific condition, ranked by descending probability (ties by id).
    /// Conditions can coexist, so the probabilities need not sum to 1.
    pub differential: Vec<ConditionResult<'k>>,
    /// "No specific cause found": a conclusion with its own probability, shown
    /// apart from the ranked causes and never as one of them.
    pub no_specific_cause: Option<ConditionResult<'k>>,
    /// Published diagnostic criteria as checklists.
    pub criteria: Vec<CriteriaResult<'k>>,
    /// The unanswered questions that would most change the picture, red flags first.
    pub next_questions: Vec<NextQuestion<'k>>,
    /// Whether the adaptive interview would stop here, and why.
    pub interview: InterviewStatus,
    /// The next examinations or tests, in work-up order.
    pub workup: Vec<WorkupStep<'k>>,
    /// Interpretation of each recorded nerve block.
    pub blocks: Vec<BlockResult<'k>>,
    /// The stepped plan for the leading condition, with exercises and self-care.
    pub plan: Plan<'k>,
    /// Things in the case the engine noticed and worked around.
    pub notes: Vec<String>,
    /// Every reference cited anywhere in this report.
    pub references: Vec<ReferenceEntry<'k>>,
}

/// The urgency and the red flags behind it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Triage<'k> {
    /// The highest urgency among the red flags that fired; `routine` when none fired.
    pub level: Urgency,
    /// Plain-language summary of what to do.
    pub message: &'k str,
    /// The red flags that fired, most urgent first.
    pub red_flags: Vec<FiredRedFlag<'k>>,
    /// False while any red-flag question is unanswered or answered "unknown".
    pub screen_complete: bool,
    /// Red-flag questions not yet answered yes or no (unanswered, or "unknown"):
    /// finding ids, or the case field (e.g. `age`) a derived red-flag finding needs.
    pub unanswered: Vec<&'k str>,
}

/// A serious condition that must not be missed, with what put it on the list.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MustNotMiss<'k> {
    /// Condition id.
    pub condition: &'k str,
    /// Display name.
    pub name: &'k str,
    /// Posterior probability, 0-1.
    pub probability: f64,
    /// Its position in `differential` (1 = first).
    pub rank: usize,
    /// Findings present that support it, strongest first.
    pub findings: Vec<&'k str>,
    /// Fired red flags that name it.
    pub red_flags: Vec<&'k str>,
}

/// A condition the knowledge base says to raise with a clinician whenever one
/// of its telltale findings is present, whatever its rank.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AskAbout<'k> {
    /// Condition id.
    pub condition: &'k str,
    /// Display name.
    pub name: &'k str,
    /// Posterior probability, 0-1.
    pub probability: f64,
    /// Its position in `differential` (1 = first).
    pub rank: usize,
    /// The telltale findings answered yes, in the knowledge base's order.
    pub findings: Vec<&'k str>,
}

/// How settled the differential is.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Picture<'k> {
    /// True while no specific cause has reached the knowledge base's
    /// `open_picture_probability`: the next questions matter more than the ranking.
    pub open: bool,
    /// What the picture means for this case, in words.
    pub message: &'k str,
}

/// A red flag that fired.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FiredRedFlag<'k> {
    /// Red-flag id.
    pub id: &'k str,
    /// Display name.
    pub name: &'k str,
    /// The urgency it sets.
    pub urgency: Urgency,
    /// The findings that made it fire.
    pub because: Vec<&'k str>,
    /// The conditions it warns of.
    pub conditions: &'k [String],
    /// What the patient should do.
    pub patient_action: &'k str,
    /// What the clinician should do.
    pub clinician_action: &'k str,
    /// Reference id of its guideline.
    pub source: &'k str,
    /// How strong the evidence behind it is.
    pub grade: Grade,
}

/// One condition of the differential with the evidence that moved it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConditionResult<'k> {
    /// Condition id.
    pub condition: &'k str,
    /// Display name.
    pub name: &'k str,
    /// Posterior probability, 0-1.
    pub probability: f64,
    /// For a condition with variants, when the answers fit one of them best:
    /// the variant's id (its evidence is what `evidence_for` and
    /// `evidence_against` show). Absent when the main presentation fits best.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub presentation: Option<&'k str>,
    /// The variant's name: in the Rust API, not in the JSON (served by `/api/v1/kb/*`).
    #[serde(skip)]
    pub presentation_name: Option<&'k str>,
    /// Prior probability in this setting, 0-1.
    pub prior: f64,
    /// Reference id of the prior.
    pub prior_source: &'k str,
    /// Serious: a must-not-miss candidate.
    pub serious: bool,
    /// How the probability was computed.
    pub model: ConditionModel,
    /// The probability in words, by the knowledge base's bands.
    pub band: Band,
    /// Findings that raised it, largest effect first.
    pub evidence_for: Vec<EvidenceItem<'k>>,
    /// Findings that lowered it, largest effect first.
    pub evidence_against: Vec<EvidenceItem<'k>>,
    /// The factor by which the answers moved it (its odds in the independent
    /// model, its score in the competing one): the product of the ratios
    /// applied to it, for and against (reduced for correlated
    /// findings); for a condition with variants, the share-weighted mean of
    /// its presentations' products. What the must-not-miss rule reads; in the
    /// Rust API only.
    #[serde(skip)]
    pub answers_ratio: f64,
    /// Whether a finding answered yes beyond the person's age and sex is for
    /// it (what lets the must-not-miss odds rule list it); in the Rust API only.
    #[serde(skip)]
    pub sign_for_it: bool,
}

/// One finding's effect on one condition.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EvidenceItem<'k> {
    /// Finding id (for `exclusion` conditions: the condition whose likelihood moved it).
    pub finding: &'k str,
    /// Knowledge-base text: in the Rust API, not in the JSON (served by `/api/v1/kb/*`).
    #[serde(skip)]
    pub label: &'k str,
    /// The finding's answer (for `exclusion` conditions: whether the other
    /// condition became more or less likely than its prior).
    pub answer: EvidenceAnswer,
    /// The ratio this answer applies: in the competing-causes model the
    /// condition's frequency of the answer over the finding's background
    /// frequency (for "no", one minus each); in the independent model the
    /// likelihood ratio as published or estimated.
    pub likelihood_ratio: f64,
    /// Present only when the finding is correlated with a stronger one and so
    /// counts at a reduced weight (absent: weight 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
    /// The factor actually applied (likelihood_ratio ^ weight);
    /// present only with `weight` (absent: the likelihood ratio itself).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_ratio: Option<f64>,
    /// Where the finding's answer came from (left out of the JSON when it was
    /// answered).
    #[serde(skip_serializing_if = "EvidenceOrigin::is_answer")]
    pub origin: EvidenceOrigin<'k>,
    /// Reference id of the evidence.
    pub source: &'k str,
    /// How strong the evidence is.
    pub grade: Grade,
}

/// A published criteria set as a checklist for this case.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CriteriaResult<'k> {
    /// Criteria-set id.
    pub id: &'k str,
    /// Display name.
    pub name: &'k str,
    /// The condition it diagnoses.
    pub condition: &'k str,
    /// Items met.
    pub met: usize,
    /// Items not met.
    pub unmet: usize,
    /// Items not yet answered.
    pub unknown: usize,
    /// Each item with its status.
    pub items: Vec<CriterionResult<'k>>,
    /// Reference id of the criteria.
    pub source: &'k str,
    /// How strong the evidence behind them is.
    pub grade: Grade,
}

/// A probability in words, by the knowledge base's bands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Band {
    /// At or above the knowledge base's "fits well" probability.
    FitsWell,
    /// At or above its "relevant" probability.
    Possible,
    /// Below it.
    LessLikely,
}

impl Band {
    /// The name used in the JSON report.
    pub fn as_str(self) -> &'static str {
        match self {
            Band::FitsWell => "fits_well",
            Band::Possible => "possible",
            Band::LessLikely => "less_likely",
        }
    }
}

/// The answer an evidence item stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum EvidenceAnswer {
    /// The finding is present.
    #[serde(rename = "yes")]
    Yes,
    /// The finding is absent.
    #[serde(rename = "no")]
    No,
    /// (`exclusion` conditions) the other condition became more likely than its prior.
    #[serde(rename = "more likely")]
    MoreLikely,
    /// (`exclusion` conditions) the other condition became less likely than its prior.
    #[serde(rename = "less likely")]
    LessLikely,
}

impl EvidenceAnswer {
    /// The name used in the JSON report.
    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceAnswer::Yes => "yes",
            EvidenceAnswer::No => "no",
            EvidenceAnswer::MoreLikely => "more likely",
            EvidenceAnswer::LessLikely => "less likely",
        }
    }
}

impl std::fmt::Display for EvidenceAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an evidence item's answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvidenceOrigin<'k> {
    /// Answered in the case (left out of the JSON).
    Answer,
    /// Derived from other answers (a finding that implies it, a computed rule).
    Derived,
    /// (`exclusion` conditions) another condition's likelihood moved it.
    Exclusion,
    /// Read from a nerve block of this protocol id.
    Block(&'k str),
}

impl<'k> EvidenceOrigin<'k> {
    /// The name used in the JSON report: `answer`, `derived`, `exclusion` or
    /// the block protocol id.
    pub fn as_str(&self) -> &'k str {
        match self {
            EvidenceOrigin::Answer => "answer",
            EvidenceOrigin::Derived => "derived",
            EvidenceOrigin::Exclusion => "exclusion",
            EvidenceOrigin::Block(id) => id,
        }
    }

    /// Left out of the JSON: most evidence is an answered finding.
    pub fn is_answer(&self) -> bool {
        matches!(self, EvidenceOrigin::Answer)
    }
}

impl Serialize for EvidenceOrigin<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for EvidenceOrigin<'_> {
    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed("EvidenceOrigin")
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "Where the answer came from: `derived` (from other answers), `exclusion` (another condition moved it) or the id of the block protocol that read it.",
            "anyOf": [
                { "enum": ["derived", "exclusion"] },
                { "type": "string", "pattern": "^[a-z][a-z0-9_]*$", "description": "a block protocol id" }
            ]
        })
    }
}

/// What a diagnostic nerve block shows, read against its protocol's thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum BlockOutcome {
    /// Relief reached the positive threshold within the reading window.
    Positive,
    /// Relief stayed below the inconclusive threshold.
    Negative,
    /// In between, or not read within the window.
    Inconclusive,
}

impl BlockOutcome {
    /// The name used in the JSON report.
    pub fn as_str(self) -> &'static str {
        match self {
            BlockOutcome::Positive => "positive",
            BlockOutcome::Negative => "negative",
            BlockOutcome::Inconclusive => "inconclusive",
        }
    }
}

/// Whether a case meets one item of a set of criteria.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum CriterionStatus {
    /// A finding that meets it is present (or the block record meets it).
    Met,
    /// Every finding that could meet it is absent (or the block record falls short).
    Unmet,
    /// Not known yet.
    Unknown,
}

impl CriterionStatus {
    /// The name used in the JSON report.
    pub fn as_str(self) -> &'static str {
        match self {
            CriterionStatus::Met => "met",
            CriterionStatus::Unmet => "unmet",
            CriterionStatus::Unknown => "unknown",
        }
    }
}

/// Where a step of the treatment plan stands for this case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum StepStatus {
    /// Completed: its deciding finding is known, or it was tried without enough relief.
    Done,
    /// The step to take now.
    Current,
    /// A later step.
    Upcoming,
    /// Not for this case (its condition for use is not met).
    NotIndicated,
}

impl StepStatus {
    /// The name used in the JSON report.
    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::Done => "done",
            StepStatus::Current => "current",
            StepStatus::Upcoming => "upcoming",
            StepStatus::NotIndicated => "not_indicated",
        }
    }
}

/// One criterion and whether the case meets it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CriterionResult<'k> {
    /// Knowledge-base text: in the Rust API, not in the JSON (served by `/api/v1/kb/*`).
    #[serde(skip)]
    pub text: &'k str,
    /// Whether the case meets it.
    pub status: CriterionStatus,
    /// The findings that decide it.
    pub findings: Vec<&'k str>,
    /// Why, when the item reads a block record in its own terms (relief, time, guidance).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A question worth asking next.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NextQuestion<'k> {
    /// Finding id (also the FHIR Questionnaire linkId).
    pub finding: &'k str,
    /// The wording for this case's respondent.
    pub question: &'k str,
    /// The question group it belongs to.
    pub group: &'k str,
    /// How it is answered.
    pub answer_type: AnswerType,
    /// The allowed answers of a `choice` question.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub options: &'k [String],
    /// Lowest allowed value of a `scale` or `number` question.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Highest allowed value of a `scale` or `number` question.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// True when it is asked as part of the red-flag screen.
    pub red_flag: bool,
    /// Expected information gain in bits, summed over conditions (0 for red-flag questions).
    pub information_gain: f64,
    /// Why it is asked.
    pub reason: String,
}

/// Whether the adaptive interview would stop here.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct InterviewStatus {
    /// True when it would stop.
    pub settled: bool,
    /// Why it would stop, or why not.
    pub reason: String,
}

/// An examination or test of the work-up.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WorkupStep<'k> {
    /// Work-up step id.
    pub id: &'k str,
    /// Display name.
    pub name: &'k str,
    /// Its kind (`exam`, `imaging`, `lab`, `block`, ...).
    pub kind: &'k str,
    /// Knowledge-base text: in the Rust API, not in the JSON (served by `/api/v1/kb/*`).
    #[serde(skip)]
    pub when: &'k str,
    /// Knowledge-base text: in the Rust API, not in the JSON (served by `/api/v1/kb/*`).
    #[serde(skip)]
    pub patient_explanation: &'k str,
    /// Why it is suggested for this case.
    pub reason: String,
    /// Conditions a positive result supports.
    pub rules_in: &'k [String],
    /// Conditions a negative result argues against.
    pub rules_out: &'k [String],
    /// Reference ids.
    pub sources: &'k [String],
}

/// The reading of one recorded nerve block against its protocol.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BlockResult<'k> {
    /// Block protocol id.
    pub protocol: &'k str,
    /// Display name of the protocol.
    pub name: &'k str,
    /// The condition the block tests for.
    pub condition: &'k str,
    /// Pain (0-10) just before the block.
    pub pain_before: f64,
    /// Each pain reading with its relief.
    pub readings: Vec<BlockReadingResult>,
    /// Best relief (0-1) among the readings inside the reading window.
    pub best_relief: Option<f64>,
    /// Start of the protocol's reading window, minutes after the injection.
    pub window_start_minutes: f64,
    /// End of the reading window, minutes after the injection.
    pub window_end_minutes: f64,
    /// Relief (0-1) from which the block counts as positive.
    pub positive_threshold: f64,
    /// Relief (0-1) from which it counts as inconclusive rather than negative.
    pub inconclusive_threshold: f64,
    /// What the block shows, read against the protocol's thresholds.
    pub result: BlockOutcome,
    /// Why, in words.
    pub reason: String,
    /// What follows from this result.
    pub next: &'k str,
    /// What the patient should expect (knowledge-base text).
    pub patient_expectations: &'k [String],
    /// Reference ids.
    pub sources: Vec<&'k str>,
}

/// One pain reading after a block.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BlockReadingResult {
    /// Minutes after the injection.
    pub minutes: f64,
    /// Pain (0-10).
    pub pain: f64,
    /// Relief from the pre-block score, 0-1 (negative when pain rose; never below -10).
    pub relief: f64,
    /// Whether it lies inside the reading window.
    pub in_window: bool,
}

/// The stepped plan, exercises and self-care.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Plan<'k> {
    /// The condition the plan is built around (the leading specific condition).
    pub focus: &'k str,
    /// Display name of the focus condition.
    pub focus_name: &'k str,
    /// True when red flags put treatment on hold.
    pub on_hold: bool,
    /// The plan in a sentence.
    pub summary: Cow<'k, str>,
    /// Every step of the plan, in order, with its status.
    pub steps: Vec<PlanStepResult<'k>>,
    /// The id of the step the case is at, if any.
    pub current_step: Option<&'k str>,
    /// Management and referral for the focus condition.
    /// Knowledge-base text: in the Rust API, not in the JSON (served by `/api/v1/kb/*`).
    #[serde(skip)]
    pub management: &'k str,
    /// Knowledge-base text: in the Rust API, not in the JSON (served by `/api/v1/kb/*`).
    #[serde(skip)]
    pub referral: &'k str,
    /// Exercises suited to the case.
    pub exercises: Vec<ExerciseItem<'k>>,
    /// Exercises held back, each with why.
    pub exercises_withheld: Vec<WithheldExercise<'k>>,
    /// Self-care now.
    pub self_care: Vec<SelfCareItem<'k>>,
    /// Long-term care.
    pub long_term: Vec<SelfCareItem<'k>>,
    /// Prevention.
    pub prevention: Vec<SelfCareItem<'k>>,
    /// When to seek care.
    pub seek_care: Vec<SelfCareItem<'k>>,
}

/// One step of the plan with its status for this case.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PlanStepResult<'k> {
    /// Plan step id.
    pub id: &'k str,
    /// Position in the plan.
    pub order: i64,
    /// Display name.
    pub name: &'k str,
    /// Where the step stands.
    pub status: StepStatus,
    /// Why it has that status.
    pub reason: String,
    /// Knowledge-base text: in the Rust API, not in the JSON (served by `/api/v1/kb/*`).
    #[serde(skip)]
    pub patient_summary: &'k str,
    /// Knowledge-base text: in the Rust API, not in the JSON (served by `/api/v1/kb/*`).
    #[serde(skip)]
    pub entry: &'k str,
    /// Knowledge-base text: in the Rust API, not in the JSON (served by `/api/v1/kb/*`).
    #[serde(skip)]
    pub move_on_when: &'k str,
    /// The step's treatments that fit the case.
    pub treatments: Vec<PlanTreatment<'k>>,
}

/// A treatment of a plan step.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PlanTreatment<'k> {
    /// Treatment id.
    pub id: &'k str,
    /// Display name.
    pub name: &'k str,
    /// Its kind (`conservative`, `interventional`, ...).
    pub category: &'k str,
    /// The response when it was already tried.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tried: Option<Response>,
}

/// An exercise suited to the case, with its dosage.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ExerciseItem<'k> {
    /// Exercise id.
    pub id: &'k str,
    /// Display name.
    pub name: &'k str,
    /// Knowledge-base text: in the Rust API, not in the JSON (served by `/api/v1/kb/*`).
    #[serde(skip)]
    pub purpose: &'k str,
    /// Knowledge-base text: in the Rust API, not in the JSON (served by `/api/v1/kb/*`).
    #[serde(skip)]
    pub steps: &'k [String],
    /// Sets per session.
    pub sets: u32,
    /// Repetitions per set.
    pub reps: u32,
    /// Seconds to hold each repetition (0: no hold).
    pub hold_seconds: u32,
    /// Sessions per week.
    pub per_week: u32,
    /// Knowledge-base text: in the Rust API, not in the JSON (served by `/api/v1/kb/*`).
    #[serde(skip)]
    pub progression: &'k [String],
    /// Knowledge-base text: in the Rust API, not in the JSON (served by `/api/v1/kb/*`).
    #[serde(skip)]
    pub cautions: &'k [String],
    /// The key of its picture in the web app (start and end position), one per exercise.
    pub picture: &'k str,
    /// The picture's text alternative: the start and the end position in words.
    /// Knowledge-base text: in the Rust API, not in the JSON (served by `/api/v1/kb/*`).
    #[serde(skip)]
    pub picture_alt: &'k str,
    /// Knowledge-base text: in the Rust API, not in the JSON (served by `/api/v1/kb/*`).
    #[serde(skip)]
    pub dosage_source: &'k str,
}

/// An exercise held back, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WithheldExercise<'k> {
    /// Exercise id.
    pub id: &'k str,
    /// Display name.
    pub name: &'k str,
    /// Why it is held back.
    pub reason: &'k str,
}

/// A self-care, prevention or seek-care item.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SelfCareItem<'k> {
    /// Self-care id.
    pub id: &'k str,
    /// Display name.
    pub name: &'k str,
    /// Knowledge-base text: in the Rust API, not in the JSON (served by `/api/v1/kb/*`).
    #[serde(skip)]
    pub text: &'k str,
    /// For seek-care items: how urgently.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub urgency: Option<Urgency>,
}

/// A reference cited in the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReferenceEntry<'k> {
    /// Reference id.
    pub id: &'k str,
    /// Knowledge-base text: in the Rust API, not in the JSON (served by `/api/v1/kb/*`).
    #[serde(skip)]
    pub citation: &'k str,
    /// Where to read it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<&'k str>,
}
