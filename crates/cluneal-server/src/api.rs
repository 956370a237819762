//! The REST API under `/api/v1`: thin handlers over the engine and the store.

use std::collections::HashMap;

use axum::extract::{Extension, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use cluneal_engine::{Case, NextQuestion, Report, Step, Triage};
use cluneal_kb::{KnowledgeBase, Urgency};
use cluneal_store::{CaseRecord, NewCase};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::AppState;
use crate::problem::{ApiJson, Problem};

/// Reports are tens of kilobytes of JSON, most of the cost of an `assess`
/// request; sonic-rs serializes them about 20% faster than serde_json.
pub(crate) fn ok_json<T: Serialize>(v: &T) -> Response {
    match sonic_rs::to_vec(v) {
        Ok(body) => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(e) => Problem::internal(e).into_response(),
    }
}

/// A typed body sent as it always was: the API's bodies other than reports
/// were built as `serde_json::Value`s, whose maps are sorted, so going through
/// a `Value` keeps every byte (keys in sorted order) while the type gives the
/// OpenAPI schema.
pub(crate) fn sorted_json<T: Serialize>(status: StatusCode, v: &T) -> Response {
    match serde_json::to_value(v) {
        Ok(value) => {
            let mut res = ok_json(&value);
            *res.status_mut() = status;
            res
        }
        Err(e) => Problem::internal(e).into_response(),
    }
}

/// The health check's answer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Health {
    /// Always `ok` when the server answers.
    pub status: HealthStatus,
    /// The version of the knowledge base the server assesses with.
    pub kb_version: String,
    /// The storage engine: `sqlite` or `postgres`.
    pub storage: &'static str,
}

/// The one status the health check gives.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    /// The server answers.
    Ok,
}

pub async fn healthz(State(s): State<AppState>) -> Response {
    let health = Health {
        status: HealthStatus::Ok,
        kb_version: s.engine.kb().meta().version.clone(),
        storage: s.store.kind(),
    };
    sorted_json(StatusCode::OK, &health)
}

pub async fn assess(State(s): State<AppState>, ApiJson(case): ApiJson<Case>) -> Response {
    match s.engine.assess(&case) {
        Ok(report) => ok_json(&report),
        Err(e) => Problem::invalid_case(&e, "").into_response(),
    }
}

/// A partial case for the adaptive interview.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "InterviewRequest")]
pub struct NextRequest {
    /// The answers so far.
    pub case: Case,
    /// Single questions already asked (the interview's question limit counts them).
    #[serde(default)]
    #[serde(deserialize_with = "whole_number")]
    #[schemars(range(max = 1_000_000_000))]
    pub asked: usize,
}

/// The interview's next step, with the triage of the answers so far (an
/// emergency is shown before anything else is asked).
#[derive(Debug, Serialize, JsonSchema)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum InterviewStep<'k> {
    /// Ask these questions: one, or several from a tick-all-that-apply group.
    Ask {
        /// The question group's id.
        group: String,
        /// The group's prompt for the respondent.
        prompt: String,
        /// Whether the questions are answered together (tick all that apply).
        multi_select: bool,
        /// The questions.
        questions: Vec<NextQuestion<'k>>,
        /// The triage of the answers so far.
        triage: Triage<'k>,
    },
    /// Stop: the picture is settled, or nothing useful is left to ask.
    Done {
        /// Why the interview stops.
        reason: String,
        /// The triage of the answers so far.
        triage: Triage<'k>,
    },
}

pub async fn interview_next(State(s): State<AppState>, ApiJson(req): ApiJson<NextRequest>) -> Response {
    let next = match s.engine.next_step(&req.case, req.asked) {
        Ok(next) => next,
        Err(e) => return Problem::invalid_case(&e, "case.").into_response(),
    };
    let triage = next.triage;
    let body = match next.step {
        Step::Ask { group, prompt, multi_select, questions } => {
            InterviewStep::Ask { group, prompt, multi_select, questions, triage }
        }
        Step::Done { reason } => InterviewStep::Done { reason, triage },
    };
    sorted_json(StatusCode::OK, &body)
}

