//! `cluneal serve`: the web app, the REST API under `/api/v1`, its OpenAPI
//! document, and the health check. The engine does the thinking and the store
//! keeps saved cases; this crate is HTTP glue between them.
//!
//! Safety of stored health data: the server listens on loopback unless told
//! otherwise, and refuses any other address unless bearer tokens exist
//! (`cluneal token create`). With tokens, saved cases and the audit log need
//! one; `assess`, the interview, the knowledge base and the web pages stay open.

mod api;
mod openapi;
mod problem;
mod web;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use cluneal_engine::Engine;
use cluneal_store::Store;

pub use problem::Problem;

/// Request bodies larger than this are refused with 413 (a case is a few KiB).
pub const BODY_LIMIT: usize = 256 * 1024;

#[derive(Clone)]
pub struct AppState {
    engine: Arc<Engine>,
    store: Arc<Store>,
    kb_views: Arc<HashMap<&'static str, Vec<u8>>>,
    openapi: Arc<Vec<u8>>,
    web: Arc<web::Web>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub addr: SocketAddr,
    /// Serve the web app from this folder instead of the embedded copy (development).
    pub web_dir: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(
        "refusing to listen on `{0}`: saved cases are health data, so a non-loopback address needs authentication; create a token first with `cluneal token create NAME`"
    )]
    NoAuthForRemote(SocketAddr),
    #[error("cannot listen on `{addr}`: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("the server stopped: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] cluneal_store::StoreError),
}

/// The application: every route, with its state.
pub fn router(engine: Arc<Engine>, store: Arc<Store>, web_dir: Option<PathBuf>) -> Router {
    let state = AppState {
        kb_views: Arc::new(api::kb_views(engine.kb())),
        openapi: Arc::new(openapi::document(engine.kb())),
        web: Arc::new(web::Web::new(web_dir)),
        engine,
        store,
    };
    Router::new()
        .route("/healthz", get(api::healthz))
        .route("/api/openapi.json", get(openapi::serve))
        .route("/api/v1/assess", post(api::assess))
        .route("/api/v1/interview/next", post(api::interview_next))
        .route("/api/v1/session", get(api::session))
        .route("/api/v1/cases", get(api::list_cases).post(api::create_case))
        .route("/api/v1/cases/{id}", get(api::get_case).put(api::update_case).delete(api::delete_case))
        .route("/api/v1/audit", get(api::audit))
        .route("/api/v1/kb", get(api::kb_root))
        .route("/api/v1/kb/{name}", get(api::kb_view))
        .route(
            "/api/{*rest}",
            axum::routing::any(|| async { Problem::not_found("API route here").into_response() }),
        )
        .fallback(web::serve)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
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
    if !config.addr.ip().is_loopback() && store.token_count().await? == 0 {
        return Err(ServeError::NoAuthForRemote(config.addr));
    }
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|source| ServeError::Bind { addr: config.addr, source })?;
    let addr = listener.local_addr()?;
    let app = router(engine, store.clone(), config.web_dir);
    ready(addr);
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await?;
    store.close().await;
    Ok(())
}
