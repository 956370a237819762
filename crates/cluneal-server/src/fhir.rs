//! FHIR R4 under `/fhir`: HTTP glue over `cluneal-fhir`, which builds every
//! resource. Responses are `application/fhir+json`; errors are
//! `OperationOutcome`s (not problem+json: FHIR clients expect them).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cluneal_engine::Respondent;
use cluneal_fhir::{FhirError, Issue};
use cluneal_kb::KnowledgeBase;
use serde_json::Value;

use crate::AppState;
use crate::strict::BodyError;

/// The FHIR JSON media type.
pub const FHIR_JSON: &str = "application/fhir+json";

/// The read-only resources, serialized once at start-up.
pub struct Views {
    metadata: Vec<u8>,
    assess_definition: Vec<u8>,
    patient: Vec<u8>,
    clinician: Vec<u8>,
}

impl Views {
    pub fn new(kb: &KnowledgeBase) -> Views {
        let bytes = |v: Value| serde_json::to_vec(&v).unwrap_or_default();
        Views {
            metadata: bytes(cluneal_fhir::capability_statement(kb, env!("CARGO_PKG_VERSION"))),
            assess_definition: bytes(cluneal_fhir::assess_operation_definition()),
            patient: bytes(cluneal_fhir::questionnaire(kb, Respondent::Patient)),
            clinician: bytes(cluneal_fhir::questionnaire(kb, Respondent::Clinician)),
        }
    }
}

fn fhir_bytes(status: StatusCode, body: Vec<u8>) -> Response {
    let mut res = (status, body).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON));
    res
}

fn fhir_json(status: StatusCode, v: &Value) -> Response {
    match serde_json::to_vec(v) {
        Ok(body) => fhir_bytes(status, body),
        Err(e) => crate::Problem::internal(e).into_response(),
    }
}

fn outcome(e: &FhirError) -> Response {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
    fhir_json(status, &e.operation_outcome())
}

fn issue(status: StatusCode, code: &'static str, message: impl Into<String>, location: &str) -> Response {
    outcome(&FhirError {
        status: status.as_u16(),
        issues: vec![Issue { code, message: message.into(), location: location.into() }],
    })
}

pub async fn metadata(State(s): State<AppState>) -> Response {
    fhir_bytes(StatusCode::OK, s.fhir.metadata.clone())
}

pub async fn operation_definition(State(s): State<AppState>, Path(id): Path<String>) -> Response {
    if id == "assess" {
        return fhir_bytes(StatusCode::OK, s.fhir.assess_definition.clone());
    }
    issue(StatusCode::NOT_FOUND, "not-found", format!("no OperationDefinition `{id}`; there is `assess`"), "")
}

pub async fn code_system(State(s): State<AppState>, Path(id): Path<String>) -> Response {
    match cluneal_fhir::code_system(s.engine.kb(), &id) {
        Some(cs) => fhir_json(StatusCode::OK, &cs),
        None => issue(
            StatusCode::NOT_FOUND,
            "not-found",
            format!("no CodeSystem `{id}`; there are `{}`", cluneal_fhir::CODE_SYSTEMS.join("`, `")),
            "",
        ),
    }
}

pub async fn questionnaire(State(s): State<AppState>, Path(id): Path<String>) -> Response {
    match cluneal_fhir::respondent_of(&id) {
        Some(Respondent::Patient) => fhir_bytes(StatusCode::OK, s.fhir.patient.clone()),
        Some(Respondent::Clinician) => fhir_bytes(StatusCode::OK, s.fhir.clinician.clone()),
        None => issue(
            StatusCode::NOT_FOUND,
            "not-found",
            format!(
                "no Questionnaire `{id}`; there are `{}` and `{}`",
                cluneal_fhir::questionnaire_id(Respondent::Patient),
                cluneal_fhir::questionnaire_id(Respondent::Clinician)
            ),
            "",
        ),
    }
}

/// Whether the request says its body is FHIR JSON (or plain JSON).
fn json_body(headers: &HeaderMap) -> bool {
    let Some(ct) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = ct.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == FHIR_JSON || essence == "application/json"
}

/// The request body as FHIR JSON, or the OperationOutcome that says what is wrong with it.
fn read_body(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    limit: usize,
) -> Result<Value, FhirError> {
    if !json_body(headers) {
        return Err(fail(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "not-supported",
            format!("send the resource as JSON with `Content-Type: {FHIR_JSON}`"),
            "",
        ));
    }
    let body = match body {
        Ok(b) => b,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return Err(fail(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-long",
                format!("the body is larger than {} KiB", limit / 1024),
                "",
            ));
        }
        Err(rejection) => return Err(fail(rejection.status(), "structure", rejection.body_text(), "")),
    };
    // FHIR JSON forbids repeated keys; serde would keep the last one silently.
    crate::strict::parse_body(&body).map_err(|e| match e {
        BodyError::NotUtf8 => fail(StatusCode::BAD_REQUEST, "structure", "the body is not UTF-8", ""),
        BodyError::NotJson(why) => {
            fail(StatusCode::BAD_REQUEST, "structure", format!("the body is not JSON: {why}"), "")
        }
        BodyError::Repeated(d) => fail(
            StatusCode::BAD_REQUEST,
            "structure",
            format!("the key `{}` appears more than once", d.key),
            &d.path,
        ),
    })
}

fn fail(status: StatusCode, code: &'static str, message: impl Into<String>, location: &str) -> FhirError {
    FhirError {
        status: status.as_u16(),
        issues: vec![Issue { code, message: message.into(), location: location.into() }],
    }
}

pub async fn next_question(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let value = match read_body(&headers, body, crate::BODY_LIMIT) {
        Ok(v) => v,
        Err(e) => return outcome(&e),
    };
    match cluneal_fhir::next_question(&s.engine, &value) {
        Ok(qr) => fhir_json(StatusCode::OK, &qr),
        Err(e) => outcome(&e),
    }
}

/// `POST /fhir/$assess`: the assessment date is today (UTC) unless the
/// request's `date` parameter gives another.
pub async fn assess(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let value = match read_body(&headers, body, crate::RECORD_LIMIT) {
        Ok(v) => v,
        Err(e) => return outcome(&e),
    };
    let options = cluneal_fhir::AssessOptions { today: crate::today_utc(), setting: None };
    match cluneal_fhir::assess(&s.engine, &value, &options) {
        Ok(bundle) => fhir_json(StatusCode::OK, &bundle),
        Err(e) => outcome(&e),
    }
}

pub async fn not_found() -> Response {
    issue(
        StatusCode::NOT_FOUND,
        "not-supported",
        "not implemented here; `GET /fhir/metadata` lists what is",
        "",
    )
}

pub async fn method_not_allowed() -> Response {
    issue(
        StatusCode::METHOD_NOT_ALLOWED,
        "not-supported",
        "this FHIR route does not answer that method; `GET /fhir/metadata` lists what is implemented",
        "",
    )
}