/// Who is asking: the token's name, `local` when the server runs in the open
/// loopback mode, or a 401 problem when a token is required and none (valid)
/// was sent. With no token left after a revocation, every request gets 401.
async fn actor(s: &AppState, headers: &HeaderMap) -> Result<String, Problem> {
    if !s.auth.required(&s.store).await? {
        return Ok("local".into());
    }
    match bearer(headers) {
        Some(token) => match s.store.verify_token(token).await? {
            Some(name) => Ok(name),
            None => {
                s.store.record_failed_login("a bearer token that is not valid").await?;
                Err(Problem::unauthorized())
            }
        },
        None => Err(Problem::unauthorized()),
    }
}

/// The authenticated caller, set by [`require_actor`].
#[derive(Debug, Clone)]
pub struct Actor(pub String);

/// Middleware on the saved-case and audit routes: authentication comes before
/// the body is read, so a caller without a token gets 401, not 422.
pub async fn require_actor(State(s): State<AppState>, mut req: Request, next: Next) -> Response {
    match actor(&s, req.headers()).await {
        Ok(who) => {
            req.extensions_mut().insert(Actor(who));
            next.run(req).await
        }
        Err(p) => p.into_response(),
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

pub async fn session(State(s): State<AppState>, headers: HeaderMap) -> Response {
    let required = match s.auth.required(&s.store).await {
        Ok(r) => r,
        Err(e) => return Problem::from(e).into_response(),
    };
    let authenticated = !required || actor(&s, &headers).await.is_ok();
    sorted_json(StatusCode::OK, &Session { auth_required: required, authenticated })
}

/// Whether saved cases need a bearer token, and whether this request has a valid one.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Session {
    /// Saved cases and the audit log need `Authorization: Bearer <token>`.
    pub auth_required: bool,
    /// This request may read saved cases (always true when no token is required).
    pub authenticated: bool,
}

/// A count given as a JSON integer, including one written as `15.0`: JSON
/// Schema counts a number without a fraction as an integer, so the API does too.
fn whole_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    let v = f64::deserialize(d)?;
    if v.fract() == 0.0 && (0.0..=1e9).contains(&v) {
        Ok(v as usize)
    } else {
        Err(serde::de::Error::custom(format!("expected a whole number from 0 to 1000000000, not `{v}`")))
    }
}

/// A case to assess and save, as a new visit.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "SaveCase")]
pub struct SaveRequest {
    /// A free label; null or absent is the empty label.
    #[serde(default)]
    #[schemars(length(max = 200))]
    pub label: Option<String>,
    /// The case.
    pub case: Case,
    /// The visit's date; today (UTC) when absent.
    #[serde(default)]
    #[schemars(extend("format" = "date"))]
    pub visit_date: Option<String>,
    /// The visit's outcome measures.
    #[serde(default)]
    pub outcomes: Option<Outcomes>,
}

/// Outcome measures recorded at a visit. The pain score is the case's
/// `pain_intensity` answer (NRS 0-10). The Roland-Morris questionnaire is not
/// collected: its current licence terms could not be confirmed (see
/// docs/integration.md), so only free, patient-specific measures are.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Outcomes {
    /// Patient-Specific Functional Scale: up to 5 activities the patient finds
    /// hard, each rated 0 (unable) to 10 (as before the problem).
    #[serde(default)]
    #[schemars(length(max = 5))]
    pub psfs: Vec<PsfsItem>,
}

/// One activity of the Patient-Specific Functional Scale.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PsfsItem {
    /// The activity, in the patient's words: not blank, no control characters.
    #[schemars(length(min = 1, max = 100))]
    #[schemars(regex(
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    ))]
    pub activity: String,
    /// 0 (unable to do it) to 10 (able as before).
    #[schemars(range(min = 0, max = 10))]
    pub score: f64,
}

/// JSON text the store kept, parsed (with serde_json's `float_roundtrip`, so
/// every number reads back as it was returned); text that is not JSON, or not
/// a `T`, is an error naming what it is (`whose`), never `null`.
pub(crate) fn stored_json<T: DeserializeOwned>(whose: &str, text: &str) -> Result<T, Problem> {
    serde_json::from_str(text)
        .map_err(|e| crate::problem::corrupt_record(whose, format!("not valid JSON: {e}")))
}

