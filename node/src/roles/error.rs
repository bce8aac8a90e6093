//! Why the node refused or failed something asked of it. Each variant is a class of failure
//! with the text a user reads; the HTTP API maps the class to a status in one place
//! (`api::error`), the CLI prints the text, and a peer gets the text as a refusal.

use crate::config::Role;
use crate::net::NetError;
use crate::store::StoreError;

use super::IssuerError;

/// Why the node refused or failed a request.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// A field of the request is missing or wrong.
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    /// The request needs a role this node does not run.
    #[error("this node is not {}", with_article(*.0))]
    NotRole(Role),
    /// Understood, but not allowed to whoever asked or on this node.
    #[error("{0}")]
    Forbidden(String),
    /// The thing named does not exist here.
    #[error("{0}")]
    NotFound(String),
    /// It conflicts with what the node holds.
    #[error("{0}")]
    Conflict(String),
    /// What the request would produce is larger than allowed.
    #[error("{0}")]
    TooLarge(String),
    /// Well formed, but a rule refuses it (a rejected trust message, a credential that fails
    /// its checks, a stale version).
    #[error("{0}")]
    Unprocessable(String),
    /// The peer asked answered with a refusal.
    #[error("the {peer} refused: {reason}")]
    PeerRefused { peer: &'static str, reason: String },
    /// The peer asked could not be reached, or answered with something that is not an answer.
    #[error("{0}")]
    Peer(String),
    /// The node cannot do it now (its verification thread or network task has stopped, or a
    /// decision did not come in time).
    #[error("{0}")]
    Unavailable(String),
    /// An issuer's refusal or failure.
    #[error(transparent)]
    Issuer(#[from] IssuerError),
    /// The store failed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// Something inside the node failed (a task panicked, a value did not encode).
    #[error("internal error: {0}")]
    Internal(String),
}

impl NodeError {
    /// A request field's error.
    pub fn invalid(field: &'static str, reason: impl std::fmt::Display) -> Self {
        Self::Invalid {
            field,
            reason: reason.to_string(),
        }
    }

    /// A blocking task that did not finish (it panicked or was cancelled).
    pub fn task(e: tokio::task::JoinError) -> Self {
        Self::Internal(format!("a worker task failed: {e}"))
    }
}

impl From<NetError> for NodeError {
    fn from(e: NetError) -> Self {
        match e {
            NetError::LoopStopped => Self::Unavailable(e.to_string()),
            other => Self::Peer(other.to_string()),
        }
    }
}

fn with_article(role: Role) -> &'static str {
    match role {
        Role::Issuer => "an issuer",
        Role::Holder => "a holder",
        Role::Verifier => "a verifier",
    }
}
