//! The knowledge-base schema: one Rust type per kind of file under `knowledge/`.
//!
//! Every struct denies unknown fields so a misspelt key is reported instead of
//! silently dropping knowledge. Ids are not stored in the files: the file name is
//! the id, and the loader fills `id` in.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How strong the evidence behind a number is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    /// Systematic review, meta-analysis or national guideline.
    Strong,
    /// Prospective cohort or diagnostic-accuracy study against a reference standard.
    Moderate,
    /// Case series, cadaver data, published expert opinion or a secondary summary.
    Weak,
    /// Authorities disagree.
    Contested,
    /// No published figure exists: a reasoned estimate, explained in `note`.
    ExpertEstimate,
}

impl Grade {
    /// The snake_case name used in the knowledge files.
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Sourced {
    /// The number.
    pub value: f64,
    /// The reference id of the source.
    pub source: String,
    /// How strong the evidence behind it is.
    pub grade: Grade,
    /// Why the figure is what it is, where that needs saying (always for `expert_estimate`).
    #[serde(default)]
    pub note: Option<String>,
}

/// An urgency level used as a rule, with its source like a number.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UrgencyRule {
    /// The level.
    pub urgency: Urgency,
    /// The reference id of the source.
    pub source: String,
    /// How strong the evidence behind it is.
    pub grade: Grade,
    /// Why, where that needs saying (always for `expert_estimate`).
    #[serde(default)]
    pub note: Option<String>,
}

/// Triage levels, ordered from least to most urgent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// Self-care or a routine appointment.
    Routine,
    /// See a clinician within days.
    Soon,
    /// See a clinician the same day.
    Urgent,
    /// Go to an emergency department now.
    Emergency,
}

impl Urgency {
    /// The snake_case name used in the knowledge files and the report.
    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::Routine => "routine",
            Urgency::Soon => "soon",
            Urgency::Urgent => "urgent",
            Urgency::Emergency => "emergency",
        }
    }
}

/// The contents of `kb.toml`: version, care settings, interview and engine parameters, messages.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct KbMeta {
    /// The knowledge-base version, named in every report.
    pub version: String,
    /// Display name of the knowledge base.
    pub name: String,
    /// The care settings; every condition gives a prior for each.
    pub settings: Vec<String>,
    /// How each care setting is named and what kinds of practice it stands
    /// for, by setting id: one for every id in `settings`.
    #[serde(default)]
    pub care_setting: BTreeMap<String, CareSetting>,
    /// When the adaptive interview stops.
    pub interview: InterviewSettings,
    /// Defaults for what a case or block record leaves out.
    #[serde(default)]
    pub defaults: Defaults,
    /// Parameters of the engine.
    pub engine: EngineSettings,
    /// Fixed texts of the report.
    #[serde(default)]
    pub messages: Messages,
    /// How change in outcome measures over time is read.
    pub outcomes: OutcomeSettings,
}

/// A care setting as users see it: the priors under its id come from these
/// kinds of practice.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CareSetting {
    /// Short display name, for a choice list.
    pub name: String,
    /// The kinds of practice it covers, so a user picks the one whose priors fit.
    pub covers: String,
}

/// How change in the outcome measures a case follows over time is read.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct OutcomeSettings {
    /// Minimal important change in pain (NRS 0-10), in points: a fall of at
    /// least this much, or of `pain_mic_share`, counts as a meaningful improvement.
    pub pain_mic_points: Sourced,
    /// Minimal important change in pain as a share of the first score.
    pub pain_mic_share: Sourced,
}

/// When the adaptive interview stops asking.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InterviewSettings {
    /// Stop when the leading condition reaches this probability.
    pub stop_probability: Sourced,
    /// Stop when no question is expected to gain this many bits.
    pub min_information_gain: Sourced,
    /// Ask at most this many questions.
    pub max_questions: Sourced,
}

/// Defaults for what a case or block record leaves out.
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

