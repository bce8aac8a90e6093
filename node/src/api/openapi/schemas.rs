//! What the OpenAPI document says of the bodies the handlers build as JSON values (`json!`),
//! and the reusable error responses. These types document the wire shape only; the
//! integration test `tests/tests/openapi.rs` checks real answers of a running node against
//! several of them, so a handler that changes its answer without its schema fails there.

use serde_json::Value;
use utoipa::{ToResponse, ToSchema};

use crate::api::error::ErrorBody;

macro_rules! error_responses {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(ToResponse)]
        pub struct $name(pub ErrorBody);
    )*};
}

error_responses! {
    /// A field is wrong (the message names it), or the body is not the JSON or form asked for.
    BadRequest;
    /// No token: the route needs `Authorization: Bearer <token>` (the data dir's `admin.token`)
    /// or a session cookie from `POST /login`.
    Unauthorized;
    /// Not allowed: this node lacks the role, the passphrase does not open the vault, or a
    /// signed-in page sent a cross-site request.
    Forbidden;
    /// Not here: no such credential, record, request or list on this node.
    NotFound;
    /// Conflicts with what the node holds (already revoked, already has that status, …).
    Conflict;
    /// The body is larger than the route takes.
    PayloadTooLarge;
    /// The body is not `application/json` (or, for `POST /login`, a form).
    UnsupportedMediaType;
    /// The `Host` header names a host this node does not serve (DNS-rebinding guard).
    Misdirected;
    /// Understood but refused by a rule (a record line, a credential the schema refuses, a
    /// peer that declined), or a JSON body whose fields are not of the types asked for.
    Unprocessable;
    /// The node failed.
    Internal;
    /// The peer asked failed or did not answer.
    PeerFailed;
    /// The node cannot do it now: its secrets are locked, its network task does not answer,
    /// or the open routes are at capacity (with `Retry-After`).
    Unavailable;
}

/// `POST /credentials/issue`: the issued credential.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IssueAnswer {
    /// The secured credential: a Data Integrity document, or an
    /// `EnvelopedVerifiableCredential` whose `id` is a `data:` URL (JWT, SD-JWT, COSE).
    #[schema(value_type = Object)]
    pub verifiable_credential: Value,
}

/// `POST /presentations/prove`: the secured presentation.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProveAnswer {
    /// The W3C verifiable presentation with this holder's Data Integrity proof.
    #[schema(value_type = Object)]
    pub verifiable_presentation: Value,
}

/// A verification's outcome (`POST /credentials/verify`, `POST /presentations/verify`).
#[derive(ToSchema)]
pub struct VerifyAnswer {
    /// Whether every check that ran passed.
    pub verified: bool,
    /// `valid`, `invalid` or `cannot_be_sure`.
    #[schema(example = "valid")]
    pub verdict: String,
    /// The checks that passed.
    pub checks: Vec<String>,
    /// Every failed or undecided check, as `check: reason`.
    pub errors: Vec<String>,
    /// The full verification report (each check with its outcome, the disclosed claims).
    #[schema(value_type = Object)]
    pub report: Value,
}

/// A 422 of a verification route: the report of a credential that did not verify, or an error
/// for a body whose fields are not of the types asked for.
#[derive(ToSchema)]
#[serde(untagged)]
pub enum VerifyRefused {
    /// The credential or presentation did not verify.
    Report(VerifyAnswer),
    /// The body was refused before verification.
    Error(ErrorBody),
}

/// `POST /credentials/status`: the changed bit.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatusUpdateAnswer {
    /// The credential.
    pub credential_id: String,
    /// `revocation` or `suspension`.
    pub status_purpose: String,
    /// `"1"` set, `"0"` cleared.
    pub status: String,
    /// The status list credential's URL.
    pub status_list_credential: String,
    /// The list's new version.
    pub version: u64,
}

/// `POST /admin/revoke`: the list changed and its new version.
#[derive(ToSchema)]
pub struct RevokeAnswer {
    /// The status list's URL.
    pub list: String,
    /// Its new version.
    pub version: u64,
}

/// `GET /admin/status-list`: one held list's version.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListVersion {
    /// The list's URL.
    pub id: String,
    /// The version held.
    pub version: u64,
    /// When this node stored it (Unix milliseconds).
    pub stored_at_ms: i64,
}

/// `GET /admin/status`: who this node is and what it holds.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NodeStatus {
    /// The node's name.
    pub name: String,
    /// Its DID.
    pub did: String,
    /// Its libp2p peer id.
    pub peer_id: String,
    /// Its roles (`issuer`, `holder`, `verifier`).
    pub roles: Vec<String>,
    /// The addresses it listens on (multiaddrs).
    pub listen: Vec<String>,
    /// Peers connected now.
    pub peers_connected: u64,
    /// The status lists held (`id`, `purpose`, `issuer`, `version`).
    #[schema(value_type = Vec<Object>)]
    pub status_lists: Vec<Value>,
    /// Issuers with a trust record.
    pub trusted: u64,
    /// Wallet credentials.
    pub wallet: u64,
    /// Credentials issued.
    pub issued: u64,
    /// Whether `issued` is an exact count (past 100,000 it is RocksDB's estimate).
    pub issued_exact: bool,
    /// Bytes of status gossip received.
    pub status_gossip_bytes: u64,
    /// Payload bytes of signed status and trust messages received by syncs.
    pub status_sync_bytes: u64,
    /// Inbound messages dropped.
    pub dropped_inbound: u64,
    /// Gossip messages `accepted`, `rejected`, `ignored`.
    #[schema(value_type = Object)]
    pub gossip: Value,
}

