//! OpenID4VP's HTTP side on a verifier node (the rules are in [`crate::roles::oid4vp`]): the
//! request object a wallet fetches, the response URI it posts to, and the desk's two calls
//! (make a request and show it as a QR code or link; read its outcome).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::openapi::schemas as doc;
use super::{bad, ApiError, ApiState};
use crate::roles::oid4vp::ResponseMode;

/// Largest response form read (a presentation of a few kilobytes, encrypted).
const MAX_RESPONSE_FORM_BYTES: usize = credentials::oid4vp::MAX_RESPONSE_BYTES;

/// `GET /oid4vp/request/{id}`: the signed request object.
#[utoipa::path(
    get,
    path = "/oid4vp/request/{id}",
    tag = "openid4vp",
    operation_id = "oid4vp_request_object",
    params(("id" = String, Path, description = "The request's id")),
    responses(
        (status = 200, description = "The request object (`application/oauth-authz-req+jwt`)", content_type = "application/oauth-authz-req+jwt", body = String),
        (status = 404, response = doc::NotFound),
        (status = 503, response = doc::Unavailable),
    ),
)]
pub async fn request_object(State(s): State<ApiState>, Path(id): Path<String>) -> Response {
    match s.node.oid4vp_request_object(&id) {
        Some(jwt) => {
            let mut r = jwt.into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/oauth-authz-req+jwt"),
            );
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
        None => (
            StatusCode::NOT_FOUND,
            "no such presentation request, or it expired or was answered",
        )
            .into_response(),
    }
}

/// `POST /oid4vp/response/{id}`: the wallet's answer (a form: `vp_token` and `state`, or
/// `response`, the same encrypted).
#[utoipa::path(
    post,
    path = "/oid4vp/response/{id}",
    tag = "openid4vp",
    operation_id = "oid4vp_response",
    params(("id" = String, Path, description = "The request's id")),
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "vp_token and state (direct_post), or response (direct_post.jwt)"),
    responses(
        (status = 200, description = "Received (the verdict is on the desk)"),
        (status = 400, description = "An OAuth error object", body = doc::OAuthErrorBody),
        (status = 503, response = doc::Unavailable),
    ),
)]
pub async fn response(State(s): State<ApiState>, Path(id): Path<String>, body: Bytes) -> Response {
    let answer = match super::oid4vci::form(&body, MAX_RESPONSE_FORM_BYTES) {
        Ok(f) => s.node.oid4vp_response(&id, &f).await,
        Err(e) => Err(e),
    };
    match answer {
        Ok(v) => (StatusCode::OK, Json(v)).into_response(),
        Err(e) => super::oid4vci::oauth_error(e),
    }
}

/// The body of `POST /desk/oid4vp`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeskOid4vpBody {
    /// The kind asked for (`identity`, `health`, `study`).
    #[schema(value_type = String)]
    kind: credentials::CredentialKind,
    /// The claims asked for.
    claims: Vec<String>,
    /// `direct_post.jwt` (the default: the answer is encrypted to this request) or
    /// `direct_post`.
    #[serde(default)]
    response_mode: Option<String>,
}

/// `POST /desk/oid4vp`: a request for a phone wallet, as an `openid4vp://` link (same device)
/// and its QR code (cross-device); the desk then polls `GET /desk/oid4vp/{id}`.
#[utoipa::path(
    post,
    path = "/desk/oid4vp",
    tag = "desk",
    operation_id = "desk_oid4vp_request",
    request_body = DeskOid4vpBody,
    responses(
        (status = 200, description = "`{id, link, svg, expiresIn}`"),
        (status = 400, response = doc::BadRequest),
        (status = 403, response = doc::Forbidden),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 415, response = doc::UnsupportedMediaType),
        (status = 422, response = doc::Unprocessable),
        (status = 500, response = doc::Internal),
        (status = 503, response = doc::Unavailable),
    ),
)]
pub async fn desk_request(
    State(s): State<ApiState>,
    Json(b): Json<DeskOid4vpBody>,
) -> Result<Json<Value>, ApiError> {
    let mode = match b.response_mode.as_deref() {
        None => ResponseMode::DirectPostJwt,
        Some(m) => ResponseMode::parse(m)
            .ok_or_else(|| bad("responseMode: direct_post or direct_post.jwt"))?,
    };
    let r = s.node.oid4vp_request(b.kind, b.claims, mode)?;
    let svg = crate::qr::Qr::new(&r.link)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
        .svg();
    Ok(Json(json!({
        "id": r.id,
        "link": r.link,
        "requestUri": r.request_uri,
        "svg": svg,
        "expiresIn": r.expires_in,
    })))
}

/// `GET /desk/oid4vp/{id}`: `{"status": "waiting"}` until the wallet answers, then the verdict.
#[utoipa::path(
    get,
    path = "/desk/oid4vp/{id}",
    tag = "desk",
    operation_id = "desk_oid4vp_outcome",
    params(("id" = String, Path, description = "The request's id")),
    responses(
        (status = 200, description = "`{status: waiting}` or the verdict"),
        (status = 404, response = doc::NotFound),
        (status = 503, response = doc::Unavailable),
    ),
)]
pub async fn desk_outcome(
    State(s): State<ApiState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    s.node
        .oid4vp_outcome(&id)
        .map(Json)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "no such request, or it expired"))
}
