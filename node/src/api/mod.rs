//! The node's HTTP API on loopback: the W3C VC-API paths (`/credentials/issue`,
//! `/credentials/verify`, `/presentations/verify`), the status list credentials at their
//! `statusListCredential` URLs, and admin paths under `/admin` that need the token from the
//! data dir (`Authorization: Bearer …`). Errors are JSON `{code, message, error}` with the same
//! text the CLI prints; `GET /openapi.json` describes every route ([`openapi`]).

mod admin;
mod admin_wallet;
mod console;
mod desk;
mod error;
pub mod guard;
mod oid4vci;
mod oid4vp;
pub mod openapi;
mod ops;
mod pages;
mod resolve;
pub mod session;
mod vcapi;
mod wallet_page;

pub(crate) use error::bad;
pub use error::{status_of, ApiError, ErrorBody};

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

use crate::roles::Node;

/// Largest request body on the admin routes (an import file of many records; token needed).
/// The open routes take at most [`guard::OPEN_BODY_BYTES`].
pub const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// Shared state of the handlers.
#[derive(Clone)]
pub struct ApiState {
    /// The node.
    pub node: Arc<Node>,
    /// The admin token.
    pub token: Arc<String>,
    /// Sessions of the node's pages (signed in with the token).
    pub sessions: Arc<session::Sessions>,
}

async fn require_token(
    State(s): State<ApiState>,
    req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let bearer = req
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| constant_time_eq(t.as_bytes(), s.token.as_bytes()));
    let session = !bearer && s.sessions.signed_in(req.headers());
    if session && !session::same_origin(req.method(), req.headers()) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "a signed-in page may change things only from this node's own pages (cross-site request refused)",
        ));
    }
    if !bearer && !session {
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, "admin paths need `Authorization: Bearer <token>` (the token is in the data dir's admin.token)"));
    }
    Ok(next.run(req).await)
}

/// Compares a presented token with the node's without an early exit on the first differing
/// byte (the length, fixed for a node's token, is not secret).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.ct_eq(b).into()
}