/// The stored `what` (case, report, outcomes) of visit `seq` of case `id`.
pub(crate) fn visit_json(id: &str, seq: i64, what: &str, text: &str) -> Result<Value, Problem> {
    stored_json(&format!("{what} of visit {seq} of case `{id}`"), text)
}

/// A saved case with the report as it was assessed at the last save.
///
/// The case and report stay the JSON the store kept (a `Value`), so they are
/// returned exactly as they were saved; their schemas are the engine's.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SavedCase {
    /// The case's id (hex).
    pub id: String,
    /// The free label given when saving.
    pub label: String,
    /// The knowledge-base version the stored report was made with.
    pub kb_version: String,
    /// When the case was first saved.
    #[schemars(extend("format" = "date-time"))]
    pub created_at: String,
    /// When the case was last saved.
    #[schemars(extend("format" = "date-time"))]
    pub updated_at: String,
    /// Who saved it first: a token's name, or `local`.
    pub created_by: String,
    /// The case as last saved.
    #[schemars(with = "Case")]
    pub case: Value,
    /// The report as assessed at the last save.
    #[schemars(with = "Report<'static>")]
    pub report: Value,
}

fn saved_case(status: StatusCode, r: &CaseRecord) -> Result<Response, Problem> {
    let parse = |what: &str, text: &str| stored_json(&format!("{what} of saved case `{}`", r.id), text);
    let body = SavedCase {
        id: r.id.clone(),
        label: r.label.clone(),
        kb_version: r.kb_version.clone(),
        created_at: r.created_at.clone(),
        updated_at: r.updated_at.clone(),
        created_by: r.created_by.clone(),
        case: parse("case", &r.case_json)?,
        report: parse("report", &r.report_json)?,
    };
    Ok(sorted_json(status, &body))
}

/// Assess a case for saving; a label longer than a line is refused.
fn prepare(s: &AppState, req: &SaveRequest) -> Result<NewCase, Problem> {
    let label = req.label.clone().unwrap_or_default();
    if label.chars().count() > 200 {
        let mut p = Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-body",
            "The label is too long",
            "at most 200 characters",
        );
        p.errors.push(crate::problem::FieldError {
            path: "label".into(),
            message: "at most 200 characters".into(),
        });
        return Err(p);
    }
    let mut wrong = Vec::new();
    if let Some(d) = &req.visit_date
        && (d.len() != 10 || cluneal_fhir::parse_date(d).is_none())
    {
        wrong.push(("visit_date".to_string(), format!("`{d}` is not a date like 2026-11-30")));
    }
    let outcomes = req.outcomes.clone().unwrap_or_default();
    if outcomes.psfs.len() > 5 {
        wrong.push(("outcomes.psfs".into(), "at most 5 activities".into()));
    }
    for (k, item) in outcomes.psfs.iter().enumerate() {
        let n = item.activity.trim().chars().count();
        if n == 0 || n > 100 || item.activity.chars().any(char::is_control) {
            wrong.push((
                format!("outcomes.psfs[{k}].activity"),
                "name the activity in 1 to 100 characters".into(),
            ));
        }
        if !(0.0..=10.0).contains(&item.score) || !item.score.is_finite() {
            wrong.push((
                format!("outcomes.psfs[{k}].score"),
                format!("{} is out of range: allowed 0 to 10", item.score),
            ));
        }
    }
    if !wrong.is_empty() {
        let mut p = Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-body",
            "The visit is not valid",
            format!("{} problem(s)", wrong.len()),
        );
        for (path, message) in wrong {
            p.errors.push(crate::problem::FieldError { path, message });
        }
        return Err(p);
    }
    let report = s.engine.assess(&req.case).map_err(|e| Problem::invalid_case(&e, "case."))?;
    Ok(NewCase {
        visit_date: req.visit_date.clone(),
        outcomes_json: serde_json::to_string(&outcomes).map_err(Problem::internal)?,
        label,
        case_json: serde_json::to_string(&req.case).map_err(Problem::internal)?,
        report_json: serde_json::to_string(&report).map_err(Problem::internal)?,
        kb_version: report.kb_version.to_string(),
        triage_level: report.triage.level.as_str().to_string(),
        top_condition: report.differential.first().map_or(String::new(), |c| c.condition.to_string()),
    })
}

