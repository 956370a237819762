//! `$assess`: a patient's record or answers in, the assessment as standard
//! resources out. Hand-built records check each rule of reading a record;
//! the Synthea patients with chronic low back pain are snapshotted whole.
#![expect(
    clippy::unwrap_used,
    reason = "test helpers outside `#[test]` functions: a broken fixture must fail the test"
)]

use std::sync::OnceLock;

use cluneal_engine::{Answer, Case, Engine, Respondent};
use cluneal_fhir::{AssessOptions, CalendarDate as Date, assess, case_from_bundle, patient_bundle};
use cluneal_kb::KnowledgeBase;
use serde_json::{Value, json};

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new(KnowledgeBase::embedded().unwrap()))
}

fn today() -> Date {
    Date::new(2026, 11, 30).unwrap()
}

fn options() -> AssessOptions {
    AssessOptions { today: today(), setting: None }
}

fn bundle(resources: Vec<Value>) -> Value {
    json!({ "resourceType": "Bundle", "type": "collection",
            "entry": resources.into_iter().map(|r| json!({ "resource": r })).collect::<Vec<_>>() })
}

fn patient() -> Value {
    json!({ "resourceType": "Patient", "id": "p1", "birthDate": "1961-12-01", "gender": "female" })
}

fn condition(id: &str, system: &str, code: &str, display: &str, clinical: &str, onset: &str) -> Value {
    json!({
        "resourceType": "Condition", "id": id,
        "clinicalStatus": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": clinical }] },
        "verificationStatus": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "confirmed" }] },
        "code": { "coding": [{ "system": system, "code": code, "display": display }] },
        "subject": { "reference": "Patient/p1" },
        "onsetDateTime": onset,
    })
}

/// An active Condition `c1`: chronic low back pain (SNOMED CT), with its onset.
fn chronic_low_back_pain(onset: &str) -> Value {
    condition("c1", SCT, "278860009", "Chronic low back pain (finding)", "active", onset)
}

const SCT: &str = "http://snomed.info/sct";
const CM: &str = "http://hl7.org/fhir/sid/icd-10-cm";

fn read(resources: Vec<Value>) -> cluneal_fhir::FromRecord {
    let b = bundle(resources);
    case_from_bundle(engine().kb(), b.as_object().unwrap(), "Bundle", today(), None).unwrap()
}

fn entries<'a>(out: &'a Value, kind: &str) -> Vec<&'a Value> {
    out["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == kind)
        .collect()
}

#[test]
fn a_record_answers_findings_age_sex_and_duration() {
    let r = read(vec![
        patient(),
        chronic_low_back_pain("2026-08-31T10:00:00Z"),
        condition(
            "c2",
            CM,
            "C50.911",
            "Malignant neoplasm of unspecified site of right female breast",
            "resolved",
            "2015-03-01",
        ),
        json!({ "resourceType": "MedicationRequest", "id": "m1", "status": "active", "intent": "order",
                "medicationCodeableConcept": { "coding": [{ "system": "http://www.whocc.no/atc", "code": "B01AF02", "display": "apixaban" }] },
                "subject": { "reference": "Patient/p1" }, "authoredOn": "2026-01-10" }),
        json!({ "resourceType": "Observation", "id": "o1", "status": "final",
                "code": { "coding": [{ "system": "http://loinc.org", "code": "72514-3" }] },
                "subject": { "reference": "Patient/p1" }, "effectiveDateTime": "2026-11-20", "valueInteger": 7 }),
    ]);
    let c = &r.case;
    assert_eq!(c.age, Some(64.0), "born 1 Dec 1961: 64 on 30 Nov 2026");
    assert_eq!(c.sex, Some(cluneal_engine::Sex::Female));
    assert_eq!(c.respondent, Respondent::Clinician);
    assert_eq!(c.duration_weeks, Some(13.0), "onset 31 Aug to 30 Nov is 91 days");
    assert_eq!(c.answers.get("pain_low_back"), Some(&Answer::Yes));
    assert_eq!(
        c.answers.get("history_of_cancer"),
        Some(&Answer::Yes),
        "a resolved cancer is a history of cancer"
    );
    assert_eq!(c.answers.get("anticoagulant_use"), Some(&Answer::Yes), "ATC B01AF02 lies under B01AF");
    assert_eq!(c.answers.get("pain_intensity"), Some(&Answer::Number(7.0)));
    // Nothing is answered "no" from silence.
    assert!(c.answers.values().all(|a| *a != Answer::No));
    let targets: Vec<&str> = r.basis.iter().map(|b| b.target.as_str()).collect();
    for t in [
        "age",
        "sex",
        "pain_low_back",
        "history_of_cancer",
        "anticoagulant_use",
        "pain_intensity",
        "duration_weeks",
    ] {
        assert!(targets.contains(&t), "{t} has a basis: {targets:?}");
    }
    assert!(r.basis.iter().any(|b| b.target == "history_of_cancer" && b.reference == "Condition/c2"));
}

