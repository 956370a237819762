//! `cluneal serve`: the web app, the REST API under `/api/v1`, its OpenAPI
//! document, FHIR R4 under `/fhir`, and the health check. The engine does the thinking and the store
//! keeps saved cases; this crate is HTTP glue between them.
//!
//! Safety of stored health data: the server listens on loopback unless told
//! otherwise, and refuses any other address unless bearer tokens exist
//! (`cluneal token create`). With tokens, saved cases and the audit log need
//! one; `assess`, the interview, the knowledge base and the web pages stay open.
//! Authentication never weakens while the server runs: see [`Auth`].

mod api;
mod cds;
mod diary;
mod fhir;
mod host;
mod listen;
mod openapi;
mod pdf;
mod problem;
pub mod strict;
mod web;

pub use pdf::figures as exercise_figures;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use cluneal_engine::Engine;
use cluneal_store::Store;

pub use cds::{CdsConfig, Issuer};
pub use listen::Limits;
pub use openapi::case_schema;
pub use problem::Problem;

/// Request bodies larger than this are refused with 413 (a case is a few KiB).
pub const BODY_LIMIT: usize = 256 * 1024;
/// The largest patient record `POST /fhir/$assess` accepts: a chart of many
/// years is megabytes of FHIR JSON, far more than a case.
pub const RECORD_LIMIT: usize = 8 * 1024 * 1024;

/// Whether saved cases and the audit log need a bearer token.
///
/// Authentication never weakens while the server runs. It is required when the
/// server listens beyond loopback, and, once any token has been seen, for the
/// rest of the run: revoking the last token (`cluneal token revoke`, another
/// process) then leaves every saved-case request refused with 401 instead of
/// switching to the open loopback mode. Refusing the revocation instead would
/// not be enough, as the command cannot know which servers are running on the
/// same database. A restart re-reads the rule: without tokens the server only
/// starts on loopback, in the open local mode.
#[derive(Debug)]
pub struct Auth {
    /// Bound beyond loopback: a token is always required.
    remote: bool,
    /// A token existed at some point of this run.
    seen_token: AtomicBool,
}

impl Auth {
    /// The rule for a server bound beyond loopback (`remote`) or not.
    pub fn new(remote: bool) -> Auth {
        Auth { remote, seen_token: AtomicBool::new(false) }
    }

    /// Whether requests for saved cases need a valid token now.
    pub async fn required(&self, store: &Store) -> Result<bool, cluneal_store::StoreError> {
        if self.remote || self.seen_token.load(Ordering::SeqCst) {
            return Ok(true);
        }
        if store.token_count().await? > 0 {
            self.seen_token.store(true, Ordering::SeqCst);
            return Ok(true);
        }
        Ok(false)
    }
}

/// What every handler shares: the engine, the store, the authentication rule and prebuilt views.
#[derive(Clone)]
pub struct AppState {
    engine: Arc<Engine>,
    store: Arc<Store>,
    auth: Arc<Auth>,
    kb_views: Arc<api::KbViews>,
    openapi: Arc<Vec<u8>>,
    fhir: Arc<fhir::Views>,
    cds: Arc<cds::CdsState>,
    web: Arc<web::Web>,
}

/// How to serve.
#[derive(Debug, Clone)]
pub struct Config {
    /// The address to listen on.
    pub addr: SocketAddr,
    /// Serve the web app from this folder instead of the embedded copy (development).
    pub web_dir: Option<PathBuf>,
    /// Host names answered besides loopback ones (`--allowed-host`); any other
    /// `Host` gets 421, against DNS rebinding.
    pub allowed_hosts: Vec<String>,
    /// Timeouts and the connection limit.
    pub limits: Limits,
    /// Who may call the CDS Hooks services, and how.
    pub cds: CdsConfig,
}

impl Config {
    /// Listen on `addr` with the embedded web app.
    pub fn new(addr: SocketAddr) -> Config {
        Config {
            addr,
            web_dir: None,
            allowed_hosts: Vec::new(),
            limits: Limits::default(),
            cds: CdsConfig::default(),
        }
    }

