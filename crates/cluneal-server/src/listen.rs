//! The connection loop: hyper's HTTP/1 server with the limits `axum::serve`
//! does not offer, so slow or idle clients cannot hold the server.
//!
//! - Headers must arrive within `header_read_timeout`; hyper restarts that
//!   timer while a kept-alive connection waits for its next request, so it is
//!   also the idle timeout.
//! - A whole request (body included) must be answered within
//!   `request_timeout` (the middleware [`request_timeout`]), else 408.
//! - At most `max_connections` are open at once; further clients wait in the
//!   kernel's accept queue instead of using up the process's file limit.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

use crate::problem::Problem;

/// Timeouts and the connection limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Time to send a request's headers, and the most a kept-alive connection stays idle.
    pub header_read_timeout: Duration,
    /// Time to send the body and get the answer.
    pub request_timeout: Duration,
    /// Open connections at most.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        // A case is a few KiB and a report is computed in microseconds: these
        // leave ample room on a slow link and little to a client that stalls.
        // 256 connections stay well below the usual file limit of 1024.
        Limits {
            header_read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_connections: 256,
        }
    }
}

/// Middleware: 408 (problem+json) when the request is not done in time.
pub async fn request_timeout(State(limit): State<Duration>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(res) => res,
        Err(_) => Problem::new(
            StatusCode::REQUEST_TIMEOUT,
            "timeout",
            "The request took too long",
            format!("the request was not received and answered within {} s", limit.as_secs()),
        )
        .into_response(),
    }
}

/// Resolves once shutdown was asked for (the guard `wait_for` returns is not `Send`).
async fn stopped(mut rx: watch::Receiver<bool>) {
    let _ = rx.wait_for(|s| *s).await;
}

/// Accept and serve connections until `shutdown` completes, then let open
/// requests finish.
pub async fn run(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    loop {
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            () = stopped(stop_rx.clone()) => break,
        };
        let stream = tokio::select! {
            r = listener.accept() => match r {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors or an aborted handshake: wait a little, go on.
                    tracing::warn!("cannot accept a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = stopped(stop_rx.clone()) => break,
        };
        let service = TowerToHyperService::new(app.clone());
        let stop = stopped(stop_rx.clone());
        tokio::spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout).keep_alive(true);
            let conn = builder.serve_connection(TokioIo::new(stream), service);
            tokio::pin!(conn);
            tokio::select! {
                // A failed connection (timeout, reset) concerns that client only.
                _ = conn.as_mut() => {}
                () = stop => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
            drop(permit);
        });
    }
    drop(listener);
    // Every connection holds a slot: having them all back means all are done.
    let all = u32::try_from(limits.max_connections.max(1)).unwrap_or(u32::MAX);
    let _ = slots.acquire_many(all).await;
}
