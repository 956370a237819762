//! The report: everything the engine concludes about one case, each conclusion
//! with the findings for and against it and their sources.

use cluneal_kb::{Grade, Urgency};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Report {
    /// Version of the knowledge base the case was assessed with.
    pub kb_version: String,
    /// The care setting whose priors were used.
    pub setting: String,
    pub respondent: crate::Respondent,
    /// Cluneal supports clinical judgement; it does not diagnose.
    pub disclaimer: String,
    pub triage: Triage,
    /// Every condition, ranked by descending probability (ties by id). Conditions
    /// can coexist, so the probabilities need not sum to 1.
    pub differential: Vec<ConditionResult>,
    /// Published diagnostic criteria as checklists.
    pub criteria: Vec<CriteriaResult>,
    /// The unanswered questions that would most change the picture, red flags first.
    pub next_questions: Vec<NextQuestion>,
    /// Whether the adaptive interview would stop here, and why.
    pub interview: InterviewStatus,
    /// The next examinations or tests, in work-up order.
    pub workup: Vec<WorkupStep>,
    /// Interpretation of each recorded nerve block.
    pub blocks: Vec<BlockResult>,
    pub plan: Plan,
    /// Things in the case the engine noticed and worked around.
    pub notes: Vec<String>,
    /// Every reference cited anywhere in this report.
    pub references: Vec<ReferenceEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Triage {
    /// The highest urgency among the red flags that fired; `routine` when none fired.
    pub level: Urgency,
    /// Plain-language summary of what to do.
    pub message: String,
    pub red_flags: Vec<FiredRedFlag>,
    /// False while any red-flag question is unanswered.
    pub screen_complete: bool,
    /// Red-flag questions not yet answered: finding ids, or the case field (e.g. `age`)
    /// a derived red-flag finding needs.
    pub unanswered: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FiredRedFlag {
    pub id: String,
    pub name: String,
    pub urgency: Urgency,
    /// The findings that made it fire.
    pub because: Vec<String>,
    pub conditions: Vec<String>,
    pub patient_action: String,
    pub clinician_action: String,
    pub source: String,
    pub grade: Grade,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConditionResult {
    /// Condition id.
    pub condition: String,
    pub name: String,
    /// Posterior probability, 0-1.
    pub probability: f64,
    /// Prior probability in this setting, 0-1.
    pub prior: f64,
    pub prior_source: String,
    pub serious: bool,
    /// How the probability was computed: `bayes` or `exclusion`.
    pub model: String,
    /// Findings that raised it, largest effect first.
    pub evidence_for: Vec<EvidenceItem>,
    /// Findings that lowered it, largest effect first.
    pub evidence_against: Vec<EvidenceItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EvidenceItem {
    /// Finding id (for `exclusion` conditions: the condition whose likelihood moved it).
    pub finding: String,
    pub label: String,
    /// `yes` or `no` (for `exclusion` conditions: the other condition's probability).
    pub answer: String,
    /// The likelihood ratio for this answer, as published or estimated.
    pub likelihood_ratio: f64,
    /// 1 for independent evidence; less when the finding is correlated with a stronger one.
    pub weight: f64,
    /// The factor actually applied to the odds (likelihood_ratio ^ weight).
    pub effective_ratio: f64,
    /// Where the finding's answer came from: `answer`, `derived` or a block protocol id.
    pub origin: String,
    pub source: String,
    pub grade: Grade,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CriteriaResult {
    pub id: String,
    pub name: String,
    pub condition: String,
    pub met: usize,
    pub unmet: usize,
    pub unknown: usize,
    pub items: Vec<CriterionResult>,
    pub source: String,
    pub grade: Grade,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CriterionResult {
    pub text: String,
    /// `met`, `unmet` or `unknown`.
    pub status: String,
    pub findings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NextQuestion {
    /// Finding id (also the FHIR Questionnaire linkId).
    pub finding: String,
    /// The wording for this case's respondent.
    pub question: String,
    pub group: String,
    pub answer_type: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
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
pub struct WorkupStep {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub when: String,
    pub patient_explanation: String,
    /// Why it is suggested for this case.
    pub reason: String,
    pub rules_in: Vec<String>,
    pub rules_out: Vec<String>,
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BlockResult {
    pub protocol: String,
    pub name: String,
    pub condition: String,
    pub pain_before: f64,
    pub readings: Vec<BlockReadingResult>,
    /// Best relief (0-1) among the readings inside the reading window.
    pub best_relief: Option<f64>,
    pub window_start_minutes: f64,
    pub window_end_minutes: f64,
    pub positive_threshold: f64,
    pub inconclusive_threshold: f64,
    /// `positive`, `negative` or `inconclusive`.
    pub result: String,
    pub reason: String,
    /// What follows from this result.
    pub next: String,
    pub patient_expectations: Vec<String>,
    pub sources: Vec<String>,
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
pub struct Plan {
    /// The condition the plan is built around (the leading specific condition).
    pub focus: String,
    pub focus_name: String,
    /// True when red flags put treatment on hold.
    pub on_hold: bool,
    pub summary: String,
    pub steps: Vec<PlanStepResult>,
    pub current_step: Option<String>,
    /// Management and referral for the focus condition.
    pub management: String,
    pub referral: String,
    pub exercises: Vec<ExerciseItem>,
    pub exercises_withheld: Vec<WithheldExercise>,
    pub self_care: Vec<SelfCareItem>,
    pub long_term: Vec<SelfCareItem>,
    pub prevention: Vec<SelfCareItem>,
    pub seek_care: Vec<SelfCareItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PlanStepResult {
    pub id: String,
    pub order: i64,
    pub name: String,
    /// `done`, `current`, `upcoming` or `not_indicated`.
    pub status: String,
    pub reason: String,
    pub patient_summary: String,
    pub entry: String,
    pub move_on_when: String,
    pub treatments: Vec<PlanTreatment>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PlanTreatment {
    pub id: String,
    pub name: String,
    pub category: String,
    /// The response when it was already tried.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tried: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ExerciseItem {
    pub id: String,
    pub name: String,
    pub purpose: String,
    pub steps: Vec<String>,
    pub sets: u32,
    pub reps: u32,
    pub hold_seconds: u32,
    pub per_week: u32,
    pub progression: Vec<String>,
    pub cautions: Vec<String>,
    pub picture: String,
    pub dosage_source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WithheldExercise {
    pub id: String,
    pub name: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SelfCareItem {
    pub id: String,
    pub name: String,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub urgency: Option<Urgency>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReferenceEntry {
    pub id: String,
    pub citation: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}
