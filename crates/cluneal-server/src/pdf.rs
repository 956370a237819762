//! Reports as PDF: `POST /api/v1/report.pdf?audience=…` for a case sent in the
//! body, and `GET /api/v1/cases/{id}/report.pdf?audience=…` for a saved case
//! (the clinician report then carries its visit history).

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::extract::{Extension, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use cluneal_engine::Case;
use cluneal_pdf::{Audience, Extras, Figures, Visit};
use serde_json::Value;

use crate::AppState;
use crate::api::{Actor, saved_record, visit_json};
use crate::problem::{ApiJson, FieldError, Problem};

/// The exercise poses the web app draws, for the handout's pictures.
pub const FIGURES_JSON: &str = include_str!("../web/figures.json");

/// The poses, parsed once; a broken file is an error that says so (a test
/// keeps it valid).
pub fn figures() -> Result<&'static Figures, String> {
    static F: OnceLock<Result<Figures, String>> = OnceLock::new();
    F.get_or_init(|| Figures::from_json(FIGURES_JSON).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(Clone::clone)
}

fn audience(q: &HashMap<String, String>) -> Result<Audience, Problem> {
    match q.get("audience").map(String::as_str) {
        None => Ok(Audience::Patient),
        Some(a) => Audience::parse(a).ok_or_else(|| {
            let mut p = Problem::new(
                StatusCode::BAD_REQUEST,
                "invalid-query",
                "Invalid query",
                "`audience` must be `patient`, `clinician` or `exercises`",
            );
            p.errors.push(FieldError {
                path: "audience".into(),
                message: format!("`{}` is not patient, clinician or exercises", a.escape_debug()),
            });
            p
        }),
    }
}

fn file_name(a: Audience) -> &'static str {
    match a {
        Audience::Patient => "cluneal-visit-summary.pdf",
        Audience::Clinician => "cluneal-clinician-report.pdf",
        Audience::Exercises => "cluneal-exercises.pdf",
    }
}

/// Typeset off the async threads (Typst takes tens of milliseconds).
async fn typeset(
    s: &AppState,
    case: Case,
    a: Audience,
    label: Option<String>,
    visits: Vec<Visit>,
) -> Result<Response, Problem> {
    let engine = s.engine.clone();
    let figures = figures().map_err(Problem::internal)?;
    let today = crate::today_utc().to_string();
    let out = tokio::task::spawn_blocking(move || {
        let report = engine.assess(&case).map_err(|e| Problem::invalid_case(&e, ""))?;
        let extras = Extras { date: Some(&today), label: label.as_deref(), visits: &visits };
        cluneal_pdf::render(&report, engine.kb(), figures, a, &extras).map_err(Problem::internal)
    })
    .await
    .map_err(Problem::internal)??;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", file_name(a))),
        ],
        out.pdf,
    )
        .into_response())
}

/// `POST /api/v1/report.pdf?audience=patient|clinician|exercises`: the case in,
/// the PDF out; nothing is stored.
pub async fn for_case(
    State(s): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
    ApiJson(case): ApiJson<Case>,
) -> Response {
    let result = async {
        let a = audience(&q)?;
        typeset(&s, case, a, None, Vec::new()).await
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

/// A visit as the clinician report lists it: its date, pain, leading cause
/// and urgency as they were saved. Stored text that is not JSON is an error
/// that says so, never a blank row.
fn visit(id: &str, v: &cluneal_store::VisitRecord) -> Result<Visit, Problem> {
    let case = visit_json(id, v.seq, "case", &v.case_json)?;
    let report = visit_json(id, v.seq, "report", &v.report_json)?;
    let top = report.pointer("/differential/0");
    Ok(Visit {
        date: v.visit_date.clone(),
        pain: case.pointer("/answers/pain_intensity").and_then(Value::as_f64),
        leading: top.map_or_else(String::new, |t| {
            format!(
                "{} {:.0}%",
                t.get("name").and_then(Value::as_str).unwrap_or(""),
                t.get("probability").and_then(Value::as_f64).unwrap_or(0.0) * 100.0
            )
        }),
        urgency: report.pointer("/triage/level").and_then(Value::as_str).unwrap_or("").to_string(),
    })
}

/// `GET /api/v1/cases/{id}/report.pdf?audience=…`: a saved case, assessed with
/// the current knowledge base; the clinician report lists its visits.
pub async fn for_saved_case(
    State(s): State<AppState>,
    Extension(Actor(who)): Extension<Actor>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let result = async {
        let a = audience(&q)?;
        let rec = saved_record(&s, &id, &who).await?;
        let case: Case = serde_json::from_str(&rec.case_json).map_err(|e| {
            crate::problem::corrupt_record(
                &format!("case of saved case `{id}`"),
                format!("not a valid case: {e}"),
            )
        })?;
        let visits = if a == Audience::Clinician {
            let visits = s.store.list_visits(&rec.id, &who).await?.unwrap_or_default();
            visits.iter().map(|v| visit(&rec.id, v)).collect::<Result<_, _>>()?
        } else {
            Vec::new()
        };
        typeset(&s, case, a, Some(rec.label.clone()), visits).await
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}
