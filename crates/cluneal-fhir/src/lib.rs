//! FHIR R4 (JSON) for Cluneal: the interview as a `Questionnaire` generated
//! from the knowledge base, the SDC adaptive-form operation `$next-question`
//! driven by [`cluneal_engine::Engine::next_step`], and the `CapabilityStatement` that says
//! exactly that much.
//!
//! Pure, like the engine: resources go in and come out as `serde_json`
//! values (whose maps are sorted, so output is deterministic); no I/O, no
//! clock. HTTP lives in `cluneal-server`, printing in `cluneal-cli`.
//!
//! Identifiers are the knowledge base's: an item's `linkId` is the finding id
//! (stable forever, see `docs/kb-authoring.md`), and its `code` is the same id
//! in Cluneal's own code system ([`FINDING_SYSTEM`]), because findings carry
//! no verified standard code yet and none is guessed.

mod assess;
mod capability;
pub mod cds;
mod codesystem;
mod dates;
mod next;
mod questionnaire;
mod record;

use cluneal_engine::Respondent;
use serde_json::{Value, json};

pub use assess::{AssessOptions, assess};
pub use capability::{CAPABILITY_DATE, assess_operation_definition, capability_statement};
pub use codesystem::{CODE_SYSTEMS, code_system};
pub use dates::{CalendarDate, parse_date};
pub use next::next_question;
pub use questionnaire::{LinkRow, link_table, link_table_markdown, questionnaire};
pub use record::{Basis, FromRecord, case_from_bundle, patient_bundle, record_table_markdown};

/// Cluneal's code system for findings: the code is the finding id.
pub const FINDING_SYSTEM: &str = "https://cluneal.org/fhir/CodeSystem/finding";
/// Cluneal's code system for conditions: the code is the condition id.
pub const CONDITION_SYSTEM: &str = "https://cluneal.org/fhir/CodeSystem/condition";
/// Cluneal's code system for the steps of the stepped plan.
pub const PLAN_STEP_SYSTEM: &str = "https://cluneal.org/fhir/CodeSystem/plan-step";
/// Cluneal's code system for exercises.
pub const EXERCISE_SYSTEM: &str = "https://cluneal.org/fhir/CodeSystem/exercise";
/// Cluneal's code system for work-up steps (examinations, tests, blocks).
pub const DIAGNOSTIC_SYSTEM: &str = "https://cluneal.org/fhir/CodeSystem/diagnostic";
/// Cluneal's code system for its assessment methods (the differential models).
pub const METHOD_SYSTEM: &str = "https://cluneal.org/fhir/CodeSystem/method";
/// Cluneal's code system for the options of choice questions: the code is the option id.
pub const OPTION_SYSTEM: &str = "https://cluneal.org/fhir/CodeSystem/answer-option";
/// FHIR's administrative gender, for the `sex` question (its codes are the case's).
pub const GENDER_SYSTEM: &str = "http://hl7.org/fhir/administrative-gender";
/// Canonical URLs of Cluneal's questionnaires start with this.
pub const QUESTIONNAIRE_BASE: &str = "https://cluneal.org/fhir/Questionnaire/";
/// The SDC extension that marks a questionnaire as adaptive.
pub const ADAPTIVE_EXTENSION: &str =
    "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-questionnaireAdaptive";
/// The SDC `$next-question` operation this crate implements.
pub const NEXT_QUESTION_OPERATION: &str =
    "http://hl7.org/fhir/uv/sdc/OperationDefinition/Questionnaire-next-question";
/// Cluneal's `$assess` operation.
pub const ASSESS_OPERATION: &str = "https://cluneal.org/fhir/OperationDefinition/assess";
/// The FHIR version of every resource here.
pub const FHIR_VERSION: &str = "4.0.1";

/// The questionnaire id (and `Questionnaire/{id}` path) for a respondent: the
/// patient's wording, or the clinician's with examination and test items.
pub fn questionnaire_id(respondent: Respondent) -> &'static str {
    match respondent {
        Respondent::Patient => "cluneal-interview",
        Respondent::Clinician => "cluneal-interview-clinician",
    }
}

/// The respondent whose questionnaire has this id, if it is one of Cluneal's.
pub fn respondent_of(id: &str) -> Option<Respondent> {
    [Respondent::Patient, Respondent::Clinician].into_iter().find(|r| questionnaire_id(*r) == id)
}