#[test]
fn entries_that_do_not_count_are_listed_with_why() {
    let mut refuted = condition("c3", SCT, "64859006", "Osteoporosis (disorder)", "active", "2020-01-01");
    refuted["verificationStatus"]["coding"][0]["code"] = json!("refuted");
    let mut other =
        condition("c4", SCT, "44054006", "Diabetes mellitus type 2 (disorder)", "active", "2020-01-01");
    other["subject"]["reference"] = json!("Patient/someone-else");
    let r = read(vec![
        patient(),
        refuted,
        other,
        condition("c5", SCT, "72892002", "Normal pregnancy", "resolved", "2019-01-01"),
        condition("c6", SCT, "423315002", "Limited social contact (finding)", "active", "2019-01-01"),
        json!({ "resourceType": "Observation", "id": "o2", "status": "final",
                "code": { "coding": [{ "system": "http://loinc.org", "code": "72514-3" }] },
                "subject": { "reference": "Patient/p1" }, "effectiveDateTime": "2025-01-01", "valueInteger": 9 }),
        json!({ "resourceType": "Encounter", "id": "e1", "subject": { "reference": "Patient/p1" } }),
    ]);
    assert!(r.case.answers.is_empty(), "{:?}", r.case.answers);
    let said: Vec<String> = r.not_used.iter().map(|i| format!("{} | {}", i.location, i.message)).collect();
    let has = |needle: &str| said.iter().any(|s| s.contains(needle));
    assert!(has("refuted"), "{said:#?}");
    assert!(has("belongs to `Patient/someone-else`"), "{said:#?}");
    assert!(has("`Normal pregnancy`") && has("no longer current"), "{said:#?}");
    assert!(has("`Limited social contact (finding)`") && has("is not used by Cluneal"), "{said:#?}");
    assert!(
        has("older than its record mapping reads"),
        "a 2025 pain score is past the 30-day window: {said:#?}"
    );
    assert!(has("1 Encounter resource(s) not read"), "{said:#?}");
}

