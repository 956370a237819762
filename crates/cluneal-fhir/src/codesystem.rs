//! Cluneal's own code systems as R4 `CodeSystem` resources, generated from
//! the knowledge base, so that every `https://cluneal.org/fhir/CodeSystem/...`
//! URI Cluneal emits resolves to its codes and their meaning
//! (`GET /fhir/CodeSystem/{id}`). Standard codes (SNOMED CT, LOINC, ICD-10)
//! are used beside these wherever they were verified; these never replace them.

use std::collections::BTreeSet;

use cluneal_kb::KnowledgeBase;
use serde_json::{Value, json};

use crate::cds::{CARD_SYSTEM, OVERRIDE_REASON_SYSTEM};
use crate::questionnaire::humanize;
use crate::{
    CAPABILITY_DATE, CONDITION_SYSTEM, DIAGNOSTIC_SYSTEM, EXERCISE_SYSTEM, FINDING_SYSTEM, METHOD_SYSTEM,
    OPTION_SYSTEM, PLAN_STEP_SYSTEM,
};

/// The ids of Cluneal's code systems (the last segment of each URI).
pub const CODE_SYSTEMS: [&str; 9] = [
    "finding",
    "answer-option",
    "condition",
    "diagnostic",
    "plan-step",
    "exercise",
    "method",
    "override-reason",
    "cds-card",
];

/// The code system with this id, or `None`.
pub fn code_system(kb: &KnowledgeBase, id: &str) -> Option<Value> {
    let concept = |code: &str, display: &str, definition: Option<&str>| {
        let mut c = json!({ "code": code, "display": display });
        if let (Some(d), Some(o)) = (definition.filter(|d| !d.is_empty()), c.as_object_mut()) {
            o.insert("definition".into(), json!(d));
        }
        c
    };
    let (url, title, description, concepts): (&str, &str, &str, Vec<Value>) = match id {
        "finding" => (
            FINDING_SYSTEM,
            "Cluneal findings",
            "Symptoms, history items, examination signs and test results the knowledge base reasons with; the code is the finding id (stable: a renamed finding keeps its old id as an alias). Used as Questionnaire item codes and as ClinicalImpression findings.",
            kb.findings().iter().map(|f| concept(&f.id, &f.label, Some(&f.clinician))).collect(),
        ),
        "answer-option" => {
            let mut options: BTreeSet<&str> =
                kb.findings().iter().flat_map(|f| f.options.iter().map(String::as_str)).collect();
            options.extend(crate::questionnaire::SIDES.iter().map(|(code, _)| *code));
            (
                OPTION_SYSTEM,
                "Cluneal answer options",
                "The options of choice questions in Cluneal's questionnaires.",
                options.into_iter().map(|o| concept(o, &humanize(o), None)).collect(),
            )
        }
        "condition" => (
            CONDITION_SYSTEM,
            "Cluneal conditions",
            "The causes of low back, buttock and hip pain the differential ranks; the code is the condition id. ICD-10 codes are given beside it where verified.",
            kb.conditions().iter().map(|c| concept(&c.id, &c.name, Some(&c.clinician_description))).collect(),
        ),
        "diagnostic" => (
            DIAGNOSTIC_SYSTEM,
            "Cluneal work-up steps",
            "Examinations, tests and diagnostic blocks the work-up suggests (ServiceRequest codes).",
            kb.diagnostics().iter().map(|d| concept(&d.id, &d.name, Some(&d.when))).collect(),
        ),
        "plan-step" => (
            PLAN_STEP_SYSTEM,
            "Cluneal plan steps",
            "The steps of the stepped treatment plan (CarePlan activities).",
            kb.plan_steps().iter().map(|s| concept(&s.id, &s.name, Some(&s.entry))).collect(),
        ),
        "exercise" => (
            EXERCISE_SYSTEM,
            "Cluneal exercises",
            "The exercises of the exercise programme (CarePlan activities).",
            kb.exercises().iter().map(|e| concept(&e.id, &e.name, Some(&e.purpose))).collect(),
        ),
        "method" => (
            METHOD_SYSTEM,
            "Cluneal assessment methods",
            "The differential models a RiskAssessment was made with, and the tag of Cluneal's assessment Bundles.",
            vec![
                concept(
                    "independent",
                    "Independent differential model",
                    Some(
                        "Each condition scored against its prior with likelihood ratios; conditions can coexist.",
                    ),
                ),
                concept(
                    "competing",
                    "Competing-causes differential model",
                    Some("One normalised distribution over the causes and their coexisting pairs."),
                ),
                concept("cluneal-assessment", "Cluneal assessment", Some("A Bundle returned by $assess.")),
            ],
        ),
        "override-reason" => {
            let mut seen = BTreeSet::new();
            let concepts = kb
                .cds_cards()
                .iter()
                .flat_map(|c| c.override_reasons.iter())
                .filter(|r| seen.insert(r.code.as_str()))
                .map(|r| concept(&r.code, &r.display, None))
                .collect();
            (
                OVERRIDE_REASON_SYSTEM,
                "Cluneal card override reasons",
                "Reasons a clinician may give for not following a CDS Hooks card.",
                concepts,
            )
        }
        "cds-card" => (
            CARD_SYSTEM,
            "Cluneal CDS Hooks cards",
            "The cards Cluneal's CDS Hooks services return (a card's source.topic).",
            kb.cds_cards()
                .iter()
                .map(|c| concept(&c.id, &c.summary.replace("{condition}", "…"), None))
                .collect(),
        ),
        _ => return None,
    };
    Some(json!({
        "resourceType": "CodeSystem",
        "id": id,
        "url": url,
        "version": kb.meta().version,
        "name": title.replace([' ', '-'], ""),
        "title": title,
        "status": "active",
        "experimental": false,
        "date": CAPABILITY_DATE,
        "publisher": "Cluneal",
        "description": description,
        "caseSensitive": true,
        "content": "complete",
        "count": concepts.len(),
        "concept": concepts,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_system_resolves_and_its_codes_are_unique() {
        let kb = KnowledgeBase::embedded().unwrap_or_else(|e| panic!("{e}"));
        for id in CODE_SYSTEMS {
            let cs = code_system(&kb, id).unwrap_or_else(|| panic!("{id}"));
            assert!(cs["url"].as_str().is_some_and(|u| u.ends_with(&format!("/CodeSystem/{id}"))), "{id}");
            let codes: Vec<&str> =
                cs["concept"].as_array().into_iter().flatten().filter_map(|c| c["code"].as_str()).collect();
            assert!(!codes.is_empty(), "{id}");
            assert_eq!(codes.iter().collect::<BTreeSet<_>>().len(), codes.len(), "{id}: codes repeat");
        }
        assert!(code_system(&kb, "nope").is_none());
    }
}
