//! The knowledge-base schema: one Rust type per kind of file under `knowledge/`.
//!
//! Every struct denies unknown fields so a misspelt key is reported instead of
//! silently dropping knowledge. Ids are not stored in the files: the file name is
//! the id, and the loader fills `id` in.

use serde::{Deserialize, Serialize};

/// How strong the evidence behind a number is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    Strong,
    Moderate,
    Weak,
    Contested,
    ExpertEstimate,
}

impl Grade {
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::Strong => "strong",
            Grade::Moderate => "moderate",
            Grade::Weak => "weak",
            Grade::Contested => "contested",
            Grade::ExpertEstimate => "expert_estimate",
        }
    }
}

/// A number with its provenance: no clinical number lives without a source.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Sourced {
    pub value: f64,
    pub source: String,
    pub grade: Grade,
    #[serde(default)]
    pub note: Option<String>,
}

/// Triage levels, ordered from least to most urgent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    Routine,
    Soon,
    Urgent,
    Emergency,
}

impl Urgency {
    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::Routine => "routine",
            Urgency::Soon => "soon",
            Urgency::Urgent => "urgent",
            Urgency::Emergency => "emergency",
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct KbMeta {
    pub version: String,
    pub name: String,
    pub settings: Vec<String>,
    pub interview: InterviewSettings,
    #[serde(default)]
    pub defaults: Defaults,
    pub engine: EngineSettings,
    #[serde(default)]
    pub messages: Messages,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InterviewSettings {
    pub stop_probability: Sourced,
    pub min_information_gain: Sourced,
    pub max_questions: Sourced,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    /// Setting used when a case names none.
    #[serde(default)]
    pub setting: Option<String>,
    /// Block protocol used when a block record names none.
    #[serde(default)]
    pub block: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EngineSettings {
    /// A condition at or above this probability counts as "in play" for the
    /// work-up, exercise contraindications and the plan.
    pub relevant_probability: Sourced,
    /// How many next questions a report lists.
    pub next_questions: usize,
    /// Which differential model the engine uses.
    pub differential_model: DifferentialModel,
    /// Below this probability for the leading specific cause, the report says
    /// the picture is open.
    pub open_picture_probability: Sourced,
    /// A serious condition with a supporting finding joins the must-not-miss
    /// list from this probability on (a red flag naming it always lists it).
    pub must_not_miss_probability: Sourced,
}

/// The two differential models, built from the same knowledge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DifferentialModel {
    /// One primary cause drawn from all conditions (one normalised
    /// distribution): each condition's finding frequencies against the
    /// findings' background frequencies, joint hypotheses for coexisting causes.
    Competing,
    /// Each condition scored alone: prior odds times likelihood ratios, "no
    /// specific cause" as what the specific conditions leave.
    Independent,
}

impl DifferentialModel {
    pub fn as_str(self) -> &'static str {
        match self {
            DifferentialModel::Competing => "competing",
            DifferentialModel::Independent => "independent",
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Messages {
    #[serde(default)]
    pub disclaimer: String,
    #[serde(default)]
    pub screen_incomplete: String,
    #[serde(default)]
    pub exercises_withheld: String,
    #[serde(default)]
    pub no_red_flags: String,
    #[serde(default)]
    pub picture_open: String,
    #[serde(default)]
    pub picture_focused: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    Symptom,
    History,
    Exam,
    Test,
    Demographic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AskedBy {
    Patient,
    Clinician,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerType {
    YesNo,
    Scale,
    Number,
    Choice,
}

impl AnswerType {
    pub fn as_str(self) -> &'static str {
        match self {
            AnswerType::YesNo => "yes_no",
            AnswerType::Scale => "scale",
            AnswerType::Number => "number",
            AnswerType::Choice => "choice",
        }
    }
}

/// A yes/no finding computed from a case field or another finding's value.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Derived {
    pub field: String,
    #[serde(default)]
    pub at_least: Option<f64>,
    #[serde(default)]
    pub below: Option<f64>,
    #[serde(default)]
    pub equals: Option<String>,
    #[serde(default)]
    pub one_of: Option<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    #[serde(skip_deserializing)]
    pub id: String,
    pub kind: FindingKind,
    pub label: String,
    pub question: String,
    pub clinician: String,
    pub asked_by: AskedBy,
    pub answer: AnswerType,
    pub group: String,
    #[serde(default)]
    pub body_region: Option<String>,
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub options: Vec<String>,
    #[serde(default)]
    pub derived: Option<Derived>,
    /// Also answered "yes" by a recorded treatment that did not help (the finding stays askable).
    #[serde(default)]
    pub from_treatments: Option<FromTreatments>,
    /// A broader finding that any of these more specific ones implies: when one
    /// is "yes" and this one was not answered, it counts as "yes" and is not asked
    /// (for example low back pain, implied by pain just above the iliac crest).
    /// It stays askable on its own for case reports that give only the broad fact.
    #[serde(default)]
    pub implied_by: Vec<String>,
    /// How often the finding is present among people seen for low back, buttock
    /// or hip pain whatever the cause: the comparison every condition's own
    /// frequency is set against. Required for findings used as evidence.
    #[serde(default)]
    pub background: Option<Sourced>,
    pub sources: Vec<String>,
}

/// A yes/no finding that a recorded treatment response can answer: "yes" when
/// some tried treatment had one of `responses` and was tried for at least
/// `min_weeks` (or for an unrecorded time).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FromTreatments {
    pub responses: Vec<String>,
    pub min_weeks: Sourced,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionGroup {
    #[serde(skip_deserializing)]
    pub id: String,
    pub order: i64,
    pub title: String,
    pub patient_prompt: String,
    pub clinician_prompt: String,
    #[serde(default)]
    pub multi_select: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConditionModel {
    /// Prior odds times likelihood ratios.
    Bayes,
    /// The chance that none of the specific (Bayes) conditions applies.
    Exclusion,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Code {
    pub system: String,
    #[serde(default)]
    pub version: Option<String>,
    pub code: String,
    pub display: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Comparison {
    pub sensory: String,
    pub motor_deficit: String,
    pub pain_location: String,
    pub key_tools: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Prior {
    pub setting: String,
    pub probability: f64,
    pub source: String,
    pub grade: Grade,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    pub finding: String,
    /// P(finding present | condition), as case series report it; set against
    /// the finding's `background`.
    #[serde(default)]
    pub frequency: Option<f64>,
    #[serde(default)]
    pub sensitivity: Option<f64>,
    #[serde(default)]
    pub specificity: Option<f64>,
    #[serde(default)]
    pub lr_positive: Option<f64>,
    #[serde(default)]
    pub lr_negative: Option<f64>,
    pub source: String,
    pub grade: Grade,
    #[serde(default)]
    pub note: Option<String>,
}

/// Likelihood ratios of one finding for one condition, in a single normal form.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Likelihood {
    pub lr_positive: f64,
    pub lr_negative: f64,
    /// P(finding present | condition)
    pub sensitivity: f64,
    /// P(finding absent | no condition)
    pub specificity: f64,
}

impl Evidence {
    /// Both halves in normal form, or a message saying what is wrong.
    /// `background` is the finding's background frequency; a `frequency` entry
    /// is set against it.
    pub fn likelihood(&self, background: Option<f64>) -> Result<Likelihood, String> {
        if let Some(fr) = self.frequency {
            if self.sensitivity.is_some()
                || self.specificity.is_some()
                || self.lr_positive.is_some()
                || self.lr_negative.is_some()
            {
                return Err(
                    "give `frequency` alone, without sensitivity, specificity or likelihood ratios".into()
                );
            }
            if !(fr > 0.0 && fr < 1.0) {
                return Err(format!("frequency {fr} must lie strictly between 0 and 1"));
            }
            let Some(b) = background.filter(|b| *b > 0.0 && *b < 1.0) else {
                return Err("a `frequency` needs the finding's `background` frequency".into());
            };
            return Ok(Likelihood {
                lr_positive: fr / b,
                lr_negative: (1.0 - fr) / (1.0 - b),
                sensitivity: fr,
                specificity: 1.0 - b,
            });
        }
        match (self.sensitivity, self.specificity, self.lr_positive, self.lr_negative) {
            (Some(se), Some(sp), None, None) => {
                if !(0.0..=1.0).contains(&se) || !(0.0..=1.0).contains(&sp) {
                    return Err(format!("sensitivity {se} and specificity {sp} must lie in [0, 1]"));
                }
                if sp >= 1.0 || se <= 0.0 || se >= 1.0 || sp <= 0.0 {
                    return Err(format!(
                        "sensitivity {se} / specificity {sp} give an infinite or zero likelihood ratio; \
                         give likelihood ratios instead"
                    ));
                }
                Ok(Likelihood {
                    lr_positive: se / (1.0 - sp),
                    lr_negative: (1.0 - se) / sp,
                    sensitivity: se,
                    specificity: sp,
                })
            }
            (None, None, Some(lp), Some(ln)) => {
                if !(lp.is_finite() && ln.is_finite() && lp > 0.0 && ln > 0.0) {
                    return Err(format!("likelihood ratios must be finite and > 0 (got {lp} and {ln})"));
                }
                if lp == 1.0 && ln == 1.0 {
                    return Err(
                        "lr_positive = lr_negative = 1 carries no information; remove the entry".into()
                    );
                }
                if (lp - 1.0) * (ln - 1.0) >= 0.0 {
                    return Err(format!(
                        "lr_positive {lp} and lr_negative {ln} must lie on opposite sides of 1"
                    ));
                }
                // Solve LR+ = se / (1 - sp) and LR- = (1 - se) / sp.
                let sp = (lp - 1.0) / (lp - ln);
                let se = lp * (1.0 - sp);
                Ok(Likelihood { lr_positive: lp, lr_negative: ln, sensitivity: se, specificity: sp })
            }
            _ => Err(
                "give `frequency`, or `sensitivity` and `specificity`, or `lr_positive` and `lr_negative`"
                    .into(),
            ),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    #[serde(skip_deserializing)]
    pub id: String,
    pub name: String,
    pub short_name: String,
    pub kind: String,
    #[serde(default)]
    pub serious: bool,
    pub model: ConditionModel,
    pub patient_description: String,
    pub clinician_description: String,
    pub management: String,
    pub referral: String,
    #[serde(default)]
    pub codes: Vec<Code>,
    #[serde(default)]
    pub comparison: Option<Comparison>,
    #[serde(default)]
    pub prior: Vec<Prior>,
    #[serde(default)]
    pub evidence: Vec<Evidence>,
    /// Conditions that often coexist with this one as a second cause of the
    /// same pain: each adds a joint hypothesis to the competing-causes model.
    #[serde(default)]
    pub coexists: Vec<Coexistence>,
}

/// "When this condition is present, `condition` is present too in this
/// fraction of patients" (for example SCNE in 21 of 50 MCNE patients).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Coexistence {
    pub condition: String,
    pub probability: f64,
    pub source: String,
    pub grade: Grade,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Correlation {
    #[serde(skip_deserializing)]
    pub id: String,
    pub findings: Vec<String>,
    pub residual_weight: Sourced,
    pub rationale: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RedFlag {
    #[serde(skip_deserializing)]
    pub id: String,
    pub name: String,
    pub urgency: Urgency,
    #[serde(default)]
    pub any_of: Vec<String>,
    #[serde(default)]
    pub all_of: Vec<String>,
    /// How many of `any_of` must be present (default 1): "two or more of".
    #[serde(default)]
    pub min_present: Option<usize>,
    #[serde(default)]
    pub conditions: Vec<String>,
    pub patient_action: String,
    pub clinician_action: String,
    pub source: String,
    pub grade: Grade,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CriterionItem {
    pub text: String,
    #[serde(default)]
    pub finding: Option<String>,
    #[serde(default)]
    pub any_of: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Criteria {
    #[serde(skip_deserializing)]
    pub id: String,
    pub name: String,
    pub condition: String,
    pub source: String,
    pub grade: Grade,
    #[serde(default)]
    pub note: Option<String>,
    pub item: Vec<CriterionItem>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DiagnosticStep {
    #[serde(skip_deserializing)]
    pub id: String,
    pub name: String,
    pub kind: String,
    pub order: i64,
    #[serde(default)]
    pub findings: Vec<String>,
    #[serde(default)]
    pub rules_in: Vec<String>,
    #[serde(default)]
    pub rules_out: Vec<String>,
    pub when: String,
    pub patient_explanation: String,
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BlockProtocol {
    #[serde(skip_deserializing)]
    pub id: String,
    pub name: String,
    pub condition: String,
    pub result_finding: String,
    pub positive_relief: Sourced,
    pub inconclusive_relief: Sourced,
    pub window_start_minutes: Sourced,
    pub window_end_minutes: Sourced,
    #[serde(default)]
    pub patient_expectations: Vec<String>,
    pub positive_next: String,
    pub negative_next: String,
    pub inconclusive_next: String,
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    pub text: String,
    pub source: String,
    pub grade: Grade,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Treatment {
    #[serde(skip_deserializing)]
    pub id: String,
    pub name: String,
    pub category: String,
    pub step: String,
    pub patient_description: String,
    pub clinician_description: String,
    #[serde(default)]
    pub cautions: Vec<String>,
    #[serde(default)]
    pub conditions: Vec<String>,
    #[serde(default)]
    pub outcome: Vec<Outcome>,
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PlanStep {
    #[serde(skip_deserializing)]
    pub id: String,
    pub order: i64,
    pub name: String,
    pub entry: String,
    pub patient_summary: String,
    #[serde(default)]
    pub typical_duration_weeks: Option<Sourced>,
    pub move_on_when: String,
    /// The step counts as done once this finding has been answered (e.g. a block result).
    #[serde(default)]
    pub completed_by_finding: Option<String>,
    /// The step is open only when this finding is present (e.g. a positive block).
    #[serde(default)]
    pub requires_finding: Option<String>,
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Dosage {
    pub sets: u32,
    pub reps: u32,
    pub hold_seconds: u32,
    pub per_week: u32,
    pub source: String,
    pub grade: Grade,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FindingReason {
    pub finding: String,
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionReason {
    pub condition: String,
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Exercise {
    #[serde(skip_deserializing)]
    pub id: String,
    pub name: String,
    pub from_seed: bool,
    pub purpose: String,
    pub steps: Vec<String>,
    pub dosage: Dosage,
    #[serde(default)]
    pub progression: Vec<String>,
    #[serde(default)]
    pub regression: Option<String>,
    #[serde(default)]
    pub avoid_if: Vec<FindingReason>,
    #[serde(default)]
    pub avoid_with_conditions: Vec<ConditionReason>,
    #[serde(default)]
    pub cautions: Vec<String>,
    pub picture: String,
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SelfCareKind {
    Massage,
    SelfCare,
    LongTerm,
    Prevention,
    SeekCare,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SelfCare {
    #[serde(skip_deserializing)]
    pub id: String,
    pub kind: SelfCareKind,
    pub name: String,
    #[serde(default)]
    pub from_seed: bool,
    pub text: String,
    #[serde(default)]
    pub steps: Vec<String>,
    #[serde(default)]
    pub cautions: Vec<String>,
    #[serde(default)]
    pub urgency: Option<Urgency>,
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub heading: String,
    pub text: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Education {
    #[serde(skip_deserializing)]
    pub id: String,
    pub order: i64,
    pub title: String,
    pub sections: Vec<Section>,
    #[serde(default)]
    pub related: Vec<String>,
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    #[serde(skip_deserializing)]
    pub id: String,
    pub name: String,
    pub members: Vec<String>,
    pub comparison: Comparison,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    #[serde(skip_deserializing)]
    pub id: String,
    #[serde(default)]
    pub authors: Vec<String>,
    pub title: String,
    #[serde(default)]
    pub journal: Option<String>,
    #[serde(default)]
    pub year: Option<i64>,
    #[serde(default)]
    pub volume: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    pub kind: String,
    #[serde(default)]
    pub note: Option<String>,
}

impl Reference {
    /// A one-line citation: "Authors. Title. Journal. Year."
    pub fn citation(&self) -> String {
        let mut out = String::new();
        if !self.authors.is_empty() {
            out.push_str(&self.authors.join(", "));
            out.push_str(". ");
        }
        out.push_str(&self.title);
        if let Some(j) = &self.journal {
            out.push_str(". ");
            out.push_str(j);
        }
        if let Some(y) = self.year {
            out.push_str(&format!(". {y}"));
        }
        out.push('.');
        out
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SeedItem {
    pub section: String,
    pub text: String,
    pub covered_by: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SeedCoverage {
    #[serde(default)]
    pub item: Vec<SeedItem>,
}