#[test]
fn the_assessment_is_a_bundle_of_standard_resources() {
    let input = bundle(vec![patient(), chronic_low_back_pain("2026-08-31")]);
    let out = assess(engine(), &input, &options()).unwrap();
    assert_eq!(out["resourceType"], "Bundle");
    assert_eq!(out["type"], "collection");
    let risk = entries(&out, "RiskAssessment");
    assert_eq!(risk.len(), 1);
    let predictions = risk[0]["prediction"].as_array().unwrap();
    assert!(predictions.len() >= 30, "one prediction per condition");
    for p in predictions {
        let v = p["probabilityDecimal"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&v));
    }
    assert_eq!(risk[0]["subject"]["reference"], "Patient/p1");
    assert!(risk[0]["basis"].as_array().unwrap().iter().any(|b| b["reference"] == "Condition/c1"));
    assert!(risk[0]["method"]["text"].as_str().unwrap().contains(engine().kb().content_hash()));
    let impression = entries(&out, "ClinicalImpression");
    assert_eq!(impression.len(), 1);
    assert_eq!(impression[0]["finding"][0]["itemCodeableConcept"]["coding"][0]["code"], "pain_low_back");
    assert!(impression[0]["summary"].as_str().unwrap().starts_with("Urgency: "));
    let conditions = entries(&out, "Condition");
    assert!(conditions.len() >= 3);
    for c in &conditions {
        let status = c["verificationStatus"]["coding"][0]["code"].as_str().unwrap();
        assert!(status == "differential" || status == "provisional", "{status}");
        assert_eq!(c["subject"]["reference"], "Patient/p1");
    }
    let plan = entries(&out, "CarePlan");
    assert_eq!(plan.len(), 1);
    assert_eq!(plan[0]["intent"], "proposal");
    // Every reference inside the bundle resolves to one of its entries.
    let urls: Vec<&str> =
        out["entry"].as_array().unwrap().iter().map(|e| e["fullUrl"].as_str().unwrap()).collect();
    let text = serde_json::to_string(&out).unwrap();
    for (k, _) in text.match_indices("\"reference\":\"urn:uuid:") {
        let rest = &text[k + 13..];
        let url = &rest[..rest.find('"').unwrap()];
        assert!(urls.contains(&url), "{url} does not resolve");
    }
    // Deterministic: the same record and date give the same bytes.
    assert_eq!(out, assess(engine(), &input, &options()).unwrap());
}

#[test]
fn a_known_aneurysm_with_sudden_severe_pain_is_an_emergency_that_names_it() {
    let input = bundle(vec![
        json!({ "resourceType": "Patient", "id": "p1", "birthDate": "1950-05-05", "gender": "male" }),
        condition(
            "c1",
            CM,
            "I71.40",
            "Abdominal aortic aneurysm, without rupture, unspecified",
            "active",
            "2024-01-01",
        ),
    ]);
    let record =
        case_from_bundle(engine().kb(), input.as_object().unwrap(), "Bundle", today(), None).unwrap();
    assert_eq!(record.case.answers.get("known_aaa"), Some(&Answer::Yes));
    let mut case: Case = record.case.clone();
    case.answers.insert("sudden_severe_back_abdominal_pain".into(), Answer::Yes);
    let report = engine().assess(&case).unwrap();
    assert_eq!(report.triage.level.as_str(), "emergency");
    assert!(report.must_not_miss.iter().any(|m| m.condition == "abdominal_aortic_aneurysm"));
}

#[test]
fn answers_and_parameters_work_as_the_record_does() {
    // A QuestionnaireResponse naming the clinician questionnaire, no contained one.
    let qr = json!({
        "resourceType": "QuestionnaireResponse", "id": "r1", "status": "completed",
        "questionnaire": "https://cluneal.org/fhir/Questionnaire/cluneal-interview-clinician",
        "subject": { "reference": "Patient/p9" },
        "item": [
            { "linkId": "age", "answer": [{ "valueInteger": 52 }] },
            { "linkId": "pain_over_iliac_crest", "answer": [{ "valueBoolean": true }] },
            { "linkId": "crest_pressure_reproduces_pain", "answer": [{ "valueBoolean": true }] },
        ],
    });
    let out = assess(engine(), &qr, &options()).unwrap();
    let risk = entries(&out, "RiskAssessment");
    assert_eq!(risk[0]["subject"]["reference"], "Patient/p9");
    assert!(risk[0]["basis"][0]["reference"] == "QuestionnaireResponse/r1");
    let params = json!({ "resourceType": "Parameters", "parameter": [
        { "name": "questionnaire-response", "resource": qr },
        { "name": "setting", "valueCode": "spine_clinic" },
        { "name": "date", "valueDate": "2026-01-02" },
    ] });
    let out = assess(engine(), &params, &options()).unwrap();
    assert_eq!(entries(&out, "RiskAssessment")[0]["occurrenceDateTime"], "2026-01-02");
}

