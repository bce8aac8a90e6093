//! The HTTP API's errors: JSON `{"code", "message", "error"}` — a stable snake_case `code` a
//! program can branch on, the human `message` (the same words the CLI prints), and `error`, the
//! same message under the name earlier clients read — with a status chosen once, here, from the
//! class of the node's error: 400 a field is wrong, 401 no token, 403 not allowed (or a
//! passphrase that does not open the vault), 404 not here, 409 conflicts with what is held, 413
//! too large, 422 understood but refused by a rule, 500 the node failed, 502 the peer asked
//! failed, 503 the node cannot do it now. [`json_errors`] gives the same shape to what the web
//! framework itself refuses (a body that is not JSON, a missing field, an unknown path).

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::net::NetError;
use crate::roles::{IssuerError, NodeError};
use crate::store::{StoreError, VaultError};

/// An error response.
#[derive(Debug)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The stable code.
    pub code: &'static str,
    /// The human message.
    pub message: String,
}

impl ApiError {
    /// An error with the code its status implies.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code_of_status(status),
            message: message.into(),
        }
    }
}

/// The code of an error that has no finer one: named after its status.
pub fn code_of_status(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        409 => "conflict",
        413 => "too_large",
        415 => "unsupported_media_type",
        421 => "misdirected_request",
        422 => "unprocessable",
        429 => "too_many_requests",
        502 => "peer_failed",
        503 => "unavailable",
        s if s >= 500 => "internal",
        _ => "error",
    }
}

/// The body of every error the API answers (its OpenAPI schema, `ErrorBody`, is derived from
/// this struct).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[schema(example = json!({"code": "not_found", "message": "no pending request r1", "error": "no pending request r1"}))]
pub struct ErrorBody {
    /// A stable snake_case code a program can branch on (`invalid_field`, `not_role`,
    /// `not_found`, `conflict`, `too_large`, `unprocessable`, `peer_failed`, `unavailable`,
    /// `unauthorized`, `forbidden`, `misdirected_request`, …).
    pub code: String,
    /// The human message: the same words the CLI prints.
    pub message: String,
    /// The same message, under the name earlier clients read.
    pub error: String,
}

fn body(code: &str, message: &str) -> ErrorBody {
    ErrorBody {
        code: code.to_owned(),
        message: message.to_owned(),
        error: message.to_owned(),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::warn!(status = self.status.as_u16(), code = self.code, error = %self.message, "request failed");
        }
        (self.status, Json(body(self.code, &self.message))).into_response()
    }
}

/// The longest plain-text error body [`json_errors`] rewrites (the framework's are short).
const MAX_PLAIN_ERROR: usize = 4096;

/// Rewrites a plain-text error response (4xx/5xx) — what axum answers itself for a body that
/// does not parse, a missing content type, an unknown path — as the API's JSON error.
pub async fn json_errors(req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    let status = resp.status();
    let plain = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|ct| ct.starts_with("text/plain"));
    if !(status.is_client_error() || status.is_server_error()) || !plain {
        return resp;
    }
    let (parts, b) = resp.into_parts();
    let text = match axum::body::to_bytes(b, MAX_PLAIN_ERROR).await {
        Ok(t) => String::from_utf8_lossy(&t).trim().to_owned(),
        Err(_) => String::new(),
    };
    let message = if text.is_empty() {
        status
            .canonical_reason()
            .unwrap_or("request failed")
            .to_owned()
    } else {
        text
    };
    // Serialising a struct of strings cannot fail; an empty body would still carry the status.
    let json = serde_json::to_vec(&body(code_of_status(status), &message)).unwrap_or_default();
    let mut out = Response::from_parts(parts, Body::from(json));
    out.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    out.headers_mut().remove(header::CONTENT_LENGTH);
    out
}

/// A request field's error (400), for what a handler checks itself before asking the node.
pub(crate) fn bad(msg: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, msg)
}

