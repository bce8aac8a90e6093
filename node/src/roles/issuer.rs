//! Issuer role: subject records with one-time claim codes, and issuing to holders who present
//! a code over `/vcnet/issue/1` (in the spirit of OpenID4VCI's pre-authorised code flow).

use crate::config::Role;
use base64::Engine;
use credentials::issue::{issue, CredentialRequest, Format};
use credentials::schema;
use credentials::status::{
    allocate_across, IndexAllocator, MessageScheme, StatusEntry, StatusList, StatusPurpose,
};
use credentials::CredentialKind;
use libp2p::PeerId;
use rand::RngCore;
use serde::Serialize;
use serde_json::Value;

pub use super::records::{parse_records, record_id};
use super::Node;
use crate::net::protocols::{ClaimRequest, ClaimResponse};
use crate::store::{AllocationEntry, ClaimedCode, IssuedEntry, RecordEntry};

/// Entries per status list shard: the specification's minimum (16 KiB of bits). An issuer of
/// 100 million credentials has ~763 shards per purpose; indexes are allocated at random across
/// a pool of `status_shards` shards (see [`credentials::status::allocate_across`]).
pub const SHARD_SIZE: u64 = 131_072;

/// Why an issuer operation failed.
#[derive(Debug, thiserror::Error)]
pub enum IssuerError {
    #[error("line {line}: {reason}")]
    ImportLine { line: usize, reason: String },
    #[error("this node is not an issuer")]
    NotIssuer,
    #[error("this issuer does not issue {kind} (it issues: {issues})")]
    KindNotIssued { kind: String, issues: String },
    /// The same answer for a code that never existed and one spent by someone else.
    #[error("unknown or already used claim code")]
    UnknownCode,
    /// A code imported with a transaction code is claimed over OpenID4VCI, which carries it.
    #[error("this claim code needs its transaction code: receive it with a wallet from the letter's OpenID4VCI offer (`vcnode wallet receive OFFER --tx-code …`)")]
    NeedsTxCode,
    /// The same answer for an id never issued and one issued to another holder.
    #[error("no credential {id} was issued to you here")]
    NotIssuedToYou { id: String },
    #[error("credential {id} is {state} (or its list is missing): no staple")]
    NotInForce { id: String, state: &'static str },
    #[error("the peer's key is not Ed25519 (it has no did:key to issue to)")]
    PeerKey,
    /// A format vcnet holders do not claim in (vc+cose is issued over the VC-API, dc+sd-jwt
    /// to phone wallets over OpenID4VCI).
    #[error("{format} credentials are not claimed over the network; claim di, jwt or sd-jwt")]
    NotClaimable { format: Format },
    /// A format bulk issuance does not make: an SD-JWT VC's id is a digest of the signed
    /// credential, while a bulk batch commits every id before it signs (to resume safely).
    #[error("{format} credentials are issued one by one to phone wallets over OpenID4VCI, not in bulk; bulk issuance makes di, jwt, sd-jwt, cose and jwt_vc_json")]
    NotInBulk { format: Format },
    /// What was asked cannot be made into a credential (subject, holder).
    #[error("{0}")]
    Credential(#[from] credentials::issue::IssueError),
    /// The issuer's own state is unreadable or a worker failed.
    #[error("issuer state: {0}")]
    Internal(String),
    #[error("store: {0}")]
    Store(#[from] crate::store::StoreError),
}

/// What an import produced: one claim code per record, to hand to each citizen.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    /// The kind imported.
    #[serde(serialize_with = "credentials::kind::serialize_short")]
    #[schema(value_type = String, example = "identity")]
    pub kind: CredentialKind,
    /// (record id, claim code) pairs. Codes are shown once; only their digests are stored.
    #[schema(value_type = Vec<Vec<String>>)]
    pub codes: Vec<(String, String)>,
    /// (record id, transaction code) pairs, when asked for: sent to the citizen apart from the
    /// letter (SMS, the counter), shown once; only their digests are stored.
    #[serde(rename = "txCodes", skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Vec<String>>)]
    pub tx_codes: Vec<(String, String)>,
    /// On a resumed import: records already claimed, left as they were (no new code).
    #[serde(rename = "alreadyClaimed", skip_serializing_if = "Vec::is_empty")]
    pub already_claimed: Vec<String>,
}

pub(super) fn code_digest(code: &str) -> String {
    blake3::hash(code.trim().as_bytes()).to_hex().to_string()
}

fn new_code(rng: &mut impl RngCore) -> String {
    let mut b = [0u8; 10];
    rng.fill_bytes(&mut b);
    let s = bs58::encode(b).into_string();
    // Groups of 4 are easier to read out at a counter.
    s.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// A transaction code: `digits` random decimal digits.
fn new_tx_code(rng: &mut impl RngCore, digits: u8) -> String {
    use rand::Rng;
    (0..digits)
        .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
        .collect()
}

impl Node {
    pub(super) fn check_issues(&self, kind: CredentialKind) -> Result<(), IssuerError> {
        if !self.cfg.has_role(Role::Issuer) {
            return Err(IssuerError::NotIssuer);
        }
        if !self.cfg.issue_kinds.contains(&kind) {
            return Err(IssuerError::KindNotIssued {
                kind: kind.type_name().into(),
                issues: self
                    .cfg
                    .issue_kinds
                    .iter()
                    .map(|k| k.type_name())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        Ok(())
    }

    /// Validates every record against the kind's schema and imports them all, or none.
    pub fn import_records(
        &self,
        kind: CredentialKind,
        text: &str,
    ) -> Result<ImportReport, IssuerError> {
        self.import_records_resuming(kind, text, false)
    }

    /// [`Node::import_records`]; with `resume`, records already imported get a new code in
    /// place of one that never reached the operator, and records already claimed are skipped
    /// (listed in the report) instead of refusing the whole file.
    pub fn import_records_resuming(
        &self,
        kind: CredentialKind,
        text: &str,
        resume: bool,
    ) -> Result<ImportReport, IssuerError> {
        self.import_records_with(kind, text, resume, None)
    }

    /// [`Node::import_records_resuming`]; with `tx_code_digits`, each record also gets a
    /// random numeric transaction code of that many digits (4 to 8), shown once in the report
    /// and sent to the citizen apart from the letter: the OpenID4VCI token request must carry it.
    pub fn import_records_with(
        &self,
        kind: CredentialKind,
        text: &str,
        resume: bool,
        tx_code_digits: Option<u8>,
    ) -> Result<ImportReport, IssuerError> {
        if let Some(d) = tx_code_digits {
            if !(4..=8).contains(&d) {
                return Err(IssuerError::ImportLine {
                    line: 0,
                    reason: format!("txCode: {d} digits; 4 to 8 are allowed"),
                });
            }
        }
        self.check_issues(kind)?;
        let parsed = parse_records(kind, text)?;
        let mut rng = rand::rngs::OsRng;
        let mut batch = Vec::with_capacity(parsed.len());
        let mut codes = Vec::with_capacity(parsed.len());
        let mut tx_codes = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (line, subject) in parsed {
            if let Err(v) = schema::validate_subject(kind, &subject) {
                let first = &v[0];
                return Err(IssuerError::ImportLine {
                    line,
                    reason: format!("{}: {}", first.field, first.reason),
                });
            }
            let id = record_id(kind, &subject);
            if !seen.insert(id.clone()) {
                return Err(IssuerError::ImportLine {
                    line,
                    reason: format!("record {id} appears twice in this file"),
                });
            }
            let code = new_code(&mut rng);
            let digest = code_digest(&code);
            let tx = tx_code_digits.map(|d| new_tx_code(&mut rng, d));
            batch.push((
                RecordEntry {
                    id: id.clone(),
                    kind,
                    subject,
                    claimed_by: None,
                    code_digest: Some(digest.clone()),
                    tx_code_digest: tx.as_deref().map(code_digest),
                },
                digest,
            ));
            if let Some(tx) = tx {
                tx_codes.push((id.clone(), tx));
            }
            codes.push((id, code));
        }
        let skipped = self.store.import_records(&batch, resume)?;
        codes.retain(|(id, _)| !skipped.contains(id));
        tx_codes.retain(|(id, _)| !skipped.contains(id));
        tracing::info!(
            kind = kind.short_name(),
            count = codes.len(),
            "records imported"
        );
        Ok(ImportReport {
            kind,
            codes,
            tx_codes,
            already_claimed: skipped,
        })
    }

    /// The allocation state of this issuer's shards, decoded from the store (shards that
    /// never handed out an index are empty).
    pub(super) fn load_allocators(&self) -> Result<Vec<IndexAllocator>, IssuerError> {
        let b64 = base64::engine::general_purpose::STANDARD;
        let mut shards: Vec<IndexAllocator> = Vec::new();
        for e in self.store.allocation(&self.status_base)? {
            let a = b64
                .decode(&e.bitmap)
                .ok()
                .and_then(|b| IndexAllocator::from_bytes(b, SHARD_SIZE).ok())
                .ok_or_else(|| {
                    IssuerError::Internal(format!(
                        "stored allocation state of shard {} is unreadable",
                        e.shard
                    ))
                })?;
            // Shards that never handed out an index are not stored: fill the gaps.
            while shards.len() < e.shard as usize {
                shards.push(IndexAllocator::new(SHARD_SIZE));
            }
            shards.push(a);
        }
        Ok(shards)
    }

    /// The stored form of shard `shard`'s allocation state.
    pub(super) fn allocation_entry(&self, shard: u32, a: &IndexAllocator) -> AllocationEntry {
        AllocationEntry {
            base: self.status_base.clone(),
            shard,
            bitmap: base64::engine::general_purpose::STANDARD.encode(a.as_bytes()),
        }
    }

    /// Allocates a status index at random across the pool of shards (opening a shard, with
    /// fresh lists, when it gets its first index).
    pub(super) async fn allocate(&self) -> Result<(u32, u64, AllocationEntry, bool), IssuerError> {
        let mut shards = self.load_allocators()?;
        let a = allocate_across(
            &mut shards,
            self.cfg.status_shards.max(1) as usize,
            SHARD_SIZE,
            &mut rand::rngs::OsRng,
        );
        let entry = self.allocation_entry(a.shard as u32, &shards[a.shard]);
        Ok((a.shard as u32, a.index, entry, a.opened))
    }

    /// Creates the lists of every shard this issuer has allocated from but holds no list of
    /// (a store written before a new shard's lists went into the issuance batch, or a crash
    /// in such a version), so that every handed-out index can be revoked. Returns how many.
    pub fn repair_missing_lists(&self) -> Result<usize, IssuerError> {
        let mut missing = Vec::new();
        for a in self.store.allocation(&self.status_base)? {
            for l in self.shard_lists(a.shard) {
                if self.replicator.with_list(&l.id, |_| ()).is_none() {
                    missing.push(l);
                }
            }
        }
        let n = missing.len();
        if n > 0 {
            self.replicator
                .create_own(missing, |rows| self.store.put_lists(rows))?;
            tracing::warn!(
                lists = n,
                "created status lists missing for allocated shards"
            );
        }
        Ok(n)
    }

    /// The list URL of a shard.
    pub fn list_url(&self, purpose: StatusPurpose, shard: u32) -> String {
        format!("{}/{}/{shard}", self.status_base, purpose.as_str())
    }

    async fn sign(&self, format: Format, req: CredentialRequest) -> Result<String, IssuerError> {
        let id = self.identity.clone();
        tokio::task::spawn_blocking(move || {
            issue(format, &id, &req, &mut rand::rngs::OsRng).map(|i| i.to_text())
        })
        .await
        .map_err(|e| IssuerError::Internal(format!("signing task: {e}")))?
        .map_err(IssuerError::from)
    }

    pub(super) fn request(
        &self,
        kind: CredentialKind,
        subject: Value,
        holder: Option<String>,
        shard: u32,
        index: u64,
    ) -> CredentialRequest {
        let now = chrono::Utc::now();
        CredentialRequest {
            kind,
            subject,
            holder,
            id: None,
            valid_from: now,
            valid_until: (self.cfg.credential_days > 0)
                .then(|| now + chrono::Duration::days(self.cfg.credential_days as i64)),
            status: self.status_entries(shard, index),
        }
    }

    /// The entries of index `index` of shard `shard`: on its revocation list and its
    /// suspension list.
    pub(super) fn status_entries(&self, shard: u32, index: u64) -> Vec<StatusEntry> {
        [StatusPurpose::Revocation, StatusPurpose::Suspension]
            .into_iter()
            .map(|purpose| {
                let list = self.list_url(purpose, shard);
                StatusEntry {
                    id: Some(format!("{list}#{index}")),
                    purpose,
                    index,
                    list,
                    message: None,
                    reference: None,
                }
            })
            .collect()
    }

    /// Issues a credential for `subject` directly (VC-API `/credentials/issue`, admin only).
    pub async fn issue_direct(
        &self,
        kind: CredentialKind,
        subject: Value,
        holder: Option<String>,
        format: Format,
    ) -> Result<(String, String), IssuerError> {
        self.check_issues(kind)?;
        let _guard = self.issuer_lock.lock().await;
        let (shard, index, alloc, new_shard) = self.allocate().await?;
        let req = self.request(kind, subject, holder.clone(), shard, index);
        let text = self.sign(format, req).await?;
        let cred_id = issued_id(&text)?;
        let issued = self.direct_entry(&cred_id, Some(kind), holder, format, shard, index);
        self.commit_direct(&issued, &alloc, new_shard, None).await?;
        self.metrics.issued(format);
        Ok((cred_id, text))
    }

    /// The index entry of a direct issuance (no record, no claim code).
    pub(super) fn direct_entry(
        &self,
        credential_id: &str,
        kind: Option<CredentialKind>,
        holder: Option<String>,
        format: Format,
        shard: u32,
        index: u64,
    ) -> IssuedEntry {
        IssuedEntry {
            credential_id: credential_id.to_owned(),
            kind,
            holder,
            format,
            list_base: self.status_base.clone(),
            shard,
            index,
            record_id: None,
            message_list: None,
            issued_at: credentials::time::format(chrono::Utc::now()),
            status_changes: Vec::new(),
        }
    }

    /// Commits a direct issuance (its index entry, the allocation, the lists of a shard it
    /// opened and a message list it opened, in one batch), then announces the opened lists.
    pub(super) async fn commit_direct(
        &self,
        issued: &IssuedEntry,
        alloc: &AllocationEntry,
        new_shard: bool,
        new_message_list: Option<StatusList>,
    ) -> Result<(), IssuerError> {
        let mut lists = if new_shard {
            self.shard_lists(issued.shard)
        } else {
            vec![]
        };
        let opened_url = new_message_list.as_ref().map(|l| l.id.clone());
        lists.extend(new_message_list);
        self.replicator.create_own(lists, |rows| {
            self.store.commit_direct_issuance(issued, alloc, rows)
        })?;
        if new_shard {
            self.announce_shard(issued.shard).await;
        }
        if let Some(url) = opened_url {
            self.announce_list(&url).await;
        }
        Ok(())
    }

    /// The URL of shard `shard`'s `message` list of `scheme` (one list per scheme and shard;
    /// a credential's entry has the same index as on the shard's other lists).
    pub fn message_list_url(&self, scheme: &MessageScheme, shard: u32) -> String {
        format!("{}/message-{}/{shard}", self.status_base, scheme.id())
    }

    /// Answers a holder's claim.
    pub(super) async fn handle_claim(&self, peer: PeerId, req: ClaimRequest) -> ClaimResponse {
        match self.claim(peer, req).await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(%peer, error = %e, "claim refused");
                ClaimResponse::Refused {
                    reason: e.to_string(),
                }
            }
        }
    }

    /// A status staple for `holder`'s own credential `id`: "neither revoked nor suspended as
    /// of now", signed. Anyone but the holder it was issued to gets the same answer as for an
    /// id never issued; a revoked or suspended credential gets none.
    fn staple_for(&self, holder: &str, id: &str) -> Result<ClaimResponse, IssuerError> {
        let not_found = || IssuerError::NotIssuedToYou { id: id.to_owned() };
        let issued = self.store.issued(id)?.ok_or_else(not_found)?;
        if issued.holder.as_deref() != Some(holder) {
            return Err(not_found());
        }
        for purpose in [StatusPurpose::Revocation, StatusPurpose::Suspension] {
            let url = issued.list_url(purpose);
            let set = self
                .replicator
                .with_list(&url, |l| l.bits.get(issued.index).unwrap_or(true))
                .unwrap_or(true);
            if set {
                return Err(IssuerError::NotInForce {
                    id: id.to_owned(),
                    state: purpose.past_tense(),
                });
            }
        }
        let staple =
            credentials::status::Staple::valid(self.identity.did(), id, chrono::Utc::now())
                .sign(&self.identity);
        tracing::info!(credential_id = id, "status staple issued");
        Ok(ClaimResponse::Stapled { staple })
    }

    async fn claim(&self, peer: PeerId, req: ClaimRequest) -> Result<ClaimResponse, IssuerError> {
        if !self.cfg.has_role(Role::Issuer) {
            return Err(IssuerError::NotIssuer);
        }
        // The holder's DID is its peer key: the Noise handshake proved control of it.
        let holder = crate::net::did_of_peer_id(&peer).ok_or(IssuerError::PeerKey)?;
        if let Some(id) = &req.staple {
            return self.staple_for(&holder, id);
        }
        let format = req.format.unwrap_or(self.cfg.issue_format);
        if matches!(format, Format::Cose | Format::SdJwtVc | Format::JwtVcJson) {
            return Err(IssuerError::NotClaimable { format });
        }
        let _guard = self.issuer_lock.lock().await;
        let digest = code_digest(&req.code);
        let Some(record) = self.store.record_for_code(&digest)? else {
            // A spent code claimed again by the holder it was spent on (its reply was lost, or
            // its clock refused what it got): the same credential again, in the same format.
            // Anyone else gets the same answer as for a code that never existed.
            return match self.store.claimed_code(&digest)? {
                Some(c) if c.holder == holder && c.format == format => {
                    tracing::info!(credential_id = %c.credential_id, "claim repeated by its holder; same credential sent again");
                    Ok(ClaimResponse::Issued {
                        credential_id: c.credential_id,
                        kind: c.kind,
                        format: c.format,
                        credential: c.credential,
                    })
                }
                _ => Err(IssuerError::UnknownCode),
            };
        };
        if record.tx_code_digest.is_some() {
            return Err(IssuerError::NeedsTxCode);
        }
        let kind = record.kind;
        let (cred_id, text) = self
            .issue_for_record(&digest, &record, &holder, format)
            .await?;
        Ok(ClaimResponse::Issued {
            credential_id: cred_id,
            kind,
            format,
            credential: text,
        })
    }
}

impl Node {
    /// Issues the credential a claim code stands for, to `holder`, in `format`, and commits
    /// it (code spent, record claimed, index entry, allocation, lists of a shard it opened) in
    /// one batch. The caller holds the issuer lock and has found `record` by `digest`.
    pub(super) async fn issue_for_record(
        &self,
        digest: &str,
        record: &RecordEntry,
        holder: &str,
        format: Format,
    ) -> Result<(String, String), IssuerError> {
        let kind = record.kind;
        self.check_issues(kind)?;
        let (shard, index, alloc, new_shard) = self.allocate().await?;
        let req = self.request(
            kind,
            record.subject.clone(),
            Some(holder.to_owned()),
            shard,
            index,
        );
        let text = self.sign(format, req).await?;
        let cred_id = issued_id(&text)?;
        let mut claimed = record.clone();
        claimed.claimed_by = Some(cred_id.clone());
        claimed.code_digest = None;
        claimed.tx_code_digest = None;
        let issued = IssuedEntry {
            credential_id: cred_id.clone(),
            kind: Some(kind),
            holder: Some(holder.to_owned()),
            format,
            list_base: self.status_base.clone(),
            shard,
            index,
            record_id: Some(record.id.clone()),
            message_list: None,
            issued_at: credentials::time::format(chrono::Utc::now()),
            status_changes: Vec::new(),
        };
        let delivered = ClaimedCode {
            holder: holder.to_owned(),
            credential_id: cred_id.clone(),
            kind,
            format,
            credential: text.clone(),
        };
        let lists = if new_shard {
            self.shard_lists(shard)
        } else {
            vec![]
        };
        self.replicator.create_own(lists, |rows| {
            self.store
                .commit_issuance(digest, &delivered, &claimed, &issued, &alloc, rows)
        })?;
        if new_shard {
            self.announce_shard(shard).await;
        }
        tracing::info!(credential_id = %cred_id, kind = kind.short_name(), format = format.short_name(), "issued");
        self.metrics.issued(format);
        Ok((cred_id, text))
    }
}

/// The id of a credential this issuer just made (every one it makes has one).
pub(super) fn issued_id(text: &str) -> Result<String, IssuerError> {
    credential_id_of(text)
        .ok_or_else(|| IssuerError::Internal("an issued credential has no `id`".into()))
}

/// The `id` of an issued credential in any of vcnet's formats.
pub fn credential_id_of(text: &str) -> Option<String> {
    let t = text.trim();
    if t.starts_with('{') {
        return serde_json::from_str::<Value>(t)
            .ok()?
            .get("id")?
            .as_str()
            .map(str::to_owned);
    }
    if t.starts_with(credentials::cose::DATA_URL_PREFIX) {
        let cose = credentials::cose::parse(&credentials::cose::from_data_url(t).ok()?).ok()?;
        let v: Value = serde_json::from_slice(&cose.payload).ok()?;
        return v.get("id")?.as_str().map(str::to_owned);
    }
    let jws = t.split('~').next()?;
    let parsed = credentials::jose::CompactJws::parse(jws).ok()?;
    let v: Value = parsed.payload_json().ok()?;
    match v.get("id") {
        Some(id) => id.as_str().map(str::to_owned),
        // An SD-JWT VC names no id; issuer and holder derive the same one.
        None if v.get("vct").is_some() => Some(credentials::sd_jwt_vc::credential_id(jws)),
        // A VCDM 1.1 JWT (jwt_vc_json) carries the id as `jti`.
        None if v.get("vc").is_some() => v.get("jti")?.as_str().map(str::to_owned),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_random_and_digests_stable() {
        let mut rng = rand::rngs::OsRng;
        let a = new_code(&mut rng);
        let b = new_code(&mut rng);
        assert_ne!(a, b);
        assert_eq!(code_digest(&a), code_digest(&format!(" {a} ")));
    }
}