#[test]
fn bad_requests_name_what_is_wrong_and_where() {
    let two = bundle(vec![patient(), json!({ "resourceType": "Patient", "id": "p2" })]);
    let e = assess(engine(), &two, &options()).unwrap_err();
    assert_eq!(e.status, 422);
    assert_eq!(e.issues[0].location, "Bundle.entry[1].resource");
    assert!(e.issues[0].message.contains("2 patients"));

    let params = json!({ "resourceType": "Parameters", "parameter": [
        { "name": "record", "resource": bundle(vec![patient()]) },
        { "name": "setting", "valueCode": "moon_base" },
    ] });
    let e = assess(engine(), &params, &options()).unwrap_err();
    assert_eq!(e.status, 422);
    assert_eq!(e.issues[0].location, "Parameters.parameter[1].valueCode");
    assert!(e.issues[0].message.contains("moon_base"), "{e}");

    let params =
        json!({ "resourceType": "Parameters", "parameter": [{ "name": "when", "valueDate": "2026-01-01" }] });
    let e = assess(engine(), &params, &options()).unwrap_err();
    assert!(e.issues[0].message.contains("unknown parameter `when`"), "{e}");

    let born_later =
        bundle(vec![json!({ "resourceType": "Patient", "id": "p1", "birthDate": "2030-01-01" })]);
    let e = assess(engine(), &born_later, &options()).unwrap_err();
    assert_eq!(e.issues[0].location, "Bundle.entry[0].resource.birthDate");

    let e = assess(engine(), &json!({ "resourceType": "Observation" }), &options()).unwrap_err();
    assert_eq!(e.status, 400);
    let e = assess(engine(), &json!([1]), &options()).unwrap_err();
    assert_eq!(e.status, 400);
}

/// The fixture export, compiled in: this crate never reads files, even in tests.
const SYNTHEA: [(&str, &str); 5] = [
    ("Condition.000.ndjson", include_str!("data/synthea-lbp/Condition.000.ndjson")),
    ("Encounter.000.ndjson", include_str!("data/synthea-lbp/Encounter.000.ndjson")),
    ("MedicationRequest.000.ndjson", include_str!("data/synthea-lbp/MedicationRequest.000.ndjson")),
    ("Patient.000.ndjson", include_str!("data/synthea-lbp/Patient.000.ndjson")),
    ("Procedure.000.ndjson", include_str!("data/synthea-lbp/Procedure.000.ndjson")),
];

fn synthea(patient: &str) -> Value {
    let lines = SYNTHEA
        .iter()
        .flat_map(|(n, t)| t.lines().enumerate().map(move |(k, l)| (format!("{n}:{}", k + 1), l)));
    patient_bundle(lines, patient).unwrap()
}

#[test]
fn synthea_patients_with_chronic_low_back_pain() {
    for (name, id) in [
        ("synthea_ca15b832", "ca15b832-01e4-41dd-6a52-97bd3e5510cb"),
        ("synthea_fb7c882a", "fb7c882a-f897-e7c5-67e0-825e7fd55d15"),
    ] {
        let out = assess(engine(), &synthea(id), &options()).unwrap();
        let record =
            case_from_bundle(engine().kb(), synthea(id).as_object().unwrap(), "Bundle", today(), None)
                .unwrap();
        assert_eq!(record.case.answers.get("pain_low_back"), Some(&Answer::Yes), "{name}");
        assert!(record.case.duration_weeks.unwrap() > 12.0, "{name}: chronic");
        insta::assert_json_snapshot!(name, out);
    }
}