/// Parameters of the engine.
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
    /// Why that model is the default, where the validation report's own
    /// comparison does not say it (printed beside that comparison).
    #[serde(default)]
    pub differential_model_note: Option<String>,
    /// Below this probability for the leading specific cause, the report says
    /// the picture is open.
    pub open_picture_probability: Sourced,
    /// From this probability a condition is said to "fit well" (between
    /// `relevant_probability` and it: "possible"; below: "less likely").
    pub fits_well_probability: Sourced,
    /// A serious condition with a supporting finding joins the must-not-miss
    /// list from this probability on (a red flag naming it always lists it).
    pub must_not_miss_probability: Sourced,
    /// Below `must_not_miss_probability`, a serious condition still joins the
    /// list when a finding beyond age and sex supports it and the likelihood
    /// ratios applied to it (for and against) multiply to at least this much.
    pub must_not_miss_likelihood_ratio: Sourced,
    /// How many of the leading specific conditions are always in play for the
    /// work-up, whatever their probability (besides those at
    /// `relevant_probability`), so a sparse case still gets tests that separate
    /// the leaders.
    pub always_in_play: Sourced,
    /// From this urgency on, exercises are put on hold until a clinician has
    /// seen the warning signs.
    pub exercises_on_hold_at: UrgencyRule,
}

/// The two differential models, built from the same knowledge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
    /// Both models, in the order the validation report lists them.
    pub const ALL: [DifferentialModel; 2] = [DifferentialModel::Competing, DifferentialModel::Independent];

    /// The snake_case name used in `kb.toml` and the report.
    pub fn as_str(self) -> &'static str {
        match self {
            DifferentialModel::Competing => "competing",
            DifferentialModel::Independent => "independent",
        }
    }
}

/// Fixed texts of the report.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Messages {
    /// The safety notice every report carries.
    #[serde(default)]
    pub disclaimer: String,
    /// Said when the red-flag screen is incomplete.
    #[serde(default)]
    pub screen_incomplete: String,
    /// Said when exercises are withheld because of the urgency.
    #[serde(default)]
    pub exercises_withheld: String,
    /// Said when no red flag fired and the screen is complete.
    #[serde(default)]
    pub no_red_flags: String,
    /// Said when no specific cause leads clearly.
    #[serde(default)]
    pub picture_open: String,
    /// Said when one specific cause leads clearly.
    #[serde(default)]
    pub picture_focused: String,
}

/// What kind of fact a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// Something the patient feels.
    Symptom,
    /// Something from the history.
    History,
    /// An examination sign.
    Exam,
    /// A test or imaging result.
    Test,
    /// Age, sex or another fact about the person.
    Demographic,
}

/// Who can answer a finding's question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum AskedBy {
    /// The patient (asked in both interview modes).
    Patient,
    /// Only a clinician (examination and tests).
    Clinician,
}

/// How a finding is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum AnswerType {
    /// Yes, no or unknown.
    YesNo,
    /// A number on a bounded scale (`min` to `max`).
    Scale,
    /// A measured number.
    Number,
    /// One of `options`.
    Choice,
}

impl AnswerType {
    /// The snake_case name used in the knowledge files and the report.
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Derived {
    /// The case field (`age`, `sex`, ...) or finding id the value comes from.
    pub field: String,
    /// Yes when the value is at least this.
    #[serde(default)]
    pub at_least: Option<f64>,
    /// Yes when the value is below this.
    #[serde(default)]
    pub below: Option<f64>,
    /// Yes when the value equals this.
    #[serde(default)]
    pub equals: Option<String>,
    /// Yes when the value is one of these.
    #[serde(default)]
    pub one_of: Option<Vec<String>>,
}

/// A symptom, history item, examination sign or test result, asked or derived.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Finding {
    /// The id: the file name without `.toml`.
    #[serde(skip_deserializing)]
    pub id: String,
    /// What kind of fact it is.
    pub kind: FindingKind,
    /// Short label for lists and reports.
    pub label: String,
    /// The question put to the patient, in plain language.
    pub question: String,
    /// The question or sign as a clinician reads it.
    pub clinician: String,
    /// Who can answer it.
    pub asked_by: AskedBy,
    /// How it is answered.
    pub answer: AnswerType,
    /// The question group it is asked in.
    pub group: String,
    /// The body-map region it belongs to, if any.
    #[serde(default)]
    pub body_region: Option<String>,
    /// Lowest allowed value (scale and number answers).
    #[serde(default)]
    pub min: Option<f64>,
    /// Highest allowed value (scale and number answers).
    #[serde(default)]
    pub max: Option<f64>,
    /// Unit of a number answer.
    #[serde(default)]
    pub unit: Option<String>,
    /// The allowed answers of a choice finding.
    #[serde(default)]
    pub options: Vec<String>,
    /// How it is computed from the case instead of asked, if it is.
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
    /// The sexes the question applies to (`female`, `male`, `other`); empty:
    /// everyone. For a case of another, known sex it is "no" without asking
    /// (a man is never asked whether he is pregnant).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sexes: Vec<String>,
    /// What must have been done for a "no" to be a negative result, as a noun
    /// phrase without an article (for example "facet joint injection" for
    /// relief after one). A patient who never had it may well answer "no", so a
    /// patient's "no" counts as "don't know" (with a note in the report); a
    /// clinician's "no" records the negative result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presupposes: Option<String>,
    /// How often the finding is present among people seen for low back, buttock
    /// or hip pain whatever the cause: the comparison every condition's own
    /// frequency is set against. Required for findings used as evidence.
    #[serde(default)]
    pub background: Option<Sourced>,
    /// Verified codes for the finding in standard terminologies (LOINC,
    /// SNOMED CT), used by FHIR output; empty rather than guessed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub codes: Vec<Code>,
    /// Reference ids of the sources for the finding's wording and use.
    pub sources: Vec<String>,
}

