//! Errors as `application/problem+json` (RFC 9457), naming the field at fault.

use axum::extract::FromRequest;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cluneal_engine::CaseError;
use serde::Serialize;

/// One wrong field.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct FieldError {
    /// The field at fault, e.g. `case.answers.x`.
    pub path: String,
    /// What is wrong with it.
    pub message: String,
}

/// An RFC 9457 problem document (`application/problem+json`).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong this time.
    pub detail: String,
    /// Each wrong field, when the problem is a rejected input.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl Problem {
    /// A problem of kind `slug` with `status`.
    pub fn new(status: StatusCode, slug: &str, title: &str, detail: impl Into<String>) -> Problem {
        Problem {
            kind: format!("https://cluneal.invalid/problems/{slug}"),
            title: title.into(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    /// 404: no `what`.
    pub fn not_found(what: &str) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, "not-found", "Not found", format!("no {what}"))
    }

    /// 401: saved cases need a valid token.
    pub fn unauthorized() -> Problem {
        Problem::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Authentication required",
            "saved cases need a valid bearer token: `Authorization: Bearer <token>`",
        )
    }

    /// A case the engine rejected: every field at fault, under `prefix` (e.g. `case.`).
    pub fn invalid_case(e: &CaseError, prefix: &str) -> Problem {
        let mut p = Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-case",
            "The case is not valid",
            format!("the case has {} problem(s)", e.0.len()),
        );
        p.errors =
            e.0.iter()
                .map(|x| FieldError { path: format!("{prefix}{}", x.path), message: x.message.clone() })
                .collect();
        p
    }

    /// 500: `detail` goes to the log, not to the client.
    pub fn internal(detail: impl std::fmt::Display) -> Problem {
        // The detail goes to the log (in the request's span), not to the client.
        tracing::error!("{detail}");
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            "the server could not complete the request",
        )
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut res = (status, body).into_response();
        res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if status == StatusCode::SERVICE_UNAVAILABLE {
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        res
    }
}

/// A store error as the status a client can act on: a duplicate is 409, a
/// missing row 404, a busy database 503 (try again), an invalid request 422;
/// anything else is 500 with the detail in the log only.
impl From<cluneal_store::StoreError> for Problem {
    fn from(e: cluneal_store::StoreError) -> Problem {
        use cluneal_store::Failure;
        match e.failure() {
            Failure::Conflict => {
                Problem::new(StatusCode::CONFLICT, "conflict", "Already exists", e.to_string())
            }
            Failure::NotFound => Problem::not_found("such record"),
            Failure::Busy => {
                tracing::warn!("database busy: {e}");
                Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "busy",
                    "The database is busy",
                    "the database is busy; nothing was changed, try again in a moment",
                )
            }
            Failure::Invalid => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-body",
                "The request is not valid",
                e.to_string(),
            ),
            Failure::Internal => Problem::internal(e),
        }
    }
}

/// 500: a record the store kept does not read back (stored JSON that is not
/// JSON, a stored case the engine refuses). The client learns which record;
/// nothing else is exposed.
pub fn corrupt_record(what: &str, why: impl std::fmt::Display) -> Problem {
    tracing::error!("the stored {what} does not read back: {why}");
    Problem::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "corrupt-record",
        "A stored record is damaged",
        format!("the stored {what} does not read back; it was left as it is"),
    )
}

/// A JSON body whose rejections (bad syntax, wrong types, too large, wrong
/// content type) come back as problem+json with what serde said and where; a
/// key repeated anywhere in the body is refused (422) rather than silently
/// taking its last value.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        // First as raw JSON: content type, size and syntax checked by axum as before.
        let raw = match axum::Json::<Box<serde_json::value::RawValue>>::from_request(req, state).await {
            Ok(axum::Json(raw)) => raw,
            Err(rejection) => return Err(rejection_problem(rejection)),
        };
        if let Some(d) = crate::strict::find_duplicate_key(raw.get()) {
            let mut p = Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "duplicate-key",
                "The body repeats a key",
                d.to_string(),
            );
            p.errors.push(FieldError {
                path: d.path.clone(),
                message: format!("the key `{}` appears more than once", d.key),
            });
            return Err(p);
        }
        // The syntax was checked above, so whatever fails now is a value of the
        // wrong shape, even where serde_json calls it a syntax error (a number
        // where a named value such as a treatment response is expected).
        axum::Json::<T>::from_bytes(raw.get().as_bytes()).map(|axum::Json(v)| ApiJson(v)).map_err(|r| match r
        {
            JsonRejection::JsonSyntaxError(e) => {
                shape_problem(StatusCode::UNPROCESSABLE_ENTITY, &e.body_text())
            }
            other => rejection_problem(other),
        })
    }
}

/// A body that parses as JSON but does not have the expected shape: 422 with
/// the field at fault (serde's message starts with its path).
fn shape_problem(status: StatusCode, detail: &str) -> Problem {
    let detail = crate::strict::reword_wrong_kind(detail);
    let mut p =
        Problem::new(status, "invalid-body", "The body does not match the expected shape", detail.clone());
    let inner = detail.split_once(": ").map_or(detail.as_str(), |(_, rest)| rest);
    let (path, message) = inner.split_once(": ").unwrap_or(("", inner));
    p.errors.push(FieldError { path: path.to_string(), message: message.to_string() });
    p
}

fn rejection_problem(rejection: JsonRejection) -> Problem {
    let status = rejection.status();
    if let JsonRejection::JsonDataError(_) = rejection {
        return shape_problem(status, &rejection.body_text());
    }
    let (slug, title) = match &rejection {
        JsonRejection::JsonSyntaxError(_) => ("invalid-json", "The body is not valid JSON"),
        JsonRejection::MissingJsonContentType(_) => {
            ("unsupported-media-type", "Send JSON with `Content-Type: application/json`")
        }
        _ if status == StatusCode::PAYLOAD_TOO_LARGE => ("too-large", "The body is too large"),
        _ => ("invalid-body", "The body could not be read"),
    };
    Problem::new(status, slug, title, rejection.body_text())
}
