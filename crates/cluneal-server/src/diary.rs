//! The patient diary: a clinician gives a patient a link that opens one saved
//! case's diary without an account (daily pain, exercises done, notes); the
//! clinician reads it with the case and can revoke the link at any time.
//!
//! The link's token travels in `Authorization: Diary <token>`, never in a URL
//! the server sees (the web app keeps it in the page's fragment).

use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cluneal_store::{self as store, NewDiaryEntry};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::AppState;
use crate::api::{Actor, case_id, no_case, sorted_json, stored_json};
use crate::problem::{ApiJson, FieldError, Problem};

/// Longest note a patient can leave on one day.
const NOTES_MAX: usize = 1000;

/// A diary link as the clinician sees it: never its token.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DiaryLink {
    /// The first 12 hex digits of the token's SHA-256, never the token.
    pub id: String,
    /// When the link was made.
    #[schemars(extend("format" = "date-time"))]
    pub created_at: String,
    /// Who made it: a token's name, or `local`.
    pub created_by: String,
    /// When it was revoked; null while it is open.
    #[schemars(extend("format" = "date-time"))]
    pub revoked_at: Option<String>,
}

impl From<store::DiaryLink> for DiaryLink {
    fn from(l: store::DiaryLink) -> DiaryLink {
        DiaryLink { id: l.id, created_at: l.created_at, created_by: l.created_by, revoked_at: l.revoked_at }
    }
}

/// A new diary link: the token is in this answer only.
#[derive(Debug, Serialize, JsonSchema)]
pub struct NewDiaryLink {
    /// The link's token, for `Authorization: Diary <token>`.
    pub token: String,
    /// The web app's diary page for the token.
    pub path: String,
    /// The link as the clinician will see it.
    pub link: DiaryLink,
}

/// How many open links a revocation closed.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RevokedLinks {
    /// The number of links revoked (0 when none was open).
    pub revoked: u64,
}

/// One day of a patient's diary.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DiaryEntry {
    /// The entry's number within the case's diary.
    pub seq: i64,
    /// The day.
    #[schemars(extend("format" = "date"))]
    pub date: String,
    /// Pain that day, 0 (none) to 10 (worst imaginable); null when not given.
    #[schemars(range(min = 0, max = 10))]
    pub pain: Option<i64>,
    /// Ids of the exercises done that day.
    pub exercises_done: Vec<String>,
    /// What the plan prescribed when the entry was sent.
    pub exercises_prescribed: Vec<String>,
    /// Anything else the patient said.
    pub notes: String,
    /// When the entry was sent.
    #[schemars(extend("format" = "date-time"))]
    pub saved_at: String,
}

/// A stored entry as the API returns it; stored text that is not a JSON list
/// of ids is an error that says so.
fn entry_body(e: &store::DiaryEntry) -> Result<DiaryEntry, Problem> {
    let parse = |what: &str, text: &str| stored_json(&format!("{what} of diary entry {}", e.seq), text);
    Ok(DiaryEntry {
        seq: e.seq,
        date: e.entry_date.clone(),
        pain: e.pain,
        exercises_done: parse("exercises done", &e.exercises_done_json)?,
        exercises_prescribed: parse("exercises prescribed", &e.exercises_prescribed_json)?,
        notes: e.notes.clone(),
        saved_at: e.saved_at.clone(),
    })
}

fn entries_body(list: &[store::DiaryEntry]) -> Result<Vec<DiaryEntry>, Problem> {
    list.iter().map(entry_body).collect()
}

/// An exercise a diary offers to tick.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DiaryExercise {
    /// The exercise's id.
    pub id: String,
    /// Its name.
    pub name: String,
}

/// What a patient's diary link opens.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Diary {
    /// The exercises the saved report's plan prescribes, in plan order.
    pub exercises: Vec<DiaryExercise>,
    /// The entries sent so far, by day.
    pub entries: Vec<DiaryEntry>,
}