/// A yes/no finding that a recorded treatment response can answer: "yes" when
/// some tried treatment had one of `responses` and was tried for at least
/// `min_weeks` (or for an unrecorded time).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct FromTreatments {
    /// Treatment responses (for example `no_change`) that answer the finding.
    pub responses: Vec<String>,
    /// How long the treatment must have been tried.
    pub min_weeks: Sourced,
    /// Responses that show the pain improving (for example `good`): when any
    /// tried treatment had one, the finding is not answered from the others.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unless: Vec<String>,
}

/// Findings asked together in the interview.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct QuestionGroup {
    /// The id: the file name without `.toml`.
    #[serde(skip_deserializing)]
    pub id: String,
    /// Position in the interview (lower first).
    pub order: i64,
    /// Heading of the group.
    pub title: String,
    /// The prompt shown to a patient.
    pub patient_prompt: String,
    /// The prompt shown to a clinician.
    pub clinician_prompt: String,
    /// Whether several findings are answered on one screen (tick all that apply).
    #[serde(default)]
    pub multi_select: bool,
    /// A picture shown with the group's questions (a key of the web app's
    /// picture table), e.g. where to press for a self-check; with `picture_alt`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
    /// The picture in words: what a screen reader says and the tooltip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture_alt: Option<String>,
}

/// How the independent model scores a condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConditionModel {
    /// Prior odds times likelihood ratios.
    Bayes,
    /// The chance that none of the specific (Bayes) conditions applies.
    Exclusion,
}

/// A code for a condition in a terminology (ICD-10, SNOMED CT, ...).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Code {
    /// The terminology's system URI.
    pub system: String,
    /// The terminology version, if it matters.
    #[serde(default)]
    pub version: Option<String>,
    /// The code.
    pub code: String,
    /// The code's display text.
    pub display: String,
}

/// How a nerve entrapment presents, for the comparison table of `cluneal learn`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Comparison {
    /// Whether there are sensory symptoms (`yes`, `variable`, ...).
    pub sensory: String,
    /// Whether there is a motor deficit (`no`, `sometimes`, ...).
    pub motor_deficit: String,
    /// Where the pain is.
    pub pain_location: String,
    /// The key diagnostic tools.
    pub key_tools: Vec<String>,
}

/// The probability of a condition before any finding, in one care setting.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Prior {
    /// The care setting (one of `kb.toml`'s `settings`).
    pub setting: String,
    /// The probability.
    pub probability: f64,
    /// The reference id of the source.
    pub source: String,
    /// How strong the evidence behind it is.
    pub grade: Grade,
    /// Why the figure is what it is, where that needs saying (always for `expert_estimate`).
    #[serde(default)]
    pub note: Option<String>,
}

/// What one finding says about one condition.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    /// The finding id.
    pub finding: String,
    /// P(finding present | condition), as case series report it; set against
    /// the finding's `background`.
    #[serde(default)]
    pub frequency: Option<f64>,
    /// P(finding present | condition), with `specificity`.
    #[serde(default)]
    pub sensitivity: Option<f64>,
    /// P(finding absent | no condition), with `sensitivity`.
    #[serde(default)]
    pub specificity: Option<f64>,
    /// Likelihood ratio of a present finding, with `lr_negative`.
    #[serde(default)]
    pub lr_positive: Option<f64>,
    /// Likelihood ratio of an absent finding, with `lr_positive`.
    #[serde(default)]
    pub lr_negative: Option<f64>,
    /// The reference id of the source.
    pub source: String,
    /// How strong the evidence behind it is.
    pub grade: Grade,
    /// Why the figure is what it is, where that needs saying (always for `expert_estimate`).
    #[serde(default)]
    pub note: Option<String>,
}

