//! Every operation of the OpenAPI document through `router().oneshot()`, in
//! the open loopback mode: each answers with the status this table expects,
//! that status is one the document lists for the operation, and every
//! documented operation has a row here (a new route without a test fails).
//! The end-to-end suite (`tests/api.rs`) covers the same routes over TCP, with
//! tokens, limits and restarts.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use axum::Router;
use cluneal_engine::Engine;
use cluneal_kb::KnowledgeBase;
use cluneal_store::{Location, Store};
use serde_json::{Value, json};

async fn app() -> Router {
    let dir = std::env::temp_dir().join(format!("cluneal-routes-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let store = Arc::new(Store::open(&Location::Sqlite(dir.join("cluneal.db"))).await.expect("store opens"));
    let engine = Arc::new(Engine::new(KnowledgeBase::embedded().expect("valid knowledge base")));
    cluneal_server::router(engine, store, &cluneal_server::Config::new("127.0.0.1:0".parse().expect("addr")))
}

fn example(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(name);
    serde_json::from_str(&std::fs::read_to_string(path).expect("example")).expect("json")
}

/// Status and body (JSON, or null) of one request.
async fn call(
    app: &Router,
    method: &str,
    path: &str,
    body: Option<&Value>,
    auth: Option<&str>,
) -> (u16, Value) {
    let (status, _, v) =
        common::oneshot(app, method, path, auth, body.map(|b| ("application/json", b.to_string()))).await;
    (status, v)
}

/// The operations the OpenAPI document lists, as (METHOD, path template), with
/// the statuses each may answer.
async fn documented(app: &Router) -> Vec<(String, String, BTreeSet<String>)> {
    let (status, doc) = call(app, "GET", "/api/openapi.json", None, None).await;
    assert_eq!(status, 200);
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            if let Some(responses) = op["responses"].as_object() {
                out.push((method.to_uppercase(), path.clone(), responses.keys().cloned().collect()));
            }
        }
    }
    out
}

