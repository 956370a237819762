//! The `CapabilityStatement` of `GET /fhir/metadata`: what is implemented and
//! nothing more (reading the two questionnaires, and `$next-question`).

use cluneal_engine::Respondent;
use cluneal_kb::KnowledgeBase;
use serde_json::{Value, json};

use crate::{FHIR_VERSION, NEXT_QUESTION_OPERATION, questionnaire_id};

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
        "description": "Cluneal's interview for low back and buttock pain as FHIR R4: the interview as a Questionnaire, and the SDC adaptive form operation that asks it one step at a time.",
        "kind": "instance",
        "software": { "name": "Cluneal", "version": software_version },
        "implementation": {
            "description": format!("Cluneal with {} version {}", kb.meta.name, kb.meta.version),
        },
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json"],
        "rest": [{
            "mode": "server",
            "documentation": "No search, history, create, update or delete. Every response is application/fhir+json; errors are OperationOutcome resources.",
            "resource": [{
                "type": "Questionnaire",
                "documentation": format!(
                    "Read only, ids `{}` (patient wording) and `{}` (clinician wording, examination and tests included). $next-question takes a QuestionnaireResponse with its contained Questionnaire (or Parameters with it as `questionnaire-response`) and returns it with the next step appended.",
                    ids[0], ids[1]
                ),
                "interaction": [{ "code": "read" }],
                "operation": [{ "name": "next-question", "definition": NEXT_QUESTION_OPERATION }],
            }],
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_states_the_questionnaire_read_and_next_question_only() {
        let kb = KnowledgeBase::embedded().unwrap();
        let cs = capability_statement(&kb, "0.1.0");
        assert_eq!(cs["fhirVersion"], "4.0.1");
        let rest = cs["rest"].as_array().unwrap();
        assert_eq!(rest.len(), 1);
        let resources = rest[0]["resource"].as_array().unwrap();
        assert_eq!(resources.len(), 1);
        assert_eq!(resources[0]["type"], "Questionnaire");
        assert_eq!(resources[0]["interaction"], json!([{ "code": "read" }]));
        assert_eq!(resources[0]["operation"][0]["definition"], NEXT_QUESTION_OPERATION);
        assert!(rest[0].get("interaction").is_none() && rest[0].get("operation").is_none());
    }
}
