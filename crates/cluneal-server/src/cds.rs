//! CDS Hooks 2.0 under `/cds-services`: the HTTP side of `cluneal_fhir::cds`.
//!
//! Every call (discovery included) must carry a JWT signed with ES384 or
//! RS384 by an issuer on the allow-list (`--cds-issuers FILE`, each issuer
//! with its JWK Set): `none` and HMAC are refused, `aud` must be the URL
//! called, `exp` must lie ahead, and a `jti` is accepted once. Missing
//! prefetch is fetched from the EHR's `fhirServer` with its
//! `fhirAuthorization`; without them the answer is 412. Feedback is stored
//! and audited. CORS is open (`*`, no credentials), as the specification
//! advises for browser-based EHRs: the JWT, not the origin, authenticates.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cluneal_fhir::cds::{self, CardOptions};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::strict::BodyError;
use crate::{AppState, Problem};

/// How the CDS Hooks service authenticates its callers.
#[derive(Debug, Clone, Default)]
pub struct CdsConfig {
    /// The issuers allowed to call, each with its public keys.
    pub issuers: Vec<Issuer>,
    /// Accept calls without a JWT (loopback only; for local trials with a sandbox).
    pub insecure_loopback: bool,
    /// The public base URL the EHR calls (`https://cds.example.org`): `aud`
    /// must be it plus the path. Without it, `http://{Host}{path}`.
    pub public_url: Option<String>,
}

