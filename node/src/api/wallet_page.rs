//! The citizen's wallet (`/wallet`, holder nodes, opened with the wallet's passphrase): the
//! credentials as cards with their kind, issuer and current status; a chosen card's claims to
//! pick from and its QR code full-screen with a countdown to its expiry; presentation requests
//! waiting for a decision (who asks, under its accredited name, and for which claims); a claim
//! code to fetch a new credential; an encrypted backup to download. The page only calls the
//! admin paths (`/admin/wallet…`, `/admin/consents…`, `/admin/claim`).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::error::ErrorBody;
use super::openapi::schemas as doc;
use super::pages::{asset, signed_in_page, Asset};
use super::ApiState;
use crate::config::Role;

const PAGE: &str = include_str!("pages/wallet.html");
const SCRIPT: &str = include_str!("pages/wallet.js");

/// `GET /wallet`.
#[utoipa::path(
    get,
    path = "/wallet",
    tag = "pages",
    operation_id = "wallet_page",
    responses(
        (status = 200, description = "The wallet page (signed in with the wallet passphrase or the admin token)", content_type = "text/html", body = String),
        (status = 303, description = "Not signed in: `Location` is `/login?next=…`", headers(("Location" = String))),
        (status = 404, description = "This node does not have the role the page needs", body = ErrorBody),
        (status = 503, response = doc::Unavailable),
    ),
)]
pub async fn page(State(s): State<ApiState>, headers: HeaderMap) -> Response {
    if !s.node.cfg.has_role(Role::Holder) {
        return (
            StatusCode::NOT_FOUND,
            "this node is not a holder: the wallet runs on holder nodes",
        )
            .into_response();
    }
    signed_in_page(&s, &headers, "/wallet", PAGE)
}

/// `GET /wallet/wallet.js`.
#[utoipa::path(
    get,
    path = "/wallet/wallet.js",
    tag = "pages",
    operation_id = "wallet_script",
    responses(
        (status = 200, description = "The wallet page's script", content_type = "text/javascript", body = String),
        (status = 503, response = doc::Unavailable),
    ),
)]
pub async fn script() -> Response {
    asset(Asset::Script(SCRIPT))
}
