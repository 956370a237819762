//! The web app's files: embedded in the binary, or read from a folder in development.

use std::borrow::Cow;
use std::path::PathBuf;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use include_dir::{Dir, include_dir};

use crate::AppState;
use crate::problem::Problem;

/// The web app as built: the binary serves it with nothing beside it.
/// (`build.rs` makes Cargo rebuild when a file is added to `web/`.)
static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/web");

pub struct Web {
    dir: Option<PathBuf>,
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("json") => "application/json",
        Some("ico") => "image/x-icon",
        _ => "application/octet-stream",
    }
}

impl Web {
    pub fn new(dir: Option<PathBuf>) -> Web {
        Web { dir }
    }

    fn file(&self, name: &str) -> Option<Cow<'static, [u8]>> {
        // Only plain file names: no folders, no way out of the web folder.
        if name.is_empty()
            || !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
            || name.starts_with('.')
        {
            return None;
        }
        match &self.dir {
            Some(dir) => std::fs::read(dir.join(name)).ok().map(Cow::Owned),
            None => EMBEDDED.get_file(name).map(|f| Cow::Borrowed(f.contents())),
        }
    }
}

/// Any path that is not the API: a file of the web app, or the app itself
/// (its pages are client-side routes).
pub async fn serve(State(s): State<AppState>, req: Request) -> Response {
    // Files are only read: POST /, DELETE /index.html or TRACE get 405.
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut res = Problem::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method-not-allowed",
            "Method not allowed",
            format!("the web app answers GET and HEAD, not `{}`", req.method()),
        )
        .into_response();
        res.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return res;
    }
    let path = req.uri().path().trim_start_matches('/');
    let name = if path.is_empty() { "index.html" } else { path };
    let (name, body) = match s.web.file(name) {
        Some(b) => (name, b),
        None if !name.contains('.') => match s.web.file("index.html") {
            Some(b) => ("index.html", b),
            None => return Problem::not_found("web app").into_response(),
        },
        None => {
            return Problem::new(
                StatusCode::NOT_FOUND,
                "not-found",
                "Not found",
                format!("no file `{name}`"),
            )
            .into_response();
        }
    };
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(name)));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    // Everything comes from this server: no CDN, no external request.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"),
    );
    res
}