pub async fn create_case(
    State(s): State<AppState>,
    Extension(Actor(who)): Extension<Actor>,
    ApiJson(req): ApiJson<SaveRequest>,
) -> Response {
    let result = async {
        let new = prepare(&s, &req)?;
        let rec = s.store.create_case(&new, &who).await?;
        let mut res = saved_case(StatusCode::CREATED, &rec)?;
        if let Ok(v) = format!("/api/v1/cases/{}", rec.id).parse() {
            res.headers_mut().insert(header::LOCATION, v);
        }
        Ok::<_, Problem>(res)
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

/// One visit of a saved case: one save, kept as it was.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Visit {
    /// The visit's number within the case, from 1.
    pub seq: i64,
    /// The visit's date.
    #[schemars(extend("format" = "date"))]
    pub visit_date: String,
    /// The knowledge-base version the visit's report was made with.
    pub kb_version: String,
    /// When the visit was saved.
    #[schemars(extend("format" = "date-time"))]
    pub saved_at: String,
    /// Who saved it: a token's name, or `local`.
    pub saved_by: String,
    /// The case as saved at this visit.
    #[schemars(with = "Case")]
    pub case: Value,
    /// The report as assessed at this visit.
    #[schemars(with = "Report<'static>")]
    pub report: Value,
    /// The outcome measures recorded at this visit (`{}` for visits saved
    /// before outcome measures were kept).
    #[schemars(with = "Outcomes")]
    pub outcomes: Value,
}

/// A case's visits, oldest first: each as it was saved (case, report,
/// knowledge-base version, outcome measures).
pub async fn list_visits(
    State(s): State<AppState>,
    Extension(Actor(who)): Extension<Actor>,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let Some(visits) = s.store.list_visits(&id, &who).await? else {
            return Err(Problem::not_found("saved case"));
        };
        let mut out = Vec::new();
        for v in &visits {
            let parse = |what: &str, text: &str| visit_json(&id, v.seq, what, text);
            out.push(Visit {
                seq: v.seq,
                visit_date: v.visit_date.clone(),
                kb_version: v.kb_version.clone(),
                saved_at: v.saved_at.clone(),
                saved_by: v.saved_by.clone(),
                case: parse("case", &v.case_json)?,
                report: parse("report", &v.report_json)?,
                outcomes: parse("outcomes", &v.outcomes_json)?,
            });
        }
        Ok(sorted_json(StatusCode::OK, &out))
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

/// A saved case in the list: enough to find it, without the case or report.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CaseSummary {
    /// The case's id (hex).
    pub id: String,
    /// The free label given when saving.
    pub label: String,
    /// The knowledge-base version the stored report was made with.
    pub kb_version: String,
    /// When the case was first saved.
    #[schemars(extend("format" = "date-time"))]
    pub created_at: String,
    /// When the case was last saved.
    #[schemars(extend("format" = "date-time"))]
    pub updated_at: String,
    /// The stored report's urgency.
    #[schemars(with = "Urgency")]
    pub triage_level: String,
    /// The stored report's leading condition (its id), or empty.
    pub top_condition: String,
}

pub async fn list_cases(State(s): State<AppState>, Extension(Actor(who)): Extension<Actor>) -> Response {
    let result = async { Ok::<_, Problem>(s.store.list_cases(&who).await?) }.await;
    match result {
        Ok(list) => {
            let body: Vec<CaseSummary> = list
                .into_iter()
                .map(|c| CaseSummary {
                    id: c.id,
                    label: c.label,
                    kb_version: c.kb_version,
                    created_at: c.created_at,
                    updated_at: c.updated_at,
                    triage_level: c.triage_level,
                    top_condition: c.top_condition,
                })
                .collect();
            sorted_json(StatusCode::OK, &body)
        }
        Err(p) => p.into_response(),
    }
}

/// 404: no saved case with the id in the path.
pub(crate) fn no_case() -> Problem {
    Problem::not_found("saved case with that id")
}

/// The saved-case id from the path, or 404 when it cannot be one (ids are hex),
/// before the store is asked.
pub(crate) fn case_id(id: &str) -> Result<&str, Problem> {
    if !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(id)
    } else {
        Err(no_case())
    }
}

