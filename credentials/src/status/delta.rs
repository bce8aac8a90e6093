//! A status list as a node holds it (bits + version), and the signed messages that move it
//! between nodes: a delta (version n → n+1: indexes set and cleared, and the blake3 digest of
//! the resulting list) and a full snapshot. Both are compact JWS signed by the list's issuer, so
//! any node can check them offline; the digest lets a node detect that it diverged.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Bitstring, MessageScheme, StatusError, StatusPurpose, MAX_STATUS_SIZE};
use crate::did::{did_of_url, Identity, KeyResolver};
use crate::jose::{sign_compact, CompactJws, Header};

/// `typ` of a signed delta.
pub const DELTA_TYP: &str = "vcnet-status-delta+jwt";
/// `typ` of a signed snapshot.
pub const SNAPSHOT_TYP: &str = "vcnet-status-snapshot+jwt";
/// Most indexes one delta may change: bounds gossip message size (8 bytes of JSON each, so a
/// full delta stays under ~80 KiB, well within the gossip limit).
pub const MAX_DELTA_CHANGES: usize = 10_000;
/// Entries of every list vcnet replicates: one shard. A received snapshot never inflates to
/// more than this.
pub const SHARD_BITS: usize = super::MIN_BITS;
/// Longest `encodedList` a replicated snapshot may carry: the `u`, then base64url of the GZIP of
/// one shard as any honest encoder may write it. Stored blocks would add only 5 bytes per 64 KiB,
/// but encoders (ours among them) Huffman-code incompressible data too, at up to 9 bits a byte:
/// a revocation list dense with random bits compresses to about 105% of its size (the sync test
/// caught 23,068 characters against the first, stored-blocks bound of 21,956). 9/8 of the raw
/// size plus 1 KiB of headers bounds them all; the inflation itself is bounded separately, to
/// one shard. Checked before anything is decoded.
pub const MAX_ENCODED_LIST_CHARS: usize = max_encoded_chars(1);

/// [`MAX_ENCODED_LIST_CHARS`] for a shard of entries of `entry_bits` bits.
pub const fn max_encoded_chars(entry_bits: usize) -> usize {
    let bits = SHARD_BITS * entry_bits;
    1 + ((bits / 8 + bits / 64 + 1024) * 4).div_ceil(3)
}

/// Bits per entry: a message list's `statusSize`, else 1.
pub fn entry_bits(message: Option<&MessageScheme>) -> usize {
    message.map_or(1, |m| usize::from(m.status_size))
}

/// One status list at one version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusList {
    /// The list's URL (its `statusListCredential`).
    pub id: String,
    /// What its bits mean.
    pub purpose: StatusPurpose,
    /// DID of the issuer that owns and signs it.
    pub issuer: String,
    /// Starts at 0 (all clear) and grows by one per delta.
    pub version: u64,
    /// The bits.
    pub bits: Bitstring,
    /// A `message` list's entry size and messages (none for revocation and suspension).
    pub message: Option<MessageScheme>,
}

/// A change from version `version - 1` to `version`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StatusDelta {
    /// List URL.
    pub list: String,
    /// Purpose of the list.
    pub purpose: StatusPurpose,
    /// Owner DID (must be the signer).
    pub issuer: String,
    /// The new version; the delta applies to `version - 1`.
    pub version: u64,
    /// Indexes whose bit becomes 1.
    #[serde(default)]
    pub set: Vec<u64>,
    /// Indexes whose bit becomes 0.
    #[serde(default)]
    pub cleared: Vec<u64>,
    /// blake3 (hex) of the list after applying.
    pub digest: String,
    /// When the issuer made the change (RFC 3339).
    pub issued: String,
}

/// A whole list at a version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StatusSnapshot {
    /// List URL.
    pub list: String,
    /// Purpose of the list.
    pub purpose: StatusPurpose,
    /// Owner DID (must be the signer).
    pub issuer: String,
    /// The version this snapshot is.
    pub version: u64,
    /// `encodedList` form of the bits.
    pub encoded_list: String,
    /// blake3 (hex) of the bits.
    pub digest: String,
    /// When the issuer took it (RFC 3339).
    pub issued: String,
    /// A `message` list's entry size and messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<MessageScheme>,
}

