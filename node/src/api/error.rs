//! The HTTP API's errors: JSON `{ "error": … }` with a status chosen once, here, from the
//! class of the node's error — 400 a field is wrong, 401 no token, 403 not allowed (or a
//! passphrase that does not open the vault), 404 not here, 409 conflicts with what is held,
//! 413 too large, 422 understood but refused by a rule, 500 the node failed, 502 the peer
//! asked failed, 503 the node cannot do it now.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::net::NetError;
use crate::roles::{IssuerError, NodeError};
use crate::store::{StoreError, VaultError};

/// An error response.
#[derive(Debug)]
pub struct ApiError(pub StatusCode, pub String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.0.is_server_error() {
            tracing::warn!(status = self.0.as_u16(), error = %self.1, "request failed");
        }
        (self.0, Json(serde_json::json!({ "error": self.1 }))).into_response()
    }
}

/// A request field's error (400), for what a handler checks itself before asking the node.
pub(crate) fn bad(msg: impl Into<String>) -> ApiError {
    ApiError(StatusCode::BAD_REQUEST, msg.into())
}

impl From<NodeError> for ApiError {
    fn from(e: NodeError) -> Self {
        Self(status_of(&e), e.to_string())
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
        IssuerError::ImportLine { .. } | IssuerError::Credential(_) => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        IssuerError::NotIssuer
        | IssuerError::KindNotIssued { .. }
        | IssuerError::PeerKey
        | IssuerError::NotClaimable { .. } => StatusCode::FORBIDDEN,
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
            assert_eq!(got.0.as_u16(), want, "{text}");
            assert_eq!(got.1, text, "the message is the error's own text");
        }
        assert_eq!(
            NodeError::NotRole(Role::Issuer).to_string(),
            "this node is not an issuer"
        );
    }
}
