//! The messages nodes exchange: the request-response messages (CBOR-encoded by the node's
//! libp2p codec) and the gossip messages (JSON), as plain data. Every field is outside input:
//! whoever receives one bounds and checks it before acting on it.

use serde::{Deserialize, Serialize};

use crate::{CredentialKind, Format};

/// Holder → issuer: "here is my claim code, issue to me" — or, with `staple`, "give me a
/// status staple for my credential with this id" (the code is then unused).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ClaimRequest {
    /// The one-time code the issuer handed out.
    pub code: String,
    /// Format wanted (`sd-jwt`, `jwt`, `di`); the issuer's default if `None`. A name outside
    /// these makes the whole message undecodable (it is refused unread, the code unspent).
    pub format: Option<Format>,
    /// Asks for a status staple ([`crate::status::Staple`]) for the holder's own credential
    /// with this id, instead of a credential. Only the holder it was issued to (the peer's
    /// Noise-proven key) gets one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staple: Option<String>,
}

/// Issuer → holder.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub enum ClaimResponse {
    /// The credential.
    Issued {
        credential_id: String,
        kind: CredentialKind,
        format: Format,
        credential: String,
    },
    /// Why not.
    Refused { reason: String },
    /// A status staple, signed by the issuer (answer to a staple request).
    Stapled { staple: String },
}

/// Verifier → holder: "show me these claims".
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PresentationRequest {
    /// Correlates the answer and the verifier log.
    pub request_id: String,
    /// Credential kinds acceptable (any of them; empty: any kind the holder has).
    pub kinds: Vec<CredentialKind>,
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

/// Status sync request. A sync runs in two bounded steps: the requester pages through what the
/// peer holds (keys and versions, in key order), then fetches what it lacks or is behind on, a
/// batch at a time; an answer that would pass its size cap is cut short and says how far it got.
///
/// Keys: `trust:<issuer DID>` for an issuer's trust record (version: the newest of its
/// accreditation and withdrawal), `list:<list URL>` for a status list, `beat:<issuer DID>` for
/// an owner's latest heartbeat (version: its Unix time in seconds).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub enum StatusSyncRequest {
    /// "What do you hold, after this key?" (`None`: from the first).
    Summary { after: Option<String> },
    /// "Send me these, newer than the version I hold (`None`: not held)."
    Fetch { items: Vec<(String, Option<u64>)> },
}

/// Status sync response.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub enum StatusSyncResponse {
    /// One page of the summary; `next` is the key to ask after, `None` on the last page.
    Summary {
        items: Vec<(String, u64)>,
        next: Option<String>,
    },
    /// What was asked for, as owner-signed messages: trust records first, then for each list
    /// a snapshot and/or the deltas after it, in version order.
    Fetched {
        trust: Vec<String>,
        snapshots: Vec<String>,
        deltas: Vec<String>,
        /// How many of the asked items this answer covers (in order); ask again for the rest.
        answered: u32,
        /// Owners' latest heartbeats (for `beat:` keys), so a node back from a partition
        /// knows at once which lists are confirmed current.
        #[serde(default)]
        heartbeats: Vec<String>,
    },
}

/// The sync key of an issuer's trust record.
pub fn trust_key(issuer: &str) -> String {
    format!("trust:{issuer}")
}

/// The sync key of an owner's latest heartbeat.
pub fn beat_key(issuer: &str) -> String {
    format!("beat:{issuer}")
}

/// The sync key of a status list.
pub fn list_key(list: &str) -> String {
    format!("list:{list}")
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
    /// An owner's lists are current at the versions it names (`vcnet-status-heartbeat+jwt`).
    Heartbeat(String),
}