#[tokio::test]
async fn every_documented_operation_answers_as_documented() {
    let app = app().await;
    let ops = documented(&app).await;
    let case = example("scne_typical.json");
    let mut tested: BTreeSet<(String, String)> = BTreeSet::new();
    let mut check = |method: &str, template: &str, status: u16, want: u16| {
        assert_eq!(status, want, "{method} {template}");
        let (_, _, allowed) = ops
            .iter()
            .find(|(m, p, _)| m == method && p == template)
            .unwrap_or_else(|| panic!("{method} {template} is not in the OpenAPI document"));
        assert!(allowed.contains(&status.to_string()), "{method} {template}: {status} is not documented");
        tested.insert((method.to_string(), template.to_string()));
    };

    // Open routes.
    check("GET", "/healthz", call(&app, "GET", "/healthz", None, None).await.0, 200);
    check("GET", "/api/v1/session", call(&app, "GET", "/api/v1/session", None, None).await.0, 200);
    check("GET", "/api/v1/kb", call(&app, "GET", "/api/v1/kb", None, None).await.0, 200);
    for view in common::KB_VIEWS {
        let path = format!("/api/v1/kb/{view}");
        check("GET", &path, call(&app, "GET", &path, None, None).await.0, 200);
    }
    check("POST", "/api/v1/assess", call(&app, "POST", "/api/v1/assess", Some(&case), None).await.0, 200);
    check(
        "POST",
        "/api/v1/assess",
        call(&app, "POST", "/api/v1/assess", Some(&json!([])), None).await.0,
        422,
    );
    let (status, next) =
        call(&app, "POST", "/api/v1/interview/next", Some(&json!({ "case": {} })), None).await;
    check("POST", "/api/v1/interview/next", status, 200);
    assert!(next.is_object(), "the next step is a JSON object");
    let (status, _) = call(&app, "POST", "/api/v1/report.pdf?audience=patient", Some(&case), None).await;
    check("POST", "/api/v1/report.pdf", status, 200);
    let (status, _) = call(&app, "POST", "/api/v1/report.pdf?audience=nobody", Some(&case), None).await;
    check("POST", "/api/v1/report.pdf", status, 400);

    // Saved cases (local mode: no token needed on loopback without tokens).
    check("GET", "/api/v1/cases", call(&app, "GET", "/api/v1/cases", None, None).await.0, 200);
    let (status, created) = call(&app, "POST", "/api/v1/cases", Some(&json!({ "case": case })), None).await;
    check("POST", "/api/v1/cases", status, 201);
    let id = created["id"].as_str().expect("id").to_string();
    let one = format!("/api/v1/cases/{id}");
    check("GET", "/api/v1/cases/{id}", call(&app, "GET", &one, None, None).await.0, 200);
    check(
        "GET",
        "/api/v1/cases/{id}",
        call(&app, "GET", "/api/v1/cases/no-such-case", None, None).await.0,
        404,
    );
    let update = json!({ "case": case, "visit_date": "2026-11-30" });
    check("PUT", "/api/v1/cases/{id}", call(&app, "PUT", &one, Some(&update), None).await.0, 200);
    check(
        "PUT",
        "/api/v1/cases/{id}",
        call(&app, "PUT", &one, Some(&json!({ "case": [] })), None).await.0,
        422,
    );
    check(
        "GET",
        "/api/v1/cases/{id}/visits",
        call(&app, "GET", &format!("{one}/visits"), None, None).await.0,
        200,
    );
    let (status, _) = call(&app, "GET", &format!("{one}/report.pdf?audience=clinician"), None, None).await;
    check("GET", "/api/v1/cases/{id}/report.pdf", status, 200);
    let links = format!("{one}/diary-links");
    let (status, link) = call(&app, "POST", &links, None, None).await;
    check("POST", "/api/v1/cases/{id}/diary-links", status, 201);
    check("GET", "/api/v1/cases/{id}/diary-links", call(&app, "GET", &links, None, None).await.0, 200);

    // The patient diary, authenticated by its link.
    let diary = format!("Diary {}", link["token"].as_str().expect("token"));
    check("GET", "/api/v1/diary", call(&app, "GET", "/api/v1/diary", None, None).await.0, 401);
    check("GET", "/api/v1/diary", call(&app, "GET", "/api/v1/diary", None, Some(&diary)).await.0, 200);
    let entry = json!({ "date": "2026-11-29", "pain": 4 });
    let (status, _) = call(&app, "POST", "/api/v1/diary/entries", Some(&entry), Some(&diary)).await;
    check("POST", "/api/v1/diary/entries", status, 201);
    let (status, _) = call(
        &app,
        "POST",
        "/api/v1/diary/entries",
        Some(&json!({ "date": "2026-11-29", "pain": 11 })),
        Some(&diary),
    )
    .await;
    check("POST", "/api/v1/diary/entries", status, 422);
    check(
        "GET",
        "/api/v1/cases/{id}/diary",
        call(&app, "GET", &format!("{one}/diary"), None, None).await.0,
        200,
    );
    check("DELETE", "/api/v1/cases/{id}/diary-links", call(&app, "DELETE", &links, None, None).await.0, 200);
    check("GET", "/api/v1/audit", call(&app, "GET", "/api/v1/audit?limit=5", None, None).await.0, 200);
    check("GET", "/api/v1/audit", call(&app, "GET", "/api/v1/audit?limit=0", None, None).await.0, 400);
    check("DELETE", "/api/v1/cases/{id}", call(&app, "DELETE", &one, None, None).await.0, 204);
    check("DELETE", "/api/v1/cases/{id}", call(&app, "DELETE", &one, None, None).await.0, 404);

    let untested: Vec<String> = ops
        .iter()
        .filter(|(m, p, _)| !tested.contains(&(m.clone(), p.clone())))
        .map(|(m, p, _)| format!("{m} {p}"))
        .collect();
    assert!(untested.is_empty(), "documented operations without a row in this test: {untested:?}");
}
