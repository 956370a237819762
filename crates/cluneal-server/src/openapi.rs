//! `GET /api/openapi.json`: an OpenAPI 3.1 document. Its paths are written
//! here (`tests/routes.rs` holds them to the router); every request and
//! response body's schema is derived with schemars from the Rust type the
//! handler reads or writes (the engine's case and report, and this crate's
//! body types), so the schemas cannot drift from the code
//! (`tests/response_schemas.rs` validates real answers against them). The
//! knowledge-base views are one path each (`api::KB_VIEWS`), so every view has
//! its own schema.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use cluneal_kb::KnowledgeBase;
use schemars::JsonSchema;
use schemars::generate::{SchemaGenerator, SchemaSettings};
use serde_json::{Value, json};

use crate::problem::Problem;
use crate::{AppState, api, diary};

fn problem_response(problem: &Value, description: &str) -> Value {
    json!({ "description": description, "content": { "application/problem+json": { "schema": problem } } })
}

fn json_response(description: &str, schema: Value) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": schema } } })
}

fn pdf_response() -> Value {
    json!({ "description": "the PDF", "content": { "application/pdf": { "schema": { "type": "string", "contentMediaType": "application/pdf" } } } })
}

fn body(schema: Value) -> Value {
    json!({ "required": true, "content": { "application/json": { "schema": schema } } })
}

/// The case's open strings that the knowledge base closes, as enums: the care
/// setting, the finding ids answers may name, block protocols and treatment
/// ids. `case` is the case schema; `defs` holds its definitions (the root
/// `$defs` or the OpenAPI components), so both documents say the same.
pub fn close_case_sets(kb: &KnowledgeBase, case: &mut Value, defs: &mut serde_json::Map<String, Value>) {
    let ids = |v: Vec<&str>| Value::Array(v.into_iter().map(Value::from).collect());
    let nullable = |v: Vec<&str>| {
        let mut all: Vec<Value> = v.into_iter().map(Value::from).collect();
        all.push(Value::Null);
        Value::Array(all)
    };
    let settings: Vec<&str> = kb.meta().settings.iter().map(String::as_str).collect();
    let findings: Vec<&str> = kb.findings().iter().map(|f| f.id.as_str()).collect();
    let blocks: Vec<&str> = kb.blocks().iter().map(|b| b.id.as_str()).collect();
    let treatments: Vec<&str> = kb.treatments().iter().map(|t| t.id.as_str()).collect();
    // Each finding's answer as its type allows: yes/no/unknown (or a boolean,
    // or null), a number within its bounds, or one of its options.
    let answers: serde_json::Map<String, Value> = kb
        .findings()
        .iter()
        .map(|f| {
            let schema = match f.answer {
                cluneal_kb::AnswerType::YesNo => json!({ "anyOf": [
                    { "type": "string", "enum": ["yes", "no", "unknown", ""] }, { "type": "boolean" }, { "type": "null" } ] }),
                cluneal_kb::AnswerType::Scale | cluneal_kb::AnswerType::Number => {
                    // The engine's bounds (facts.rs): a scale is a pain score; a number its finding's min and max.
                    let (lo, hi) = match f.answer {
                        cluneal_kb::AnswerType::Scale => (Some(cluneal_engine::PAIN.min), Some(cluneal_engine::PAIN.max)),
                        _ => (f.min, f.max),
                    };
                    let mut n = json!({ "type": "number" });
                    if let Some(o) = n.as_object_mut() {
                        if let Some(lo) = lo {
                            o.insert("minimum".into(), json!(lo));
                        }
                        if let Some(hi) = hi {
                            o.insert("maximum".into(), json!(hi));
                        }
                    }
                    json!({ "anyOf": [n, { "type": "string", "enum": ["unknown", ""] }, { "type": "null" }] })
                }
                cluneal_kb::AnswerType::Choice => {
                    let mut options: Vec<Value> = f.options.iter().map(|o| json!(o)).collect();
                    options.push(json!("unknown"));
                    // An empty answer is "unknown" (case.rs), as from an untouched form field.
                    options.push(json!(""));
                    json!({ "anyOf": [{ "type": "string", "enum": options }, { "type": "null" }] })
                }
            };
            (f.id.clone(), schema)
        })
        .collect();
    // In the OpenAPI document the case is a `$ref` into the components.
    let case_name =
        case.get("$ref").and_then(Value::as_str).and_then(|r| r.rsplit('/').next()).map(str::to_string);
    let target = match &case_name {
        Some(name) => defs.get_mut(name),
        None => Some(&mut *case),
    };
    if let Some(p) = target.and_then(|c| c.get_mut("properties")).and_then(Value::as_object_mut) {
        if let Some(o) = p.get_mut("setting").and_then(Value::as_object_mut) {
            o.insert("enum".into(), nullable(settings));
        }
        if let Some(o) = p.get_mut("answers").and_then(Value::as_object_mut) {
            o.remove("additionalProperties");
            o.insert("properties".into(), Value::Object(answers));
            o.insert("additionalProperties".into(), json!(false));
            o.insert("propertyNames".into(), json!({ "enum": ids(findings) }));
        }
    }
    let prop = |defs: &mut serde_json::Map<String, Value>, def: &str, field: &str, values: Value| {
        if let Some(o) = defs
            .get_mut(def)
            .and_then(|d| d.get_mut("properties"))
            .and_then(|p| p.get_mut(field))
            .and_then(Value::as_object_mut)
        {
            o.insert("enum".into(), values);
        }
    };
    prop(defs, "BlockRecord", "protocol", nullable(blocks));
    prop(defs, "TreatmentTried", "treatment", ids(treatments));
    // A reading gives exactly one of minutes and hours.
    if let Some(o) = defs.get_mut("BlockReading").and_then(Value::as_object_mut) {
        o.insert(
            "oneOf".into(),
            json!([
                { "required": ["minutes"], "properties": { "minutes": { "type": "number" }, "hours": { "type": "null" } } },
                { "required": ["hours"], "properties": { "hours": { "type": "number" }, "minutes": { "type": "null" } } }
            ]),
        );
    }
}

