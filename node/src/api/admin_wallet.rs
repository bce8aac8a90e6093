//! The wallet's admin paths (`/admin/wallet/…`, token or signed-in page): show, export,
//! import and delete credentials, staples, QR presentations and presentation requests.

use super::admin::to_json;
use super::openapi::schemas as doc;
use super::{ApiError, ApiState};
use crate::roles::views::WalletItem;
use crate::roles::NodeError;
use axum::extract::State;
use axum::Json;
use credentials::CredentialKind;
use serde::Deserialize;
use serde_json::{json, Value};

/// `GET /admin/wallet/{id}`: one credential with its claims and a fresh check.
#[utoipa::path(
    get,
    path = "/admin/wallet/{id}",
    tag = "admin",
    operation_id = "show_wallet_credential",
    params(("id" = String, Path, description = "The credential's id")),
    responses(
        (status = 200, description = "The credential with its claims and a fresh check", body = doc::WalletShow),
        (status = 403, response = doc::Forbidden),
        (status = 404, response = doc::NotFound),
        (status = 500, response = doc::Internal),
        (status = 503, response = doc::Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
)]
pub async fn wallet_show(
    State(s): State<ApiState>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (e, report) = s.node.wallet_show(&id).await?;
    let mut shown = to_json(&WalletItem::from(e))?.0;
    shown["claims"] = json!(report.claims);
    shown["valid"] = json!(report.valid);
    shown["report"] = to_json(&report)?.0;
    Ok(Json(shown))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct StapleBody {
    /// The wallet credential's id.
    id: String,
}

/// `POST /admin/wallet/staple {id}`: fetch and keep a status staple from the issuer.
#[utoipa::path(
    post,
    path = "/admin/wallet/staple",
    tag = "admin",
    operation_id = "fetch_staple",
    request_body = StapleBody,
    responses(
        (status = 200, description = "The staple fetched and kept", body = doc::StapleAnswer),
        (status = 400, response = doc::BadRequest),
        (status = 403, response = doc::Forbidden),
        (status = 404, response = doc::NotFound),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 415, response = doc::UnsupportedMediaType),
        (status = 422, response = doc::Unprocessable),
        (status = 500, response = doc::Internal),
        (status = 502, response = doc::PeerFailed),
        (status = 503, response = doc::Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
)]
pub async fn wallet_staple(
    State(s): State<ApiState>,
    Json(b): Json<StapleBody>,
) -> Result<Json<Value>, ApiError> {
    let staple = s.node.fetch_staple(&b.id).await?;
    let as_of = credentials::jose::CompactJws::parse(&staple)
        .ok()
        .and_then(|p| p.payload_json::<credentials::status::Staple>().ok())
        .and_then(|st| st.at())
        .map(credentials::time::format);
    Ok(Json(json!({"id": b.id, "staple": staple, "asOf": as_of})))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExportBody {
    /// The wallet's passphrase.
    passphrase: String,
    /// The export's own passphrase (the wallet's when absent).
    export_passphrase: Option<String>,
    /// Also export the node's key, so the holder can be restored on a new device.
    #[serde(default)]
    with_key: bool,
}

/// `POST /admin/wallet/export {passphrase, exportPassphrase?, withKey?}`: the wallet as an
/// encrypted file (with the node's key when `withKey`).
#[utoipa::path(
    post,
    path = "/admin/wallet/export",
    tag = "admin",
    operation_id = "export_wallet",
    request_body = ExportBody,
    responses(
        (status = 200, description = "The wallet as an encrypted file", body = doc::ExportAnswer),
        (status = 400, response = doc::BadRequest),
        (status = 403, response = doc::Forbidden),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 415, response = doc::UnsupportedMediaType),
        (status = 422, response = doc::Unprocessable),
        (status = 500, response = doc::Internal),
        (status = 503, response = doc::Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
)]
pub async fn wallet_export(
    State(s): State<ApiState>,
    Json(b): Json<ExportBody>,
) -> Result<Json<Value>, ApiError> {
    let export = b.export_passphrase.unwrap_or_else(|| b.passphrase.clone());
    let (env, count) = s
        .node
        .wallet_export(b.passphrase, export, b.with_key)
        .await?;
    Ok(Json(json!({"count": count, "file": env})))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImportBody {
    /// The export's passphrase.
    passphrase: String,
    /// The file `POST /admin/wallet/export` made.
    #[schema(value_type = Object)]
    file: crate::store::Envelope,
}

/// `POST /admin/wallet/import {passphrase, file}`: restore an export, all or nothing.
#[utoipa::path(
    post,
    path = "/admin/wallet/import",
    tag = "admin",
    operation_id = "import_wallet",
    request_body = ImportBody,
    responses(
        (status = 200, description = "Restored (all or nothing)", body = doc::ImportAnswer),
        (status = 400, response = doc::BadRequest),
        (status = 403, response = doc::Forbidden),
        (status = 409, response = doc::Conflict),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 415, response = doc::UnsupportedMediaType),
        (status = 422, response = doc::Unprocessable),
        (status = 500, response = doc::Internal),
        (status = 503, response = doc::Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
)]
pub async fn wallet_import(
    State(s): State<ApiState>,
    Json(b): Json<ImportBody>,
) -> Result<Json<Value>, ApiError> {
    let n = s.node.wallet_import(b.file, b.passphrase).await?;
    Ok(Json(json!({"imported": n})))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct DeleteBody {
    /// The wallet credential's id.
    id: String,
    /// The wallet's passphrase.
    passphrase: String,
}

/// `POST /admin/wallet/delete {id, passphrase}`.
#[utoipa::path(
    post,
    path = "/admin/wallet/delete",
    tag = "admin",
    operation_id = "delete_wallet_credential",
    request_body = DeleteBody,
    responses(
        (status = 200, description = "Deleted", body = doc::DeleteAnswer),
        (status = 400, response = doc::BadRequest),
        (status = 403, response = doc::Forbidden),
        (status = 404, response = doc::NotFound),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 415, response = doc::UnsupportedMediaType),
        (status = 422, response = doc::Unprocessable),
        (status = 500, response = doc::Internal),
        (status = 503, response = doc::Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
)]
pub async fn wallet_delete(
    State(s): State<ApiState>,
    Json(b): Json<DeleteBody>,
) -> Result<Json<Value>, ApiError> {
    s.node.wallet_delete(b.id.clone(), b.passphrase).await?;
    Ok(Json(json!({"deleted": b.id})))
}

