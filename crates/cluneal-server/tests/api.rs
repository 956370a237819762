//! The REST API against the real server: a TCP listener on a random port and a
//! temporary SQLite file; the same suite runs against PostgreSQL when
//! `CLUNEAL_TEST_POSTGRES_URL` names a server (CI starts one).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use cluneal_engine::Engine;
use cluneal_kb::KnowledgeBase;
use cluneal_store::{Location, Store};
use serde_json::{Value, json};

struct Server {
    base: String,
    store: Arc<Store>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    async fn start(location: Location) -> Server {
        Server::start_with(location, cluneal_server::Config::new("127.0.0.1:0".parse().expect("addr"))).await
    }

    /// Start with `config`; the base URL is always on loopback, whatever the
    /// bound address (`0.0.0.0` is reached through 127.0.0.1).
    async fn start_with(location: Location, config: cluneal_server::Config) -> Server {
        let engine = Arc::new(Engine::new(KnowledgeBase::embedded().expect("valid knowledge base")));
        let store = Arc::new(Store::open(&location).await.expect("store opens"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel::<SocketAddr>();
        let s = store.clone();
        let task = tokio::spawn(async move {
            cluneal_server::serve(
                config,
                engine,
                s,
                move |addr| {
                    let _ = ready_tx.send(addr);
                },
                async move {
                    let _ = stopped.await;
                },
            )
            .await
            .expect("server runs");
        });
        let addr = ready_rx.await.expect("server bound");
        let base = format!("http://127.0.0.1:{}", addr.port());
        Server { base, store, stop: Some(stop), task }
    }

    async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        let _ = self.task.await;
    }
}

fn temp_db(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cluneal-api-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join("cluneal.db")
}

fn example(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(name);
    serde_json::from_str(&std::fs::read_to_string(path).expect("example")).expect("json")
}

async fn post(c: &reqwest::Client, url: &str, body: &Value) -> reqwest::Response {
    c.post(url).json(body).send().await.expect("request")
}

async fn problem(res: reqwest::Response, status: u16) -> Value {
    assert_eq!(res.status().as_u16(), status);
    assert_eq!(
        res.headers().get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/problem+json"),
        "errors are problem+json"
    );
    res.json().await.expect("problem json")
}

/// Everything a client can do, in order; run against each storage engine.
async fn suite(location: Location) {
    let server = Server::start(location).await;
    let c = reqwest::Client::new();
    let b = &server.base;

    // Health and the OpenAPI document.
    let health: Value = c.get(format!("{b}/healthz")).send().await.expect("get").json().await.expect("json");
    assert_eq!(health["status"], "ok");
    let doc: Value =
        c.get(format!("{b}/api/openapi.json")).send().await.expect("get").json().await.expect("json");
    assert_eq!(doc["openapi"], "3.1.0");
    for path in
        ["/api/v1/assess", "/api/v1/interview/next", "/api/v1/cases", "/api/v1/cases/{id}", "/api/v1/audit"]
    {
        assert!(doc["paths"][path].is_object(), "{path} is documented");
    }
    assert!(doc["components"]["schemas"]["Case"].is_object());
    assert!(doc["components"]["schemas"]["Report"].is_object());
    // Every answer the server can give is documented: a Host it does not serve
    // everywhere, and the body errors wherever a body is read.
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("operations") {
            let responses = &op["responses"];
            let mut needed = vec!["421"];
            if op.get("requestBody").is_some() {
                needed.extend(["400", "408", "413", "415"]);
            }
            for status in needed {
                assert!(responses[status].is_object(), "{method} {path} does not document {status}");
            }
        }
    }