/// A saved case, read for `who` (the read is audited); 404 when there is none.
pub(crate) async fn saved_record(s: &AppState, id: &str, who: &str) -> Result<CaseRecord, Problem> {
    s.store.get_case(case_id(id)?, who).await?.ok_or_else(no_case)
}

pub async fn get_case(
    State(s): State<AppState>,
    Extension(Actor(who)): Extension<Actor>,
    Path(id): Path<String>,
) -> Response {
    let result = async { saved_case(StatusCode::OK, &saved_record(&s, &id, &who).await?) }.await;
    result.unwrap_or_else(IntoResponse::into_response)
}

pub async fn update_case(
    State(s): State<AppState>,
    Extension(Actor(who)): Extension<Actor>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<SaveRequest>,
) -> Response {
    let result = async {
        let id = case_id(&id)?;
        let new = prepare(&s, &req)?;
        let rec = s.store.update_case(id, &new, &who).await?.ok_or_else(no_case)?;
        saved_case(StatusCode::OK, &rec)
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

pub async fn delete_case(
    State(s): State<AppState>,
    Extension(Actor(who)): Extension<Actor>,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        if !s.store.delete_case(case_id(&id)?, &who).await? {
            return Err(no_case());
        }
        Ok(())
    }
    .await;
    match result {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(p) => p.into_response(),
    }
}

/// One entry of the audit log.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AuditEntry {
    /// The entry's number, rising.
    pub id: i64,
    /// When it happened.
    #[schemars(extend("format" = "date-time"))]
    pub at: String,
    /// Who: a token's name, `local`, `token-admin` or `diary-link:<digest prefix>`.
    pub actor: String,
    /// What was done, e.g. `read` or `diary_link_create`.
    pub action: String,
    /// The saved case concerned, if any.
    pub case_id: Option<String>,
    /// More about it (a count, a knowledge-base version, a link's id, ...).
    pub detail: String,
}

pub async fn audit(
    State(s): State<AppState>,
    Extension(Actor(_who)): Extension<Actor>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let result = async {
        let limit = match q.get("limit") {
            None => 100,
            Some(v) => match v.parse::<i64>() {
                Ok(n) if (1..=10_000).contains(&n) => n,
                _ => {
                    let mut p = Problem::new(
                        StatusCode::BAD_REQUEST,
                        "invalid-query",
                        "Invalid query",
                        "`limit` must be 1 to 10000",
                    );
                    p.errors.push(crate::problem::FieldError {
                        path: "limit".into(),
                        message: format!("`{v}` is not 1 to 10000"),
                    });
                    return Err(p);
                }
            },
        };
        Ok(s.store.audit(limit).await?)
    }
    .await;
    match result {
        Ok(entries) => {
            let body: Vec<AuditEntry> = entries
                .into_iter()
                .map(|e| AuditEntry {
                    id: e.id,
                    at: e.at,
                    actor: e.actor,
                    action: e.action,
                    case_id: e.case_id,
                    detail: e.detail,
                })
                .collect();
            sorted_json(StatusCode::OK, &body)
        }
        Err(p) => p.into_response(),
    }
}

/// What `GET /api/v1/kb` tells about the knowledge base.
#[derive(Debug, Serialize, JsonSchema)]
pub struct KbSummary<'k> {
    /// The knowledge-base version, named in every report.
    pub version: &'k str,
    /// Its display name.
    pub name: &'k str,
    /// The disclaimer every report and page carries.
    pub disclaimer: &'k str,
    /// The care settings a case may name.
    pub settings: &'k [String],
    /// The same settings, in the same order, with the name a choice list shows
    /// and the kinds of practice whose priors each stands for.
    pub care_settings: Vec<CareSettingView<'k>>,
    /// The setting whose priors apply when a case names none.
    pub default_setting: &'k str,
    /// How change in outcome measures over time is read.
    pub outcomes: &'k cluneal_kb::OutcomeSettings,
}