    /// Listening beyond loopback (`0.0.0.0`, a LAN address, ...).
    pub fn is_remote(&self) -> bool {
        !self.addr.ip().is_loopback()
    }
}

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(
        "refusing to listen on `{0}`: saved cases are health data, so a non-loopback address needs authentication; create a token first with `cluneal token create NAME`"
    )]
    /// Asked to listen beyond loopback while no token exists.
    NoAuthForRemote(SocketAddr),
    /// `--cds-insecure-loopback` on an address beyond loopback.
    #[error(
        "refusing `--cds-insecure-loopback` on `{0}`: CDS Hooks calls without a JWT are only accepted on a loopback address"
    )]
    InsecureCdsRemote(SocketAddr),
    /// An `--allowed-host` that is not a host name or IP address.
    #[error("`{0}` is not a host name for `--allowed-host` (letters, digits, `-` and `.`, or an IP address)")]
    InvalidAllowedHost(String),
    /// The address could not be bound.
    #[error("cannot listen on `{addr}`: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// An I/O error while serving.
    #[error("the server stopped: {0}")]
    Io(#[from] std::io::Error),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] cluneal_store::StoreError),
}

/// The application: every route, with its state.
pub fn router(engine: Arc<Engine>, store: Arc<Store>, config: &Config) -> Router {
    router_with_auth(engine, store, config, Arc::new(Auth::new(config.is_remote())))
}

fn router_with_auth(engine: Arc<Engine>, store: Arc<Store>, config: &Config, auth: Arc<Auth>) -> Router {
    let hosts = Arc::new(host::HostRule::new(&config.allowed_hosts, config.is_remote()));
    let state = AppState {
        kb_views: Arc::new(api::kb_views(engine.kb())),
        openapi: Arc::new(openapi::document(engine.kb())),
        fhir: Arc::new(fhir::Views::new(engine.kb())),
        cds: Arc::new(cds::CdsState::new(engine.kb(), config.cds.clone())),
        web: Arc::new(web::Web::new(config.web_dir.clone())),
        engine,
        store,
        auth,
    };
    // Saved cases and the audit log: authenticated before anything else is read.
    let saved = Router::new()
        .route("/api/v1/cases", get(api::list_cases).post(api::create_case))
        .route("/api/v1/cases/{id}", get(api::get_case).put(api::update_case).delete(api::delete_case))
        .route("/api/v1/cases/{id}/visits", get(api::list_visits))
        .route(
            "/api/v1/cases/{id}/diary-links",
            get(diary::list_links).post(diary::create_link).delete(diary::revoke_links),
        )
        .route("/api/v1/cases/{id}/diary", get(diary::list_entries))
        .route("/api/v1/cases/{id}/report.pdf", get(pdf::for_saved_case))
        .route("/api/v1/audit", get(api::audit))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), api::require_actor));
    // CDS Hooks: JWT-authenticated per call, CORS open (the JWT, not the origin, authenticates).
    let cds_routes = Router::new()
        .route("/cds-services", get(cds::discovery).options(cds::preflight))
        .route(
            "/cds-services/{id}",
            post(cds::call).options(cds::preflight).layer(DefaultBodyLimit::max(RECORD_LIMIT)),
        )
        .route("/cds-services/{id}/feedback", post(cds::feedback).options(cds::preflight))
        .layer(axum::middleware::from_fn(cds::with_cors));
    Router::new()
        .merge(saved)
        .merge(cds_routes)
        .route("/healthz", get(api::healthz))
        .route("/api/openapi.json", get(openapi::serve))
        .route("/api/v1/assess", post(api::assess))
        .route("/api/v1/report.pdf", post(pdf::for_case))
        .route("/api/v1/interview/next", post(api::interview_next))
        .route("/api/v1/session", get(api::session))
        // The patient diary: no account, the link's token authenticates.
        .route("/api/v1/diary", get(diary::open))
        .route("/api/v1/diary/entries", post(diary::add_entry))
        .route("/api/v1/kb", get(api::kb_root))
        // One route serves every view of `api::KB_VIEWS`; the OpenAPI document
        // gives each its own path and schema.
        .route("/api/v1/kb/{name}", get(api::kb_view))
        .route("/fhir/metadata", get(fhir::metadata).fallback(fhir::method_not_allowed))
        .route("/fhir/Questionnaire/{id}", get(fhir::questionnaire).fallback(fhir::method_not_allowed))
        .route(
            "/fhir/Questionnaire/$next-question",
            post(fhir::next_question).fallback(fhir::method_not_allowed),
        )
        .route(
            "/fhir/$assess",
            post(fhir::assess).layer(DefaultBodyLimit::max(RECORD_LIMIT)).fallback(fhir::method_not_allowed),
        )
        .route("/fhir/CodeSystem/{id}", get(fhir::code_system).fallback(fhir::method_not_allowed))
        .route(
            "/fhir/OperationDefinition/{id}",
            get(fhir::operation_definition).fallback(fhir::method_not_allowed),
        )
        .route("/fhir/{*rest}", axum::routing::any(fhir::not_found))
        .route(
            "/api/{*rest}",
            axum::routing::any(|| async { Problem::not_found("API route here").into_response() }),
        )
        .fallback(web::serve)
        .method_not_allowed_fallback(|| async {
            Problem::new(
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "Method not allowed",
                "this route does not answer that method",
            )
            .into_response()
        })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::map_response(private_by_default))
        .with_state(state)
        .layer(axum::middleware::from_fn_with_state(hosts, host::check))
        .layer(axum::middleware::from_fn_with_state(config.limits.request_timeout, listen::request_timeout))
        // Outermost: every request gets an `x-request-id` (a client's own is
        // kept), its span carries it, and the response echoes it, so a log line
        // and a client's report of a failure can be matched.
        .layer(tower_http::request_id::PropagateRequestIdLayer::x_request_id())
        .layer(
            tower_http::trace::TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_request(())
                .on_response(tower_http::trace::DefaultOnResponse::new().level(tracing::Level::INFO))
                .on_failure(tower_http::trace::DefaultOnFailure::new().level(tracing::Level::WARN)),
        )
        .layer(tower_http::request_id::SetRequestIdLayer::x_request_id(
            tower_http::request_id::MakeRequestUuid,
        ))
}