    // Assess: the same report as the CLI, nothing stored.
    let report: Value = post(&c, &format!("{b}/api/v1/assess"), &example("scne_typical.json"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(report["differential"][0]["condition"], "scne");
    let diff = report["differential"].as_array().expect("array");
    assert!(diff.windows(2).all(|w| w[0]["probability"].as_f64() >= w[1]["probability"].as_f64()));
    assert!(
        ["emergency", "urgent", "soon", "routine"]
            .contains(&report["triage"]["level"].as_str().expect("level"))
    );

    // Bad input: named, never a crash.
    let res = c
        .post(format!("{b}/api/v1/assess"))
        .header("content-type", "application/json")
        .body("{\"age\": ")
        .send()
        .await
        .expect("send");
    problem(res, 400).await;
    let p = problem(post(&c, &format!("{b}/api/v1/assess"), &json!({"age": "old"})).await, 422).await;
    assert_eq!(p["errors"][0]["path"], "age");
    // A case is an object: an array of fields is not read as one.
    for body in [json!([]), json!([null, 40])] {
        let p = problem(post(&c, &format!("{b}/api/v1/assess"), &body).await, 422).await;
        assert!(p["detail"].as_str().expect("detail").contains("a JSON object"), "{p}");
    }
    problem(post(&c, &format!("{b}/api/v1/cases"), &json!({"case": []})).await, 422).await;
    // A number where a named value belongs is a wrong value at a named field, not broken JSON.
    let p = problem(
        post(
            &c,
            &format!("{b}/api/v1/assess"),
            &json!({"treatments_tried": [{"treatment": "nsaids", "response": -1}]}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["path"], "treatments_tried[0].response", "{p}");
    assert!(p["errors"][0]["message"].as_str().expect("message").contains("not an allowed value"), "{p}");
    let p = problem(
        post(&c, &format!("{b}/api/v1/assess"), &json!({"answers": {"crest_tendernes": "yes"}})).await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["path"], "answers.crest_tendernes");
    assert!(p["errors"][0]["message"].as_str().expect("message").contains("crest_tenderness_focal"));
    let p = problem(
        post(&c, &format!("{b}/api/v1/assess"), &json!({"age": 300, "answers": {"pain_intensity": 12}}))
            .await,
        422,
    )
    .await;
    assert_eq!(p["errors"].as_array().expect("errors").len(), 2);
    let big = "x".repeat(cluneal_server::BODY_LIMIT + 1);
    let res = c
        .post(format!("{b}/api/v1/assess"))
        .header("content-type", "application/json")
        .body(format!("\"{big}\""))
        .send()
        .await
        .expect("send");
    problem(res, 413).await;
    let res = c.post(format!("{b}/api/v1/assess")).body("{}").send().await.expect("send");
    problem(res, 415).await;
    problem(c.get(format!("{b}/api/v1/nothing")).send().await.expect("send"), 404).await;
    // A repeated key is refused wherever it is, never silently the last value.
    for (url, body, path) in [
        (
            "assess",
            r#"{"answers":{"saddle_anaesthesia":"yes","saddle_anaesthesia":"no"}}"#,
            "answers.saddle_anaesthesia",
        ),
        ("assess", r#"{"age":40,"age":41}"#, "age"),
        (
            "interview/next",
            r#"{"case":{"answers":{"fever":"no","fever":"yes"}},"asked":0}"#,
            "case.answers.fever",
        ),
        ("cases", r#"{"case":{"answers":{"fever":"no","fever":"yes"}}}"#, "case.answers.fever"),
    ] {
        let res = c
            .post(format!("{b}/api/v1/{url}"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("send");
        let p = problem(res, 422).await;
        assert_eq!(p["errors"][0]["path"], path, "{p}");
        let key = path.rsplit('.').next().expect("key");
        assert!(
            p["detail"].as_str().expect("detail").contains(&format!("`{key}` appears more than once")),
            "{p}"
        );
    }

    // The interview: emergency signs first, as one tick-all question.
    let step: Value = post(
        &c,
        &format!("{b}/api/v1/interview/next"),
        &json!({"case": {"respondent": "patient", "age": 50}, "asked": 0}),
    )
    .await
    .json()
    .await
    .expect("json");
    assert_eq!(step["step"], "ask");
    assert_eq!(step["multi_select"], true);
    assert!(
        step["questions"].as_array().expect("questions").iter().any(|q| q["finding"] == "saddle_anaesthesia")
    );
    let step: Value = post(
        &c,
        &format!("{b}/api/v1/interview/next"),
        &json!({"case": {"respondent": "patient", "answers": {"saddle_anaesthesia": "yes", "urinary_retention": "yes"}}}),
    )
    .await
    .json()
    .await
    .expect("json");
    assert_eq!(step["step"], "done");
    assert_eq!(step["triage"]["level"], "emergency");

    // Saved cases: create, list, read, update, delete; each audited.
    let created = post(
        &c,
        &format!("{b}/api/v1/cases"),
        &json!({"label": "left crest pain", "case": example("scne_typical.json")}),
    )
    .await;
    assert_eq!(created.status().as_u16(), 201);
    let created: Value = created.json().await.expect("json");
    let id = created["id"].as_str().expect("id").to_string();
    assert_eq!(created["kb_version"], report["kb_version"]);
    assert_eq!(created["report"]["differential"][0]["condition"], "scne");
    let list: Value =
        c.get(format!("{b}/api/v1/cases")).send().await.expect("get").json().await.expect("json");
    assert_eq!(list.as_array().expect("list").len(), 1);
    assert_eq!(list[0]["top_condition"], "scne");
    let got: Value =
        c.get(format!("{b}/api/v1/cases/{id}")).send().await.expect("get").json().await.expect("json");
    assert_eq!(got["label"], "left crest pain");
    let updated: Value = c
        .put(format!("{b}/api/v1/cases/{id}"))
        .json(&json!({"label": "now with a block", "case": example("scne_block_positive.json")}))
        .send()
        .await
        .expect("put")
        .json()
        .await
        .expect("json");
    assert_eq!(updated["report"]["blocks"][0]["result"], "positive");
    // A malformed update changes nothing.
    problem(
        c.put(format!("{b}/api/v1/cases/{id}"))
            .json(&json!({"case": {"answers": {"nope": "yes"}}}))
            .send()
            .await
            .expect("put"),
        422,
    )
    .await;
    let again: Value =
        c.get(format!("{b}/api/v1/cases/{id}")).send().await.expect("get").json().await.expect("json");
    assert_eq!(again["label"], "now with a block");
    problem(c.get(format!("{b}/api/v1/cases/ffff")).send().await.expect("get"), 404).await;
    problem(c.get(format!("{b}/api/v1/cases/..%2Fetc")).send().await.expect("get"), 404).await;
    assert_eq!(
        c.delete(format!("{b}/api/v1/cases/{id}")).send().await.expect("delete").status().as_u16(),
        204
    );
    problem(c.delete(format!("{b}/api/v1/cases/{id}")).send().await.expect("delete"), 404).await;
    let audit: Value =
        c.get(format!("{b}/api/v1/audit")).send().await.expect("get").json().await.expect("json");
    let actions: Vec<&str> =
        audit.as_array().expect("audit").iter().rev().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(actions, ["create", "list", "read", "update", "read", "delete"]);
    assert!(audit.as_array().expect("audit").iter().all(|e| e["actor"] == "local" && e["at"].is_string()));
    problem(c.get(format!("{b}/api/v1/audit?limit=0")).send().await.expect("get"), 400).await;

    // With a token configured, saved cases need it; assess stays open.
    let token = server.store.create_token("dr-lee").await.expect("token");
    let session: Value =
        c.get(format!("{b}/api/v1/session")).send().await.expect("get").json().await.expect("json");
    assert_eq!(session, json!({"auth_required": true, "authenticated": false}));
    problem(c.get(format!("{b}/api/v1/cases")).send().await.expect("get"), 401).await;
    problem(c.get(format!("{b}/api/v1/cases")).bearer_auth("cln_wrong").send().await.expect("get"), 401)
        .await;
    let res = c
        .post(format!("{b}/api/v1/cases"))
        .bearer_auth(&token)
        .json(&json!({"case": example("sgne.json")}))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status().as_u16(), 201);
    // The save is the latest entry; the token's creation and the attempt with a
    // wrong token were audited before it.
    let audit: Value = c
        .get(format!("{b}/api/v1/audit?limit=10"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(audit[0]["actor"], "dr-lee");
    let actions: Vec<&str> =
        audit.as_array().expect("audit").iter().filter_map(|e| e["action"].as_str()).collect();
    assert!(actions.contains(&"token_create") && actions.contains(&"login_failed"), "{actions:?}");
    assert_eq!(post(&c, &format!("{b}/api/v1/assess"), &example("sgne.json")).await.status().as_u16(), 200);

    // The knowledge base, read-only. Its summary names every care setting, in
    // order, with what kinds of practice its priors stand for.
    let summary: Value =
        c.get(format!("{b}/api/v1/kb")).send().await.expect("get").json().await.expect("json");
    let ids: Vec<&str> = summary["care_settings"]
        .as_array()
        .expect("care settings")
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    let settings: Vec<&str> =
        summary["settings"].as_array().expect("settings").iter().filter_map(|s| s.as_str()).collect();
    assert_eq!(ids, settings);
    assert_eq!(summary["default_setting"], "primary_care");
    let specialist =
        &summary["care_settings"][settings.iter().position(|s| *s == "spine_clinic").expect("spine_clinic")];
    assert_eq!(specialist["name"], "Specialist clinic");
    assert!(specialist["covers"].as_str().is_some_and(|t| t.contains("pain medicine")), "{specialist}");
    let conditions: Value =
        c.get(format!("{b}/api/v1/kb/conditions")).send().await.expect("get").json().await.expect("json");
    assert!(conditions.as_array().expect("conditions").len() >= 20);
    let comparison: Value =
        c.get(format!("{b}/api/v1/kb/comparison")).send().await.expect("get").json().await.expect("json");
    assert!(comparison.as_array().expect("rows").len() >= 3);
    for view in [
        "findings",
        "groups",
        "exercises",
        "education",
        "red_flags",
        "self_care",
        "treatments",
        "blocks",
        "references",
        "criteria",
        "plan_steps",
        "diagnostics",
    ] {
        let v: Value =
            c.get(format!("{b}/api/v1/kb/{view}")).send().await.expect("get").json().await.expect("json");
        assert!(!v.as_array().expect("a list").is_empty(), "{view}");
    }
    problem(c.get(format!("{b}/api/v1/kb/nope")).send().await.expect("get"), 404).await;
    // The summary lives at /api/v1/kb only, not also as an undocumented view.
    problem(c.get(format!("{b}/api/v1/kb/kb")).send().await.expect("get"), 404).await;
    // Each exercise comes with its own picture and the picture's text, which the web app shows.
    let exercises: Value =
        c.get(format!("{b}/api/v1/kb/exercises")).send().await.expect("get").json().await.expect("json");
    let mut pictures = std::collections::BTreeSet::new();
    for e in exercises.as_array().expect("exercises") {
        assert!(
            e["picture_alt"].as_str().is_some_and(|s| s.starts_with("Start: ") && s.contains("End: ")),
            "{e}"
        );
        assert!(pictures.insert(e["picture"].as_str().expect("picture").to_string()), "shared picture: {e}");
    }

    // The web app is served by the binary itself.
    let page = c.get(format!("{b}/")).send().await.expect("get");
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.headers().get("content-security-policy").is_some());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_works_on_sqlite() {
    suite(Location::Sqlite(temp_db("suite"))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_works_on_postgres_when_a_server_is_available() {
    let Ok(url) = std::env::var("CLUNEAL_TEST_POSTGRES_URL") else {
        eprintln!("CLUNEAL_TEST_POSTGRES_URL is not set: PostgreSQL variant skipped");
        return;
    };
    // A fresh database for this run, so the suite starts empty.
    let admin = cluneal_store::admin::Admin::connect(&url).await.expect("postgres reachable");
    let db = format!("cluneal_test_{}", std::process::id());
    admin.recreate_database(&db).await.expect("create database");
    let base = url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b);
    suite(Location::Postgres(format!("{base}/{db}"))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_loopback_address_is_refused_without_a_token() {
    let engine = Arc::new(Engine::new(KnowledgeBase::embedded().expect("valid knowledge base")));
    let store = Arc::new(Store::open(&Location::Sqlite(temp_db("remote"))).await.expect("store"));
    let config = cluneal_server::Config::new("0.0.0.0:0".parse().expect("addr"));
    let err = cluneal_server::serve(config, engine, store, |_| {}, async {}).await.expect_err("refused");
    assert!(err.to_string().contains("needs authentication"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saved_cases_survive_a_restart() {
    let db = temp_db("restart");
    let server = Server::start(Location::Sqlite(db.clone())).await;
    let c = reqwest::Client::new();
    let created: Value =
        post(&c, &format!("{}/api/v1/cases", server.base), &json!({"case": example("mcne.json")}))
            .await
            .json()
            .await
            .expect("json");
    server.stop().await;
    let server = Server::start(Location::Sqlite(db)).await;
    let got = c
        .get(format!("{}/api/v1/cases/{}", server.base, created["id"].as_str().expect("id")))
        .send()
        .await
        .expect("get");
    assert_eq!(got.status().as_u16(), 200);
    server.stop().await;
}

/// A saved report reads back exactly as it was first returned, to the last
/// digit of every number, for every example case.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_report_reads_back_exactly_as_returned() {
    let server = Server::start(Location::Sqlite(temp_db("exact"))).await;
    let c = reqwest::Client::new();
    let b = &server.base;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("examples")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    assert!(names.len() >= 10);
    // Compared with sonic-rs, whose float parsing is exact: a lossy parser could
    // map two texts that differ in the last digit to the same number.
    use sonic_rs::JsonValueTrait;
    let exact = |text: &str| sonic_rs::from_str::<sonic_rs::Value>(text).expect("json");
    for name in names {
        let case = example(&name);
        let fresh = exact(&post(&c, &format!("{b}/api/v1/assess"), &case).await.text().await.expect("text"));
        let created = exact(
            &post(&c, &format!("{b}/api/v1/cases"), &json!({"case": case})).await.text().await.expect("text"),
        );
        let id = created.get("id").and_then(|v| v.as_str()).expect("id").to_string();
        let got = exact(
            &c.get(format!("{b}/api/v1/cases/{id}")).send().await.expect("get").text().await.expect("text"),
        );
        assert!(got.get("report") == Some(&fresh), "{name}: the saved report differs from the one returned");
        assert!(created.get("report") == Some(&fresh), "{name}: the report returned on saving differs");
    }
    server.stop().await;
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_keeps_the_clients_own() {
    let server = Server::start(Location::Sqlite(temp_db("request-id"))).await;
    let c = reqwest::Client::new();
    let b = &server.base;
    let mut seen = std::collections::BTreeSet::new();
    for path in ["/healthz", "/api/v1/kb", "/api/v1/cases/no-such-case", "/api/nowhere"] {
        let res = c.get(format!("{b}{path}")).send().await.expect("get");
        let id = res.headers().get("x-request-id").and_then(|v| v.to_str().ok()).map(String::from);
        let id = id.unwrap_or_else(|| panic!("{path}: no x-request-id"));
        assert_eq!(id.len(), 36, "{path}: a UUID, not `{id}`");
        assert!(seen.insert(id), "{path}: request ids repeat");
    }
    let res =
        post(&c, &format!("{b}/api/v1/assess"), &json!({"answers": {"saddle_anaesthesia": "maybe"}})).await;
    assert_eq!(res.status(), 422);
    assert!(res.headers().get("x-request-id").is_some(), "errors carry the id too");
    let res = c.get(format!("{b}/healthz")).header("x-request-id", "ehr-call-42").send().await.expect("get");
    assert_eq!(res.headers().get("x-request-id").and_then(|v| v.to_str().ok()), Some("ehr-call-42"));
    server.stop().await;
}

#[tokio::test]
async fn a_damaged_stored_report_is_named_and_left_in_place() {
    let db = temp_db("damaged");
    let server = Server::start(Location::Sqlite(db.clone())).await;
    let c = reqwest::Client::new();
    let b = &server.base;
    let created: Value =
        post(&c, &format!("{b}/api/v1/cases"), &json!({"case": example("scne_typical.json")}))
            .await
            .json()
            .await
            .expect("json");
    let id = created["id"].as_str().expect("id").to_string();
    // Damage the stored report behind the server's back, as a disk fault or a
    // hand edit would.
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display())).await.expect("open");
    sqlx::query("UPDATE cases SET report_json = '{\"differential\": [' WHERE id = ?")
        .bind(&id)
        .execute(&pool)
        .await
        .expect("update");
    let res = c.get(format!("{b}/api/v1/cases/{id}")).send().await.expect("get");
    let p = problem(res, 500).await;
    assert!(p["type"].as_str().is_some_and(|t| t.ends_with("/corrupt-record")), "{p}");
    let detail = p["detail"].as_str().expect("detail");
    assert!(detail.contains(&id) && detail.contains("report"), "the detail names the record: {detail}");
    // Reading it did not repair or drop it: the damaged text is still there.
    let (kept,): (String,) = sqlx::query_as("SELECT report_json FROM cases WHERE id = ?")
        .bind(&id)
        .fetch_one(&pool)
        .await
        .expect("row");
    assert_eq!(kept, "{\"differential\": [");
    pool.close().await;
    server.stop().await;
}

/// Revoke `name` from another process's point of view: a second store on the
/// same database, as `cluneal token revoke` would open.
async fn revoke_elsewhere(db: &std::path::Path, name: &str) {
    let other = Store::open(&Location::Sqlite(db.to_path_buf())).await.expect("store");
    assert!(other.revoke_token(name).await.expect("revoke"));
    other.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoking_the_last_token_keeps_a_remote_server_closed() {
    let db = temp_db("revoke-remote");
    let setup = Store::open(&Location::Sqlite(db.clone())).await.expect("store");
    let token = setup.create_token("dr-lee").await.expect("token");
    setup.close().await;
    let config = cluneal_server::Config::new("0.0.0.0:0".parse().expect("addr"));
    let server = Server::start_with(Location::Sqlite(db.clone()), config).await;
    let c = reqwest::Client::new();
    let b = &server.base;
    post(&c, &format!("{b}/api/v1/cases"), &json!({"case": example("sgne.json")})).await;
    problem(c.get(format!("{b}/api/v1/cases")).send().await.expect("get"), 401).await;
    let ok = c.get(format!("{b}/api/v1/cases")).bearer_auth(&token).send().await.expect("get");
    assert_eq!(ok.status().as_u16(), 200);

    revoke_elsewhere(&db, "dr-lee").await;
    assert_eq!(server.store.token_count().await.expect("count"), 0);
    problem(c.get(format!("{b}/api/v1/cases")).send().await.expect("get"), 401).await;
    problem(c.get(format!("{b}/api/v1/cases")).bearer_auth(&token).send().await.expect("get"), 401).await;
    problem(c.get(format!("{b}/api/v1/audit")).send().await.expect("get"), 401).await;
    problem(post(&c, &format!("{b}/api/v1/cases"), &json!({"case": example("sgne.json")})).await, 401).await;
    let session: Value =
        c.get(format!("{b}/api/v1/session")).send().await.expect("get").json().await.expect("json");
    assert_eq!(session, json!({"auth_required": true, "authenticated": false}));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoking_the_last_token_keeps_a_loopback_server_closed_until_restart() {
    let db = temp_db("revoke-local");
    let server = Server::start(Location::Sqlite(db.clone())).await;
    let c = reqwest::Client::new();
    let b = &server.base;
    // Open local mode until a token exists, then closed for the rest of the run.
    let list = c.get(format!("{b}/api/v1/cases")).send().await.expect("get");
    assert_eq!(list.status().as_u16(), 200);
    let other = Store::open(&Location::Sqlite(db.clone())).await.expect("store");
    other.create_token("dr-lee").await.expect("token");
    other.close().await;
    problem(c.get(format!("{b}/api/v1/cases")).send().await.expect("get"), 401).await;
    revoke_elsewhere(&db, "dr-lee").await;
    problem(c.get(format!("{b}/api/v1/cases")).send().await.expect("get"), 401).await;
    server.stop().await;
    // A restart on loopback without tokens is the open local mode again, by choice of the operator.
    let server = Server::start(Location::Sqlite(db)).await;
    let list = c.get(format!("{}/api/v1/cases", server.base)).send().await.expect("get");
    assert_eq!(list.status().as_u16(), 200);
    server.stop().await;
}

/// GET `path` with a forged `Host`, as a page on a rebinding domain would send.
async fn get_with_host(c: &reqwest::Client, base: &str, path: &str, host: &str) -> reqwest::Response {
    c.get(format!("{base}{path}")).header("host", host).send().await.expect("get")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_loopback_host_names_are_answered_by_default() {
    let server = Server::start(Location::Sqlite(temp_db("host"))).await;
    let c = reqwest::Client::new();
    let b = &server.base;
    let port = b.rsplit(':').next().expect("port");
    for path in ["/api/v1/cases", "/healthz", "/", "/api/v1/audit"] {
        let p = problem(get_with_host(&c, b, path, &format!("rebind.example:{port}")).await, 421).await;
        assert!(p["detail"].as_str().expect("detail").contains("`rebind.example:"), "{p}");
    }
    problem(get_with_host(&c, b, "/api/v1/cases", "192.168.1.5").await, 421).await;
    for host in
        [format!("localhost:{port}"), "localhost".into(), format!("127.0.0.1:{port}"), "[::1]:1".into()]
    {
        let res = get_with_host(&c, b, "/api/v1/cases", &host).await;
        assert_eq!(res.status().as_u16(), 200, "{host}");
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allowed_hosts_are_answered_when_configured() {
    let mut config = cluneal_server::Config::new("127.0.0.1:0".parse().expect("addr"));
    config.allowed_hosts = vec!["clinic.example".into()];
    let server = Server::start_with(Location::Sqlite(temp_db("allowed-host")), config).await;
    let c = reqwest::Client::new();
    let b = &server.base;
    assert_eq!(get_with_host(&c, b, "/healthz", "Clinic.Example:8080").await.status().as_u16(), 200);
    assert_eq!(get_with_host(&c, b, "/healthz", "localhost").await.status().as_u16(), 200);
    problem(get_with_host(&c, b, "/healthz", "rebind.example").await, 421).await;
    server.stop().await;

    let engine = Arc::new(Engine::new(KnowledgeBase::embedded().expect("valid knowledge base")));
    let store = Arc::new(Store::open(&Location::Sqlite(temp_db("bad-host"))).await.expect("store"));
    let mut config = cluneal_server::Config::new("127.0.0.1:0".parse().expect("addr"));
    config.allowed_hosts = vec!["a b".into()];
    let err = cluneal_server::serve(config, engine, store, |_| {}, async {}).await.expect_err("refused");
    assert!(err.to_string().contains("`a b` is not a host name"), "{err}");
}

/// A server with short limits, and a raw TCP connection to it.
async fn limited(name: &str, limits: cluneal_server::Limits) -> (Server, SocketAddr) {
    let mut config = cluneal_server::Config::new("127.0.0.1:0".parse().expect("addr"));
    config.limits = limits;
    let server = Server::start_with(Location::Sqlite(temp_db(name)), config).await;
    let addr = server.base.trim_start_matches("http://").parse().expect("addr");
    (server, addr)
}

/// Read until the server closes the connection (or 10 s pass: then `None`).
async fn read_until_closed(stream: &mut tokio::net::TcpStream) -> Option<String> {
    use tokio::io::AsyncReadExt;
    let mut got = Vec::new();
    let read = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    read.ok().map(|()| String::from_utf8_lossy(&got).into_owned())
}

fn short_limits() -> cluneal_server::Limits {
    cluneal_server::Limits {
        header_read_timeout: std::time::Duration::from_secs(1),
        request_timeout: std::time::Duration::from_secs(1),
        ..cluneal_server::Limits::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_sending_headers_slowly_is_disconnected() {
    use tokio::io::AsyncWriteExt;
    let (server, addr) = limited("slow-headers", short_limits()).await;
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (mut read, mut write) = stream.into_split();
    // One header line every 200 ms: bytes keep coming, the headers never end.
    let trickle = tokio::spawn(async move {
        let _ = write.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n").await;
        for i in 0..100 {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            if write.write_all(format!("X-Slow-{i}: 1\r\n").as_bytes()).await.is_err() {
                break;
            }
        }
    });
    let closed = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        use tokio::io::AsyncReadExt;
        let mut buf = [0u8; 1024];
        loop {
            match read.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the slow client was still connected after 10 s");
    trickle.abort();
    // Others are still served.
    let res = reqwest::get(format!("{}/healthz", server.base)).await.expect("get");
    assert_eq!(res.status().as_u16(), 200);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_connection_is_closed() {
    let (server, addr) = limited("idle", short_limits()).await;
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    assert!(read_until_closed(&mut stream).await.is_some(), "the idle connection stayed open");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_sent_too_slowly_gets_408() {
    use tokio::io::AsyncWriteExt;
    let (server, addr) = limited("slow-body", short_limits()).await;
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(
            b"POST /api/v1/assess HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"age\": ",
        )
        .await
        .expect("write");
    let answer = read_until_closed(&mut stream).await.expect("the server answered and closed");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_limit_wait_for_a_free_slot() {
    let limits = cluneal_server::Limits {
        max_connections: 1,
        header_read_timeout: std::time::Duration::from_secs(30),
        ..cluneal_server::Limits::default()
    };
    let (server, addr) = limited("connection-limit", limits).await;
    let idle = tokio::net::TcpStream::connect(addr).await.expect("connect");
    // Give the server time to accept the idle connection into the only slot.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let quick =
        reqwest::Client::builder().timeout(std::time::Duration::from_millis(700)).build().expect("client");
    assert!(quick.get(format!("{}/healthz", server.base)).send().await.is_err(), "served beyond the limit");
    drop(idle);
    let res = reqwest::get(format!("{}/healthz", server.base)).await.expect("get");
    assert_eq!(res.status().as_u16(), 200);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn methods_headers_and_the_order_of_checks() {
    let server = Server::start(Location::Sqlite(temp_db("hardening"))).await;
    let c = reqwest::Client::new();
    let b = &server.base;
    // The web app's files are only read.
    for (method, path) in [("POST", "/"), ("DELETE", "/index.html"), ("TRACE", "/"), ("PUT", "/app.js")] {
        let m = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let res = c.request(m, format!("{b}{path}")).send().await.expect("send");
        assert_eq!(res.headers().get("allow").and_then(|v| v.to_str().ok()), Some("GET, HEAD"));
        problem(res, 405).await;
    }
    assert_eq!(c.head(format!("{b}/")).send().await.expect("head").status().as_u16(), 200);
    // A wrong method on an API route is problem+json too.
    problem(c.delete(format!("{b}/api/v1/assess")).send().await.expect("send"), 405).await;
    // Health data is never cached and never sniffed.
    let res = post(&c, &format!("{b}/api/v1/assess"), &example("sgne.json")).await;
    for res in [res, c.get(format!("{b}/api/v1/cases")).send().await.expect("get")] {
        assert_eq!(res.status().as_u16(), 200);
        assert_eq!(res.headers().get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));
        assert_eq!(
            res.headers().get("x-content-type-options").and_then(|v| v.to_str().ok()),
            Some("nosniff")
        );
    }
    // Without a token, 401 comes before any look at the body.
    server.store.create_token("dr-lee").await.expect("token");
    problem(post(&c, &format!("{b}/api/v1/cases"), &json!({"case": {"age": "old"}})).await, 401).await;
    let res = c.put(format!("{b}/api/v1/cases/ffff")).json(&json!({"nope": 1})).send().await.expect("put");
    problem(res, 401).await;
    let res = c
        .post(format!("{b}/api/v1/cases"))
        .header("content-type", "application/json")
        .body("{\"case\": ")
        .send()
        .await
        .expect("post");
    problem(res, 401).await;
    server.stop().await;
}

/// The patient diary on a server that needs clinician tokens: the clinician
/// makes a link for a saved case; the patient, with no account, opens it,
/// sees the plan's exercises and adds entries; bad entries are refused field by
/// field; the clinician reads the diary; a withdrawn link opens nothing, the
/// entries stay, and the diary routes never take a clinician's token for a
/// diary link or a diary link for a clinician's token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_patient_keeps_a_diary_through_a_link_the_clinician_can_withdraw() {
    let db = temp_db("diary");
    let setup = Store::open(&Location::Sqlite(db.clone())).await.expect("store");
    let clinician = setup.create_token("dr-lee").await.expect("token");
    setup.close().await;
    let server = Server::start_with(
        Location::Sqlite(db),
        cluneal_server::Config::new("0.0.0.0:0".parse().expect("addr")),
    )
    .await;
    let c = reqwest::Client::new();
    let b = &server.base;
    let saved: Value = c
        .post(format!("{b}/api/v1/cases"))
        .bearer_auth(&clinician)
        .json(&json!({"case": example("scne_typical.json")}))
        .send()
        .await
        .expect("post")
        .json()
        .await
        .expect("json");
    let id = saved["id"].as_str().expect("id");
    let prescribed: Vec<&str> = saved["report"]["plan"]["exercises"]
        .as_array()
        .expect("exercises")
        .iter()
        .filter_map(|e| e["id"].as_str())
        .collect();
    assert!(!prescribed.is_empty(), "the typical SCNE plan has exercises");

    // Only the clinician makes links.
    problem(c.post(format!("{b}/api/v1/cases/{id}/diary-links")).send().await.expect("post"), 401).await;
    problem(
        c.post(format!("{b}/api/v1/cases/ffff/diary-links"))
            .bearer_auth(&clinician)
            .send()
            .await
            .expect("post"),
        404,
    )
    .await;
    let made = c
        .post(format!("{b}/api/v1/cases/{id}/diary-links"))
        .bearer_auth(&clinician)
        .send()
        .await
        .expect("post");
    assert_eq!(made.status().as_u16(), 201);
    let made: Value = made.json().await.expect("json");
    let token = made["token"].as_str().expect("token").to_string();
    assert_eq!(made["path"], format!("/#/diary/{token}"));
    let diary = format!("Diary {token}");

    // The patient, without an account.
    problem(c.get(format!("{b}/api/v1/diary")).send().await.expect("get"), 401).await;
    problem(c.get(format!("{b}/api/v1/diary")).bearer_auth(&clinician).send().await.expect("get"), 401).await;
    problem(
        c.get(format!("{b}/api/v1/diary"))
            .header("authorization", "Diary dry_nope")
            .send()
            .await
            .expect("get"),
        401,
    )
    .await;
    let opened: Value = c
        .get(format!("{b}/api/v1/diary"))
        .header("authorization", &diary)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    let ids: Vec<&str> =
        opened["exercises"].as_array().expect("list").iter().filter_map(|e| e["id"].as_str()).collect();
    assert_eq!(ids, prescribed, "the diary lists the plan's exercises");
    assert!(opened["exercises"][0]["name"].as_str().is_some_and(|n| !n.is_empty()));
    assert_eq!(opened["entries"], json!([]));

    let add = |body: Value| {
        let c = c.clone();
        let diary = diary.clone();
        let url = format!("{b}/api/v1/diary/entries");
        async move { c.post(url).header("authorization", diary).json(&body).send().await.expect("post") }
    };
    let first =
        add(json!({"date": "2026-11-01", "pain": 6, "exercises_done": [prescribed[0]], "notes": "stiff"}))
            .await;
    assert_eq!(first.status().as_u16(), 201);
    let first: Value = first.json().await.expect("json");
    assert_eq!(first["exercises_prescribed"], json!(prescribed));
    assert_eq!(add(json!({"date": "2026-11-02", "pain": null})).await.status().as_u16(), 201);
    let bad = problem(
        add(json!({"date": "2026-02-30", "pain": 11, "exercises_done": ["no_such", prescribed[0], prescribed[0]],
            "notes": "a\u{0007}b"}))
        .await,
        422,
    )
    .await;
    let paths: Vec<&str> =
        bad["errors"].as_array().expect("errors").iter().filter_map(|e| e["path"].as_str()).collect();
    assert_eq!(paths, ["date", "pain", "exercises_done[0]", "exercises_done[2]", "notes"], "{bad}");
    let future = problem(add(json!({"date": "2999-01-01"})).await, 422).await;
    assert!(future["errors"][0]["message"].as_str().expect("message").contains("future"), "{future}");
    problem(add(json!({"date": "2026-11-03", "mood": "fine"})).await, 422).await;

    // The clinician reads the diary, by day.
    problem(
        c.get(format!("{b}/api/v1/cases/{id}/diary"))
            .header("authorization", &diary)
            .send()
            .await
            .expect("get"),
        401,
    )
    .await;
    let entries: Value = c
        .get(format!("{b}/api/v1/cases/{id}/diary"))
        .bearer_auth(&clinician)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(entries.as_array().map(Vec::len), Some(2));
    assert_eq!(entries[0]["pain"], 6);
    assert_eq!(entries[0]["notes"], "stiff");
    assert_eq!(entries[1]["pain"], Value::Null);

    // Withdrawn: the link opens nothing, the entries stay.
    let revoked: Value = c
        .delete(format!("{b}/api/v1/cases/{id}/diary-links"))
        .bearer_auth(&clinician)
        .send()
        .await
        .expect("delete")
        .json()
        .await
        .expect("json");
    assert_eq!(revoked, json!({"revoked": 1}));
    problem(
        c.get(format!("{b}/api/v1/diary")).header("authorization", &diary).send().await.expect("get"),
        401,
    )
    .await;
    problem(add(json!({"date": "2026-11-03", "pain": 2})).await, 401).await;
    let links: Value = c
        .get(format!("{b}/api/v1/cases/{id}/diary-links"))
        .bearer_auth(&clinician)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert!(links[0]["revoked_at"].is_string());
    assert!(!links.to_string().contains(&token), "the token is never shown again");
    let kept: Value = c
        .get(format!("{b}/api/v1/cases/{id}/diary"))
        .bearer_auth(&clinician)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(kept.as_array().map(Vec::len), Some(2));
    let audit: Value = c
        .get(format!("{b}/api/v1/audit"))
        .bearer_auth(&clinician)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert!(!audit.to_string().contains(&token), "the token is never logged");
    server.stop().await;
}

/// PDFs from the server: each audience for a case in the body, a saved case's
/// clinician report, and clear errors for an unknown audience or a bad case.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_come_as_pdf_for_each_reader() {
    let server = Server::start(Location::Sqlite(temp_db("pdf"))).await;
    let c = reqwest::Client::new();
    let b = &server.base;
    for audience in ["patient", "clinician", "exercises"] {
        let res =
            post(&c, &format!("{b}/api/v1/report.pdf?audience={audience}"), &example("scne_typical.json"))
                .await;
        assert_eq!(res.status().as_u16(), 200, "{audience}");
        assert_eq!(res.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("application/pdf"));
        assert!(
            res.headers()
                .get("content-disposition")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|d| d.contains(".pdf")),
            "{audience}: a file name"
        );
        let body = res.bytes().await.expect("body");
        assert!(body.starts_with(b"%PDF-"), "{audience}: a PDF");
    }
    let default = post(&c, &format!("{b}/api/v1/report.pdf"), &example("mcne.json")).await;
    assert_eq!(default.status().as_u16(), 200, "the patient summary by default");
    let bad = problem(
        post(&c, &format!("{b}/api/v1/report.pdf?audience=family"), &example("mcne.json")).await,
        400,
    )
    .await;
    assert_eq!(bad["errors"][0]["path"], "audience");
    problem(post(&c, &format!("{b}/api/v1/report.pdf"), &json!({"age": -4})).await, 422).await;

    let saved: Value = post(
        &c,
        &format!("{b}/api/v1/cases"),
        &json!({"case": example("scne_block_positive.json"), "label": "pdf"}),
    )
    .await
    .json()
    .await
    .expect("json");
    let id = saved["id"].as_str().expect("id");
    let pdf =
        c.get(format!("{b}/api/v1/cases/{id}/report.pdf?audience=clinician")).send().await.expect("get");
    assert_eq!(pdf.status().as_u16(), 200);
    assert!(pdf.bytes().await.expect("body").starts_with(b"%PDF-"));
    problem(c.get(format!("{b}/api/v1/cases/ffff/report.pdf")).send().await.expect("get"), 404).await;
    server.stop().await;
}