/// The diary's open list closed as an enum: a patient ticks exercises of the
/// knowledge base (the server further holds them to the diary's own list).
fn close_diary_sets(kb: &KnowledgeBase, defs: &mut serde_json::Map<String, Value>) {
    let exercise_ids: Vec<Value> = kb.exercises().iter().map(|e| Value::from(e.id.as_str())).collect();
    if let Some(o) = defs
        .get_mut("NewDiaryEntry")
        .and_then(|d| d.pointer_mut("/properties/exercises_done/items"))
        .and_then(Value::as_object_mut)
    {
        o.insert("enum".into(), Value::Array(exercise_ids));
    }
}

/// The case's JSON Schema (`cluneal schema case`, `schemas/case.schema.json`),
/// its knowledge-base sets closed as enums.
pub fn case_schema(kb: &KnowledgeBase) -> Value {
    let mut schema = schemars::schema_for!(cluneal_engine::Case).to_value();
    let mut defs =
        schema.get_mut("$defs").and_then(Value::as_object_mut).map(std::mem::take).unwrap_or_default();
    close_case_sets(kb, &mut schema, &mut defs);
    if let Some(o) = schema.as_object_mut() {
        o.insert("$defs".into(), Value::Object(defs));
    }
    schema
}

/// The schema of `T` as `generator` sees it: a `$ref` into the components
/// for a named type, its definitions collected by the generator.
fn schema<T: JsonSchema>(generator: &mut SchemaGenerator) -> Value {
    generator.subschema_for::<T>().to_value()
}

