//! FHIR routes through `router().oneshot()`: the CapabilityStatement, the
//! questionnaires, and `$next-question` driven through whole interviews as an
//! SDC renderer drives it, answering from the cases of `examples/`.

mod common;

use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::http::header;
use cluneal_engine::{Answer, Case, Engine, Respondent};
use cluneal_kb::KnowledgeBase;
use cluneal_store::{Location, Store};
use serde_json::{Value, json};

const FHIR_JSON: &str = "application/fhir+json";

fn engine() -> Arc<Engine> {
    Arc::new(Engine::new(KnowledgeBase::embedded().expect("valid knowledge base")))
}

async fn app(name: &str) -> Router {
    let dir = std::env::temp_dir().join(format!("cluneal-fhir-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let store = Arc::new(Store::open(&Location::Sqlite(dir.join("cluneal.db"))).await.expect("store opens"));
    cluneal_server::router(
        engine(),
        store,
        &cluneal_server::Config::new("127.0.0.1:0".parse().expect("addr")),
    )
}

/// Status, content type and JSON body of one request.
async fn call(app: &Router, method: &str, path: &str, body: Option<(&str, String)>) -> (u16, String, Value) {
    let (status, headers, v) = common::oneshot(app, method, path, None, body).await;
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    (status, ct, v)
}

async fn next(app: &Router, body: &Value) -> (u16, Value) {
    let (status, ct, v) =
        call(app, "POST", "/fhir/Questionnaire/$next-question", Some((FHIR_JSON, body.to_string()))).await;
    assert_eq!(ct, FHIR_JSON);
    (status, v)
}

/// An OperationOutcome with `status`; returns its first issue.
async fn outcome(app: &Router, body: &Value, status: u16) -> Value {
    let (got, v) = next(app, body).await;
    assert_eq!(got, status, "{v:#}");
    assert_eq!(v["resourceType"], "OperationOutcome", "{v:#}");
    v["issue"][0].clone()
}

fn example(name: &str) -> Case {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(name);
    serde_json::from_str(&std::fs::read_to_string(path).expect("example")).expect("case")
}

fn start(respondent: Respondent) -> Value {
    json!({
        "resourceType": "QuestionnaireResponse",
        "status": "in-progress",
        "questionnaire": format!("https://cluneal.org/fhir/Questionnaire/{}", cluneal_fhir::questionnaire_id(respondent)),
    })
}

/// What a respondent who knows `case` answers to one item, or `None` (left empty).
fn answer_from(kb: &KnowledgeBase, case: &Case, item: &Value) -> Option<Value> {
    let id = item["linkId"].as_str().expect("linkId");
    let coding = |code: &str| json!({ "valueCoding": { "code": code } });
    match id {
        "age" => case.age.map(|a| json!({ "valueInteger": a as i64 })),
        "duration_weeks" => case.duration_weeks.map(|d| json!({ "valueDecimal": d })),
        "sex" => case.sex.map(|s| coding(s.as_str())),
        "sides" => case.sides.map(|s| coding(s.as_str())),
        _ => {
            let f = kb.finding(id).expect("a finding");
            match case.answers.get(id)? {
                Answer::Yes => Some(json!({ "valueBoolean": true })),
                Answer::No => Some(json!({ "valueBoolean": false })),
                Answer::Unknown => None,
                Answer::Number(n) if f.answer == cluneal_kb::AnswerType::Scale => {
                    Some(json!({ "valueInteger": *n as i64 }))
                }
                Answer::Number(n) => Some(json!({ "valueDecimal": n })),
                Answer::Choice(c) => Some(coding(c)),
            }
        }
    }
}

/// The question items of a group item, and the response items a renderer
/// would send for them.
fn fill(kb: &KnowledgeBase, case: &Case, group: &Value) -> (Vec<String>, Value) {
    let mut asked = Vec::new();
    let mut answered = Vec::new();
    for item in group["item"].as_array().expect("group items") {
        if item["type"] == "display" {
            continue;
        }
        let id = item["linkId"].as_str().expect("linkId").to_string();
        if let Some(a) = answer_from(kb, case, item) {
            answered.push(json!({ "linkId": id, "answer": [a] }));
        }
        asked.push(id);
    }
    (asked, json!({ "linkId": group["linkId"], "item": answered }))
}

struct Walk {
    /// Finding linkIds in the order they were asked.
    asked: Vec<String>,
    last: Value,
}

/// Drive `$next-question` as a renderer would, until `completed`.
async fn interview(app: &Router, kb: &KnowledgeBase, case: &Case) -> Walk {
    let mut qr = start(case.respondent);
    let mut asked = Vec::new();
    for _ in 0..200 {
        let (status, out) = next(app, &qr).await;
        assert_eq!(status, 200, "{out:#}");
        assert_eq!(out["resourceType"], "QuestionnaireResponse");
        let q = &out["contained"][0];
        assert_eq!(q["resourceType"], "Questionnaire");
        assert_eq!(out["questionnaire"], format!("#{}", q["id"].as_str().expect("id")));
        assert!(
            q["extension"].as_array().expect("extensions").iter().any(|e| e["url"]
                == "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-questionnaireAdaptive"
                && e["valueBoolean"] == true),
            "marked adaptive"
        );
        if out["status"] == "completed" {
            return Walk { asked, last: out };
        }
        assert_eq!(out["status"], "in-progress");
        let step = q["item"].as_array().expect("items").last().expect("a step was appended").clone();
        assert_eq!(step["type"], "group");
        let (ids, answers) = fill(kb, case, &step);
        assert!(!ids.is_empty(), "a step asks something: {step:#}");
        asked.extend(ids.into_iter().filter(|id| kb.finding(id).is_some()));
        qr = out.clone();
        let items = qr.as_object_mut().expect("object").entry("item").or_insert_with(|| json!([]));
        items.as_array_mut().expect("array").push(answers);
    }
    panic!("the interview did not complete");
}

/// Every answered item of a response, by linkId.
fn answers_of(qr: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let mut stack: Vec<&Value> = qr["item"].as_array().map(|a| a.iter().collect()).unwrap_or_default();
    while let Some(i) = stack.pop() {
        if let Some(a) = i["answer"].as_array() {
            out.push((i["linkId"].as_str().expect("linkId").to_string(), a[0].clone()));
        }
        stack.extend(i["item"].as_array().into_iter().flatten());
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[tokio::test]
async fn metadata_states_what_is_implemented() {
    let app = app("metadata").await;
    let (status, ct, cs) = call(&app, "GET", "/fhir/metadata", None).await;
    assert_eq!((status, ct.as_str()), (200, FHIR_JSON));
    assert_eq!(cs["resourceType"], "CapabilityStatement");
    assert_eq!(cs["fhirVersion"], "4.0.1");
    assert_eq!(cs["rest"][0]["resource"].as_array().unwrap().len(), 3);
    // Every Cluneal code system URI resolves.
    for id in cluneal_fhir::CODE_SYSTEMS {
        let (status, ct, code_system) = call(&app, "GET", &format!("/fhir/CodeSystem/{id}"), None).await;
        assert_eq!((status, ct.as_str()), (200, FHIR_JSON), "{id}");
        assert_eq!(code_system["resourceType"], "CodeSystem");
        assert_eq!(code_system["content"], "complete");
    }
    let (status, _, _) = call(&app, "GET", "/fhir/CodeSystem/nope", None).await;
    assert_eq!(status, 404);
    assert_eq!(cs["rest"][0]["resource"][0]["operation"][0]["name"], "next-question");
    assert_eq!(cs["rest"][0]["operation"][0]["name"], "assess");
    // The operation it names is served.
    let (status, ct, od) = call(&app, "GET", "/fhir/OperationDefinition/assess", None).await;
    assert_eq!((status, ct.as_str()), (200, FHIR_JSON));
    assert_eq!(od["url"], cs["rest"][0]["operation"][0]["definition"]);
    let (status, _, oo) = call(&app, "GET", "/fhir/OperationDefinition/other", None).await;
    assert_eq!(status, 404);
    assert_eq!(oo["resourceType"], "OperationOutcome");
}

#[tokio::test]
async fn assess_reads_a_record_and_answers_with_a_bundle() {
    let app = app("assess").await;
    let record = serde_json::json!({ "resourceType": "Bundle", "type": "collection", "entry": [
        { "resource": { "resourceType": "Patient", "id": "p1", "birthDate": "1970-01-01", "gender": "male" } },
        { "resource": { "resourceType": "Condition", "id": "c1", "subject": { "reference": "Patient/p1" },
            "code": { "coding": [{ "system": "http://snomed.info/sct", "code": "278860009" }] } } },
    ] });
    let (status, ct, out) = call(&app, "POST", "/fhir/$assess", Some((FHIR_JSON, record.to_string()))).await;
    assert_eq!((status, ct.as_str()), (200, FHIR_JSON), "{out}");
    assert_eq!(out["resourceType"], "Bundle");
    let kinds: Vec<&str> = out["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["resource"]["resourceType"].as_str().unwrap())
        .collect();
    assert_eq!(&kinds[..2], ["RiskAssessment", "ClinicalImpression"]);
    assert!(kinds.contains(&"CarePlan") && kinds.contains(&"Condition"));
    // Bad input: an OperationOutcome naming the place, never a 500.
    let bad = serde_json::json!({ "resourceType": "Parameters", "parameter": [{ "name": "setting", "valueCode": "x" }] });
    let (status, _, oo) = call(&app, "POST", "/fhir/$assess", Some((FHIR_JSON, bad.to_string()))).await;
    assert_eq!(status, 400);
    assert_eq!(oo["resourceType"], "OperationOutcome");
    let (status, _, _) = call(&app, "POST", "/fhir/$assess", Some(("text/plain", "{}".into()))).await;
    assert_eq!(status, 415);
    let (status, _, _) = call(&app, "GET", "/fhir/$assess", None).await;
    assert_eq!(status, 405);
    // A chart of many years is larger than a case: megabytes are accepted, up to the record limit.
    let padding: Vec<Value> = (0..6000)
        .map(|k| {
            serde_json::json!({ "resource": { "resourceType": "Encounter", "id": format!("e{k}"),
            "subject": { "reference": "Patient/p1" }, "status": "finished", "class": { "code": "AMB" } } })
        })
        .collect();
    let mut big = record.clone();
    big["entry"].as_array_mut().unwrap().extend(padding);
    let text = big.to_string();
    assert!(text.len() > cluneal_server::BODY_LIMIT * 2, "{}", text.len());
    let (status, _, out) = call(&app, "POST", "/fhir/$assess", Some((FHIR_JSON, text))).await;
    assert_eq!(status, 200, "{out}");
    let huge =
        format!("{{\"resourceType\":\"Bundle\",\"x\":\"{}\"}}", "a".repeat(cluneal_server::RECORD_LIMIT));
    let (status, _, oo) = call(&app, "POST", "/fhir/$assess", Some((FHIR_JSON, huge))).await;
    assert_eq!(status, 413, "{oo}");
}

#[tokio::test]
async fn the_questionnaires_are_read_by_id() {
    let app = app("read").await;
    for (id, wording) in [("cluneal-interview", "question"), ("cluneal-interview-clinician", "clinician")] {
        let (status, ct, q) = call(&app, "GET", &format!("/fhir/Questionnaire/{id}"), None).await;
        assert_eq!((status, ct.as_str()), (200, FHIR_JSON));
        assert_eq!(q["resourceType"], "Questionnaire");
        assert_eq!(q["id"], id);
        assert_eq!(q["url"], format!("https://cluneal.org/fhir/Questionnaire/{id}"));
        let kb = KnowledgeBase::embedded().unwrap();
        let f = kb.finding("saddle_anaesthesia").unwrap();
        let text = if wording == "question" { &f.question } else { &f.clinician };
        assert!(
            q.to_string().contains(&serde_json::to_string(text).unwrap()),
            "{id} uses the {wording} wording"
        );
    }
    let (status, ct, oo) = call(&app, "GET", "/fhir/Questionnaire/other", None).await;
    assert_eq!((status, ct.as_str()), (404, FHIR_JSON));
    assert_eq!(oo["resourceType"], "OperationOutcome");
    assert!(oo["issue"][0]["diagnostics"].as_str().unwrap().contains("`other`"));
}

#[tokio::test]
async fn unimplemented_fhir_routes_and_methods_get_operation_outcomes() {
    let app = app("routes").await;
    for (method, path, status) in [
        ("GET", "/fhir/Patient/1", 404),
        ("POST", "/fhir/metadata", 405),
        ("GET", "/fhir/Questionnaire/$next-question", 405),
        ("DELETE", "/fhir/Questionnaire/cluneal-interview", 405),
    ] {
        let (got, ct, oo) = call(&app, method, path, None).await;
        assert_eq!((got, ct.as_str()), (status, FHIR_JSON), "{method} {path}");
        assert_eq!(oo["resourceType"], "OperationOutcome", "{method} {path}");
    }
}

/// The renderer loop over every example: the questions come in the order of
/// the engine's own simulated interview of the same answers, and the final
/// response holds exactly the answers the engine saw.
#[tokio::test]
async fn next_question_drives_whole_interviews_from_the_examples() {
    let app = app("interviews").await;
    let engine = engine();
    let kb = engine.kb();
    let mut names: Vec<_> = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    assert!(names.len() >= 10);
    for name in names {
        // FHIR carries answers only: no care setting, treatments or block records.
        let full = Case {
            setting: None,
            treatments_tried: Vec::new(),
            block: None,
            blocks: Vec::new(),
            ..example(&name)
        };
        let walk = interview(&app, kb, &full).await;
        let t = engine.simulate(&full, full.respondent).unwrap();
        assert_eq!(walk.asked, t.asked, "{name}: the engine chose the same questions in the same order");

        let mut want = Vec::new();
        for (id, a) in &t.case.answers {
            let v = match a {
                Answer::Unknown => continue,
                Answer::Yes => json!({ "valueBoolean": true }),
                Answer::No => json!({ "valueBoolean": false }),
                Answer::Number(n) if kb.finding(id).unwrap().answer == cluneal_kb::AnswerType::Scale => {
                    json!({ "valueInteger": *n as i64 })
                }
                Answer::Number(n) => json!({ "valueDecimal": n }),
                Answer::Choice(c) => json!({ "valueCoding": {
                    "system": cluneal_fhir::OPTION_SYSTEM, "code": c, "display": c.replace('_', " ")
                } }),
            };
            want.push((id.clone(), v));
        }
        let got: Vec<_> =
            answers_of(&walk.last).into_iter().filter(|(id, _)| kb.finding(id).is_some()).collect();
        assert_eq!(got.len(), want.len(), "{name}: answered findings");
        for ((gid, gv), (wid, wv)) in got.iter().zip(&want) {
            assert_eq!(gid, wid, "{name}");
            if wv.get("valueCoding").is_some() {
                assert_eq!(gv["valueCoding"]["code"], wv["valueCoding"]["code"], "{name}: {gid}");
            } else {
                assert_eq!(gv, wv, "{name}: {gid}");
            }
        }
        let age = answers_of(&walk.last).into_iter().find(|(id, _)| id == "age").map(|(_, v)| v);
        assert_eq!(age, full.age.map(|a| json!({ "valueInteger": a as i64 })), "{name}: age");
    }
}

#[tokio::test]
async fn an_emergency_stops_the_interview_with_the_triage_message() {
    let app = app("emergency").await;
    let engine = engine();
    let case = Case { setting: None, ..example("cauda_equina.json") };
    let walk = interview(&app, engine.kb(), &case).await;
    let items = walk.last["contained"][0]["item"].as_array().unwrap();
    let triage = items.last().unwrap();
    assert_eq!(triage["linkId"], "triage");
    assert_eq!(triage["type"], "display");
    let report = engine.assess(&engine.simulate(&case, case.respondent).unwrap().case).unwrap();
    assert_eq!(triage["text"], report.triage.message);
    assert_eq!(report.triage.level, cluneal_kb::Urgency::Emergency);
}

#[tokio::test]
async fn parameters_wrapping_is_accepted() {
    let app = app("parameters").await;
    let body = json!({ "resourceType": "Parameters", "parameter": [
        { "name": "questionnaire-response", "resource": start(Respondent::Clinician) }
    ] });
    let (status, qr) = next(&app, &body).await;
    assert_eq!(status, 200, "{qr:#}");
    assert_eq!(qr["resourceType"], "QuestionnaireResponse");
    assert_eq!(
        qr["contained"][0]["derivedFrom"][0],
        "https://cluneal.org/fhir/Questionnaire/cluneal-interview-clinician"
    );
    assert_eq!(qr["contained"][0]["item"][0]["linkId"], "basics");
    assert_eq!(qr["contained"][0]["item"][0]["item"][1]["text"], "Age (years)", "the clinician's wording");
}

/// A response after the first step, with `items` as its answers.
async fn after_basics(app: &Router, items: Value) -> Value {
    let (_, mut qr) = next(app, &start(Respondent::Patient)).await;
    qr["item"] = items;
    qr
}

#[tokio::test]
async fn bad_input_names_what_is_wrong_and_where() {
    let app = app("errors").await;
    let (status, ct, oo) =
        call(&app, "POST", "/fhir/Questionnaire/$next-question", Some((FHIR_JSON, "{ not json".into())))
            .await;
    assert_eq!(
        (status, ct.as_str(), oo["resourceType"].as_str()),
        (400, FHIR_JSON, Some("OperationOutcome"))
    );
    let (status, _, _) =
        call(&app, "POST", "/fhir/Questionnaire/$next-question", Some(("text/plain", "{}".into()))).await;
    assert_eq!(status, 415);
    let (status, _, oo) = call(
        &app,
        "POST",
        "/fhir/Questionnaire/$next-question",
        Some((
            FHIR_JSON,
            r#"{"resourceType":"QuestionnaireResponse","status":"in-progress","status":"completed"}"#.into(),
        )),
    )
    .await;
    assert_eq!(status, 400);
    assert!(oo["issue"][0]["diagnostics"].as_str().unwrap().contains("`status`"), "{oo:#}");

    let i = outcome(&app, &json!({ "resourceType": "Patient" }), 400).await;
    assert_eq!(i["expression"][0], "resourceType");
    let i = outcome(&app, &json!({ "resourceType": "Parameters", "parameter": [] }), 400).await;
    assert_eq!(i["expression"][0], "Parameters.parameter");
    let i = outcome(
        &app,
        &json!({ "resourceType": "QuestionnaireResponse", "status": "in-progress", "questionnaire": "http://example.org/Questionnaire/x" }),
        422,
    )
    .await;
    assert_eq!(i["expression"][0], "QuestionnaireResponse.questionnaire");
    let i = outcome(
        &app,
        &json!({ "resourceType": "QuestionnaireResponse", "status": "in-progress", "questionnaire": "#nope" }),
        400,
    )
    .await;
    assert!(i["diagnostics"].as_str().unwrap().contains("`#nope`"));

    // Answers: unknown linkId, wrong value type, out of range, not asked, two answers.
    let qr = after_basics(
        &app,
        json!([{ "linkId": "basics", "item": [{ "linkId": "agee", "answer": [{ "valueInteger": 40 }] }] }]),
    )
    .await;
    let i = outcome(&app, &qr, 422).await;
    assert_eq!(i["expression"][0], "QuestionnaireResponse.item[0].item[0].linkId");
    assert!(i["diagnostics"].as_str().unwrap().contains("did you mean `age`"), "{i:#}");

    let qr = after_basics(&app, json!([{ "linkId": "basics", "item": [{ "linkId": "age", "answer": [{ "valueString": "forty" }] }] }])).await;
    let i = outcome(&app, &qr, 422).await;
    assert_eq!(i["expression"][0], "QuestionnaireResponse.item[0].item[0].answer[0]");
    assert!(i["diagnostics"].as_str().unwrap().contains("valueInteger"));

    let qr = after_basics(
        &app,
        json!([{ "linkId": "basics", "item": [{ "linkId": "age", "answer": [{ "valueInteger": 200 }] }] }]),
    )
    .await;
    let i = outcome(&app, &qr, 422).await;
    assert_eq!(i["expression"][0], "QuestionnaireResponse.item[0].item[0].answer[0]");

    let qr =
        after_basics(&app, json!([{ "linkId": "saddle_anaesthesia", "answer": [{ "valueBoolean": true }] }]))
            .await;
    let i = outcome(&app, &qr, 422).await;
    assert!(i["diagnostics"].as_str().unwrap().contains("does not ask it"), "{i:#}");

    let qr = after_basics(
        &app,
        json!([{ "linkId": "basics", "item": [{ "linkId": "sides", "answer": [
        { "valueCoding": { "code": "left" } }, { "valueCoding": { "code": "right" } }
    ] }] }]),
    )
    .await;
    let i = outcome(&app, &qr, 422).await;
    assert_eq!(i["expression"][0], "QuestionnaireResponse.item[0].item[0].answer");

    let qr = after_basics(&app, json!([{ "linkId": "basics", "item": [{ "linkId": "sex", "answer": [{ "valueCoding": { "code": "f" } }] }] }])).await;
    let i = outcome(&app, &qr, 422).await;
    assert!(i["diagnostics"].as_str().unwrap().contains("`f`"));

    let i =
        outcome(&app, &json!({ "resourceType": "QuestionnaireResponse", "item": [{ "answer": [] }] }), 400)
            .await;
    assert_eq!(i["expression"][0], "QuestionnaireResponse.item[0].linkId");
}
