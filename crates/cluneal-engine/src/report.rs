//! The report: everything the engine concludes about one case, each conclusion
//! with the findings for and against it and their sources.

use std::borrow::Cow;

use cluneal_kb::{Grade, Urgency};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Report<'k> {
    /// Version of the knowledge base the case was assessed with.
    pub kb_version: &'k str,
    /// The care setting whose priors were used.
    pub setting: &'k str,
    pub respondent: crate::Respondent,
    /// Cluneal supports clinical judgement; it does not diagnose.
    pub disclaimer: &'k str,
    pub triage: Triage<'k>,
    /// Serious conditions that some finding supports or a fired red flag names,
    /// whatever their rank: listed above the ranked causes.
    pub must_not_miss: Vec<MustNotMiss<'k>>,
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
    pub plan: Plan<'k>,
    /// Things in the case the engine noticed and worked around.
    pub notes: Vec<String>,
    /// Every reference cited anywhere in this report.
    pub references: Vec<ReferenceEntry<'k>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Triage<'k> {
    /// The highest urgency among the red flags that fired; `routine` when none fired.
    pub level: Urgency,
    /// Plain-language summary of what to do.
    pub message: &'k str,
    pub red_flags: Vec<FiredRedFlag<'k>>,
    /// False while any red-flag question is unanswered.
    pub screen_complete: bool,
    /// Red-flag questions not yet answered: finding ids, or the case field (e.g. `age`)
    /// a derived red-flag finding needs.
    pub unanswered: Vec<&'k str>,
}

/// A serious condition that must not be missed, with what put it on the list.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MustNotMiss<'k> {
    /// Condition id.
    pub condition: &'k str,
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