/// Likelihood ratios of one finding for one condition, in a single normal form.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Likelihood {
    /// Likelihood ratio of a present finding.
    pub lr_positive: f64,
    /// Likelihood ratio of an absent finding.
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

/// A condition of the differential, with its priors and evidence.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// The id: the file name without `.toml`.
    #[serde(skip_deserializing)]
    pub id: String,
    /// Display name.
    pub name: String,
    /// Short name for tables.
    pub short_name: String,
    /// Its family (`entrapment`, `joint`, `serious`, ...).
    pub kind: String,
    /// Serious: listed as must-not-miss when supported.
    #[serde(default)]
    pub serious: bool,
    /// How the independent model scores it.
    pub model: ConditionModel,
    /// What it is, for a patient.
    pub patient_description: String,
    /// What it is, for a clinician.
    pub clinician_description: String,
    /// How it is managed.
    pub management: String,
    /// When and where to refer.
    pub referral: String,
    /// Terminology codes.
    #[serde(default)]
    pub codes: Vec<Code>,
    /// Its row in the comparison table, if it has one.
    #[serde(default)]
    pub comparison: Option<Comparison>,
    /// One prior per care setting.
    #[serde(default)]
    pub prior: Vec<Prior>,
    /// What each finding says about it.
    #[serde(default)]
    pub evidence: Vec<Evidence>,
    /// Conditions that often coexist with this one as a second cause of the
    /// same pain: each adds a joint hypothesis to the competing-causes model.
    #[serde(default)]
    pub coexists: Vec<Coexistence>,
    /// Findings that, answered yes, make the report name this condition as one
    /// to ask a clinician about, whatever its rank (for a condition that is
    /// often missed when its telltale sign is present).
    #[serde(default)]
    pub raise_when_any: Vec<String>,
    /// Other presentations of the same condition, each with its share of the
    /// condition's cases and the findings in which it differs: `evidence` is
    /// the main presentation, which keeps the share the variants leave.
    #[serde(default)]
    pub variant: Vec<Variant>,
}

/// One presentation of a condition that differs from its main one in some
/// findings (a fatigue fracture in young runners beside the insufficiency
/// fracture of older women). The condition's likelihood is the mixture of its
/// presentations, weighted by their shares.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// Unique within the condition.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The fraction of the condition's cases that present this way.
    pub share: Sourced,
    /// The findings in which it differs: each replaces the condition's entry
    /// for the same finding, or adds one; every other entry holds as it is.
    #[serde(default)]
    pub evidence: Vec<Evidence>,
}

/// "When this condition is present, `condition` is present too in this
/// fraction of patients" (for example SCNE in 21 of 50 MCNE patients).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Coexistence {
    /// The coexisting condition.
    pub condition: String,
    /// The fraction of patients with this condition who have it too.
    pub probability: f64,
    /// The reference id of the source.
    pub source: String,
    /// How strong the evidence behind it is.
    pub grade: Grade,
    /// Why the figure is what it is, where that needs saying (always for `expert_estimate`).
    #[serde(default)]
    pub note: Option<String>,
}

/// Findings that are not independent: the strongest counts in full, the rest at `residual_weight`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Correlation {
    /// The id: the file name without `.toml`.
    #[serde(skip_deserializing)]
    pub id: String,
    /// The correlated findings.
    pub findings: Vec<String>,
    /// The weight of every finding in the group but the strongest.
    pub residual_weight: Sourced,
    /// Why the findings go together.
    pub rationale: String,
}

/// A red-flag rule: which findings make a case urgent, and what to do.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RedFlag {
    /// The id: the file name without `.toml`.
    #[serde(skip_deserializing)]
    pub id: String,
    /// Display name.
    pub name: String,
    /// The urgency it sets when it fires.
    pub urgency: Urgency,
    /// Fires when enough of these are present (see `min_present`).
    #[serde(default)]
    pub any_of: Vec<String>,
    /// Fires only when all of these are present too.
    #[serde(default)]
    pub all_of: Vec<String>,
    /// How many of `any_of` must be present (default 1): "two or more of".
    #[serde(default)]
    pub min_present: Option<usize>,
    /// The conditions it warns of (always listed as must-not-miss when it fires).
    #[serde(default)]
    pub conditions: Vec<String>,
    /// What the patient should do, in plain language.
    pub patient_action: String,
    /// What the clinician should do.
    pub clinician_action: String,
    /// The reference id of the source.
    pub source: String,
    /// How strong the evidence behind it is.
    pub grade: Grade,
    /// Why the figure is what it is, where that needs saying (always for `expert_estimate`).
    #[serde(default)]
    pub note: Option<String>,
}

