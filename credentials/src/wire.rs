//! The messages nodes exchange: the request-response messages (CBOR-encoded by the node's
//! libp2p codec) and the gossip messages (JSON), as plain data. Every field is outside input:
//! whoever receives one bounds and checks it before acting on it.

use serde::{Deserialize, Serialize};

/// Holder → issuer: "here is my claim code, issue to me".
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ClaimRequest {
    /// The one-time code the issuer handed out.
    pub code: String,
    /// Format wanted (`sd-jwt`, `jwt`, `di`); the issuer's default if `None`.
    pub format: Option<String>,
}

/// Issuer → holder.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub enum ClaimResponse {
    /// The credential.
    Issued {
        credential_id: String,
        kind: String,
        format: String,
        credential: String,
    },
    /// Why not.
    Refused { reason: String },
}

/// Verifier → holder: "show me these claims".
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PresentationRequest {
    /// Correlates the answer and the verifier log.
    pub request_id: String,
    /// Credential kinds acceptable (short names).
    pub kinds: Vec<String>,
    /// Subject claims wanted (SD-JWT: only these are disclosed).
    pub claims: Vec<String>,
    /// Fresh random challenge (nonce).
    pub challenge: String,
    /// The verifier's domain (audience).
    pub domain: String,
}

/// Holder → verifier.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub enum PresentationResponse {
    /// The presentation.
    Presented { presentation: String },
    /// Why not.
    Refused { reason: String },
}

/// Status sync request: "what do you have for these lists after these versions?".
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StatusSyncRequest {
    /// (list id, version held; `None` = not held: send a snapshot).
    pub lists: Vec<(String, Option<u64>)>,
    /// Also list every other list the peer holds.
    pub discover: bool,
}

/// Status sync response.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
pub struct StatusSyncResponse {
    /// Signed snapshots (JWS) for lists the requester lacks or is far behind on.
    pub snapshots: Vec<String>,
    /// Signed deltas (JWS), in version order per list.
    pub deltas: Vec<String>,
    /// Signed accreditations and withdrawals (JWS) the peer holds.
    pub trust: Vec<String>,
}

/// A message on the status or trust gossip topic: a signed JWS of one of four kinds.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "type", content = "jws", rename_all = "lowercase")]
pub enum GossipMessage {
    /// A full status list (`vcnet-status-snapshot+jwt`).
    Snapshot(String),
    /// Version n → n+1 of a list (`vcnet-status-delta+jwt`).
    Delta(String),
    /// The root authority accredits an issuer.
    Accreditation(String),
    /// The root authority withdraws an accreditation.
    Withdrawal(String),
}