/// The canonical URL of a respondent's questionnaire.
pub fn questionnaire_url(respondent: Respondent) -> String {
    format!("{QUESTIONNAIRE_BASE}{}", questionnaire_id(respondent))
}

/// A name-based UUID (RFC 9562 version 8, SHA-256) from the given parts, each
/// followed by a NUL byte: the same parts always give the same id, so output
/// that names resources and cards by it stays deterministic.
pub(crate) fn name_uuid<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for part in parts {
        h.update(part);
        h.update([0]);
    }
    let d = h.finalize();
    let mut b = [0u8; 16];
    for (slot, byte) in b.iter_mut().zip(d.iter()) {
        *slot = *byte;
    }
    if let Some(x) = b.get_mut(6) {
        *x = (*x & 0x0f) | 0x80;
    }
    if let Some(x) = b.get_mut(8) {
        *x = (*x & 0x3f) | 0x80;
    }
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        hex.get(..8).unwrap_or(""),
        hex.get(8..12).unwrap_or(""),
        hex.get(12..16).unwrap_or(""),
        hex.get(16..20).unwrap_or(""),
        hex.get(20..).unwrap_or("")
    )
}

/// One thing wrong with a request, with its FHIRPath-like location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// The OperationOutcome issue type (`structure`, `invalid`, `value`, `required`, `not-supported`, ...).
    pub code: &'static str,
    /// What is wrong, lower case, user input in backticks.
    pub message: String,
    /// Where, e.g. `QuestionnaireResponse.item[0].answer[0]`.
    pub location: String,
}

/// A request Cluneal cannot process: every problem found, and the HTTP
/// status it deserves (400 for a malformed resource, 422 for answers the
/// knowledge base cannot take). Rendered as an `OperationOutcome`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", describe(.issues))]
pub struct FhirError {
    /// 400 or 422.
    pub status: u16,
    /// Every problem, in the order found.
    pub issues: Vec<Issue>,
}

fn describe(issues: &[Issue]) -> String {
    issues.iter().map(|i| format!("{}: {}", i.location, i.message)).collect::<Vec<_>>().join("; ")
}

impl FhirError {
    /// A malformed request (400).
    pub fn structure(location: impl Into<String>, message: impl Into<String>) -> FhirError {
        FhirError {
            status: 400,
            issues: vec![Issue { code: "structure", message: message.into(), location: location.into() }],
        }
    }

    /// A well-formed request with content Cluneal cannot take (422).
    pub fn invalid(location: impl Into<String>, message: impl Into<String>) -> FhirError {
        FhirError {
            status: 422,
            issues: vec![Issue { code: "invalid", message: message.into(), location: location.into() }],
        }
    }

    /// The error as an R4 `OperationOutcome`.
    pub fn operation_outcome(&self) -> Value {
        operation_outcome(&self.issues)
    }
}

/// An R4 `OperationOutcome` with one error issue per problem.
pub fn operation_outcome(issues: &[Issue]) -> Value {
    json!({
        "resourceType": "OperationOutcome",
        "issue": issues.iter().map(|i| {
            let mut issue = json!({ "severity": "error", "code": i.code, "diagnostics": i.message });
            if !i.location.is_empty()
                && let Some(o) = issue.as_object_mut()
            {
                o.insert("expression".into(), json!([i.location]));
            }
            issue
        }).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questionnaire_ids_round_trip() {
        for r in [Respondent::Patient, Respondent::Clinician] {
            assert_eq!(respondent_of(questionnaire_id(r)), Some(r));
        }
        assert_eq!(respondent_of("other"), None);
    }

    #[test]
    fn errors_become_operation_outcomes_with_locations() {
        let e = FhirError::invalid("QuestionnaireResponse.item[0].linkId", "unknown `x`");
        let oo = e.operation_outcome();
        assert_eq!(oo["resourceType"], "OperationOutcome");
        assert_eq!(oo["issue"][0]["code"], "invalid");
        assert_eq!(oo["issue"][0]["expression"][0], "QuestionnaireResponse.item[0].linkId");
        assert_eq!(e.to_string(), "QuestionnaireResponse.item[0].linkId: unknown `x`");
    }
}