/// One item of a criteria set.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CriterionItem {
    /// The item as the source words it.
    pub text: String,
    /// The finding that meets it.
    #[serde(default)]
    pub finding: Option<String>,
    /// Findings any one of which meets it.
    #[serde(default)]
    pub any_of: Vec<String>,
    /// A nerve-block result the item asks for in its own terms (relief, time,
    /// guidance), read from the case's block records rather than from the
    /// protocol's own positive/negative reading.
    #[serde(default)]
    pub block: Option<CriterionBlock>,
}

/// The block result a criteria item asks for, exactly as its source defines it
/// (Kiral 2024: at least 70% relief 1 hour after an ultrasound-guided injection).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CriterionBlock {
    /// The block protocol whose records count.
    pub protocol: String,
    /// The least relief (0-1) that meets the item.
    pub min_relief: f64,
    /// When relief is read, in minutes after the injection.
    pub at_minutes: f64,
    /// How far from `at_minutes` a reading may lie and still count.
    pub tolerance_minutes: f64,
    /// The needle guidance the source used (`ultrasound`, `fluoroscopy`,
    /// `landmark`); a record without guidance leaves the item unknown.
    #[serde(default)]
    pub guidance: Option<String>,
}

/// A published diagnostic criteria set for a condition.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Criteria {
    /// The id: the file name without `.toml`.
    #[serde(skip_deserializing)]
    pub id: String,
    /// Display name.
    pub name: String,
    /// The condition it diagnoses.
    pub condition: String,
    /// The reference id of the source.
    pub source: String,
    /// How strong the evidence behind it is.
    pub grade: Grade,
    /// Why the figure is what it is, where that needs saying (always for `expert_estimate`).
    #[serde(default)]
    pub note: Option<String>,
    /// The items.
    pub item: Vec<CriterionItem>,
}

/// An examination manoeuvre or test of the work-up.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct DiagnosticStep {
    /// The id: the file name without `.toml`.
    #[serde(skip_deserializing)]
    pub id: String,
    /// Display name.
    pub name: String,
    /// Its kind (`exam`, `imaging`, `lab`, `block`, `electrodiagnostic`).
    pub kind: String,
    /// Position in the work-up (lower first).
    pub order: i64,
    /// The findings it answers.
    #[serde(default)]
    pub findings: Vec<String>,
    /// Conditions a positive result supports.
    #[serde(default)]
    pub rules_in: Vec<String>,
    /// Conditions a negative result argues against.
    #[serde(default)]
    pub rules_out: Vec<String>,
    /// When to do it, and how.
    pub when: String,
    /// What happens, for a patient.
    pub patient_explanation: String,
    /// Reference ids of the sources.
    pub sources: Vec<String>,
}

/// A diagnostic nerve-block protocol and how to read its result.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BlockProtocol {
    /// The id: the file name without `.toml`.
    #[serde(skip_deserializing)]
    pub id: String,
    /// Display name.
    pub name: String,
    /// The condition the block tests for.
    pub condition: String,
    /// The finding its result answers.
    pub result_finding: String,
    /// Percent relief from which the block counts as positive.
    pub positive_relief: Sourced,
    /// Percent relief from which it counts as inconclusive rather than negative.
    pub inconclusive_relief: Sourced,
    /// Start of the reading window, minutes after the injection.
    pub window_start_minutes: Sourced,
    /// End of the reading window, minutes after the injection.
    pub window_end_minutes: Sourced,
    /// What the patient should expect, one point each.
    #[serde(default)]
    pub patient_expectations: Vec<String>,
    /// What to do after a positive block.
    pub positive_next: String,
    /// What to do after a negative block.
    pub negative_next: String,
    /// What to do after an inconclusive block.
    pub inconclusive_next: String,
    /// Reference ids of the sources.
    pub sources: Vec<String>,
}

