//! The one way the oneshot tests send a request: through `router().oneshot()`
//! with a loopback `Host` (the host check refuses anything else).

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, header};
use serde_json::Value;
use tower::ServiceExt;

/// Send `method path`, with an `Authorization` value and a `(content type,
/// text)` body when given: the status, the response headers and the body as
/// JSON (null when it is not JSON).
pub async fn oneshot(
    app: &Router,
    method: &str,
    path: &str,
    authorization: Option<&str>,
    body: Option<(&str, String)>,
) -> (u16, HeaderMap, Value) {
    let mut req = Request::builder().method(method).uri(path).header(header::HOST, "localhost");
    if let Some(a) = authorization {
        req = req.header(header::AUTHORIZATION, a);
    }
    let body = match body {
        Some((content_type, text)) => {
            req = req.header(header::CONTENT_TYPE, content_type);
            Body::from(text)
        }
        None => Body::empty(),
    };
    let res = app.clone().oneshot(req.body(body).expect("request")).await.expect("response");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.expect("body");
    (status, headers, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// The knowledge-base views, one documented path each (written out here, not
/// read from the server, so that a view added or dropped there fails a test).
#[allow(dead_code, reason = "each test binary compiles this module and uses part of it")]
pub const KB_VIEWS: [&str; 14] = [
    "conditions",
    "findings",
    "groups",
    "exercises",
    "education",
    "comparison",
    "red_flags",
    "self_care",
    "treatments",
    "criteria",
    "plan_steps",
    "diagnostics",
    "blocks",
    "references",
];
