//! Every JSON body the saved-case, diary, audit, session and knowledge-base
//! routes answer with (successes and problems alike) validates against
//! the schema the OpenAPI document gives for that operation, status and
//! content type, checked by `jsonschema`, an implementation this project did
//! not write. Schemathesis checks the same in CI, but only for the bodies it
//! happens to reach.
//!
//! A schema that accepts anything would pass that check, so each body is also
//! broken on purpose, one field at a time (a string where a number belongs,
//! and so on), and every broken copy must be refused.

mod common;

use std::sync::Arc;

use axum::Router;
use cluneal_engine::Engine;
use cluneal_kb::KnowledgeBase;
use cluneal_store::{Location, Store};
use jsonschema::Validator;
use serde_json::{Value, json};

async fn setup() -> (Router, Arc<Store>) {
    let dir = std::env::temp_dir().join(format!("cluneal-response-schemas-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let store = Arc::new(Store::open(&Location::Sqlite(dir.join("cluneal.db"))).await.expect("store opens"));
    let engine = Arc::new(Engine::new(KnowledgeBase::embedded().expect("valid knowledge base")));
    let config = cluneal_server::Config::new("127.0.0.1:0".parse().expect("addr"));
    (cluneal_server::router(engine, store.clone(), &config), store)
}

fn example(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(name);
    serde_json::from_str(&std::fs::read_to_string(path).expect("example")).expect("json")
}

/// The OpenAPI document and a validator for each response it is asked about.
struct Contract {
    doc: Value,
}

impl Contract {
    /// A validator for the body of `method template` answering `status` as
    /// `content_type`; the schema's `$ref`s resolve against the document's
    /// components, which the root carries.
    fn validator(&self, method: &str, template: &str, status: u16, content_type: &str) -> Validator {
        let response = &self.doc["paths"][template][method.to_lowercase()]["responses"][status.to_string()];
        let schema = &response["content"][content_type]["schema"];
        assert!(
            schema.is_object(),
            "{method} {template}: no {content_type} schema documented for {status}: {response}"
        );
        let root = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "components": self.doc["components"],
            "allOf": [schema],
        });
        jsonschema::options()
            .should_validate_formats(true)
            .build(&root)
            .unwrap_or_else(|e| panic!("{method} {template} {status}: the schema does not compile: {e}"))
    }
}

/// Sends a request and checks its JSON body against the document; returns it.
struct Client {
    app: Router,
    contract: Contract,
    authorization: Option<String>,
    /// How many bodies were checked, and how many broken copies were refused.
    checked: usize,
    broken: usize,
}

impl Client {
    async fn call(
        &mut self,
        method: &str,
        path: &str,
        template: &str,
        body: Option<Value>,
        auth: Option<&str>,
        want: u16,
    ) -> Value {
        let auth = auth.or(self.authorization.as_deref());
        let sent = body.map(|b| ("application/json", b.to_string()));
        let (status, headers, got) = common::oneshot(&self.app, method, path, auth, sent).await;
        assert_eq!(status, want, "{method} {path}: {got}");
        let content_type =
            headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        let validator = self.contract.validator(method, template, status, &content_type);
        let errors: Vec<String> =
            validator.iter_errors(&got).map(|e| format!("{e} at {}", e.instance_path())).collect();
        assert!(
            errors.is_empty(),
            "{method} {path} ({status}): the body does not match its schema: {errors:#?}\n{got}"
        );
        self.checked += 1;
        for (what, wrong) in broken_copies(&got) {
            assert!(
                !validator.is_valid(&wrong),
                "{method} {path} ({status}): the schema accepts the body with {what}, so it does not describe the body"
            );
            self.broken += 1;
        }
        got
    }
}

/// A value of another JSON type than `v`.
fn other_type(v: &Value) -> Value {
    match v {
        Value::String(_) => json!(12345),
        Value::Array(_) | Value::Object(_) => json!("not this"),
        Value::Null | Value::Bool(_) | Value::Number(_) => json!(["not this"]),
    }
}