/// A reported outcome of a treatment.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    /// The outcome in our own words.
    pub text: String,
    /// The reference id of the source.
    pub source: String,
    /// How strong the evidence behind it is.
    pub grade: Grade,
}

/// A treatment or release technique.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Treatment {
    /// The id: the file name without `.toml`.
    #[serde(skip_deserializing)]
    pub id: String,
    /// Display name.
    pub name: String,
    /// Its kind (`conservative`, `interventional`, `release_non_surgical`, `release_surgical`).
    pub category: String,
    /// The plan step it belongs to.
    pub step: String,
    /// What it is, for a patient.
    pub patient_description: String,
    /// What it is, for a clinician.
    pub clinician_description: String,
    /// Cautions, one each.
    #[serde(default)]
    pub cautions: Vec<String>,
    /// The conditions it is used for.
    #[serde(default)]
    pub conditions: Vec<String>,
    /// Reported outcomes.
    #[serde(default)]
    pub outcome: Vec<Outcome>,
    /// Reference ids of the sources.
    pub sources: Vec<String>,
}

/// A step of the stepped plan.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PlanStep {
    /// The id: the file name without `.toml`.
    #[serde(skip_deserializing)]
    pub id: String,
    /// Position in the plan (lower first).
    pub order: i64,
    /// Display name.
    pub name: String,
    /// When a patient enters the step.
    pub entry: String,
    /// The step, for a patient.
    pub patient_summary: String,
    /// How long the step usually lasts.
    #[serde(default)]
    pub typical_duration_weeks: Option<Sourced>,
    /// When to move on to the next step.
    pub move_on_when: String,
    /// The step counts as done once this finding has been answered (e.g. a block result).
    #[serde(default)]
    pub completed_by_finding: Option<String>,
    /// The step is open only when this finding is present (e.g. a positive block).
    #[serde(default)]
    pub requires_finding: Option<String>,
    /// For a block step: relief lasting at least this many weeks (the latest
    /// block reading still at or above the protocol's positive relief) means
    /// the block itself manages the pain, so the steps that require a positive
    /// block are not stepped up to; the block is repeated when pain returns.
    #[serde(default)]
    pub lasting_relief_weeks: Option<Sourced>,
    /// Reference ids of the sources.
    pub sources: Vec<String>,
}

/// How much of an exercise to do.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Dosage {
    /// Sets per session.
    pub sets: u32,
    /// Repetitions per set.
    pub reps: u32,
    /// Seconds to hold each repetition (0: no hold).
    pub hold_seconds: u32,
    /// Sessions per week.
    pub per_week: u32,
    /// The reference id of the source.
    pub source: String,
    /// How strong the evidence behind it is.
    pub grade: Grade,
    /// Why the figure is what it is, where that needs saying (always for `expert_estimate`).
    #[serde(default)]
    pub note: Option<String>,
}

/// A finding that rules an exercise out, and why.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct FindingReason {
    /// The finding.
    pub finding: String,
    /// Why, in plain language.
    pub reason: String,
}

/// A condition that rules an exercise out, and why.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ConditionReason {
    /// The condition.
    pub condition: String,
    /// Why, in plain language.
    pub reason: String,
}

/// An exercise with its dosage and contraindications.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Exercise {
    /// The id: the file name without `.toml`.
    #[serde(skip_deserializing)]
    pub id: String,
    /// Display name.
    pub name: String,
    /// Whether the seed article names it.
    pub from_seed: bool,
    /// What it is for.
    pub purpose: String,
    /// How to do it, step by step.
    pub steps: Vec<String>,
    /// How much to do.
    pub dosage: Dosage,
    /// How to make it harder, step by step.
    #[serde(default)]
    pub progression: Vec<String>,
    /// How to make it easier.
    #[serde(default)]
    pub regression: Option<String>,
    /// Findings that rule it out.
    #[serde(default)]
    pub avoid_if: Vec<FindingReason>,
    /// Conditions that rule it out.
    #[serde(default)]
    pub avoid_with_conditions: Vec<ConditionReason>,
    /// Cautions, one each.
    #[serde(default)]
    pub cautions: Vec<String>,
    /// The key of its picture in the web app (`web/pictures.js`), which draws
    /// the start and the end position; unique across exercises.
    pub picture: String,
    /// The picture's text alternative in plain language: what the start and the
    /// end position look like. The web app uses it as the picture's label.
    pub picture_alt: String,
    /// Reference ids of the sources.
    pub sources: Vec<String>,
}

