//! Read models: what the HTTP API and the CLI show of the node's books, asked of the node
//! (which owns the store) rather than read from the store by its callers. Counts come from
//! key counts: nothing is decrypted to count the wallet.

use credentials::kind::serialize_short;
use credentials::{CredentialKind, Format};
use serde::Serialize;

use super::{Node, NodeError};
use crate::store::{IssuedEntry, StoredList, TrustRecord, VerificationLogEntry, WalletEntry};

/// An imported record, without its claims.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecordSummary {
    /// Record id.
    pub id: String,
    /// Its kind (`identity`, `health`, `study`).
    #[serde(serialize_with = "serialize_short")]
    #[schema(value_type = String, example = "identity")]
    pub kind: CredentialKind,
    /// The credential it was claimed as, if it was.
    pub claimed_by: Option<String>,
}

/// A wallet credential, without the credential itself.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WalletItem {
    /// Credential id.
    pub id: String,
    /// Its kind (`identity`, `health`, `study`).
    #[serde(serialize_with = "serialize_short")]
    #[schema(value_type = String, example = "identity")]
    pub kind: CredentialKind,
    /// Its format (`di`, `jwt`, `sd-jwt`, `cose`).
    #[schema(value_type = String, example = "sd-jwt")]
    pub format: Format,
    /// Issuer DID.
    pub issuer: String,
    /// Issuer name as its peer announced itself.
    pub issuer_name: Option<String>,
    /// When it was received (RFC 3339).
    pub received_at: String,
}

impl From<WalletEntry> for WalletItem {
    fn from(e: WalletEntry) -> Self {
        Self {
            id: e.id,
            kind: e.kind,
            format: e.format,
            issuer: e.issuer,
            issuer_name: e.issuer_name,
            received_at: e.received_at,
        }
    }
}

/// A held status list's identity and version.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListSummary {
    /// List URL.
    pub id: String,
    /// What a set bit means.
    pub purpose: credentials::status::StatusPurpose,
    /// Owner DID.
    pub issuer: String,
    /// Version held.
    pub version: u64,
    /// When this node stored that version (Unix milliseconds).
    pub stored_at_ms: i64,
}

impl From<StoredList> for ListSummary {
    fn from(l: StoredList) -> Self {
        Self {
            id: l.id,
            purpose: l.purpose,
            issuer: l.issuer,
            version: l.version,
            stored_at_ms: l.stored_at_ms,
        }
    }
}

/// How much the node holds.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Holdings {
    /// Issuers with a trust record.
    pub trusted: usize,
    /// Wallet credentials.
    pub wallet: usize,
    /// Credentials issued.
    pub issued: usize,
    /// Whether `issued` is exact (else an estimate: the index holds more than
    /// [`crate::store::EXACT_COUNT_CAP`] entries).
    pub issued_exact: bool,
    /// Status lists held.
    pub status_lists: Vec<ListSummary>,
}

impl Node {
    /// Whether this node is the root authority (its own DID is the pinned root).
    pub fn is_root(&self) -> bool {
        self.cfg.root_did.as_deref() == Some(self.identity.did())
    }

    /// Counts of what the node holds, and its status lists.
    pub fn holdings(&self) -> Result<Holdings, NodeError> {
        let counts = self.store.counts()?;
        Ok(Holdings {
            trusted: counts.trust,
            wallet: counts.wallet,
            issued: counts.issued,
            issued_exact: counts.issued_exact,
            status_lists: self.held_lists()?,
        })
    }

    /// Every held status list, without its bits.
    pub fn held_lists(&self) -> Result<Vec<ListSummary>, NodeError> {
        Ok(self
            .store
            .status_lists()?
            .into_iter()
            .map(ListSummary::from)
            .collect())
    }

    /// One held status list, without its bits.
    pub fn held_list(&self, url: &str) -> Result<Option<ListSummary>, NodeError> {
        Ok(self.store.status_list(url)?.map(ListSummary::from))
    }

    /// The imported records, without their claims.
    pub fn record_summaries(&self) -> Result<Vec<RecordSummary>, NodeError> {
        Ok(self
            .store
            .records()?
            .into_iter()
            .map(|r| RecordSummary {
                id: r.id,
                kind: r.kind,
                claimed_by: r.claimed_by,
            })
            .collect())
    }

    /// The wallet, without the credentials themselves.
    pub fn wallet_items(&self) -> Result<Vec<WalletItem>, NodeError> {
        Ok(self
            .store
            .wallet()?
            .into_iter()
            .map(WalletItem::from)
            .collect())
    }

    /// The verifier log, oldest first.
    pub fn verifications(&self) -> Result<Vec<VerificationLogEntry>, NodeError> {
        Ok(self.store.verifications()?)
    }

    /// What this issuer recorded of an issued credential.
    pub fn issued(&self, credential_id: &str) -> Result<Option<IssuedEntry>, NodeError> {
        Ok(self.store.issued(credential_id)?)
    }

    /// The trust record held for `issuer` (its signed accreditation and any withdrawal).
    pub fn trust_record(&self, issuer: &str) -> Result<Option<TrustRecord>, NodeError> {
        Ok(self.store.trust(issuer)?)
    }

    /// One wallet credential, the credential itself included (the holder's own).
    pub fn wallet_entry(&self, id: &str) -> Result<WalletEntry, NodeError> {
        Ok(self.store.wallet_entry(id)?)
    }

    /// The signed deltas held for a list after `after_version`, in order: what this node
    /// serves a peer that syncs from it.
    pub fn deltas_after(&self, list: &str, after_version: u64) -> Result<Vec<String>, NodeError> {
        Ok(self.store.deltas_after(list, after_version)?)
    }
}

/// What a desk page shows of a verification: the verdict, who issued it, the disclosed claims
/// and each check that did not pass, with its reason.
pub fn verdict_view(r: &credentials::VerificationReport) -> serde_json::Value {
    use serde_json::json;
    let problems: Vec<serde_json::Value> = r
        .checks
        .iter()
        .filter_map(|c| {
            let (result, reason) = c.outcome.problem()?;
            Some(json!({"check": c.check.as_str(), "result": result, "reason": reason}))
        })
        .collect();
    json!({
        "found": true,
        "valid": r.valid,
        "verdict": r.verdict.code(),
        "kind": r.kind.map(|k| k.short_name()),
        "issuer": r.issuer,
        "issuerName": r.issuer_name,
        "format": r.format,
        "claims": r.claims.clone().unwrap_or(serde_json::Value::Null),
        "problems": problems,
    })
}
