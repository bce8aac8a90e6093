//! Guards in front of every route: the `Host` check against DNS rebinding, and load shedding on
//! the routes anyone may call (no token).
//!
//! **DNS rebinding.** A web page on `evil.example` can make its name resolve to 127.0.0.1 and
//! then call this node from the browser: the request reaches loopback with `Host: evil.example`.
//! So only a `Host` that a browser could not have been tricked into sending is served: an IP
//! literal (a page's origin is never an IP it does not own), `localhost` (and `*.localhost`),
//! and the host of the node's own status list base URL (the name a reverse proxy serves it
//! under). Anything else is 421 Misdirected Request, naming the host.
//!
//! **Load shedding.** Verification is CPU work on one thread; the open routes take at most
//! [`OPEN_CONCURRENCY`] requests at once and answer 503 with `Retry-After` beyond that, at
//! once, instead of queueing without end. The admin routes (token) are not limited here.

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use super::ApiError;

/// Requests the open routes serve at once: four verification batches' worth
/// ([`crate::roles::VERIFY_QUEUE_CAP`]); more would only wait in the verification queue.
pub const OPEN_CONCURRENCY: usize = crate::roles::VERIFY_QUEUE_CAP;

/// Largest body on the open routes (1 MiB): the verifier's own input limit
/// ([`credentials::verify::MAX_INPUT_BYTES`]); larger is 413 before it is read.
pub const OPEN_BODY_BYTES: usize = credentials::verify::MAX_INPUT_BYTES;

/// The host names (besides IP literals and `localhost`) this node answers to.
#[derive(Clone, Debug, Default)]
pub struct AllowedHosts {
    names: Arc<Vec<String>>,
}

impl AllowedHosts {
    /// Allows the host of each URL given (e.g. the status list base URL).
    pub fn from_urls<'a>(urls: impl IntoIterator<Item = &'a str>) -> Self {
        let names = urls
            .into_iter()
            .filter_map(|u| {
                let rest = u.split_once("://").map_or(u, |(_, r)| r);
                let authority = rest.split(['/', '?', '#']).next()?;
                let host = split_port(authority).to_ascii_lowercase();
                (!host.is_empty()).then_some(host)
            })
            .collect();
        Self {
            names: Arc::new(names),
        }
    }

    /// Whether a `Host` header value may be served.
    pub fn allows(&self, host_header: &str) -> bool {
        let host = split_port(host_header.trim()).to_ascii_lowercase();
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        bare.parse::<IpAddr>().is_ok()
            || host == "localhost"
            || host.ends_with(".localhost")
            || self.names.contains(&host)
    }
}

/// `host:port` → `host`; `[v6]:port` → `[v6]`; a bare IPv6 literal is left whole.
fn split_port(authority: &str) -> &str {
    if authority.starts_with('[') {
        return authority
            .find(']')
            .map_or(authority, |end| &authority[..=end]);
    }
    match authority.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') && p.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => authority,
    }
}

/// Refuses a request whose `Host` is not one this node answers to (see the module docs).
pub async fn check_host(
    State(allowed): State<AllowedHosts>,
    req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| req.uri().host());
    match host {
        None => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "request has no Host header",
        )),
        Some(h) if allowed.allows(h) => Ok(next.run(req).await),
        Some(h) => Err(ApiError::new(
            StatusCode::MISDIRECTED_REQUEST,
            format!(
                "Host `{}` is not a name this node answers to (an IP address, localhost or its \
                 status list host): refused against DNS rebinding",
                credentials::verify::preview(h, 64)
            ),
        )),
    }
}

/// Sheds load on the open routes: 503 at once when [`OPEN_CONCURRENCY`] requests are in flight.
pub async fn shed_load(
    State(permits): State<Arc<Semaphore>>,
    req: Request,
    next: Next,
) -> Response {
    match permits.try_acquire() {
        Ok(_permit) => next.run(req).await,
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "1")],
            axum::Json(serde_json::json!({
                "error": format!("busy: {OPEN_CONCURRENCY} verifications in flight; retry shortly")
            })),
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_allowed_and_refused() {
        let a = AllowedHosts::from_urls(["https://status.example.org/agency"]);
        for ok in [
            "127.0.0.1:8080",
            "127.0.0.1",
            "[::1]:9000",
            "[::1]",
            "10.1.2.3:80",
            "localhost:3000",
            "LOCALHOST",
            "desk.localhost:80",
            "status.example.org",
            "Status.Example.org:443",
        ] {
            assert!(a.allows(ok), "{ok} should be allowed");
        }
        for bad in [
            "evil.example",
            "evil.example:8080",
            "127.0.0.1.evil.example",
            "localhost.evil.example",
            "example.org",
            "",
        ] {
            assert!(!a.allows(bad), "{bad} should be refused");
        }
    }
}