#[test]
fn a_bulk_export_without_the_patient_is_an_error() {
    let lines = vec![("Patient.000.ndjson:1".to_string(), r#"{"resourceType":"Patient","id":"x"}"#)];
    let e = patient_bundle(lines, "y").unwrap_err();
    assert!(e.to_string().contains("no Patient `y`"));
    let lines = vec![("Condition.000.ndjson:3".to_string(), "{not json")];
    let e = patient_bundle(lines, "y").unwrap_err();
    assert_eq!(e.issues[0].location, "Condition.000.ndjson:3");
}

#[test]
fn synthea_patients_through_patient_view() {
    use cluneal_fhir::cds::{CardOptions, SERVICES, cards};
    let service = &SERVICES[0];
    assert_eq!(service.hook, "patient-view");
    for (name, id) in [
        ("patient_view_ca15b832", "ca15b832-01e4-41dd-6a52-97bd3e5510cb"),
        ("patient_view_fb7c882a", "fb7c882a-f897-e7c5-67e0-825e7fd55d15"),
    ] {
        let record = synthea(id);
        let patient = record["entry"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["resource"].clone())
            .find(|r| r["resourceType"] == "Patient")
            .unwrap();
        // The rest of the record as one search set, the Patient apart (as prefetch sends them).
        let mut rest = record.clone();
        rest["entry"].as_array_mut().unwrap().retain(|e| e["resource"]["resourceType"] != "Patient");
        let request = json!({
            "hook": "patient-view", "hookInstance": "a6a8f0c5-1f4e-4a0e-9a51-000000000001",
            "context": { "patientId": id, "userId": "Practitioner/1" },
            "prefetch": { "patient": patient, "conditions": rest, "medications": null, "procedures": null, "observations": null },
        });
        let options = CardOptions { today: today(), app_url: "https://cluneal.example.org".into() };
        let out = cards(engine(), service, &request, &options).unwrap();
        insta::assert_json_snapshot!(name, out);
    }
}

/// A patient-view call on a record with thirteen weeks of chronic low back
/// pain and one more Condition: the summaries of the cards it returns.
fn patient_view_summaries(other: Value) -> Vec<String> {
    use cluneal_fhir::cds::{CardOptions, SERVICES, cards};
    let pain = chronic_low_back_pain("2026-08-31T10:00:00Z");
    let request = json!({
        "hook": "patient-view", "hookInstance": "a6a8f0c5-1f4e-4a0e-9a51-000000000002",
        "context": { "patientId": "p1", "userId": "Practitioner/1" },
        "prefetch": { "patient": patient(), "conditions": bundle(vec![pain, other]), "medications": null, "procedures": null, "observations": null },
    });
    let options = CardOptions { today: today(), app_url: "https://cluneal.example.org".into() };
    let out = cards(engine(), &SERVICES[0], &request, &options).unwrap();
    out.get("cards")
        .and_then(Value::as_array)
        .unwrap()
        .iter()
        .map(|c| c.get("summary").and_then(Value::as_str).unwrap().to_string())
        .collect()
}

#[test]
fn only_a_diagnosis_the_record_asserts_explains_the_pain() {
    let unexplained = "Months of low back pain without a settled cause";
    let coccydynia = |verification: &str, clinical: Option<&str>| {
        let mut c = condition(
            "c2",
            "http://hl7.org/fhir/sid/icd-10",
            "M53.3",
            "Sacrococcygeal disorders",
            "active",
            "2026-09-01",
        );
        c["verificationStatus"]["coding"][0]["code"] = json!(verification);
        match clinical {
            Some(code) => c["clinicalStatus"]["coding"][0]["code"] = json!(code),
            None => {
                c.as_object_mut().unwrap().remove("clinicalStatus");
                c["abatementDateTime"] = json!("2026-10-01");
            }
        }
        c
    };
    // A confirmed, active cause explains the pain: no card asking for one.
    let shown = patient_view_summaries(coccydynia("confirmed", Some("active")));
    assert!(!shown.iter().any(|s| s.starts_with(unexplained)), "{shown:?}");
    // A cause only suspected, or one that has abated, does not: the card stays
    // (the same rule the record reading applies to every Condition).
    for (verification, clinical) in [
        ("provisional", Some("active")),
        ("differential", Some("active")),
        ("confirmed", None),
        ("confirmed", Some("resolved")),
    ] {
        let shown = patient_view_summaries(coccydynia(verification, clinical));
        assert!(shown.iter().any(|s| s.starts_with(unexplained)), "{verification}/{clinical:?}: {shown:?}");
    }
}
