//! The case: what is known about one patient. It is plain data; [`crate::Engine::check`]
//! turns it into facts or names every field that is wrong.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The allowed range of one of the case's numbers, both ends included. Each
/// range below is both checked by [`crate::Engine::check`] and written into
/// the case's JSON Schema, so the check and the schema cannot disagree.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    /// The smallest allowed value.
    pub min: f64,
    /// The largest allowed value.
    pub max: f64,
}

impl Bounds {
    /// Whether `v` is a finite number inside the range.
    pub fn contains(self, v: f64) -> bool {
        v.is_finite() && v >= self.min && v <= self.max
    }
}

/// Age in years.
pub const AGE_YEARS: Bounds = Bounds { min: 0.0, max: 120.0 };
/// A duration in weeks (how long the pain has lasted, how long a treatment was tried): up to 100 years.
pub const WEEKS: Bounds = Bounds { min: 0.0, max: 5200.0 };
/// A pain score on the 0-10 numeric rating scale.
pub const PAIN: Bounds = Bounds { min: 0.0, max: 10.0 };
/// Minutes from a block injection to a pain reading.
pub const BLOCK_MINUTES: Bounds = Bounds { min: 0.0, max: 100_000.0 };
/// Hours from a block injection to a pain reading.
pub const BLOCK_HOURS: Bounds = Bounds { min: 0.0, max: 2_000.0 };

/// One patient's presentation, as entered by a patient or a clinician.
// `remote = "Self"` makes the derives inherent functions, so that the trait
// impls below can insist on a JSON object: serde's derive would also read a
// case from an array of fields, and `[]` would pass as an empty case.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, remote = "Self")]
pub struct Case {
    /// A free label for the case (not used by the engine).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Age in years.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(range(min = AGE_YEARS.min, max = AGE_YEARS.max)))]
    pub age: Option<f64>,
    /// Sex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<Sex>,
    /// Care setting whose priors apply (a setting id of the knowledge base, e.g.
    /// `primary_care` or `spine_clinic`); the knowledge base's default when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub setting: Option<String>,
    /// How long the pain has lasted, in weeks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(range(min = WEEKS.min, max = WEEKS.max)))]
    pub duration_weeks: Option<f64>,
    /// Which side hurts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sides: Option<Sides>,
    /// Who answers the questions: a patient is never asked examination or test items.
    #[serde(default)]
    pub respondent: Respondent,
    /// Answers keyed by finding id: `"yes"`, `"no"`, `"unknown"` (or `true`/`false`),
    /// a number for scale and number findings, an option for choice findings.
    #[serde(default)]
    pub answers: BTreeMap<String, Answer>,
    /// A diagnostic nerve block, if one was done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block: Option<BlockRecord>,
    /// Further nerve blocks (for example a middle cluneal block beside a superior one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blocks: Vec<BlockRecord>,
    /// Treatments already tried and how they worked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub treatments_tried: Vec<TreatmentTried>,
}

impl Serialize for Case {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Case::serialize(self, s)
    }
}

impl<'de> Deserialize<'de> for Case {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Case, D::Error> {
        struct Object;
        impl<'de> serde::de::Visitor<'de> for Object {
            type Value = Case;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a case: a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Case, A::Error> {
                Case::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }
        d.deserialize_map(Object)
    }
}

impl Case {
    /// Every block record, the single `block` first.
    pub fn all_blocks(&self) -> impl Iterator<Item = &BlockRecord> {
        self.block.iter().chain(&self.blocks)
    }
}

/// Sex, as the case records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// Female.
    Female,
    /// Male.
    Male,
    /// Other or not said.
    Other,
}

impl Sex {
    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
            Sex::Other => "other",
        }
    }
}

/// Which side hurts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Sides {
    /// The left side.
    Left,
    /// The right side.
    Right,
    /// Both sides.
    Both,
    /// In the middle of the back, neither side more than the other.
    Central,
}

impl Sides {
    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Sides::Left => "left",
            Sides::Right => "right",
            Sides::Both => "both",
            Sides::Central => "central",
        }
    }
}

/// Who answers: it picks the wording of questions and messages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Respondent {
    /// The patient.
    Patient,
    /// A clinician (the default).
    #[default]
    Clinician,
}

/// An answer to one finding.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// Present.
    Yes,
    /// Absent.
    No,
    /// Not known (the same as not answering).
    Unknown,
    /// A number (scale and number findings).
    Number(f64),
    /// One of the finding's options (choice findings).
    Choice(String),
}

impl Answer {
    /// The answer as it is written in a case file.
    pub fn describe(&self) -> String {
        match self {
            Answer::Yes => "yes".into(),
            Answer::No => "no".into(),
            Answer::Unknown => "unknown".into(),
            Answer::Number(n) => format!("{n}"),
            Answer::Choice(c) => c.clone(),
        }
    }
}