/// Copies of `body` each broken in one place: every field of an object (or of
/// a list's first item) given a value of another type, and a list given an
/// item of another type.
fn broken_copies(body: &Value) -> Vec<(String, Value)> {
    match body {
        Value::Object(fields) => fields
            .iter()
            .map(|(key, v)| {
                let mut wrong = body.clone();
                wrong[key] = other_type(v);
                (format!("`{key}` of another type"), wrong)
            })
            .collect(),
        Value::Array(items) => {
            let mut out = Vec::new();
            let mut extra = body.clone();
            if let Some(list) = extra.as_array_mut() {
                list.push(other_type(items.first().unwrap_or(&json!({}))));
            }
            out.push(("an item of another type".to_string(), extra));
            if let Some(first) = items.first() {
                for (what, wrong_item) in broken_copies(first) {
                    let mut wrong = body.clone();
                    wrong[0] = wrong_item;
                    out.push((format!("{what} in the first item"), wrong));
                }
            }
            out
        }
        _ => vec![("a value of another type".to_string(), other_type(body))],
    }
}

/// Copies of every item of the list `body`, each broken in one place at any
/// depth (a field, a list's element, a field of a field), each as a list of
/// that one item. A null becomes an object that no knowledge-base type
/// allows (they deny unknown fields), since a null does not say which type it
/// stands for.
fn broken_items(body: &Value) -> Vec<(String, Value)> {
    fn breaks(v: &Value, at: &str, out: &mut Vec<(String, Value)>) {
        let wrong = if v.is_null() { json!({ "not this": true }) } else { other_type(v) };
        out.push((format!("`{at}` of another type"), wrong));
        match v {
            Value::Object(fields) => {
                for (key, field) in fields {
                    let mut inner = Vec::new();
                    breaks(field, &format!("{at}/{key}"), &mut inner);
                    out.extend(inner.into_iter().map(|(what, wrong_field)| {
                        let mut copy = v.clone();
                        copy[key] = wrong_field;
                        (what, copy)
                    }));
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let mut inner = Vec::new();
                    breaks(item, &format!("{at}/{i}"), &mut inner);
                    out.extend(inner.into_iter().map(|(what, wrong_item)| {
                        let mut copy = v.clone();
                        copy[i] = wrong_item;
                        (what, copy)
                    }));
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (i, item) in body.as_array().into_iter().flatten().enumerate() {
        let mut inner = Vec::new();
        breaks(item, &format!("{i}"), &mut inner);
        // The item itself of another type is `call`'s check already.
        out.extend(inner.into_iter().skip(1).map(|(what, wrong)| (what, json!([wrong]))));
    }
    out
}

#[tokio::test]
async fn stored_case_diary_and_session_bodies_match_the_openapi_document() {
    let (app, store) = setup().await;
    let (status, _, doc) = common::oneshot(&app, "GET", "/api/openapi.json", None, None).await;
    assert_eq!(status, 200);
    let mut c = Client { app, contract: Contract { doc }, authorization: None, checked: 0, broken: 0 };
    let case = example("scne_typical.json");

    // The knowledge base's summary and its views, open to all.
    c.call("GET", "/api/v1/kb", "/api/v1/kb", None, None, 200).await;
    let mut deep = 0;
    for view in common::KB_VIEWS {
        let path = format!("/api/v1/kb/{view}");
        let body = c.call("GET", &path, &path, None, None, 200).await;
        assert!(body.as_array().is_some_and(|items| !items.is_empty()), "{path}: {body}");
        // `call` breaks the first item; the items of a view differ (a finding
        // with a derivation, a condition with a comparison row), so every item
        // is broken too, at every depth, each alone in a list.
        let validator = c.contract.validator("GET", &path, 200, "application/json");
        for (what, wrong) in broken_items(&body) {
            assert!(!validator.is_valid(&wrong), "{path}: the schema accepts an item with {what}");
            deep += 1;
        }
    }
    assert!(deep > 5000, "broken view items refused: {deep}");

    // Before any token exists: the open loopback mode.
    let session = c.call("GET", "/api/v1/session", "/api/v1/session", None, None, 200).await;
    assert_eq!(session, json!({ "auth_required": false, "authenticated": true }));

    // With a token: the session says so, and every saved-case route needs it.
    let token = store.create_token("dr-lee").await.expect("token");
    let bearer = format!("Bearer {token}");
    let session = c.call("GET", "/api/v1/session", "/api/v1/session", None, None, 200).await;
    assert_eq!(session, json!({ "auth_required": true, "authenticated": false }));
    c.call("GET", "/api/v1/cases", "/api/v1/cases", None, Some("Bearer wrong"), 401).await;
    c.authorization = Some(bearer);
    let session = c.call("GET", "/api/v1/session", "/api/v1/session", None, None, 200).await;
    assert_eq!(session, json!({ "auth_required": true, "authenticated": true }));

    // Saved cases and their visits.
    c.call("GET", "/api/v1/cases", "/api/v1/cases", None, None, 200).await;
    let created = c
        .call(
            "POST",
            "/api/v1/cases",
            "/api/v1/cases",
            Some(json!({ "case": case, "label": "first" })),
            None,
            201,
        )
        .await;
    let id = created["id"].as_str().expect("id").to_string();
    let one = format!("/api/v1/cases/{id}");
    let update = json!({ "case": case, "visit_date": "2026-11-30",
        "outcomes": { "psfs": [{ "activity": "walking the dog", "score": 4.5 }] } });
    c.call("PUT", &one, "/api/v1/cases/{id}", Some(update), None, 200).await;
    c.call("PUT", &one, "/api/v1/cases/{id}", Some(json!({ "case": { "age": -1 } })), None, 422).await;
    c.call("GET", &one, "/api/v1/cases/{id}", None, None, 200).await;
    c.call("GET", "/api/v1/cases/0123abcd", "/api/v1/cases/{id}", None, None, 404).await;
    c.call("GET", "/api/v1/cases", "/api/v1/cases", None, None, 200).await;
    let visits = c.call("GET", &format!("{one}/visits"), "/api/v1/cases/{id}/visits", None, None, 200).await;
    assert_eq!(visits.as_array().map(Vec::len), Some(2), "two saves, two visits");

    // Diary links, the patient's diary through one, and revocation.
    let links = format!("{one}/diary-links");
    let link = c.call("POST", &links, "/api/v1/cases/{id}/diary-links", None, None, 201).await;
    let diary = format!("Diary {}", link["token"].as_str().expect("token"));
    c.call("GET", &links, "/api/v1/cases/{id}/diary-links", None, None, 200).await;
    let opened = c.call("GET", "/api/v1/diary", "/api/v1/diary", None, Some(&diary), 200).await;
    let exercise = opened["exercises"][0]["id"].clone();
    assert!(exercise.is_string(), "the typical case's plan prescribes exercises: {opened}");
    let entry = json!({ "date": "2026-11-29", "pain": 4, "exercises_done": [exercise], "notes": "walked" });
    c.call("POST", "/api/v1/diary/entries", "/api/v1/diary/entries", Some(entry), Some(&diary), 201).await;
    let bare = json!({ "date": "2026-11-28" });
    c.call("POST", "/api/v1/diary/entries", "/api/v1/diary/entries", Some(bare), Some(&diary), 201).await;
    let wrong = json!({ "date": "2026-11-28", "pain": 11 });
    c.call("POST", "/api/v1/diary/entries", "/api/v1/diary/entries", Some(wrong), Some(&diary), 422).await;
    c.call("GET", "/api/v1/diary", "/api/v1/diary", None, Some(&diary), 200).await;
    c.call("GET", &format!("{one}/diary"), "/api/v1/cases/{id}/diary", None, None, 200).await;
    c.call("DELETE", &links, "/api/v1/cases/{id}/diary-links", None, None, 200).await;
    c.call("GET", &links, "/api/v1/cases/{id}/diary-links", None, None, 200).await;
    c.call("GET", "/api/v1/diary", "/api/v1/diary", None, Some(&diary), 401).await;

    // The audit log of all of it.
    c.call("GET", "/api/v1/audit?limit=50", "/api/v1/audit", None, None, 200).await;
    c.call("GET", "/api/v1/audit?limit=0", "/api/v1/audit", None, None, 400).await;

    assert_eq!(c.checked, 26 + common::KB_VIEWS.len(), "bodies checked");
    assert!(c.broken > 100, "broken copies refused: {}", c.broken);
}

#[test]
fn a_body_that_does_not_match_is_refused() {
    // The check above, on a document whose schema differs from the body: a
    // diary link whose `revoked_at` is documented as a number.
    let doc = json!({
        "paths": { "/links": { "get": { "responses": { "200": { "content": { "application/json": {
            "schema": { "type": "array", "items": { "$ref": "#/components/schemas/DiaryLink" } } } } } } } } },
        "components": { "schemas": { "DiaryLink": { "type": "object", "required": ["id", "revoked_at"],
            "properties": { "id": { "type": "string" }, "revoked_at": { "type": "number" } } } } }
    });
    let validator = Contract { doc }.validator("GET", "/links", 200, "application/json");
    assert!(validator.is_valid(&json!([{ "id": "0dabeb84fa92", "revoked_at": 3 }])));
    assert!(!validator.is_valid(&json!([{ "id": "0dabeb84fa92", "revoked_at": null }])));
    assert!(!validator.is_valid(&json!([{ "id": "0dabeb84fa92" }])));
}