pub fn document(kb: &KnowledgeBase) -> Vec<u8> {
    let settings = SchemaSettings::draft2020_12().with(|s| s.definitions_path = "/components/schemas".into());
    // Every body is a Rust type: requests are read (fields with defaults are
    // optional), responses written (fields left out when empty are optional),
    // one generator each.
    let mut reads = settings.clone().into_generator();
    let mut writes = settings.for_serialize().into_generator();
    let case = schema::<cluneal_engine::Case>(&mut reads);
    let save_case = schema::<api::SaveRequest>(&mut reads);
    let interview_request = schema::<api::NextRequest>(&mut reads);
    let new_diary_entry = schema::<diary::EntryRequest>(&mut reads);
    let report = schema::<cluneal_engine::Report<'static>>(&mut writes);
    let problem = schema::<Problem>(&mut writes);
    let health = schema::<api::Health>(&mut writes);
    let kb_summary = schema::<api::KbSummary<'static>>(&mut writes);
    let session = schema::<api::Session>(&mut writes);
    let interview_step = schema::<api::InterviewStep<'static>>(&mut writes);
    let case_summaries = schema::<Vec<api::CaseSummary>>(&mut writes);
    let saved_case = schema::<api::SavedCase>(&mut writes);
    let visits = schema::<Vec<api::Visit>>(&mut writes);
    let audit_entries = schema::<Vec<api::AuditEntry>>(&mut writes);
    let diary_links = schema::<Vec<diary::DiaryLink>>(&mut writes);
    let new_diary_link = schema::<diary::NewDiaryLink>(&mut writes);
    let revoked_links = schema::<diary::RevokedLinks>(&mut writes);
    let diary_entries = schema::<Vec<diary::DiaryEntry>>(&mut writes);
    let diary_entry = schema::<diary::DiaryEntry>(&mut writes);
    let diary = schema::<diary::Diary>(&mut writes);
    let kb_views: Vec<(&str, &str, Value)> =
        api::KB_VIEWS.iter().map(|v| (v.name, v.summary, (v.schema)(&mut writes).to_value())).collect();
    let mut schemas = serde_json::Map::new();
    for (name, schema) in reads.take_definitions(true) {
        schemas.insert(name, schema);
    }
    let mut case = case;
    close_case_sets(kb, &mut case, &mut schemas);
    close_diary_sets(kb, &mut schemas);
    for (name, schema) in writes.take_definitions(true) {
        // A type both read and written (an enum such as the respondent, the
        // case and the outcome measures a saved case returns) has one schema:
        // the one it is read with, whose closed sets and bounds say what the
        // server accepts, and so what it stored.
        schemas.entry(name).or_insert(schema);
    }
    let secured = json!([{ "bearer": [] }, {}]);
    let audience_param = json!({ "name": "audience", "in": "query", "required": false,
        "description": "who the document is for (default patient)",
        "schema": { "type": "string", "enum": ["patient", "clinician", "exercises"] } });
    let diary_auth = json!([{ "diary": [] }]);
    let id_param = json!([{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }]);
    let doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Cluneal API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": format!("Clinical decision support for superior cluneal nerve entrapment and its mimics (knowledge base {}). {}", kb.meta().version, kb.meta().messages.disclaimer),
            "license": { "name": "Apache-2.0" }
        },
        "paths": {
            "/healthz": { "get": { "operationId": "healthz", "summary": "Health check", "responses": { "200": json_response("ok", health) } } },
            "/api/v1/assess": { "post": {
                "operationId": "assess", "summary": "Assess a case; nothing is stored",
                "requestBody": body(case.clone()),
                "responses": { "200": json_response("the report", report.clone()), "400": problem_response(&problem, "malformed JSON"),
                    "413": problem_response(&problem, "body too large"), "415": problem_response(&problem, "not JSON"), "422": problem_response(&problem, "invalid case") } } },
            "/api/v1/report.pdf": { "post": {
                "operationId": "reportPdf", "summary": "Assess a case and typeset it as a PDF: the patient's visit summary (at most two pages), the exercise handout, or the clinician report; nothing is stored",
                "parameters": [audience_param.clone()],
                "requestBody": body(case.clone()),
                "responses": { "200": pdf_response(), "400": problem_response(&problem, "malformed JSON, or an unknown audience"),
                    "413": problem_response(&problem, "body too large"), "415": problem_response(&problem, "not JSON"), "422": problem_response(&problem, "invalid case") } } },
            "/api/v1/interview/next": { "post": {
                "operationId": "interviewNext", "summary": "The adaptive interview's next question(s) for a partial case",
                "requestBody": body(interview_request),
                "responses": { "200": json_response("the next step", interview_step), "400": problem_response(&problem, "malformed JSON"), "422": problem_response(&problem, "invalid case") } } },
            "/api/v1/session": { "get": { "operationId": "session", "summary": "Whether saved cases need a bearer token",
                "responses": { "200": json_response("session", session) } } },
            "/api/v1/cases": {
                "get": { "operationId": "listCases", "summary": "Saved cases, newest first (audited)", "security": secured,
                    "responses": { "200": json_response("saved cases", case_summaries), "401": problem_response(&problem, "token needed") } },
                "post": { "operationId": "createCase", "summary": "Assess and save a case (audited)", "security": secured,
                    "requestBody": body(save_case.clone()),
                    "responses": { "201": json_response("saved", saved_case.clone()), "401": problem_response(&problem, "token needed"), "422": problem_response(&problem, "invalid case") } } },
            "/api/v1/cases/{id}": {
                "get": { "operationId": "getCase", "summary": "A saved case with the report as assessed (audited)", "security": secured, "parameters": id_param.clone(),
                    "responses": { "200": json_response("the case", saved_case.clone()), "401": problem_response(&problem, "token needed"), "404": problem_response(&problem, "no such case") } },
                "put": { "operationId": "updateCase", "summary": "Reassess a saved case with its new findings: the case shows the latest, and the save is added as a visit, nothing overwritten (audited)", "security": secured, "parameters": id_param.clone(),
                    "requestBody": body(save_case),
                    "responses": { "200": json_response("the case", saved_case), "401": problem_response(&problem, "token needed"), "404": problem_response(&problem, "no such case"), "422": problem_response(&problem, "invalid case") } },
                "delete": { "operationId": "deleteCase", "summary": "Delete a saved case (audited)", "security": secured, "parameters": id_param,
                    "responses": { "204": { "description": "deleted" }, "401": problem_response(&problem, "token needed"), "404": problem_response(&problem, "no such case") } } },
            "/api/v1/cases/{id}/visits": { "get": { "operationId": "listVisits", "summary": "Every visit of a saved case, oldest first: each save kept as it was (case, report, knowledge-base version, outcome measures) (audited)", "security": secured, "parameters": id_param.clone(),
                "responses": { "200": json_response("the visits", visits),
                    "401": problem_response(&problem, "token needed"), "404": problem_response(&problem, "no such case") } } },
            "/api/v1/cases/{id}/diary-links": {
                "get": { "operationId": "listDiaryLinks", "summary": "A saved case's diary links, never their tokens (audited)", "security": secured, "parameters": id_param.clone(),
                    "responses": { "200": json_response("the links", diary_links), "401": problem_response(&problem, "token needed"), "404": problem_response(&problem, "no such case") } },
                "post": { "operationId": "createDiaryLink", "summary": "A new diary link for the patient: opens this case's diary without an account; the token is in this answer only (audited)", "security": secured, "parameters": id_param.clone(),
                    "responses": { "201": json_response("the link", new_diary_link),
                        "401": problem_response(&problem, "token needed"), "404": problem_response(&problem, "no such case") } },
                "delete": { "operationId": "revokeDiaryLinks", "summary": "Revoke every open diary link of the case; entries already sent stay (audited)", "security": secured, "parameters": id_param.clone(),
                    "responses": { "200": json_response("how many were revoked", revoked_links),
                        "401": problem_response(&problem, "token needed"), "404": problem_response(&problem, "no such case") } } },
            "/api/v1/cases/{id}/report.pdf": { "get": { "operationId": "savedReportPdf", "summary": "A saved case, assessed with the current knowledge base, as a PDF; the clinician report lists its visits with a pain chart (audited as a read)", "security": secured, "parameters": [id_param[0].clone(), audience_param],
                "responses": { "200": pdf_response(), "400": problem_response(&problem, "an unknown audience"), "401": problem_response(&problem, "token needed"), "404": problem_response(&problem, "no such case") } } },
            "/api/v1/cases/{id}/diary": { "get": { "operationId": "listDiary", "summary": "A saved case's patient diary, by day (audited)", "security": secured, "parameters": id_param.clone(),
                "responses": { "200": json_response("the entries", diary_entries), "401": problem_response(&problem, "token needed"), "404": problem_response(&problem, "no such case") } } },
            "/api/v1/diary": { "get": { "operationId": "openDiary", "summary": "The diary a patient's link opens: the exercises to tick and the entries so far (audited as the link)", "security": diary_auth.clone(),
                "responses": { "200": json_response("the diary", diary),
                    "401": problem_response(&problem, "no diary link, or one not valid or withdrawn") } } },
            "/api/v1/diary/entries": { "post": { "operationId": "addDiaryEntry", "summary": "Add a day's diary entry through the patient's link (audited as the link)", "security": diary_auth,
                "requestBody": body(new_diary_entry),
                "responses": { "201": json_response("the entry", diary_entry), "401": problem_response(&problem, "no diary link, or one not valid or withdrawn"),
                    "422": problem_response(&problem, "invalid entry") } } },
            "/api/v1/audit": { "get": { "operationId": "audit", "summary": "The audit log, newest first", "security": secured,
                "parameters": [{ "name": "limit", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 10000 } }],
                "responses": { "200": json_response("entries", audit_entries), "400": problem_response(&problem, "bad limit"), "401": problem_response(&problem, "token needed") } } },
            "/api/v1/kb": { "get": { "operationId": "kb", "summary": "Knowledge-base version, name and disclaimer",
                "responses": { "200": json_response("summary", kb_summary) } } }
        },
        "components": {
            "schemas": schemas,
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer", "description": "a token from `cluneal token create`" },
                "diary": { "type": "apiKey", "in": "header", "name": "Authorization", "description": "`Diary <token>`: the token of a patient's diary link (POST /api/v1/cases/{id}/diary-links)" } }
        }
    });
    let mut doc = doc;
    // One path per view, each with its own schema: a client knows exactly
    // what `/api/v1/kb/findings` answers, which one templated path could only
    // say as "one of fourteen lists" (and an empty list would match them all).
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (name, summary, schema) in kb_views {
            paths.insert(
                format!("/api/v1/kb/{name}"),
                json!({ "get": { "operationId": operation_id(name), "summary": summary,
                    "responses": { "200": json_response(&format!("the {}", name.replace('_', " ")), schema) } } }),
            );
        }
    }
    add_common_responses(&mut doc, &problem);
    serde_json::to_vec_pretty(&doc).unwrap_or_default()
}

