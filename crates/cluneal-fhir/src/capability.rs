//! The `CapabilityStatement` of `GET /fhir/metadata`: what is implemented and
//! nothing more (reading the two questionnaires, `$next-question`, and the
//! system operation `$assess` with its OperationDefinition).

use cluneal_engine::Respondent;
use cluneal_kb::KnowledgeBase;
use serde_json::{Value, json};

use crate::{ASSESS_OPERATION, FHIR_VERSION, NEXT_QUESTION_OPERATION, questionnaire_id};

/// The statement's `date` (required by R4): when what it states last changed.
/// A constant, not the clock, so the statement is the same on every call;
/// change it with the statement.
pub const CAPABILITY_DATE: &str = "2026-11-30";

/// The server's capabilities. `software_version` is the binary's version.
pub fn capability_statement(kb: &KnowledgeBase, software_version: &str) -> Value {
    let ids = [Respondent::Patient, Respondent::Clinician].map(questionnaire_id);
    json!({
        "resourceType": "CapabilityStatement",
        "id": "cluneal",
        "name": "Cluneal",
        "title": "Cluneal FHIR interface",
        "status": "active",
        "date": CAPABILITY_DATE,
        "publisher": "Cluneal",
        "description": "Cluneal's interview for low back and buttock pain as FHIR R4: the interview as a Questionnaire, the SDC adaptive form operation that asks it one step at a time, and $assess, which reads a patient's record or answers and returns the assessment as standard resources.",
        "kind": "instance",
        "software": { "name": "Cluneal", "version": software_version },
        "implementation": {
            "description": format!("Cluneal with {} version {}", kb.meta().name, kb.meta().version),
        },
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json"],
        "rest": [{
            "mode": "server",
            "documentation": "No search, history, create, update or delete. Every response is application/fhir+json; errors are OperationOutcome resources.",
            "operation": [{ "name": "assess", "definition": ASSESS_OPERATION }],
            "resource": [{
                "type": "Questionnaire",
                "documentation": format!(
                    "Read only, ids `{}` (patient wording) and `{}` (clinician wording, examination and tests included). $next-question takes a QuestionnaireResponse with its contained Questionnaire (or Parameters with it as `questionnaire-response`) and returns it with the next step appended.",
                    ids[0], ids[1]
                ),
                "interaction": [{ "code": "read" }],
                "operation": [{ "name": "next-question", "definition": NEXT_QUESTION_OPERATION }],
            }, {
                "type": "CodeSystem",
                "documentation": format!("Read only: Cluneal's own code systems, generated from the knowledge base, ids `{}`.", crate::CODE_SYSTEMS.join("`, `")),
                "interaction": [{ "code": "read" }],
            }, {
                "type": "OperationDefinition",
                "documentation": "Read only, id `assess`: the definition of $assess.",
                "interaction": [{ "code": "read" }],
            }],
        }],
    })
}

/// The OperationDefinition of `$assess` (`GET /fhir/OperationDefinition/assess`).
pub fn assess_operation_definition() -> Value {
    json!({
        "resourceType": "OperationDefinition",
        "id": "assess",
        "url": ASSESS_OPERATION,
        "name": "Assess",
        "title": "Cluneal assessment of low back, buttock or hip pain",
        "status": "active",
        "kind": "operation",
        "date": CAPABILITY_DATE,
        "publisher": "Cluneal",
        "description": "Reads a patient's record (a Bundle of Patient, Condition, Observation, Procedure, MedicationRequest and MedicationStatement resources, as an EHR or a bulk export holds them) or a QuestionnaireResponse of Cluneal's interview, and returns the assessment as a collection Bundle: a RiskAssessment with one prediction per condition, a ClinicalImpression, Conditions (verificationStatus differential or provisional), a CarePlan, ServiceRequests for the suggested work-up, and an OperationOutcome listing what in the record was not used. Record codes become findings through the knowledge base's record mappings (docs/integration.md). Decision support, not a diagnosis.",
        "code": "assess",
        "system": true,
        "type": false,
        "instance": false,
        "affectsState": false,
        "parameter": [
            { "name": "record", "use": "in", "min": 0, "max": "1", "type": "Bundle",
              "documentation": "The patient's resources. Give this or questionnaire-response; the body may also be the Bundle itself." },
            { "name": "questionnaire-response", "use": "in", "min": 0, "max": "1", "type": "QuestionnaireResponse",
              "documentation": "Answers to cluneal-interview or cluneal-interview-clinician, with the contained Questionnaire as $next-question returns it." },
            { "name": "setting", "use": "in", "min": 0, "max": "1", "type": "code",
              "documentation": "The care setting whose priors apply (primary_care, physiotherapy, spine_clinic, emergency_department, ...); the knowledge base's default when absent." },
            { "name": "date", "use": "in", "min": 0, "max": "1", "type": "date",
              "documentation": "The date ages and durations count to; today (UTC) when absent." },
            { "name": "return", "use": "out", "min": 1, "max": "1", "type": "Bundle",
              "documentation": "The assessment." }
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_states_the_reads_next_question_and_assess_only() {
        let kb = KnowledgeBase::embedded().unwrap();
        let cs = capability_statement(&kb, "0.1.0");
        assert_eq!(cs["fhirVersion"], "4.0.1");
        let rest = cs["rest"].as_array().unwrap();
        assert_eq!(rest.len(), 1);
        let resources = rest[0]["resource"].as_array().unwrap();
        assert_eq!(resources.len(), 3);
        assert_eq!(resources[1]["type"], "CodeSystem");
        assert_eq!(resources[2]["type"], "OperationDefinition");
        assert_eq!(rest[0]["operation"], json!([{ "name": "assess", "definition": ASSESS_OPERATION }]));
        assert_eq!(resources[0]["type"], "Questionnaire");
        assert_eq!(resources[0]["interaction"], json!([{ "code": "read" }]));
        assert_eq!(resources[0]["operation"][0]["definition"], NEXT_QUESTION_OPERATION);
        assert!(rest[0].get("interaction").is_none());
    }
}