/// A care setting as `GET /api/v1/kb` describes it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CareSettingView<'k> {
    /// The id a case names in `setting`.
    pub id: &'k str,
    /// Short display name.
    pub name: &'k str,
    /// The kinds of practice it covers.
    pub covers: &'k str,
}

/// A condition as `GET /api/v1/kb/conditions` lists it: what it is and how it
/// is managed, without the priors and evidence the engine scores with.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ConditionView<'k> {
    /// The condition id.
    pub id: &'k str,
    /// Display name.
    pub name: &'k str,
    /// Short name for tables.
    pub short_name: &'k str,
    /// Its family (`entrapment`, `joint`, `serious`, ...).
    pub kind: &'k str,
    /// Serious: listed as must-not-miss when supported.
    pub serious: bool,
    /// What it is, for a patient.
    pub patient_description: &'k str,
    /// What it is, for a clinician.
    pub clinician_description: &'k str,
    /// How it is managed.
    pub management: &'k str,
    /// When and where to refer.
    pub referral: &'k str,
    /// Terminology codes.
    pub codes: &'k [cluneal_kb::Code],
    /// Its row in the comparison table, if it has one.
    pub comparison: Option<&'k cluneal_kb::Comparison>,
    /// Its other presentations (variants), which a report's `presentation` names.
    pub variants: Vec<VariantView<'k>>,
}

/// A condition's other presentation, as a report names it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct VariantView<'k> {
    /// The variant id, unique within the condition.
    pub id: &'k str,
    /// Display name.
    pub name: &'k str,
}

/// One row of the comparison table of nerve entrapments and their groups.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ComparisonRow<'k> {
    /// The condition's or the group's name.
    pub name: &'k str,
    /// Whether there are sensory symptoms (`yes`, `variable`, ...).
    pub sensory: &'k str,
    /// Whether there is a motor deficit (`no`, `sometimes`, ...).
    pub motor_deficit: &'k str,
    /// Where the pain is.
    pub pain_location: &'k str,
    /// The key diagnostic tools, by the work-up step's name where there is one.
    pub key_tools: Vec<&'k str>,
}

/// A red flag as the patient's screens show it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RedFlagView<'k> {
    /// The red flag id.
    pub id: &'k str,
    /// Display name.
    pub name: &'k str,
    /// The urgency it sets when it fires.
    pub urgency: Urgency,
    /// What the patient should do, in plain language.
    pub patient_action: &'k str,
}

/// A treatment as the patient's screens show it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TreatmentView<'k> {
    /// The treatment id.
    pub id: &'k str,
    /// Display name.
    pub name: &'k str,
    /// Its kind (`conservative`, `interventional`, `release_non_surgical`, `release_surgical`).
    pub category: &'k str,
    /// The plan step it belongs to.
    pub step: &'k str,
    /// What it is, for a patient.
    pub patient_description: &'k str,
}

/// A diagnostic nerve-block protocol, by name.
#[derive(Debug, Serialize, JsonSchema)]
pub struct BlockView<'k> {
    /// The protocol id, as a case's block record names it.
    pub id: &'k str,
    /// Display name.
    pub name: &'k str,
    /// The condition the block tests for.
    pub condition: &'k str,
}

/// A reference as a one-line citation.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ReferenceView<'k> {
    /// The reference id, as `source` fields name it.
    pub id: &'k str,
    /// "Authors. Title. Journal. Year."
    pub citation: String,
    /// Where to read it.
    pub url: Option<&'k str>,
}

/// One read-only view of the knowledge base, `GET /api/v1/kb/{name}`: how its
/// body is built and the schema of that body. `kb_views` and the OpenAPI
/// document both read this table, so a view cannot be served undocumented
/// (`tests/response_schemas.rs` holds each body to its schema).
pub(crate) struct KbView {
    /// The path segment.
    pub(crate) name: &'static str,
    /// The OpenAPI operation's summary.
    pub(crate) summary: &'static str,
    /// The body, as a `Value` so its keys are in sorted order like every body.
    body: fn(&KnowledgeBase) -> serde_json::Result<Value>,
    /// The body's schema.
    pub(crate) schema: fn(&mut schemars::SchemaGenerator) -> schemars::Schema,
}

