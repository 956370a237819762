//! `$next-question` on hostile input: whatever JSON arrives, the answer is a
//! QuestionnaireResponse or an error with a 4xx status and located issues,
//! never a panic. Inputs are random JSON built from FHIR's own vocabulary (so
//! they reach deep into the reader), and real responses with one node replaced.
#![expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test helpers outside `#[test]` functions: a broken fixture must fail the test"
)]

use std::sync::OnceLock;

use cluneal_engine::Engine;
use cluneal_kb::KnowledgeBase;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new(KnowledgeBase::embedded().unwrap()))
}

const KEYS: &[&str] = &[
    "resourceType",
    "item",
    "linkId",
    "answer",
    "type",
    "contained",
    "questionnaire",
    "status",
    "id",
    "valueBoolean",
    "valueInteger",
    "valueDecimal",
    "valueCoding",
    "valueString",
    "code",
    "parameter",
    "name",
    "resource",
    "url",
    "derivedFrom",
    "extension",
    "text",
];
const STRINGS: &[&str] = &[
    "QuestionnaireResponse",
    "Questionnaire",
    "Parameters",
    "questionnaire-response",
    "group",
    "display",
    "boolean",
    "choice",
    "integer",
    "#interview",
    "interview",
    "basics",
    "age",
    "sex",
    "sides",
    "duration_weeks",
    "saddle_anaesthesia",
    "pain_intensity",
    "pregnancy_status",
    "pregnant_now",
    "left",
    "female",
    "emergency_signs",
    "https://cluneal.org/fhir/Questionnaire/cluneal-interview-clinician",
    "",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        proptest::sample::select(STRINGS).prop_map(Value::from),
    ]
}

fn fhirish() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(6, 96, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            proptest::collection::vec((proptest::sample::select(KEYS), inner), 0..6).prop_map(|kv| {
                Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect::<Map<_, _>>())
            }),
        ]
    })
}

fn check(input: &Value) {
    match cluneal_fhir::next_question(engine(), input) {
        Ok(out) => assert_eq!(out["resourceType"], "QuestionnaireResponse"),
        Err(e) => {
            assert!(e.status == 400 || e.status == 422, "{e:?}");
            assert!(!e.issues.is_empty());
            assert_eq!(e.operation_outcome()["resourceType"], "OperationOutcome");
        }
    }
}

/// A real response a few steps into a clinician interview, answers included.
fn real() -> Value {
    let mut qr = json!({ "resourceType": "QuestionnaireResponse", "status": "in-progress",
        "questionnaire": "https://cluneal.org/fhir/Questionnaire/cluneal-interview-clinician" });
    for _ in 0..4 {
        qr = cluneal_fhir::next_question(engine(), &qr).unwrap();
        let group = qr["contained"][0]["item"].as_array().unwrap().last().unwrap().clone();
        let answers: Vec<Value> = group["item"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["type"] == "boolean")
            .map(|i| json!({ "linkId": i["linkId"], "answer": [{ "valueBoolean": false }] }))
            .collect();
        let answers = if group["linkId"] == "basics" {
            vec![json!({ "linkId": "age", "answer": [{ "valueInteger": 50 }] })]
        } else {
            answers
        };
        qr.as_object_mut()
            .unwrap()
            .entry("item")
            .or_insert_with(|| json!([]))
            .as_array_mut()
            .unwrap()
            .push(json!({ "linkId": group["linkId"], "item": answers }));
    }
    qr
}

/// Every node of a JSON tree, as paths of keys and indices.
fn paths(v: &Value, at: Vec<Value>, out: &mut Vec<Vec<Value>>) {
    out.push(at.clone());
    match v {
        Value::Array(a) => a.iter().enumerate().for_each(|(k, x)| {
            let mut p = at.clone();
            p.push(json!(k));
            paths(x, p, out);
        }),
        Value::Object(o) => o.iter().for_each(|(k, x)| {
            let mut p = at.clone();
            p.push(json!(k));
            paths(x, p, out);
        }),
        _ => {}
    }
}

fn node<'v>(v: &'v mut Value, path: &[Value]) -> &'v mut Value {
    path.iter().fold(v, |v, step| match step {
        Value::String(k) => &mut v[k.as_str()],
        _ => &mut v[step.as_u64().unwrap() as usize],
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_fhir_shaped_json_never_panics(v in fhirish()) {
        check(&v);
        check(&json!({ "resourceType": "QuestionnaireResponse", "item": v.clone() }));
        check(&json!({ "resourceType": "QuestionnaireResponse", "contained": [v.clone()], "questionnaire": "#interview" }));
        check(&json!({ "resourceType": "Parameters", "parameter": [{ "name": "questionnaire-response", "resource": v }] }));
    }

    #[test]
    fn a_real_response_with_one_node_replaced_never_panics(pick in any::<proptest::sample::Index>(), with in fhirish()) {
        let base = real();
        let mut all = Vec::new();
        paths(&base, Vec::new(), &mut all);
        let mut v = base.clone();
        *node(&mut v, &all[pick.index(all.len())]) = with;
        check(&v);
    }
}
