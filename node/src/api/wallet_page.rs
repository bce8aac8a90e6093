//! The citizen's wallet (`/wallet`, holder nodes, opened with the wallet's passphrase): the
//! credentials as cards with their kind, issuer and current status; a chosen card's claims to
//! pick from and its QR code full-screen with a countdown to its expiry; presentation requests
//! waiting for a decision (who asks, under its accredited name, and for which claims); a claim
//! code to fetch a new credential; an encrypted backup to download. The page only calls the
//! admin paths (`/admin/wallet…`, `/admin/consents…`, `/admin/claim`).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::error::ErrorBody;
use super::openapi::schemas as doc;
use super::pages::{asset, signed_in_page, Asset};
use super::{bad, ApiError, ApiState};
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

/// `POST /admin/read-qr` with a picture (PNG, JPEG): the text of the QR code in it — the
/// wallet reads a claim letter's code from a photo of the letter this way.
#[utoipa::path(
    post,
    path = "/admin/read-qr",
    tag = "admin",
    operation_id = "read_qr",
    request_body(description = "A picture (PNG, JPEG) holding a QR code", content(("image/png"), ("image/jpeg"))),
    responses(
        (status = 200, description = "The QR code's text", body = Object),
        (status = 400, response = doc::BadRequest),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 422, response = doc::Unprocessable),
        (status = 500, response = doc::Internal),
        (status = 503, response = doc::Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
)]
/// (The route limits the body to [`super::desk::DESK_BODY_BYTES`], a phone photo.)
pub async fn read_qr(body: Bytes) -> Result<Json<Value>, ApiError> {
    if !crate::qr::is_image(&body) {
        return Err(bad("send a picture (PNG or JPEG) of the QR code"));
    }
    let text = tokio::task::spawn_blocking(move || crate::qr::scan(&body, "the picture"))
        .await
        .map_err(crate::roles::NodeError::task)?
        .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?;
    Ok(Json(json!({ "text": text })))
}