impl Serialize for Answer {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Answer::Yes => s.serialize_str("yes"),
            Answer::No => s.serialize_str("no"),
            Answer::Unknown => s.serialize_str("unknown"),
            Answer::Number(n) => s.serialize_f64(*n),
            Answer::Choice(c) => s.serialize_str(c),
        }
    }
}

impl<'de> Deserialize<'de> for Answer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Answer, D::Error> {
        struct AnswerVisitor;
        impl Visitor<'_> for AnswerVisitor {
            type Value = Answer;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("\"yes\", \"no\", \"unknown\", true, false, a number or an option name")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Answer, E> {
                Ok(if v { Answer::Yes } else { Answer::No })
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Answer, E> {
                Ok(Answer::Number(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Answer, E> {
                Ok(Answer::Number(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Answer, E> {
                Ok(Answer::Number(v))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Answer, E> {
                Ok(Answer::Unknown)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Answer, E> {
                Ok(match v {
                    "yes" | "present" | "true" => Answer::Yes,
                    "no" | "absent" | "false" => Answer::No,
                    "unknown" | "" => Answer::Unknown,
                    other => Answer::Choice(other.to_string()),
                })
            }
        }
        d.deserialize_any(AnswerVisitor)
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Answer {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Answer".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "\"yes\", \"no\" or \"unknown\" (or true / false / null) for yes/no findings; a number for scale (0-10) and number findings; an option name for choice findings.",
            "anyOf": [
                { "type": "string" },
                { "type": "boolean" },
                { "type": "number" },
                { "type": "null" }
            ]
        })
    }
}

/// A diagnostic nerve block and the pain scores around it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct BlockRecord {
    /// Block protocol id in the knowledge base (e.g. `scn_block`); the default protocol when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// Pain (0-10) just before the block.
    #[cfg_attr(feature = "schema", schemars(range(min = PAIN.min, max = PAIN.max)))]
    pub pain_before: f64,
    /// Pain scores after the block.
    #[serde(default)]
    pub readings: Vec<BlockReading>,
    /// Local anaesthetic and any steroid used, e.g. "lidocaine 1% 3 mL".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// Which side was injected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub side: Option<Sides>,
    /// How the needle was guided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guidance: Option<Guidance>,
}

/// How a block needle was guided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Guidance {
    /// By landmarks.
    Landmark,
    /// By ultrasound.
    Ultrasound,
    /// By fluoroscopy.
    Fluoroscopy,
}

impl Guidance {
    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Guidance::Landmark => "landmark",
            Guidance::Ultrasound => "ultrasound",
            Guidance::Fluoroscopy => "fluoroscopy",
        }
    }
}

/// One pain score after a block: give `minutes` or `hours` after the injection.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct BlockReading {
    /// Minutes after the injection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(range(min = BLOCK_MINUTES.min, max = BLOCK_MINUTES.max)))]
    pub minutes: Option<f64>,
    /// Hours after the injection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(range(min = BLOCK_HOURS.min, max = BLOCK_HOURS.max)))]
    pub hours: Option<f64>,
    /// Pain (0-10) at that time.
    #[cfg_attr(feature = "schema", schemars(range(min = PAIN.min, max = PAIN.max)))]
    pub pain: f64,
}

impl BlockReading {
    /// Minutes after the injection, whichever unit was given.
    pub fn at_minutes(&self) -> Option<f64> {
        match (self.minutes, self.hours) {
            (Some(m), None) => Some(m),
            (None, Some(h)) => Some(h * 60.0),
            _ => None,
        }
    }
}

/// A treatment already tried.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct TreatmentTried {
    /// Treatment id in the knowledge base (e.g. `nsaids`).
    pub treatment: String,
    /// How it worked.
    pub response: Response,
    /// For how many weeks it was tried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(range(min = WEEKS.min, max = WEEKS.max)))]
    pub weeks: Option<f64>,
}

/// How a tried treatment worked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Response {
    /// Clearly better.
    Good,
    /// Somewhat better, not enough.
    Partial,
    /// No change.
    None,
    /// Worse.
    Worse,
}

impl Response {
    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Response::Good => "good",
            Response::Partial => "partial",
            Response::None => "none",
            Response::Worse => "worse",
        }
    }
}

/// One thing wrong with a case: the field at fault and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct CaseProblem {
    /// A path into the case, e.g. `answers.crest_tenderness` or `block.readings[1].pain`.
    pub path: String,
    /// What is wrong, in lower case, user input in backticks.
    pub message: String,
}

impl fmt::Display for CaseProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {}", self.path, self.message)
    }
}

/// Every problem found in a case.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the case has {} problem(s): {}", .0.len(), .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct CaseError(pub Vec<CaseProblem>);

/// Adds a problem at `path` when `v` lies outside `bounds`.
pub(crate) fn range(problems: &mut Vec<CaseProblem>, path: &str, v: f64, bounds: Bounds) {
    if !bounds.contains(v) {
        problems.push(CaseProblem {
            path: path.into(),
            message: format!("{v} is out of range: allowed {} to {}", bounds.min, bounds.max),
        });
    }
}