/// `kbRedFlags` for the view `red_flags`.
fn operation_id(view: &str) -> String {
    let mut id = String::from("kb");
    for word in view.split('_') {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            id.extend(first.to_uppercase());
            id.push_str(chars.as_str());
        }
    }
    id
}

/// The answers every operation can give whatever its own: a Host name the
/// server does not answer for (421), and for operations with a body, JSON that
/// does not parse (400), a body sent too slowly (408), too large (413) or not
/// JSON (415); for operations on stored data, a busy database (503, retry)
/// and a stored record that does not read back (500). Added where an
/// operation does not already name them.
fn add_common_responses(doc: &mut Value, problem: &Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
    for (path, item) in paths.iter_mut() {
        let stored = ["/api/v1/cases", "/api/v1/diary", "/api/v1/audit"].iter().any(|p| path.starts_with(p));
        let Some(operations) = item.as_object_mut() else { continue };
        for op in operations.values_mut() {
            let has_body = op.get("requestBody").is_some();
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else { continue };
            let mut add = |status: &str, what: &str| {
                responses.entry(status).or_insert_with(|| problem_response(problem, what));
            };
            add("421", "the Host name is not one this server answers for (see `--allowed-host`)");
            if stored {
                add("500", "a stored record does not read back (`corrupt-record`), or an internal error");
                add("503", "the database is busy: nothing was changed, try again (`Retry-After`)");
            }
            if has_body {
                add("400", "malformed JSON, or a key repeated in an object");
                add("408", "the request body arrived too slowly");
                add("413", "body too large");
                add("415", "not JSON");
            }
        }
    }
}

pub async fn serve(State(s): State<AppState>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], s.openapi.as_ref().clone()).into_response()
}