/// `POST /api/v1/cases/{id}/diary-links`: a new link; the token is in this
/// answer only.
pub async fn create_link(
    State(s): State<AppState>,
    Extension(Actor(who)): Extension<Actor>,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let id = case_id(&id)?;
        let (token, link) = s.store.create_diary_link(id, &who).await?.ok_or_else(no_case)?;
        let body = NewDiaryLink { path: format!("/#/diary/{token}"), token, link: link.into() };
        Ok::<_, Problem>(sorted_json(StatusCode::CREATED, &body))
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

/// `GET /api/v1/cases/{id}/diary-links`: the case's links (never the tokens).
pub async fn list_links(
    State(s): State<AppState>,
    Extension(Actor(who)): Extension<Actor>,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let id = case_id(&id)?;
        let links = s.store.list_diary_links(id, &who).await?.ok_or_else(no_case)?;
        let body: Vec<DiaryLink> = links.into_iter().map(DiaryLink::from).collect();
        Ok::<_, Problem>(sorted_json(StatusCode::OK, &body))
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

/// `DELETE /api/v1/cases/{id}/diary-links`: revoke every open link of the case.
pub async fn revoke_links(
    State(s): State<AppState>,
    Extension(Actor(who)): Extension<Actor>,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let id = case_id(&id)?;
        let n = s.store.revoke_diary_links(id, &who).await?.ok_or_else(no_case)?;
        Ok::<_, Problem>(sorted_json(StatusCode::OK, &RevokedLinks { revoked: n }))
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

/// `GET /api/v1/cases/{id}/diary`: the case's diary, by day.
pub async fn list_entries(
    State(s): State<AppState>,
    Extension(Actor(who)): Extension<Actor>,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let id = case_id(&id)?;
        let entries = s.store.list_diary(id, &who).await?.ok_or_else(no_case)?;
        Ok::<_, Problem>(sorted_json(StatusCode::OK, &entries_body(&entries)?))
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

/// 401 for a missing, unknown or revoked diary link: the patient is told to
/// ask for a new one, and nothing says whether the link ever existed.
fn link_not_valid() -> Problem {
    Problem::new(
        StatusCode::UNAUTHORIZED,
        "diary-link",
        "Diary link not valid",
        "this diary link is not valid or has been withdrawn: ask your clinician for a new one \
         (the link's token goes in `Authorization: Diary <token>`)",
    )
}

fn diary_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Diary "))
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.len() <= 100)
}

/// The exercises a saved report's plan prescribes: `(id, name)` in plan order.
fn prescribed(s: &AppState, report_json: &str) -> Result<Vec<(String, String)>, Problem> {
    let report: Value = stored_json("report of a saved case", report_json)?;
    let kb = s.engine.kb();
    Ok(report
        .pointer("/plan/exercises")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|x| x.get("id").and_then(Value::as_str))
                .map(|id| {
                    let name = kb.exercises().iter().find(|e| e.id == id).map_or(id, |e| e.name.as_str());
                    (id.to_string(), name.to_string())
                })
                .collect()
        })
        .unwrap_or_default())
}

