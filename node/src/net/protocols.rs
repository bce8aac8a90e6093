//! The request-response protocols between nodes, their messages and their limits.
//!
//! Every message travels CBOR-encoded inside a Noise-encrypted, peer-authenticated stream, so
//! the remote peer id (and with it the remote did:key, which uses the same Ed25519 key) is
//! proven by the connection itself.

use libp2p::StreamProtocol;
use serde::{Deserialize, Serialize};

/// Claiming a credential with a one-time code (issuer ← holder).
pub const ISSUE_PROTOCOL: StreamProtocol = StreamProtocol::new("/vcnet/issue/1");
/// Asking a holder for a presentation (verifier → holder).
pub const PRESENT_PROTOCOL: StreamProtocol = StreamProtocol::new("/vcnet/present/1");
/// Fetching missed status list updates (any ← any).
pub const STATUS_SYNC_PROTOCOL: StreamProtocol = StreamProtocol::new("/vcnet/status-sync/1");

/// A claim request carries a code, a DID and a format: a few hundred bytes. 16 KiB leaves room
/// and stops a peer from making us buffer megabytes.
pub const MAX_REQUEST_BYTES: u64 = 16 * 1024;
/// A response carries one credential or presentation (a health record SD-JWT with every
/// disclosure is ~10 KiB) or a status list snapshot plus deltas; 1 MiB bounds it.
pub const MAX_RESPONSE_BYTES: u64 = 1024 * 1024;
/// How long a request may take end to end; a holder deciding by consent policy "ask" needs
/// time for its operator, so presentation requests get longer (see `PRESENT_TIMEOUT`).
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

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