pub(crate) const KB_VIEWS: [KbView; 14] = [
    KbView {
        name: "conditions",
        summary: "The conditions of the differential: descriptions, management, referral, codes",
        body: |kb| {
            serde_json::to_value(
                kb.conditions()
                    .iter()
                    .map(|c| ConditionView {
                        id: &c.id,
                        name: &c.name,
                        short_name: &c.short_name,
                        kind: &c.kind,
                        serious: c.serious,
                        patient_description: &c.patient_description,
                        clinician_description: &c.clinician_description,
                        management: &c.management,
                        referral: &c.referral,
                        codes: &c.codes,
                        comparison: c.comparison.as_ref(),
                        variants: c
                            .variant
                            .iter()
                            .map(|v| VariantView { id: &v.id, name: &v.name })
                            .collect(),
                    })
                    .collect::<Vec<_>>(),
            )
        },
        schema: |g| g.subschema_for::<Vec<ConditionView<'static>>>(),
    },
    KbView {
        name: "findings",
        summary: "Every finding: its questions, answer type, group and codes",
        body: |kb| serde_json::to_value(kb.findings()),
        schema: |g| g.subschema_for::<Vec<cluneal_kb::Finding>>(),
    },
    KbView {
        name: "groups",
        summary: "The interview's question groups, in interview order",
        body: |kb| {
            let mut groups: Vec<_> = kb.groups().iter().collect();
            groups.sort_by_key(|g| (g.order, g.id.clone()));
            serde_json::to_value(groups)
        },
        schema: |g| g.subschema_for::<Vec<cluneal_kb::QuestionGroup>>(),
    },
    KbView {
        name: "exercises",
        summary: "The exercises with their dosage, pictures and contraindications",
        body: |kb| serde_json::to_value(kb.exercises()),
        schema: |g| g.subschema_for::<Vec<cluneal_kb::Exercise>>(),
    },
    KbView {
        name: "education",
        summary: "The education topics, in topic order",
        body: |kb| {
            let mut education: Vec<_> = kb.education().iter().collect();
            education.sort_by_key(|e| e.order);
            serde_json::to_value(education)
        },
        schema: |g| g.subschema_for::<Vec<cluneal_kb::Education>>(),
    },
    KbView {
        name: "comparison",
        summary: "The comparison table of nerve entrapments: each condition's row, then its group's",
        body: |kb| {
            serde_json::to_value(
                kb.comparison_rows()
                    .iter()
                    .map(|(name, c)| ComparisonRow {
                        name,
                        sensory: &c.sensory,
                        motor_deficit: &c.motor_deficit,
                        pain_location: &c.pain_location,
                        key_tools: c
                            .key_tools
                            .iter()
                            .map(|t| kb.diagnostic(t).map_or(t.as_str(), |d| d.name.as_str()))
                            .collect(),
                    })
                    .collect::<Vec<_>>(),
            )
        },
        schema: |g| g.subschema_for::<Vec<ComparisonRow<'static>>>(),
    },
    KbView {
        name: "red_flags",
        summary: "The red flags: name, urgency and what the patient should do",
        body: |kb| {
            serde_json::to_value(
                kb.red_flags()
                    .iter()
                    .map(|r| RedFlagView {
                        id: &r.id,
                        name: &r.name,
                        urgency: r.urgency,
                        patient_action: &r.patient_action,
                    })
                    .collect::<Vec<_>>(),
            )
        },
        schema: |g| g.subschema_for::<Vec<RedFlagView<'static>>>(),
    },
    KbView {
        name: "self_care",
        summary: "Self-care, prevention and seek-care advice",
        body: |kb| serde_json::to_value(kb.self_care()),
        schema: |g| g.subschema_for::<Vec<cluneal_kb::SelfCare>>(),
    },
    KbView {
        name: "treatments",
        summary: "The treatments: category, plan step and what each is, for a patient",
        body: |kb| {
            serde_json::to_value(
                kb.treatments()
                    .iter()
                    .map(|t| TreatmentView {
                        id: &t.id,
                        name: &t.name,
                        category: &t.category,
                        step: &t.step,
                        patient_description: &t.patient_description,
                    })
                    .collect::<Vec<_>>(),
            )
        },
        schema: |g| g.subschema_for::<Vec<TreatmentView<'static>>>(),
    },
    KbView {
        name: "criteria",
        summary: "The published diagnostic criteria sets and their items",
        body: |kb| serde_json::to_value(kb.criteria()),
        schema: |g| g.subschema_for::<Vec<cluneal_kb::Criteria>>(),
    },
    KbView {
        name: "plan_steps",
        summary: "The steps of the stepped plan",
        body: |kb| serde_json::to_value(kb.plan_steps()),
        schema: |g| g.subschema_for::<Vec<cluneal_kb::PlanStep>>(),
    },
    KbView {
        name: "diagnostics",
        summary: "The work-up's examination manoeuvres and tests",
        body: |kb| serde_json::to_value(kb.diagnostics()),
        schema: |g| g.subschema_for::<Vec<cluneal_kb::DiagnosticStep>>(),
    },
    KbView {
        name: "blocks",
        summary: "The diagnostic nerve-block protocols a block record may name",
        body: |kb| {
            serde_json::to_value(
                kb.blocks()
                    .iter()
                    .map(|b| BlockView { id: &b.id, name: &b.name, condition: &b.condition })
                    .collect::<Vec<_>>(),
            )
        },
        schema: |g| g.subschema_for::<Vec<BlockView<'static>>>(),
    },
    KbView {
        name: "references",
        summary: "Every reference as a one-line citation with its address",
        body: |kb| {
            serde_json::to_value(
                kb.references()
                    .iter()
                    .map(|r| ReferenceView { id: &r.id, citation: r.citation(), url: r.url.as_deref() })
                    .collect::<Vec<_>>(),
            )
        },
        schema: |g| g.subschema_for::<Vec<ReferenceView<'static>>>(),
    },
];