/// `GET /admin/wallet/{id}`: a wallet credential with its claims and a fresh check.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WalletShow {
    /// Credential id.
    pub id: String,
    /// Its kind.
    pub kind: String,
    /// Its format.
    pub format: String,
    /// Issuer DID.
    pub issuer: String,
    /// Issuer name, when its peer announced one.
    pub issuer_name: Option<String>,
    /// When it was received (RFC 3339).
    pub received_at: String,
    /// Its claims.
    #[schema(value_type = Object)]
    pub claims: Value,
    /// Whether it verifies now.
    pub valid: bool,
    /// The verification report.
    #[schema(value_type = Object)]
    pub report: Value,
}

/// `POST /admin/wallet/export`: the encrypted export.
#[derive(ToSchema)]
pub struct ExportAnswer {
    /// Credentials exported.
    pub count: u64,
    /// The encrypted file (an envelope to give back to `POST /admin/wallet/import`).
    #[schema(value_type = Object)]
    pub file: Value,
}

/// `POST /admin/wallet/import`.
#[derive(ToSchema)]
pub struct ImportAnswer {
    /// Credentials restored.
    pub imported: u64,
}

/// `POST /admin/wallet/delete`.
#[derive(ToSchema)]
pub struct DeleteAnswer {
    /// The id of the credential deleted.
    pub deleted: String,
}

/// `POST /admin/wallet/staple`.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StapleAnswer {
    /// The credential.
    pub id: String,
    /// The status staple (a JWS signed by the issuer).
    pub staple: String,
    /// When the issuer vouched for the status (RFC 3339).
    pub as_of: Option<String>,
}

/// `POST /admin/consents/decide`.
#[derive(ToSchema)]
pub struct DecideAnswer {
    /// The request decided.
    pub decided: String,
}

/// `POST /admin/trust`.
#[derive(ToSchema)]
pub struct TrustAnswer {
    /// Always true: stored and spread.
    pub accepted: bool,
}

/// `POST /admin/dial`.
#[derive(ToSchema)]
pub struct DialAnswer {
    /// The address being dialled.
    pub dialing: String,
}

/// `POST /admin/accredit`.
#[derive(ToSchema)]
pub struct AccreditAnswer {
    /// The issuer's DID.
    pub issuer: String,
    /// Whether it was a withdrawal.
    pub withdrawn: bool,
}

/// `POST /desk/request`: the desk's signed request, to show as a QR code.
#[derive(ToSchema)]
pub struct DeskRequestAnswer {
    /// The request as QR text (`VC1:…`); scan the answer with `?request=` this text.
    pub request: String,
    /// An SVG QR code of it.
    pub svg: String,
    /// When it expires (Unix seconds).
    pub expires: i64,
    /// The kind asked for.
    pub kind: String,
    /// The claims asked for.
    pub claims: Vec<String>,
}

/// `POST /desk/scan`: `{"found": false, "reason"}` when a picture holds no readable QR code,
/// else the verdict.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeskVerdict {
    /// Whether a QR code was found.
    pub found: bool,
    /// Why none was read (only when `found` is false).
    pub reason: Option<String>,
    /// `valid`, `invalid` or `cannot_be_sure`.
    pub verdict: Option<String>,
    /// The credential's kind.
    pub kind: Option<String>,
    /// Issuer DID.
    pub issuer: Option<String>,
    /// Issuer name, from its accreditation.
    pub issuer_name: Option<String>,
    /// The credential's format.
    pub format: Option<String>,
    /// The claims disclosed.
    #[schema(value_type = Object)]
    pub claims: Value,
    /// Each check that did not pass: `check`, `result`, `reason`.
    #[schema(value_type = Vec<Object>)]
    pub problems: Vec<Value>,
}

/// `GET /readyz`.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Readiness {
    /// Whether the node can do its work.
    pub ready: bool,
    /// Peers connected now.
    pub connected_peers: u64,
    /// Why it is not ready (empty when ready).
    pub reasons: Vec<String>,
}

/// A DID resolution (or dereferencing) result, W3C DID Resolution: `didDocument` (null on an
/// error), `didResolutionMetadata` (or `didDereferencingMetadata` for a DID URL) with `error`
/// and `errorMessage` on failure, and `didDocumentMetadata`.
#[derive(ToSchema)]
#[schema(value_type = Object)]
pub struct DidResolutionResult(pub Value);

/// An OAuth 2.0 error answer (RFC 6749 §5.2), the shape OpenID4VCI's token, nonce and
/// credential endpoints answer with (OpenID4VCI §6.3, §8.3.1).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct OAuthErrorBody {
    /// The error code (`invalid_grant`, `invalid_proof`, `invalid_nonce`, …).
    #[schema(example = "invalid_nonce")]
    error: String,
    /// What is wrong, for a person.
    error_description: Option<String>,
}