/// How settled the differential is.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Picture<'k> {
    /// True while no specific cause has reached the knowledge base's
    /// `open_picture_probability`: the next questions matter more than the ranking.
    pub open: bool,
    pub message: &'k str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FiredRedFlag<'k> {
    pub id: &'k str,
    pub name: &'k str,
    pub urgency: Urgency,
    /// The findings that made it fire.
    pub because: Vec<&'k str>,
    pub conditions: &'k [String],
    pub patient_action: &'k str,
    pub clinician_action: &'k str,
    pub source: &'k str,
    pub grade: Grade,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConditionResult<'k> {
    /// Condition id.
    pub condition: &'k str,
    pub name: &'k str,
    /// Posterior probability, 0-1.
    pub probability: f64,
    /// Prior probability in this setting, 0-1.
    pub prior: f64,
    pub prior_source: &'k str,
    pub serious: bool,
    /// How the probability was computed: `bayes` or `exclusion`.
    pub model: &'static str,
    /// Findings that raised it, largest effect first.
    pub evidence_for: Vec<EvidenceItem<'k>>,
    /// Findings that lowered it, largest effect first.
    pub evidence_against: Vec<EvidenceItem<'k>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EvidenceItem<'k> {
    /// Finding id (for `exclusion` conditions: the condition whose likelihood moved it).
    pub finding: &'k str,
    /// Knowledge-base text: in the Rust API, not in the JSON (served by `/api/v1/kb/*`).
    #[serde(skip)]
    pub label: &'k str,
    /// `yes` or `no` (for `exclusion` conditions: whether the other condition became
    /// `more likely` or `less likely` than its prior).
    pub answer: &'static str,
    /// The likelihood ratio for this answer, as published or estimated.
    pub likelihood_ratio: f64,
    /// Present only when the finding is correlated with a stronger one and so
    /// counts at a reduced weight (absent: weight 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
    /// The factor actually applied to the odds (likelihood_ratio ^ weight);
    /// present only with `weight` (absent: the likelihood ratio itself).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_ratio: Option<f64>,
    /// Where the finding's answer came from: `derived`, a block protocol id, or
    /// (left out of the JSON) an answer.
    #[serde(skip_serializing_if = "is_answer")]
    pub origin: &'k str,
    pub source: &'k str,
    pub grade: Grade,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CriteriaResult<'k> {
    pub id: &'k str,
    pub name: &'k str,
    pub condition: &'k str,
    pub met: usize,
    pub unmet: usize,
    pub unknown: usize,
    pub items: Vec<CriterionResult<'k>>,
    pub source: &'k str,
    pub grade: Grade,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CriterionResult<'k> {
    /// Knowledge-base text: in the Rust API, not in the JSON (served by `/api/v1/kb/*`).
    #[serde(skip)]
    pub text: &'k str,
    /// `met`, `unmet` or `unknown`.
    pub status: &'static str,
    pub findings: Vec<&'k str>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NextQuestion<'k> {
    /// Finding id (also the FHIR Questionnaire linkId).
    pub finding: &'k str,
    /// The wording for this case's respondent.
    pub question: &'k str,
    pub group: &'k str,
    pub answer_type: &'static str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub options: &'k [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// True when it is asked as part of the red-flag screen.
    pub red_flag: bool,
    /// Expected information gain in bits, summed over conditions (0 for red-flag questions).
    pub information_gain: f64,
    /// Why it is asked.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct InterviewStatus {
    pub settled: bool,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WorkupStep<'k> {
    pub id: &'k str,
    pub name: &'k str,
    pub kind: &'k str,
    /// Knowledge-base text: in the Rust API, not in the JSON (served by `/api/v1/kb/*`).
    #[serde(skip)]
    pub when: &'k str,
    /// Knowledge-base text: in the Rust API, not in the JSON (served by `/api/v1/kb/*`).
    #[serde(skip)]
    pub patient_explanation: &'k str,
    /// Why it is suggested for this case.
    pub reason: String,
    pub rules_in: &'k [String],
    pub rules_out: &'k [String],
    pub sources: &'k [String],
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BlockResult<'k> {
    pub protocol: &'k str,
    pub name: &'k str,
    pub condition: &'k str,
    pub pain_before: f64,
    pub readings: Vec<BlockReadingResult>,
    /// Best relief (0-1) among the readings inside the reading window.
    pub best_relief: Option<f64>,
    pub window_start_minutes: f64,
    pub window_end_minutes: f64,
    pub positive_threshold: f64,
    pub inconclusive_threshold: f64,
    /// `positive`, `negative` or `inconclusive`.
    pub result: &'static str,
    pub reason: String,
    /// What follows from this result.
    pub next: &'k str,
    pub patient_expectations: &'k [String],
    pub sources: Vec<&'k str>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BlockReadingResult {
    pub minutes: f64,
    pub pain: f64,
    /// Relief from the pre-block score, 0-1 (negative when pain rose).
    pub relief: f64,
    pub in_window: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Plan<'k> {
    /// The condition the plan is built around (the leading specific condition).
    pub focus: &'k str,
    pub focus_name: &'k str,
    /// True when red flags put treatment on hold.
    pub on_hold: bool,
    pub summary: Cow<'k, str>,
    pub steps: Vec<PlanStepResult<'k>>,
    pub current_step: Option<&'k str>,
    /// Management and referral for the focus condition.
    /// Knowledge-base text: in the Rust API, not in the JSON (served by `/api/v1/kb/*`).
    #[serde(skip)]
    pub management: &'k str,
    /// Knowledge-base text: in the Rust API, not in the JSON (served by `/api/v1/kb/*`).
    #[serde(skip)]
    pub referral: &'k str,
    pub exercises: Vec<ExerciseItem<'k>>,
    pub exercises_withheld: Vec<WithheldExercise<'k>>,
    pub self_care: Vec<SelfCareItem<'k>>,
    pub long_term: Vec<SelfCareItem<'k>>,
    pub prevention: Vec<SelfCareItem<'k>>,
    pub seek_care: Vec<SelfCareItem<'k>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PlanStepResult<'k> {
    pub id: &'k str,
    pub order: i64,
    pub name: &'k str,
    /// `done`, `current`, `upcoming` or `not_indicated`.
    pub status: &'static str,
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
    pub treatments: Vec<PlanTreatment<'k>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PlanTreatment<'k> {
    pub id: &'k str,
    pub name: &'k str,
    pub category: &'k str,
    /// The response when it was already tried.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tried: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ExerciseItem<'k> {
    pub id: &'k str,
    pub name: &'k str,
    /// Knowledge-base text: in the Rust API, not in the JSON (served by `/api/v1/kb/*`).
    #[serde(skip)]
    pub purpose: &'k str,
    /// Knowledge-base text: in the Rust API, not in the JSON (served by `/api/v1/kb/*`).
    #[serde(skip)]
    pub steps: &'k [String],
    pub sets: u32,
    pub reps: u32,
    pub hold_seconds: u32,
    pub per_week: u32,
    /// Knowledge-base text: in the Rust API, not in the JSON (served by `/api/v1/kb/*`).
    #[serde(skip)]
    pub progression: &'k [String],
    /// Knowledge-base text: in the Rust API, not in the JSON (served by `/api/v1/kb/*`).
    #[serde(skip)]
    pub cautions: &'k [String],
    pub picture: &'k str,
    /// Knowledge-base text: in the Rust API, not in the JSON (served by `/api/v1/kb/*`).
    #[serde(skip)]
    pub dosage_source: &'k str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WithheldExercise<'k> {
    pub id: &'k str,
    pub name: &'k str,
    pub reason: &'k str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SelfCareItem<'k> {
    pub id: &'k str,
    pub name: &'k str,
    /// Knowledge-base text: in the Rust API, not in the JSON (served by `/api/v1/kb/*`).
    #[serde(skip)]
    pub text: &'k str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub urgency: Option<Urgency>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReferenceEntry<'k> {
    pub id: &'k str,
    /// Knowledge-base text: in the Rust API, not in the JSON (served by `/api/v1/kb/*`).
    #[serde(skip)]
    pub citation: &'k str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<&'k str>,
}

// Left out of the JSON: most evidence is an answered finding.
fn is_answer(o: &&str) -> bool {
    *o == "answer"
}
