//! Which `Host` the server answers for: the defence against DNS rebinding.
//!
//! A web page on a name its owner controls can make that name resolve to
//! 127.0.0.1 and then read this server as if it were its own site. The browser
//! still sends that name in `Host`, so the server answers only for names it
//! knows: loopback ones (`localhost`, `127.0.0.1`, `[::1]`, any port), the
//! names the operator gave with `--allowed-host`, and, when listening beyond
//! loopback, IP addresses (reaching a server by its address involves no DNS).

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::problem::Problem;

#[derive(Debug, Clone)]
pub struct HostRule {
    /// Lower-case names without port or trailing dot.
    allowed: Vec<String>,
    /// Listening beyond loopback: IP-address hosts are fine too.
    remote: bool,
}

/// A name for `--allowed-host`: letters, digits, `-` and `.` (or an IP address).
pub fn valid_name(name: &str) -> bool {
    let n = name.trim_end_matches('.');
    (!n.is_empty()
        && n.len() <= 253
        && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.'))
        || n.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>().is_ok()
}

fn normalize(name: &str) -> String {
    name.trim_end_matches('.').trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase()
}

/// The host part of a `Host` value (`name`, `name:port`, `[v6]:port`).
fn host_part(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match authority.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => authority,
    }
}

impl HostRule {
    pub fn new(allowed: &[String], remote: bool) -> HostRule {
        HostRule { allowed: allowed.iter().map(|n| normalize(n)).collect(), remote }
    }

    pub fn accepts(&self, authority: &str) -> bool {
        let host = normalize(host_part(authority));
        if host == "localhost" || self.allowed.contains(&host) {
            return true;
        }
        match host.parse::<IpAddr>() {
            Ok(ip) => ip.is_loopback() || self.remote,
            Err(_) => false,
        }
    }
}

/// Middleware: 421 (problem+json) for a host the server does not answer for.
pub async fn check(State(rule): State<Arc<HostRule>>, req: Request, next: Next) -> Response {
    // HTTP/1.1 sends `Host`; an absolute-form request target carries it in the URI.
    let authority = req
        .uri()
        .authority()
        .map(|a| a.as_str().to_string())
        .or_else(|| req.headers().get(header::HOST).and_then(|v| v.to_str().ok()).map(str::to_string));
    match authority {
        Some(a) if rule.accepts(&a) => next.run(req).await,
        Some(a) => {
            let shown: String = a.chars().take(100).collect();
            Problem::new(
                StatusCode::MISDIRECTED_REQUEST,
                "unknown-host",
                "This server does not answer for that host name",
                format!(
                    "the host `{shown}` is not served here: use `localhost` or `127.0.0.1`, or start the server with `--allowed-host NAME`"
                ),
            )
            .into_response()
        }
        None => Problem::new(
            StatusCode::BAD_REQUEST,
            "missing-host",
            "The request has no host",
            "send a `Host` header",
        )
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_names_with_any_port_are_accepted_by_default() {
        let rule = HostRule::new(&[], false);
        for ok in [
            "localhost",
            "LOCALHOST:8080",
            "localhost.",
            "127.0.0.1",
            "127.0.0.1:9000",
            "[::1]",
            "[::1]:8080",
        ] {
            assert!(rule.accepts(ok), "{ok}");
        }
        for bad in [
            "evil.example",
            "evil.example:8080",
            "localhost.evil.example",
            "192.168.1.5:8080",
            "[::2]:80",
            "",
        ] {
            assert!(!rule.accepts(bad), "{bad}");
        }
    }

    #[test]
    fn configured_names_and_remote_addresses() {
        let rule = HostRule::new(&["Clinic.example".into()], true);
        assert!(rule.accepts("clinic.example:8080"));
        assert!(rule.accepts("192.168.1.5:8080"));
        assert!(rule.accepts("[fe80::1]:8080"));
        assert!(!rule.accepts("evil.example"));
        assert!(valid_name("clinic.example") && valid_name("[::1]") && !valid_name("a b") && !valid_name(""));
    }
}