impl StatusSnapshot {
    /// The snapshot a JWS carries, parsed without checking its signature or inflating its
    /// list: for the cheap checks a receiver makes before any expensive work (list under its
    /// issuer's DID, issuer accredited, version newer, encoded size). Nothing in it is
    /// trusted until [`SignedSnapshot::open`] has checked it.
    pub fn peek(jws: &str) -> Result<Self, StatusError> {
        let (_, s): (_, Self) = parse_typed(SNAPSHOT_TYP, jws)?;
        s.check_size()?;
        Ok(s)
    }

    /// Refuses an `encodedList` longer than one shard can honestly need.
    fn check_size(&self) -> Result<(), StatusError> {
        let bad = |reason: String| Err(StatusError::BadMessage { reason });
        match (self.purpose, &self.message) {
            (StatusPurpose::Message, None) => {
                return bad(
                    "a message list's snapshot must give its statusSize and statusMessages".into(),
                )
            }
            (StatusPurpose::Message, Some(m))
                if m.status_size == 0 || m.status_size > MAX_STATUS_SIZE =>
            {
                return bad(format!(
                    "statusSize {} is not 1 to {MAX_STATUS_SIZE}",
                    m.status_size
                ))
            }
            (StatusPurpose::Revocation | StatusPurpose::Suspension, Some(_)) => {
                return bad(format!("a {} list has no status messages", self.purpose))
            }
            _ => {}
        }
        let max = max_encoded_chars(entry_bits(self.message.as_ref()));
        if self.encoded_list.len() > max {
            return bad(format!(
                "encodedList is {} characters; one shard of {SHARD_BITS} entries needs at most {max}",
                self.encoded_list.len()
            ));
        }
        Ok(())
    }
}

/// How a verified delta relates to the list a node holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeltaCheck {
    /// Exactly the next version: apply it.
    Next,
    /// The version the node already has.
    Duplicate,
    /// Older than what the node has.
    Old,
    /// Newer than next: versions in between are missing; sync.
    Gap { have: u64, got: u64 },
    /// The node has never seen this list: it needs a snapshot first.
    Unknown,
}

impl StatusList {
    /// A new, all-clear list at version 0.
    pub fn new(
        id: &str,
        purpose: StatusPurpose,
        issuer: &str,
        size: usize,
    ) -> Result<Self, StatusError> {
        Ok(Self {
            id: id.to_owned(),
            purpose,
            issuer: issuer.to_owned(),
            version: 0,
            bits: Bitstring::new(size)?,
            message: None,
        })
    }

    /// A new, all-clear `message` list at version 0: `entries` entries of the scheme's size.
    pub fn new_message(
        id: &str,
        issuer: &str,
        scheme: MessageScheme,
        entries: usize,
    ) -> Result<Self, StatusError> {
        let mut list = Self::new(
            id,
            StatusPurpose::Message,
            issuer,
            entries * usize::from(scheme.status_size),
        )?;
        list.message = Some(scheme);
        Ok(list)
    }

    /// Entries in the list (bits divided by the entry size).
    pub fn entries(&self) -> u64 {
        (self.bits.len() / entry_bits(self.message.as_ref())) as u64
    }

    /// The value of entry `index` of a message list (its bits, the first most significant).
    pub fn value(&self, index: u64) -> Result<u64, StatusError> {
        let Some(m) = &self.message else {
            return self.bits.get(index).map(u64::from);
        };
        let mut v = 0;
        for pos in m.bits_of(index) {
            v = v << 1 | u64::from(self.bits.get(pos)?);
        }
        Ok(v)
    }

    /// Applies a local change (the issuer's own revoke/suspend/reinstate), bumping the version,
    /// and returns the delta to sign and publish. Nothing changes if an index is out of range.
    pub fn change(
        &mut self,
        set: &[u64],
        cleared: &[u64],
        at: DateTime<Utc>,
    ) -> Result<StatusDelta, StatusError> {
        let mut bits = self.bits.clone();
        for &i in set {
            bits.set(i, true)?;
        }
        for &i in cleared {
            bits.set(i, false)?;
        }
        self.bits = bits;
        self.version += 1;
        Ok(StatusDelta {
            list: self.id.clone(),
            purpose: self.purpose,
            issuer: self.issuer.clone(),
            version: self.version,
            set: set.to_vec(),
            cleared: cleared.to_vec(),
            digest: self.bits.digest_hex(),
            issued: crate::time::format(at),
        })
    }