/// The router.
pub fn router(state: ApiState) -> Router {
    let admin = Router::new()
        .route("/admin/records/import", post(admin::import_records))
        .route("/admin/records/issue", post(admin::issue_records))
        .route("/admin/records", get(admin::records))
        .route("/admin/claim", post(admin::claim))
        .route("/admin/wallet", get(admin::wallet))
        .route("/admin/wallet/{id}", get(admin_wallet::wallet_show))
        .route("/admin/wallet/export", post(admin_wallet::wallet_export))
        .route("/admin/wallet/import", post(admin_wallet::wallet_import))
        .route("/admin/wallet/delete", post(admin_wallet::wallet_delete))
        .route("/admin/wallet/qr", post(admin_wallet::wallet_qr))
        .route("/admin/wallet/staple", post(admin_wallet::wallet_staple))
        .route("/admin/wallet/receive", post(admin_wallet::wallet_receive))
        .route("/admin/wallet/present", post(admin_wallet::wallet_present))
        .route(
            "/admin/presentation-request",
            post(admin_wallet::presentation_request),
        )
        .route(
            "/admin/request-presentation",
            post(admin::request_presentation),
        )
        .route("/admin/peers", get(admin::peers))
        .route("/admin/status", get(admin::status))
        .route("/admin/status-list", get(admin::status_list))
        .route("/admin/revoke", post(admin::revoke))
        .route("/admin/consents", get(admin::consents))
        .route("/admin/consents/decide", post(admin::decide))
        .route("/admin/trust", post(admin::trust))
        .route("/admin/verifications", get(admin::verifications))
        .route("/admin/dial", post(admin::dial))
        .route("/admin/accredit", post(admin::accredit))
        .route("/admin/console", get(console::about))
        .route("/admin/issued", get(console::issued))
        .route("/admin/lists", get(console::lists))
        .route("/admin/accreditations", get(console::accreditations))
        .route("/admin/claim-letters", post(console::claim_letters))
        .route("/admin/oid4vci/offer", post(admin::credential_offer))
        .route(
            "/admin/read-qr",
            post(wallet_page::read_qr)
                .layer(axum::extract::DefaultBodyLimit::max(desk::DESK_BODY_BYTES)),
        )
        .route("/credentials/issue", post(vcapi::issue))
        .route("/credentials/status", post(vcapi::update_status))
        .route("/presentations/prove", post(vcapi::prove_presentation))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            require_token,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES));
    let permits = Arc::new(tokio::sync::Semaphore::new(guard::OPEN_CONCURRENCY));
    let open = Router::new()
        .route("/credentials/verify", post(vcapi::verify_credential))
        .route("/presentations/verify", post(vcapi::verify_presentation))
        .route("/status/{*list}", get(vcapi::status_list))
        .route("/1.0/identifiers/{did}", get(resolve::identifiers))
        .route(
            "/.well-known/openid-credential-issuer",
            get(oid4vci::issuer_metadata),
        )
        .route(
            "/.well-known/openid-credential-issuer/{*path}",
            get(oid4vci::issuer_metadata_at),
        )
        .route(
            "/.well-known/oauth-authorization-server",
            get(oid4vci::as_metadata),
        )
        .route(
            "/.well-known/oauth-authorization-server/{*path}",
            get(oid4vci::as_metadata_at),
        )
        .route("/oid4vci/token", post(oid4vci::token))
        .route("/oid4vci/nonce", post(oid4vci::nonce))
        .route("/oid4vci/credential", post(oid4vci::credential))
        .route("/oid4vp/request/{id}", get(oid4vp::request_object))
        .route("/oid4vp/response/{id}", post(oid4vp::response))
        .layer(axum::extract::DefaultBodyLimit::max(guard::OPEN_BODY_BYTES))
        .route_layer(axum::middleware::from_fn_with_state(
            permits.clone(),
            guard::shed_load,
        ));
    let desk = Router::new()
        .route("/desk", get(desk::page))
        .route("/desk/desk.js", get(desk::script))
        .route("/desk/scan", post(desk::scan))
        .route("/desk/request", post(desk::request))
        .route("/desk/oid4vp", post(oid4vp::desk_request))
        .route("/desk/oid4vp/{id}", get(oid4vp::desk_outcome))
        .layer(axum::extract::DefaultBodyLimit::max(desk::DESK_BODY_BYTES))
        .route_layer(axum::middleware::from_fn_with_state(
            permits.clone(),
            guard::shed_load,
        ));
    let login = Router::new()
        .route("/login", get(session::page).post(session::login))
        .route("/logout", post(session::logout))
        .route("/wallet", get(wallet_page::page))
        .route("/wallet/wallet.js", get(wallet_page::script))
        .route("/console", get(console::page))
        .route("/console/console.js", get(console::script))
        .route("/pages/vcnet.css", get(pages::style))
        .route("/pages/common.js", get(pages::common_script))
        .layer(axum::extract::DefaultBodyLimit::max(4096))
        .route_layer(axum::middleware::from_fn_with_state(
            permits.clone(),
            guard::shed_load,
        ));
    let allowed = guard::AllowedHosts::from_urls([
        state.node.status_base.as_str(),
        state.node.public_url.as_str(),
    ]);
    let metrics = state.node.metrics.clone();
    Router::new()
        .route("/health", get(ops::health))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route("/openapi.json", get(openapi::document))
        .merge(open)
        .merge(desk)
        .merge(login)
        .merge(admin)
        .layer(axum::middleware::from_fn_with_state(
            allowed,
            guard::check_host,
        ))
        .fallback(|| async { (StatusCode::NOT_FOUND, "no such path on this node") })
        .layer(axum::middleware::from_fn(error::json_errors))
        .layer(axum::middleware::from_fn_with_state(metrics, trace_request))
        .with_state(state)
}

/// Each request in its own span (method and path, never the query or body, which may hold
/// claims or codes); its status and time are logged at debug level, server errors at warn.
async fn trace_request(
    State(metrics): State<Arc<crate::metrics::Metrics>>,
    req: Request,
    next: Next,
) -> Response {
    use tracing::Instrument;
    let span = tracing::info_span!("http", method = %req.method(), path = %req.uri().path());
    // The route template (`/status/{*list}`), never the path itself: bounded label values.
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    // Methods too: any other than the standard ones counts as one (a label per invented method
    // would let a client grow the metrics without bound).
    let method = match req.method().as_str() {
        m @ ("GET" | "POST" | "PUT" | "DELETE" | "HEAD" | "OPTIONS" | "PATCH") => m,
        _ => "other",
    }
    .to_owned();
    async move {
        let t0 = std::time::Instant::now();
        let resp = next.run(req).await;
        let status = resp.status().as_u16();
        metrics.http(&method, &route, status, t0.elapsed().as_secs_f64());
        let ms = t0.elapsed().as_secs_f64() * 1e3;
        if resp.status().is_server_error() {
            tracing::warn!(status, ms, "answered");
        } else {
            tracing::debug!(status, ms, "answered");
        }
        resp
    }
    .instrument(span)
    .await
}