/// An allowed caller: the JWT `iss` and the keys that sign its tokens.
#[derive(Debug, Clone)]
pub struct Issuer {
    /// The `iss` claim.
    pub iss: String,
    /// Its JWK Set.
    pub jwks: JwkSet,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IssuersFile {
    issuers: Vec<IssuerEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IssuerEntry {
    iss: String,
    jwks: JwkSet,
}

impl CdsConfig {
    /// Read the issuer allow-list: `{"issuers": [{"iss": "...", "jwks": {"keys": [...]}}]}`.
    pub fn parse_issuers(text: &str) -> Result<Vec<Issuer>, String> {
        let f: IssuersFile = serde_json::from_str(text).map_err(|e| format!("line {}: {e}", e.line()))?;
        let mut out = Vec::new();
        for (k, i) in f.issuers.into_iter().enumerate() {
            if i.iss.trim().is_empty() {
                return Err(format!("issuers[{k}]: `iss` is empty"));
            }
            if i.jwks.keys.is_empty() {
                return Err(format!("issuers[{k}] (`{}`): the JWK Set has no keys", i.iss));
            }
            for key in &i.jwks.keys {
                if DecodingKey::from_jwk(key).is_err() {
                    return Err(format!("issuers[{k}] (`{}`): a key is not a usable public key", i.iss));
                }
            }
            out.push(Issuer { iss: i.iss, jwks: i.jwks });
        }
        Ok(out)
    }
}

/// `jti`s already accepted, with their expiry (seconds since the epoch), so
/// a captured token cannot be replayed while it is still valid.
#[derive(Debug, Default)]
pub struct SeenTokens(Mutex<BTreeMap<(String, String), u64>>);

impl SeenTokens {
    /// Record `(iss, jti)`; false when it was already seen.
    fn first_use(&self, iss: &str, jti: &str, exp: u64, now: u64) -> bool {
        let Ok(mut seen) = self.0.lock() else { return false };
        seen.retain(|_, e| *e >= now);
        seen.insert((iss.to_string(), jti.to_string()), exp).is_none()
    }
}

#[derive(Deserialize)]
struct Claims {
    iss: String,
    exp: u64,
    jti: String,
}

fn unauthorized(detail: impl Into<String>) -> Response {
    let mut res =
        Problem::new(StatusCode::UNAUTHORIZED, "unauthorized", "Not authorized", detail).into_response();
    res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    res
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The caller's `iss`, or why it is refused (answered with 401).
fn authorize(s: &AppState, headers: &HeaderMap, path: &str) -> Result<String, String> {
    let config = &s.cds.config;
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")));
    let Some(token) = bearer else {
        if config.insecure_loopback {
            return Ok("insecure-loopback".into());
        }
        return Err(String::from(
            "CDS Hooks calls need `Authorization: Bearer <JWT>` signed with ES384 or RS384",
        ));
    };
    let head =
        jsonwebtoken::decode_header(token).map_err(|e| format!("the JWT header cannot be read: {e}"))?;
    if !matches!(head.alg, Algorithm::ES384 | Algorithm::RS384) {
        return Err(format!("JWT algorithm `{:?}` is not accepted; use ES384 or RS384", head.alg));
    }
    let aud = format!("{}{path}", base_url(s, headers));
    let mut last = "no allowed issuer has a key for this token (unknown `iss` or `kid`)".to_string();
    for issuer in &config.issuers {
        for key in &issuer.jwks.keys {
            if head.kid.is_some() && key.common.key_id != head.kid {
                continue;
            }
            let Ok(decoding) = DecodingKey::from_jwk(key) else { continue };
            let mut v = Validation::new(head.alg);
            v.set_audience(&[aud.as_str()]);
            v.set_issuer(&[issuer.iss.as_str()]);
            v.set_required_spec_claims(&["exp", "iss", "aud"]);
            v.leeway = 30;
            match jsonwebtoken::decode::<Claims>(token, &decoding, &v) {
                Ok(data) => {
                    let c = data.claims;
                    if c.jti.trim().is_empty() {
                        return Err("the JWT has an empty `jti`".into());
                    }
                    if !s.cds.seen.first_use(&c.iss, &c.jti, c.exp, now()) {
                        return Err(format!("the JWT `jti` `{}` was already used", c.jti));
                    }
                    return Ok(c.iss);
                }
                Err(e) => {
                    use jsonwebtoken::errors::ErrorKind;
                    last = match e.kind() {
                        ErrorKind::ExpiredSignature => "the JWT has expired".into(),
                        ErrorKind::InvalidAudience => format!("the JWT `aud` must be `{aud}`"),
                        ErrorKind::InvalidIssuer => format!(
                            "the JWT `iss` does not match the issuer of key `{}`",
                            head.kid.as_deref().unwrap_or("")
                        ),
                        ErrorKind::InvalidSignature => "the JWT signature does not verify".into(),
                        ErrorKind::MissingRequiredClaim(c) => format!("the JWT lacks `{c}`"),
                        ErrorKind::Json(_) => "the JWT claims lack `iss`, `exp` or `jti`".into(),
                        other => format!("the JWT is not valid: {other:?}"),
                    };
                }
            }
        }
    }
    Err(last)
}

/// What the CDS routes share.
#[derive(Debug)]
pub struct CdsState {
    config: CdsConfig,
    seen: SeenTokens,
    discovery: Vec<u8>,
}

impl CdsState {
    pub fn new(kb: &cluneal_kb::KnowledgeBase, config: CdsConfig) -> CdsState {
        CdsState {
            config,
            seen: SeenTokens::default(),
            discovery: serde_json::to_vec(&cds::discovery(kb)).unwrap_or_default(),
        }
    }
}

fn cors(res: &mut Response) {
    let h = res.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("Authorization, Content-Type"));
    h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST, OPTIONS"));
    h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
}

/// CORS headers on every `/cds-services` response.
pub async fn with_cors(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let mut res = next.run(req).await;
    cors(&mut res);
    res
}

/// A CORS preflight, answered without a JWT (browsers send none with it).
pub async fn preflight() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

fn json_response(status: StatusCode, v: &Value) -> Response {
    let mut res = (status, serde_json::to_vec(v).unwrap_or_default()).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    res
}

fn problem_of(e: &cluneal_fhir::FhirError) -> Response {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
    let (slug, title) = if e.status == 400 {
        ("bad-request", "Bad request")
    } else {
        ("unprocessable", "Cannot process the request")
    };
    Problem::new(status, slug, title, e.to_string()).into_response()
}

pub async fn discovery(State(s): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(why) = authorize(&s, &headers, "/cds-services") {
        return unauthorized(why);
    }
    let mut res = (StatusCode::OK, s.cds.discovery.clone()).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    res
}

/// The body as JSON, or why not (answered with 400).
/// The request body as JSON. A body over the limit is 413 (as on every other
/// route), one that cannot be read keeps the status the rejection gives, and
/// one that is not strict JSON is 400.
fn read_json(body: Result<Bytes, BytesRejection>) -> Result<Value, Problem> {
    let body = body.map_err(|r| {
        let status = r.status();
        let (slug, title) = if status == StatusCode::PAYLOAD_TOO_LARGE {
            ("too-large", "The body is too large")
        } else {
            ("bad-request", "Bad request")
        };
        Problem::new(status, slug, title, r.body_text())
    })?;
    crate::strict::parse_body(&body).map_err(|e| {
        let why = match e {
            BodyError::NotUtf8 => "the body is not UTF-8".to_string(),
            BodyError::NotJson(why) => format!("the body is not JSON: {why}"),
            BodyError::Repeated(d) => format!("the key `{}` appears more than once at `{}`", d.key, d.path),
        };
        Problem::new(StatusCode::BAD_REQUEST, "bad-request", "Bad request", why)
    })
}

pub async fn call(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let path = format!("/cds-services/{id}");
    if let Err(why) = authorize(&s, &headers, &path) {
        return unauthorized(why);
    }
    let Some(service) = cds::service(&id) else {
        return Problem::not_found(&format!("CDS service `{id}`")).into_response();
    };
    let mut request = match read_json(body) {
        Ok(v) => v,
        Err(p) => return p.into_response(),
    };
    let kb = s.engine.kb();
    let missing = match cds::missing_prefetch(kb, &request) {
        Ok(m) => m,
        Err(e) => return problem_of(&e),
    };
    if !missing.is_empty() {
        match fetch_prefetch(&request, &missing).await {
            Ok(fetched) => {
                if let Some(o) = request.as_object_mut() {
                    let p = o.entry("prefetch").or_insert_with(|| json!({}));
                    if let Some(p) = p.as_object_mut() {
                        p.extend(fetched);
                    }
                }
            }
            Err(why) => {
                return Problem::new(
                    StatusCode::PRECONDITION_FAILED,
                    "precondition-failed",
                    "Prefetch missing",
                    why,
                )
                .into_response();
            }
        }
    }
    let options = CardOptions { today: crate::today_utc(), app_url: base_url(&s, &headers) };
    match cds::cards(&s.engine, service, &request, &options) {
        Ok(cards) => json_response(StatusCode::OK, &cards),
        Err(e) => problem_of(&e),
    }
}

/// The base URL the EHR calls: the configured public URL, or `http://` and the
/// request's Host. JWT `aud` is it plus the path; card links open the web app there.
fn base_url(s: &AppState, headers: &HeaderMap) -> String {
    match &s.cds.config.public_url {
        Some(u) => u.trim_end_matches('/').to_string(),
        None => {
            let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
            format!("http://{host}")
        }
    }
}

/// Fetch missing prefetch from the EHR's FHIR server with the access token it
/// gave; every key or an explanation of which could not be fetched.
async fn fetch_prefetch(
    request: &Value,
    missing: &[(String, String)],
) -> Result<Vec<(String, Value)>, String> {
    let keys: Vec<&str> = missing.iter().map(|(k, _)| k.as_str()).collect();
    let Some(server) = request.get("fhirServer").and_then(Value::as_str) else {
        return Err(format!(
            "prefetch `{}` is missing and the request has no `fhirServer` to fetch it from",
            keys.join("`, `")
        ));
    };
    let Some(token) =
        request.get("fhirAuthorization").and_then(|a| a.get("access_token")).and_then(Value::as_str)
    else {
        return Err(format!(
            "prefetch `{}` is missing and `fhirAuthorization` gives no access token",
            keys.join("`, `")
        ));
    };
    let loopback = server.starts_with("http://127.0.0.1")
        || server.starts_with("http://localhost")
        || server.starts_with("http://[::1]");
    if !server.starts_with("https://") && !loopback {
        return Err(format!("`fhirServer` `{server}` must use https"));
    }
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| format!("cannot make an HTTP client: {e}"))?;
    let mut out = Vec::new();
    for (key, query) in missing {
        let url = format!("{}/{}", server.trim_end_matches('/'), query);
        let res = client
            .get(&url)
            .bearer_auth(token)
            .header(reqwest::header::ACCEPT, "application/fhir+json")
            .send()
            .await
            .map_err(|e| format!("fetching prefetch `{key}` from `{url}` failed: {e}"))?;
        let status = res.status();
        if status == reqwest::StatusCode::NOT_FOUND {
            out.push((key.clone(), Value::Null));
            continue;
        }
        if !status.is_success() {
            return Err(format!("fetching prefetch `{key}` from `{url}` answered {status}"));
        }
        let v: Value =
            res.json().await.map_err(|e| format!("prefetch `{key}` from `{url}` is not JSON: {e}"))?;
        out.push((key.clone(), v));
    }
    Ok(out)
}

pub async fn feedback(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let path = format!("/cds-services/{id}/feedback");
    let client = match authorize(&s, &headers, &path) {
        Ok(iss) => iss,
        Err(why) => return unauthorized(why),
    };
    if cds::service(&id).is_none() {
        return Problem::not_found(&format!("CDS service `{id}`")).into_response();
    }
    let body = match read_json(body) {
        Ok(v) => v,
        Err(p) => return p.into_response(),
    };
    let items = match cds::parse_feedback(&body) {
        Ok(items) => items,
        Err(e) => return problem_of(&e),
    };
    let rows: Vec<cluneal_store::CardFeedback> = items
        .into_iter()
        .map(|f| cluneal_store::CardFeedback {
            card: f.card,
            outcome: f.outcome,
            override_reason: f.reason,
            user_comment: f.comment,
            accepted_suggestions: f.accepted_suggestions,
            outcome_at: f.timestamp,
        })
        .collect();
    match s.store.record_feedback(&client, &id, &rows).await {
        Ok(()) => json_response(StatusCode::OK, &json!({})),
        Err(e) => Problem::internal(e).into_response(),
    }
}