    /// Where a delta for this list stands relative to this copy.
    pub fn check(&self, delta: &StatusDelta) -> DeltaCheck {
        match delta.version {
            v if v == self.version + 1 => DeltaCheck::Next,
            v if v == self.version => DeltaCheck::Duplicate,
            v if v < self.version => DeltaCheck::Old,
            v => DeltaCheck::Gap {
                have: self.version,
                got: v,
            },
        }
    }

    /// Applies the next delta from the owner, all or nothing: list, purpose, owner, version and
    /// resulting digest must all match.
    pub fn apply(&mut self, delta: &StatusDelta) -> Result<(), StatusError> {
        let bad = |reason: String| StatusError::BadMessage { reason };
        if delta.list != self.id || delta.purpose != self.purpose {
            return Err(bad(format!(
                "delta is for {} ({}), not {} ({})",
                delta.list, delta.purpose, self.id, self.purpose
            )));
        }
        if delta.issuer != self.issuer {
            return Err(bad(format!(
                "delta is from {}, but the list belongs to {}",
                delta.issuer, self.issuer
            )));
        }
        if delta.version != self.version + 1 {
            return Err(bad(format!(
                "delta is version {}, this list is at {} (expected {})",
                delta.version,
                self.version,
                self.version + 1
            )));
        }
        let mut bits = self.bits.clone();
        for &i in &delta.set {
            bits.set(i, true)?;
        }
        for &i in &delta.cleared {
            bits.set(i, false)?;
        }
        let digest = bits.digest_hex();
        if digest != delta.digest {
            return Err(bad(format!(
                "digest of the resulting list is {digest}, the delta says {}",
                delta.digest
            )));
        }
        self.bits = bits;
        self.version = delta.version;
        Ok(())
    }

    /// A snapshot of this list.
    pub fn snapshot(&self, at: DateTime<Utc>) -> StatusSnapshot {
        StatusSnapshot {
            list: self.id.clone(),
            purpose: self.purpose,
            issuer: self.issuer.clone(),
            version: self.version,
            encoded_list: self.bits.encode(),
            digest: self.bits.digest_hex(),
            issued: crate::time::format(at),
            message: self.message.clone(),
        }
    }

    /// The list a snapshot describes, checking its digest.
    pub fn from_snapshot(s: &StatusSnapshot) -> Result<Self, StatusError> {
        Self::from_snapshot_bounded(s, super::MAX_BITS)
    }

    /// [`StatusList::from_snapshot`], inflating at most `max_bits` entries.
    /// A message list may hold `max_bits` entries of its `statusSize` bits each.
    pub fn from_snapshot_bounded(s: &StatusSnapshot, max_bits: usize) -> Result<Self, StatusError> {
        s.check_size()?;
        let entry = entry_bits(s.message.as_ref());
        let bits = Bitstring::decode_bounded(&s.encoded_list, max_bits.saturating_mul(entry))?;
        if bits.len() % entry != 0 {
            return Err(StatusError::BadMessage {
                reason: format!(
                    "a list of {}-bit entries has {} bits, not a multiple",
                    entry,
                    bits.len()
                ),
            });
        }
        let digest = bits.digest_hex();
        if digest != s.digest {
            return Err(StatusError::BadMessage {
                reason: format!(
                    "snapshot digest is {}, its list hashes to {digest}",
                    s.digest
                ),
            });
        }
        Ok(Self {
            id: s.list.clone(),
            purpose: s.purpose,
            issuer: s.issuer.clone(),
            version: s.version,
            bits,
            message: s.message.clone(),
        })
    }
}

pub(super) fn sign<T: Serialize>(typ: &str, body: &T, signer: &Identity) -> String {
    let payload = serde_json::to_vec(body).unwrap_or_default();
    sign_compact(
        &Header::eddsa(typ, Some(signer.verification_method())),
        &payload,
        signer.signing_key(),
    )
}

/// A compact JWS of type `typ` and its body, unverified.
pub(super) fn parse_typed<'a, T: serde::de::DeserializeOwned>(
    typ: &str,
    jws: &'a str,
) -> Result<(CompactJws<'a>, T), StatusError> {
    let parsed = CompactJws::parse(jws).map_err(|e| StatusError::BadMessage {
        reason: e.to_string(),
    })?;
    if parsed.header.typ.as_deref() != Some(typ) {
        return Err(StatusError::BadMessage {
            reason: format!("typ is {:?}, expected {typ}", parsed.header.typ),
        });
    }
    let body: T = parsed.payload_json().map_err(|e| StatusError::BadMessage {
        reason: e.to_string(),
    })?;
    Ok((parsed, body))
}