/// `POST /admin/wallet/qr {kinds, claims, verifier?, validFor, request?, credentialId?}`: a
/// presentation for a QR code, in standard and compact form, and the code as SVG.
#[utoipa::path(
    post,
    path = "/admin/wallet/qr",
    tag = "admin",
    operation_id = "present_qr",
    request_body = crate::roles::wallet::QrAsk,
    responses(
        (status = 200, description = "The presentation (SD-JWT) and its compact QR form, with its byte budget, the credential presented, the claims disclosed, the audience, the request answered and the expiry", body = Object),
        (status = 400, response = doc::BadRequest),
        (status = 403, response = doc::Forbidden),
        (status = 404, response = doc::NotFound),
        (status = 409, response = doc::Conflict),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 415, response = doc::UnsupportedMediaType),
        (status = 422, response = doc::Unprocessable),
        (status = 500, response = doc::Internal),
        (status = 503, response = doc::Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
)]
pub async fn wallet_qr(
    State(s): State<ApiState>,
    Json(b): Json<crate::roles::wallet::QrAsk>,
) -> Result<Json<Value>, ApiError> {
    let answer = s.node.present_qr(b).await?;
    let mut shown = to_json(&answer)?.0;
    // The code as an SVG picture, for the wallet page.
    shown["svg"] = json!(crate::qr::Qr::new(&answer.compact)
        .map_err(|e| NodeError::Internal(format!("drawing the QR code: {e}")))?
        .svg());
    Ok(Json(shown))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RequestQrBody {
    /// Kinds asked for.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    kinds: Vec<CredentialKind>,
    /// Claims asked for.
    claims: Vec<String>,
    /// Seconds the request stays valid.
    valid_for: i64,
}

/// `POST /admin/presentation-request {kinds, claims, validFor}`: a signed request for a QR code.
#[utoipa::path(
    post,
    path = "/admin/presentation-request",
    tag = "admin",
    operation_id = "presentation_request",
    request_body = RequestQrBody,
    responses(
        (status = 200, description = "The signed request (`request`, JWS), its compact QR form (`compact`) and what it asks (`payload`)", body = Object),
        (status = 400, response = doc::BadRequest),
        (status = 403, response = doc::Forbidden),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 415, response = doc::UnsupportedMediaType),
        (status = 422, response = doc::Unprocessable),
        (status = 500, response = doc::Internal),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
)]
pub async fn presentation_request(
    State(s): State<ApiState>,
    Json(b): Json<RequestQrBody>,
) -> Result<Json<Value>, ApiError> {
    to_json(
        &s.node
            .presentation_request(b.kinds, b.claims, b.valid_for)?,
    )
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ReceiveBody {
    /// An OpenID4VCI credential offer (`openid-credential-offer://…`).
    offer: String,
    /// The transaction code, when the offer asks for one.
    tx_code: Option<String>,
}

/// `POST /admin/wallet/receive {offer, txCode}`: the node, as an OpenID4VCI wallet, receives
/// the offered credential (pre-authorized code flow, a key proof by its own key) and keeps it.
#[utoipa::path(
    post,
    path = "/admin/wallet/receive",
    tag = "admin",
    operation_id = "wallet_receive",
    request_body = ReceiveBody,
    responses(
        (status = 200, description = "The credential received and kept", body = WalletItem),
        (status = 400, response = doc::BadRequest),
        (status = 403, response = doc::Forbidden),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 415, response = doc::UnsupportedMediaType),
        (status = 422, response = doc::Unprocessable),
        (status = 500, response = doc::Internal),
        (status = 502, response = doc::PeerFailed),
        (status = 503, response = doc::Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
)]
pub async fn wallet_receive(
    State(s): State<ApiState>,
    Json(b): Json<ReceiveBody>,
) -> Result<Json<Value>, ApiError> {
    let entry = s.node.receive_offer(&b.offer, b.tx_code.as_deref()).await?;
    to_json(&WalletItem::from(entry))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PresentBody {
    /// An OpenID4VP request link (`openid4vp://?client_id=…&request_uri=…`).
    request: String,
}

/// `POST /admin/wallet/present {request}`: the node, as an OpenID4VP wallet, answers the
/// request with an SD-JWT VC it holds, disclosing only the claims asked.
#[utoipa::path(
    post,
    path = "/admin/wallet/present",
    tag = "admin",
    operation_id = "wallet_present",
    request_body = PresentBody,
    responses(
        (status = 200, description = "`{verifier, credentialId, claims, responseMode}`: what was presented, to whom"),
        (status = 400, response = doc::BadRequest),
        (status = 403, response = doc::Forbidden),
        (status = 404, response = doc::NotFound),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 415, response = doc::UnsupportedMediaType),
        (status = 422, response = doc::Unprocessable),
        (status = 500, response = doc::Internal),
        (status = 502, response = doc::PeerFailed),
        (status = 503, response = doc::Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
)]
pub async fn wallet_present(
    State(s): State<ApiState>,
    Json(b): Json<PresentBody>,
) -> Result<Json<Value>, ApiError> {
    let p = s.node.present_oid4vp(&b.request).await?;
    to_json(&p)
}