/// The span of one request: method, path (never the query or the body, which
/// may carry health data) and request id.
fn request_span(req: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("");
    tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
}

/// Today's date (UTC), for FHIR `$assess` and the PDF headers: the clock stays
/// at the edge, out of the pure crates.
pub fn today_utc() -> cluneal_fhir::CalendarDate {
    let d = time::OffsetDateTime::now_utc().date();
    cluneal_fhir::CalendarDate::new(d.year(), u8::from(d.month()), d.day())
        .unwrap_or(cluneal_fhir::CalendarDate::EARLIEST)
}

/// Responses carry health data unless they say otherwise (the web app's files
/// set their own caching): never stored by a cache, never content-sniffed.
async fn private_by_default(mut res: axum::response::Response) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    let h = res.headers_mut();
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    res
}

/// Bind, check the authentication rule, and serve until `shutdown` completes.
/// `ready` receives the bound address (useful with port 0).
pub async fn serve(
    config: Config,
    engine: Arc<Engine>,
    store: Arc<Store>,
    ready: impl FnOnce(SocketAddr),
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    if let Some(bad) = config.allowed_hosts.iter().find(|h| !host::valid_name(h)) {
        return Err(ServeError::InvalidAllowedHost(bad.clone()));
    }
    let tokens = store.token_count().await?;
    if config.is_remote() && tokens == 0 {
        return Err(ServeError::NoAuthForRemote(config.addr));
    }
    if config.is_remote() && config.cds.insecure_loopback {
        return Err(ServeError::InsecureCdsRemote(config.addr));
    }
    let auth = Arc::new(Auth::new(config.is_remote()));
    // Tokens present at start count as seen: revoking them later keeps auth on.
    auth.required(&store).await?;
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|source| ServeError::Bind { addr: config.addr, source })?;
    let addr = listener.local_addr()?;
    let app = router_with_auth(engine, store.clone(), &config, auth);
    ready(addr);
    listen::run(listener, app, config.limits, shutdown).await;
    store.close().await;
    Ok(())
}