/// `GET /api/v1/diary`: what the link opens: the exercises to tick and the
/// entries sent so far.
pub async fn open(State(s): State<AppState>, headers: HeaderMap) -> Response {
    let result = async {
        let token = diary_token(&headers).ok_or_else(link_not_valid)?;
        let (access, entries) = s.store.open_diary(token).await?.ok_or_else(link_not_valid)?;
        let exercises = prescribed(&s, &access.report_json)?;
        let body = Diary {
            exercises: exercises.into_iter().map(|(id, name)| DiaryExercise { id, name }).collect(),
            entries: entries_body(&entries)?,
        };
        Ok::<_, Problem>(sorted_json(StatusCode::OK, &body))
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

/// The latest day an entry may be for: tomorrow in UTC, so a patient in a
/// time zone ahead of UTC can write about their today. The clock is read here,
/// at the edge.
fn latest_day() -> String {
    let today = time::OffsetDateTime::now_utc().date();
    let d = today.next_day().unwrap_or(today);
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// One day's diary entry as a patient sends it.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "NewDiaryEntry")]
pub struct EntryRequest {
    /// The day, at the latest tomorrow (UTC).
    #[schemars(extend("format" = "date"))]
    pub date: String,
    /// Pain that day, 0 (none) to 10 (worst imaginable); absent or null when not given.
    // A whole number, read as a float so that `4.5` is refused with a message
    // naming the field, not a bare serde error.
    #[serde(default)]
    #[schemars(with = "Option<i64>", range(min = 0, max = 10))]
    pub pain: Option<f64>,
    /// Exercises done that day, from the diary's own list (GET /api/v1/diary).
    #[serde(default)]
    #[schemars(extend("uniqueItems" = true))]
    pub exercises_done: Vec<String>,
    /// Anything else the patient wants to say; no control characters but newline and tab.
    #[serde(default)]
    #[schemars(length(max = 1000), regex(pattern = r"^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*$"))]
    pub notes: String,
}

/// `POST /api/v1/diary/entries`: add a day's entry through the link.
pub async fn add_entry(
    State(s): State<AppState>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<EntryRequest>,
) -> Response {
    let result = async {
        let token = diary_token(&headers).ok_or_else(link_not_valid)?;
        let access = s.store.diary_access(token).await?.ok_or_else(link_not_valid)?;
        let exercises = prescribed(&s, &access.report_json)?;
        let mut wrong: Vec<FieldError> = Vec::new();
        let mut bad = |path: String, message: String| wrong.push(FieldError { path, message });
        if req.date.len() != 10 || cluneal_fhir::parse_date(&req.date).is_none() {
            bad("date".into(), format!("`{}` is not a date like 2026-11-30", req.date.escape_debug()));
        } else if req.date > latest_day() {
            bad("date".into(), format!("`{}` is in the future", req.date));
        }
        if let Some(p) = req.pain
            && !(p.is_finite() && p.fract() == 0.0 && (0.0..=10.0).contains(&p))
        {
            bad("pain".into(), format!("{p} is not a whole number from 0 to 10"));
        }
        let mut seen: Vec<&str> = Vec::new();
        for (k, id) in req.exercises_done.iter().enumerate() {
            if !exercises.iter().any(|(x, _)| x == id) {
                bad(
                    format!("exercises_done[{k}]"),
                    format!("`{}` is not one of this diary's exercises", id.escape_debug()),
                );
            } else if seen.contains(&id.as_str()) {
                bad(format!("exercises_done[{k}]"), format!("`{id}` is listed twice"));
            }
            seen.push(id);
        }
        if req.notes.chars().count() > NOTES_MAX {
            bad("notes".into(), format!("at most {NOTES_MAX} characters"));
        }
        if req.notes.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            bad("notes".into(), "control characters are not allowed".into());
        }
        if !wrong.is_empty() {
            let mut p = Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-body",
                "The diary entry is not valid",
                format!("{} problem(s)", wrong.len()),
            );
            p.errors = wrong;
            return Err(p);
        }
        let ids = |v: Vec<&str>| serde_json::to_string(&v).map_err(Problem::internal);
        let new = NewDiaryEntry {
            entry_date: req.date.clone(),
            pain: req.pain.map(|p| p as i64),
            exercises_done_json: ids(req.exercises_done.iter().map(String::as_str).collect())?,
            exercises_prescribed_json: ids(exercises.iter().map(|(id, _)| id.as_str()).collect())?,
            notes: req.notes.trim().to_string(),
        };
        let e = s.store.add_diary_entry(token, &new).await?.ok_or_else(link_not_valid)?;
        Ok(sorted_json(StatusCode::CREATED, &entry_body(&e)?))
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}
