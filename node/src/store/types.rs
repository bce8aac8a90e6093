//! The values the store keeps, serialised as JSON.

use credentials::kind::{serialize_short, serialize_short_opt};
use credentials::status::StatusPurpose;
use credentials::{CredentialKind, Format};
use serde::{Deserialize, Serialize};

/// A subject record imported by an issuer, waiting to be claimed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordEntry {
    /// Record id (the personal identification number, student number, … or a generated id).
    pub id: String,
    /// Credential kind (stored by its short name).
    #[serde(serialize_with = "serialize_short")]
    pub kind: CredentialKind,
    /// The subject claims.
    pub subject: serde_json::Value,
    /// Credential id once claimed.
    pub claimed_by: Option<String>,
    /// The digest of its claim code while unclaimed (so that a resumed import can replace a
    /// code that never reached the operator).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_digest: Option<String>,
    /// The digest of its transaction code, when it was imported with one: the OpenID4VCI
    /// token request must then carry it (it reaches the citizen apart from the letter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tx_code_digest: Option<String>,
}

/// A [`RecordEntry`] already encoded for the store ([`Store::encode_record`](super::Store::encode_record)).
#[derive(Debug, Clone)]
pub struct EncodedRecord {
    pub(super) id: String,
    pub(super) bytes: Vec<u8>,
}

/// A claim code already spent, kept so the same holder can claim again and get the same
/// credential (a lost reply must not burn the code). Nobody else can use it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimedCode {
    /// The holder DID the code was claimed by (proven by the Noise handshake).
    pub holder: String,
    /// The credential delivered.
    pub credential_id: String,
    /// Its kind.
    #[serde(serialize_with = "serialize_short")]
    pub kind: CredentialKind,
    /// Its format.
    pub format: Format,
    /// The credential text delivered.
    pub credential: String,
}

/// A credential this node issued.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssuedEntry {
    /// Credential id.
    pub credential_id: String,
    /// Kind; none for a credential of another type issued over the VC-API.
    #[serde(default, serialize_with = "serialize_short_opt")]
    pub kind: Option<CredentialKind>,
    /// Holder DID.
    pub holder: Option<String>,
    /// Format.
    pub format: Format,
    /// Status list base URL.
    pub list_base: String,
    /// Shard number under the base.
    pub shard: u32,
    /// Index in both the revocation and the suspension list of that shard.
    pub index: u64,
    /// The record it came from.
    pub record_id: Option<String>,
    /// The `message` list it has an entry on (at the same index), when one was asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_list: Option<String>,
    /// RFC 3339.
    pub issued_at: String,
    /// Its status changes, oldest first (the last [`MAX_STATUS_CHANGES`]), each with the
    /// reason the operator gave. Written in the same batch as the list change.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub status_changes: Vec<StatusChange>,
}

impl IssuedEntry {
    /// The URL of its list of `purpose` (revocation or suspension; a message list is
    /// `message_list`).
    pub fn list_url(&self, purpose: StatusPurpose) -> String {
        format!("{}/{}/{}", self.list_base, purpose.as_str(), self.shard)
    }
}

/// Status changes kept per issued credential.
pub const MAX_STATUS_CHANGES: usize = 32;

/// One revocation, suspension or reinstatement of an issued credential.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StatusChange {
    /// `revoke`, `suspend` or `reinstate`.
    pub action: String,
    /// Why, as the operator said (may be empty).
    #[serde(default)]
    pub reason: String,
    /// RFC 3339.
    pub at: String,
    /// The list version the change made.
    pub version: u64,
}

/// The allocation bitmap of one status list shard (base64), stored under its own key so an
/// issuance rewrites only the shard it used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AllocationEntry {
    /// Status list base URL.
    pub base: String,
    /// Shard number under the base.
    pub shard: u32,
    /// Bitmap of handed-out indexes, base64.
    pub bitmap: String,
}