/// Which list of the plan a self-care item belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum SelfCareKind {
    /// Massage and self-massage.
    Massage,
    /// Self-care now.
    SelfCare,
    /// Long-term care.
    LongTerm,
    /// Prevention.
    Prevention,
    /// When to seek care.
    SeekCare,
}

/// A self-care, prevention or seek-care item.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SelfCare {
    /// The id: the file name without `.toml`.
    #[serde(skip_deserializing)]
    pub id: String,
    /// Which list it belongs to.
    pub kind: SelfCareKind,
    /// Display name.
    pub name: String,
    /// Whether the seed article names it.
    #[serde(default)]
    pub from_seed: bool,
    /// The advice, in plain language.
    pub text: String,
    /// Steps, if it has any.
    #[serde(default)]
    pub steps: Vec<String>,
    /// Cautions, one each.
    #[serde(default)]
    pub cautions: Vec<String>,
    /// For seek-care items: how urgently.
    #[serde(default)]
    pub urgency: Option<Urgency>,
    /// The findings the advice is about (finding ids). When every one of them is
    /// answered "no", the advice is left out of the plan: no advice for what the
    /// person denied. Empty: always given.
    #[serde(default)]
    pub about_findings: Vec<String>,
    /// Reference ids of the sources.
    pub sources: Vec<String>,
}

/// A section of an education topic.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Section {
    /// The heading.
    pub heading: String,
    /// The text, in plain language.
    pub text: String,
}

/// A `cluneal learn` topic.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Education {
    /// The id: the file name without `.toml`.
    #[serde(skip_deserializing)]
    pub id: String,
    /// Position in the topic list (lower first).
    pub order: i64,
    /// The title.
    pub title: String,
    /// The sections.
    pub sections: Vec<Section>,
    /// Related knowledge ids.
    #[serde(default)]
    pub related: Vec<String>,
    /// Reference ids of the sources.
    pub sources: Vec<String>,
}

/// A group of conditions with a comparison profile (for example nerve entrapments).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    /// The id: the file name without `.toml`.
    #[serde(skip_deserializing)]
    pub id: String,
    /// Display name.
    pub name: String,
    /// The member conditions.
    pub members: Vec<String>,
    /// The group's own row in the comparison table.
    pub comparison: Comparison,
}

/// One structured citation.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    /// The id: `firstauthor_year` or an organisation slug.
    #[serde(skip_deserializing)]
    pub id: String,
    /// The authors.
    #[serde(default)]
    pub authors: Vec<String>,
    /// The title.
    pub title: String,
    /// The journal, if any.
    #[serde(default)]
    pub journal: Option<String>,
    /// The year of publication.
    #[serde(default)]
    pub year: Option<i64>,
    /// Volume, issue and pages.
    #[serde(default)]
    pub volume: Option<String>,
    /// Where to read it.
    #[serde(default)]
    pub url: Option<String>,
    /// The kind of source (`article`, `review`, `guideline`, `case_series`, ...).
    pub kind: String,
    /// What it supports, where that needs saying.
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

/// One item of the seed article.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SeedItem {
    /// The article's section.
    pub section: String,
    /// The item in our own words.
    pub text: String,
    /// The knowledge ids that represent it.
    pub covered_by: Vec<String>,
}

/// The contents of `seed_coverage.toml`: every item of the seed article with the knowledge ids that represent it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SeedCoverage {
    /// The items.
    #[serde(default)]
    pub item: Vec<SeedItem>,
}

/// Codes in a health record that stand for a finding or for a treatment
/// already tried (`knowledge/record_codes/`): how FHIR `$assess` and CDS
/// Hooks read an EHR. A code present gives "yes" (or the observation's value);
/// a code absent says nothing, because a record that does not mention
/// something has not denied it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RecordCodes {
    /// File name = id.
    #[serde(skip_deserializing)]
    pub id: String,
    /// What the codes mean, in a few words.
    pub name: String,
    /// The FHIR resource types read: `Condition`, `Observation`, `Procedure`,
    /// `MedicationRequest`, `MedicationStatement`.
    pub resources: Vec<String>,
    /// The finding a matching entry answers (yes, or the observed value for a
    /// scale or number finding).
    #[serde(default)]
    pub finding: Option<String>,
    /// For a choice finding: the option a matching entry gives.
    #[serde(default)]
    pub option: Option<String>,
    /// The treatment a matching entry records as tried (response unknown).
    #[serde(default)]
    pub treatment: Option<String>,
    /// Which entries count: only current ones (`active`), or past ones too (`any`).
    pub status: RecordStatus,
    /// Only entries dated at most this many days before the assessment.
    #[serde(default)]
    pub within_days: Option<u32>,
    /// The onset of a matching Condition dates the pain: the case's
    /// `duration_weeks` is taken from the earliest such onset.
    #[serde(default)]
    pub gives_duration: bool,
    /// The codes; each names the reference where it was checked.
    pub codes: Vec<RecordCode>,
    /// Why these codes, and what was left out.
    #[serde(default)]
    pub note: Option<String>,
}