/// Read-only views of the knowledge base, serialized once at start-up.
#[derive(Debug)]
pub struct KbViews {
    /// `GET /api/v1/kb`.
    summary: Vec<u8>,
    /// `GET /api/v1/kb/{name}`, one per entry of `KB_VIEWS` (the summary is
    /// not among them, so `/api/v1/kb/kb` is not a second, undocumented path to it).
    views: HashMap<&'static str, Vec<u8>>,
}

/// Every body is serialized through a `Value`: keys in sorted order.
fn sorted_bytes(v: serde_json::Result<Value>) -> Vec<u8> {
    v.and_then(|json| serde_json::to_vec(&json)).unwrap_or_default()
}

pub fn kb_views(kb: &KnowledgeBase) -> KbViews {
    let summary = KbSummary {
        version: &kb.meta().version,
        name: &kb.meta().name,
        disclaimer: &kb.meta().messages.disclaimer,
        settings: &kb.meta().settings,
        care_settings: kb
            .meta()
            .settings
            .iter()
            .map(|id| {
                let described = kb.meta().care_setting.get(id);
                CareSettingView {
                    id,
                    name: described.map_or(id, |s| s.name.as_str()),
                    covers: described.map_or("", |s| s.covers.as_str()),
                }
            })
            .collect(),
        default_setting: kb.default_setting(),
        outcomes: &kb.meta().outcomes,
    };
    KbViews {
        summary: sorted_bytes(serde_json::to_value(&summary)),
        views: KB_VIEWS.iter().map(|view| (view.name, sorted_bytes((view.body)(kb)))).collect(),
    }
}

fn json_bytes(bytes: &[u8]) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], bytes.to_vec()).into_response()
}

pub async fn kb_view(State(s): State<AppState>, Path(name): Path<String>) -> Response {
    match s.kb_views.views.get(name.as_str()) {
        Some(bytes) => json_bytes(bytes),
        None => Problem::not_found(&format!("knowledge-base view `{name}`")).into_response(),
    }
}

pub async fn kb_root(State(s): State<AppState>) -> Response {
    json_bytes(&s.kb_views.summary)
}