pub(super) fn open<T: serde::de::DeserializeOwned>(
    typ: &str,
    jws: &str,
    keys: &KeyResolver,
    issuer_of: impl Fn(&T) -> &str,
) -> Result<T, StatusError> {
    let bad_sig = |reason: String| StatusError::BadSignature { reason };
    let (parsed, body) = parse_typed::<T>(typ, jws)?;
    let kid = parsed
        .header
        .kid
        .as_deref()
        .ok_or_else(|| bad_sig("header has no kid".into()))?;
    if did_of_url(kid) != issuer_of(&body) {
        return Err(bad_sig(format!(
            "signed by {}, but the list belongs to {}",
            did_of_url(kid),
            issuer_of(&body)
        )));
    }
    let key = keys.resolve(kid).map_err(|e| bad_sig(e.to_string()))?;
    if !parsed.verify_with(&key) {
        return Err(bad_sig("Ed25519 signature does not verify".into()));
    }
    Ok(body)
}

/// A delta with its issuer's signature, as gossiped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedDelta {
    /// The delta.
    pub delta: StatusDelta,
    /// Compact JWS over it, by the list owner.
    pub jws: String,
}

impl SignedDelta {
    /// Signs a delta; `signer` must be the list owner.
    pub fn sign(delta: StatusDelta, signer: &Identity) -> Self {
        let jws = sign(DELTA_TYP, &delta, signer);
        Self { delta, jws }
    }

    /// Parses and checks a received delta: well-formed, signed by the DID its `issuer` names,
    /// and small enough. Whether it fits the receiver's copy is [`StatusList::check`].
    pub fn open(jws: &str, keys: &KeyResolver) -> Result<Self, StatusError> {
        let delta: StatusDelta = open(DELTA_TYP, jws, keys, |d: &StatusDelta| d.issuer.as_str())?;
        if delta.set.len() + delta.cleared.len() > MAX_DELTA_CHANGES {
            return Err(StatusError::BadMessage {
                reason: format!("delta changes more than {MAX_DELTA_CHANGES} indexes"),
            });
        }
        if delta.version == 0 {
            return Err(StatusError::BadMessage {
                reason: "delta version 0 (deltas start at 1)".into(),
            });
        }
        if delta.purpose == StatusPurpose::Revocation && !delta.cleared.is_empty() {
            return Err(StatusError::BadMessage {
                reason: format!(
                    "delta clears {} index(es) of revocation list {}: revocation is permanent",
                    delta.cleared.len(),
                    delta.list
                ),
            });
        }
        Ok(Self {
            delta,
            jws: jws.to_owned(),
        })
    }
}

/// A snapshot with its issuer's signature, as gossiped and synced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedSnapshot {
    /// The snapshot.
    pub snapshot: StatusSnapshot,
    /// Compact JWS over it, by the list owner.
    pub jws: String,
}

impl SignedSnapshot {
    /// Signs a snapshot; `signer` must be the list owner.
    pub fn sign(snapshot: StatusSnapshot, signer: &Identity) -> Self {
        let jws = sign(SNAPSHOT_TYP, &snapshot, signer);
        Self { snapshot, jws }
    }

    /// Parses and checks a received snapshot: signature by its `issuer`, then the encoded
    /// length ([`MAX_ENCODED_LIST_CHARS`]) before inflating at most one shard
    /// ([`SHARD_BITS`]), then the digest of its list.
    pub fn open(jws: &str, keys: &KeyResolver) -> Result<(Self, StatusList), StatusError> {
        let snapshot: StatusSnapshot = open(SNAPSHOT_TYP, jws, keys, |s: &StatusSnapshot| {
            s.issuer.as_str()
        })?;
        snapshot.check_size()?;
        let list = StatusList::from_snapshot_bounded(&snapshot, SHARD_BITS)?;
        Ok((
            Self {
                snapshot,
                jws: jws.to_owned(),
            },
            list,
        ))
    }
}

#[cfg(test)]
mod tests;