/// Which record entries a [`RecordCodes`] mapping reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordStatus {
    /// Current entries only: a Condition whose clinical status is active,
    /// recurrence or relapse (or not stated), a medication active or on hold,
    /// a procedure in progress or completed.
    Active,
    /// Past entries too (a history: a resolved cancer is still a history of cancer).
    Any,
}

/// One code (or, with `prefix`, every code that starts with it) of a record mapping.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RecordCode {
    /// The terminology's system URI.
    pub system: String,
    /// The code, or the start of the codes when `prefix` is true (ICD-10 categories, ATC groups).
    pub code: String,
    /// The display text the terminology gives it.
    pub display: String,
    /// Match every code that starts with `code` (hierarchical code systems only).
    #[serde(default)]
    pub prefix: bool,
    /// The reference (id) the code and its display were checked against.
    pub source: String,
}

impl RecordCode {
    /// Whether a record coding `(system, code)` is this code.
    /// ICD-10 codes are compared without their dot, which some records leave out.
    pub fn matches(&self, system: &str, code: &str) -> bool {
        if system != self.system {
            return false;
        }
        let (mine, theirs) = if system.contains("icd-10") {
            (self.code.replace('.', ""), code.trim().replace('.', ""))
        } else {
            (self.code.clone(), code.trim().to_string())
        };
        if self.prefix { theirs.starts_with(&mine) } else { theirs == mine }
    }
}

/// A CDS Hooks card Cluneal may return (`knowledge/cds_cards/`): its hook,
/// when it applies, and its wording and sources. The engine decides whether a
/// record fits; the words and the code lists are reviewed here, not in Rust.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CdsCard {
    /// File name = id; also the card's stable part of its uuid.
    #[serde(skip_deserializing)]
    pub id: String,
    /// `patient-view`, or `order-select` (also served on `order-sign`).
    pub hook: String,
    /// What makes the card apply (see [`CdsTrigger`]).
    pub trigger: CdsTrigger,
    /// For `persistent_pain_without_cause` and order cards: how long the pain
    /// must have lasted, in weeks, with its source.
    #[serde(default)]
    pub min_weeks: Option<Sourced>,
    /// `info`, `warning` or `critical`.
    pub indicator: String,
    /// One line, under 140 characters (CDS Hooks); `{condition}` is replaced by the condition's name.
    pub summary: String,
    /// GitHub-flavoured Markdown for the clinician.
    pub detail: String,
    /// The label of the link that opens Cluneal's clinician mode with the record's findings.
    #[serde(default)]
    pub link_label: Option<String>,
    /// Reasons a clinician may give for not following the card.
    #[serde(default)]
    pub override_reasons: Vec<OverrideReason>,
    /// For order cards: the draft orders that make it apply (lumbar MRI, spinal
    /// injections, lumbar surgery), each code with the reference it was checked against.
    #[serde(default)]
    pub order_codes: Vec<RecordCode>,
    /// Reference ids behind the advice.
    pub sources: Vec<String>,
}

/// When a CDS card applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CdsTrigger {
    /// A red flag in the record reaches urgent or emergency triage.
    RedFlag,
    /// Low back or buttock pain for at least `min_weeks` (from the record)
    /// with no specific cause diagnosed in it.
    PersistentPainWithoutCause,
    /// A draft order matches `order_codes` while the record shows low back or
    /// buttock pain without a specific cause diagnosed.
    OrderForUnexplainedPain,
}

/// A reason to override a card, as a CDS Hooks `overrideReasons` Coding.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OverrideReason {
    /// The code (Cluneal's override-reason code system).
    pub code: String,
    /// What the clinician sees.
    pub display: String,
}