/// A status list held by this node (its own or received).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredList {
    /// List URL.
    pub id: String,
    /// What a set bit means.
    pub purpose: StatusPurpose,
    /// Owner DID.
    pub issuer: String,
    /// Version.
    pub version: u64,
    /// `encodedList` form of the bits.
    pub bits: String,
    /// When this node stored this version (Unix milliseconds, its own clock).
    #[serde(default)]
    pub stored_at_ms: i64,
    /// When the owner last confirmed this version current (Unix milliseconds, the owner's
    /// clock on the signed message), if known.
    #[serde(default)]
    pub confirmed_ms: Option<i64>,
    /// A `message` list's entry size and messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<credentials::status::MessageScheme>,
}

/// A credential in the holder's wallet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WalletEntry {
    /// Credential id.
    pub id: String,
    /// Kind.
    #[serde(serialize_with = "serialize_short")]
    pub kind: CredentialKind,
    /// Format.
    pub format: Format,
    /// Issuer DID.
    pub issuer: String,
    /// Issuer display name as the issuer's peer presented itself.
    pub issuer_name: Option<String>,
    /// The credential as received.
    pub credential: String,
    /// RFC 3339.
    pub received_at: String,
    /// The latest status staple the issuer gave for it (`vcnode wallet staple`), carried in
    /// presentations so a verifier with stale lists can still decide.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staple: Option<String>,
}

/// What a node holds about one issuer's accreditation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrustRecord {
    /// Issuer DID.
    pub issuer: String,
    /// The signed accreditation (JWS).
    pub accreditation: String,
    /// The signed withdrawal (JWS), if any.
    pub withdrawal: Option<String>,
}

/// A peer this node has met.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeerEntry {
    /// libp2p peer id.
    pub peer_id: String,
    /// Its did:key (derived from its peer key).
    pub did: String,
    /// Display name it announced.
    pub name: String,
    /// Roles it announced, as announced (a newer peer may name roles this build does not
    /// know; they are shown, never acted on).
    pub roles: Vec<String>,
    /// Addresses it listens on.
    pub addrs: Vec<String>,
}

/// One verification a verifier performed: the verdict, ids and digests, never the disclosed
/// claims (a clinic's log must not become a register of who showed what). Entries older than
/// the node's `verifier_log_days` are deleted as new ones are written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerificationLogEntry {
    /// Milliseconds since the epoch.
    pub at_millis: i64,
    /// The request's id.
    pub request_id: String,
    /// The holder peer.
    pub peer: String,
    /// Whether it verified.
    pub valid: bool,
    /// The credential's kind, when decoded.
    #[serde(default, serialize_with = "serialize_short_opt")]
    pub kind: Option<CredentialKind>,
    /// The credential's format (`vc+sd-jwt`, …), when decoded.
    #[serde(default)]
    pub format: Option<String>,
    /// The credential's id (what an issuer revokes by).
    #[serde(default)]
    pub credential_id: Option<String>,
    /// The issuer's DID.
    #[serde(default)]
    pub issuer: Option<String>,
    /// blake3 (hex) of the disclosed claims' JSON: matches a claim set shown later without
    /// keeping it.
    #[serde(default)]
    pub claims_digest: Option<String>,
    /// Each failed check as `check: reason`.
    #[serde(default)]
    pub failures: Vec<String>,
}

impl VerificationLogEntry {
    /// The entry for a report: verdict, ids and digests only.
    pub fn of_report(
        at_millis: i64,
        request_id: String,
        peer: String,
        report: &credentials::VerificationReport,
    ) -> Self {
        Self {
            at_millis,
            request_id,
            peer,
            valid: report.valid,
            kind: report.kind,
            format: report.format.clone(),
            credential_id: report.credential_id.clone(),
            issuer: report.issuer.clone(),
            claims_digest: report.claims.as_ref().map(|c| {
                blake3::hash(serde_json::to_string(c).unwrap_or_default().as_bytes())
                    .to_hex()
                    .to_string()
            }),
            failures: report.problems(),
        }
    }
}