impl From<NodeError> for ApiError {
    fn from(e: NodeError) -> Self {
        Self {
            status: status_of(&e),
            code: code_of(&e),
            message: e.to_string(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        NodeError::from(e).into()
    }
}

impl From<NetError> for ApiError {
    fn from(e: NetError) -> Self {
        NodeError::from(e).into()
    }
}

impl From<IssuerError> for ApiError {
    fn from(e: IssuerError) -> Self {
        NodeError::from(e).into()
    }
}

/// The stable code of a node error.
pub fn code_of(e: &NodeError) -> &'static str {
    match e {
        NodeError::Invalid { .. } => "invalid_field",
        NodeError::NotRole(_) => "not_role",
        NodeError::Forbidden(_) => "forbidden",
        NodeError::NotFound(_) => "not_found",
        NodeError::Conflict(_) => "conflict",
        NodeError::TooLarge(_) => "too_large",
        NodeError::Unprocessable(_) => "unprocessable",
        NodeError::PeerRefused { .. } => "peer_refused",
        NodeError::Peer(_) => "peer_failed",
        NodeError::Unavailable(_) => "unavailable",
        NodeError::Issuer(e) => match e {
            IssuerError::ImportLine { .. } => "import_line",
            IssuerError::Credential(_) => "credential_refused",
            IssuerError::NotIssuer => "not_issuer",
            IssuerError::KindNotIssued { .. } => "kind_not_issued",
            IssuerError::PeerKey => "peer_key",
            IssuerError::NotClaimable { .. } => "not_claimable",
            IssuerError::UnknownCode => "unknown_code",
            IssuerError::NeedsTxCode => "needs_tx_code",
            IssuerError::NotInBulk { .. } => "not_in_bulk",
            IssuerError::NotIssuedToYou { .. } => "not_issued_to_you",
            IssuerError::NotInForce { .. } => "not_in_force",
            IssuerError::Internal(_) => "internal",
            IssuerError::Store(e) => store_code(e),
        },
        NodeError::Store(e) => store_code(e),
        NodeError::Internal(_) => "internal",
    }
}

fn store_code(e: &StoreError) -> &'static str {
    match e {
        StoreError::NotInWallet { .. } => "not_in_wallet",
        StoreError::Conflict(_) => "conflict",
        StoreError::Vault(VaultError::WrongPassphrase) => "wrong_passphrase",
        StoreError::Vault(VaultError::WeakPassphrase) => "weak_passphrase",
        StoreError::SecretsLocked { .. } => "secrets_locked",
        _ => "store_failed",
    }
}

/// The status of a node error.
pub fn status_of(e: &NodeError) -> StatusCode {
    match e {
        NodeError::Invalid { .. } => StatusCode::BAD_REQUEST,
        NodeError::NotRole(_) | NodeError::Forbidden(_) => StatusCode::FORBIDDEN,
        NodeError::NotFound(_) => StatusCode::NOT_FOUND,
        NodeError::Conflict(_) => StatusCode::CONFLICT,
        NodeError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        NodeError::Unprocessable(_) | NodeError::PeerRefused { .. } => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        NodeError::Peer(_) => StatusCode::BAD_GATEWAY,
        NodeError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        NodeError::Issuer(e) => issuer_status(e),
        NodeError::Store(e) => store_status(e),
        NodeError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn issuer_status(e: &IssuerError) -> StatusCode {
    match e {
        IssuerError::ImportLine { .. }
        | IssuerError::Credential(_)
        | IssuerError::NotInBulk { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        IssuerError::NotIssuer
        | IssuerError::KindNotIssued { .. }
        | IssuerError::PeerKey
        | IssuerError::NotClaimable { .. }
        | IssuerError::NeedsTxCode => StatusCode::FORBIDDEN,
        IssuerError::UnknownCode | IssuerError::NotIssuedToYou { .. } => StatusCode::NOT_FOUND,
        IssuerError::NotInForce { .. } => StatusCode::CONFLICT,
        IssuerError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        IssuerError::Store(e) => store_status(e),
    }
}

fn store_status(e: &StoreError) -> StatusCode {
    match e {
        StoreError::NotInWallet { .. } => StatusCode::NOT_FOUND,
        StoreError::Conflict(_) => StatusCode::CONFLICT,
        StoreError::Vault(VaultError::WrongPassphrase) => StatusCode::FORBIDDEN,
        StoreError::Vault(VaultError::WeakPassphrase) => StatusCode::BAD_REQUEST,
        StoreError::SecretsLocked { .. } => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Role;

    #[test]
    fn each_class_has_its_status() {
        let rows: Vec<(NodeError, u16)> = vec![
            (NodeError::invalid("claims", "empty"), 400),
            (NodeError::NotRole(Role::Holder), 403),
            (NodeError::Store(VaultError::WrongPassphrase.into()), 403),
            (
                NodeError::Store(StoreError::NotInWallet { id: "x".into() }),
                404,
            ),
            (IssuerError::UnknownCode.into(), 404),
            (NodeError::Conflict("already revoked".into()), 409),
            (
                IssuerError::NotInForce {
                    id: "x".into(),
                    state: "revoked",
                }
                .into(),
                409,
            ),
            (NodeError::TooLarge("qr".into()), 413),
            (
                IssuerError::ImportLine {
                    line: 3,
                    reason: "birthDate".into(),
                }
                .into(),
                422,
            ),
            (
                NodeError::PeerRefused {
                    peer: "holder",
                    reason: "declined".into(),
                },
                422,
            ),
            (NodeError::Store(StoreError::Db("io".into())), 500),
            (NodeError::Peer("timeout".into()), 502),
            (NetError::LoopStopped.into(), 503),
        ];
        for (e, want) in rows {
            let text = e.to_string();
            let got = ApiError::from(e);
            assert_eq!(got.status.as_u16(), want, "{text}");
            assert_eq!(got.message, text, "the message is the error's own text");
            assert!(
                got.code
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{}",
                got.code
            );
        }
        assert_eq!(
            NodeError::NotRole(Role::Issuer).to_string(),
            "this node is not an issuer"
        );
    }
}
