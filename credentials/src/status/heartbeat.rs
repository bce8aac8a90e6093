//! Heartbeats: an owner's signed "my lists are these, at these versions, as of `issued`". A
//! heartbeat is small (a count and a digest, whatever the number of lists) and gossiped on a
//! timer, so a verifier can tell how recently it was *confirmed* that each list it holds is
//! current — not just when it last changed. A replica whose lists of that owner hash to the
//! heartbeat's digest marks them all confirmed at `issued`; one that does not is behind (or
//! ahead of an old heartbeat) and syncs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::delta::{open, parse_typed, sign};
use super::{StatusError, StatusList};
use crate::did::{Identity, KeyResolver};

/// JWS `typ` of a heartbeat.
pub const HEARTBEAT_TYP: &str = "vcnet-status-heartbeat+jwt";

/// The body of a heartbeat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heartbeat {
    /// The owner's DID (the signer).
    pub issuer: String,
    /// How many lists the owner has.
    pub lists: u64,
    /// [`lists_digest`] of the owner's lists at their current versions.
    pub digest: String,
    /// When the owner said so (RFC 3339).
    pub issued: String,
}

/// The digest a heartbeat carries: blake3 over each list's id and version, in id order, so
/// an owner and a replica holding the same versions compute the same value.
pub fn lists_digest<'a>(lists: impl IntoIterator<Item = &'a StatusList>) -> (u64, String) {
    let mut pairs: Vec<(&str, u64)> = lists
        .into_iter()
        .map(|l| (l.id.as_str(), l.version))
        .collect();
    pairs.sort_unstable();
    let mut h = blake3::Hasher::new();
    for (id, version) in &pairs {
        h.update(id.as_bytes());
        h.update(&[0]);
        h.update(&version.to_be_bytes());
    }
    (pairs.len() as u64, h.finalize().to_hex().to_string())
}

impl Heartbeat {
    /// The heartbeat of `owner`'s `lists` at `at`.
    pub fn of<'a>(
        owner: &str,
        lists: impl IntoIterator<Item = &'a StatusList>,
        at: DateTime<Utc>,
    ) -> Self {
        let (count, digest) = lists_digest(lists);
        Self {
            issuer: owner.to_owned(),
            lists: count,
            digest,
            issued: crate::time::format(at),
        }
    }

    /// `issued`, parsed.
    pub fn issued_at(&self) -> Result<DateTime<Utc>, StatusError> {
        crate::time::parse(&self.issued).map_err(|reason| StatusError::BadMessage {
            reason: format!("heartbeat issued: {reason}"),
        })
    }

    /// The heartbeat a JWS carries, unverified (for the cheap checks before the signature).
    pub fn peek(jws: &str) -> Result<Self, StatusError> {
        let (_, h): (_, Self) = parse_typed(HEARTBEAT_TYP, jws)?;
        h.check_shape()?;
        Ok(h)
    }

    fn check_shape(&self) -> Result<(), StatusError> {
        self.issued_at()?;
        if self.digest.len() != 64 || !self.digest.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(StatusError::BadMessage {
                reason: "heartbeat digest is not 64 hex digits".into(),
            });
        }
        Ok(())
    }
}

/// A heartbeat with its owner's signature, as gossiped and synced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeartbeat {
    /// The heartbeat.
    pub heartbeat: Heartbeat,
    /// Compact JWS over it, by the owner.
    pub jws: String,
}

impl SignedHeartbeat {
    /// Signs a heartbeat; `signer` must be its `issuer`.
    pub fn sign(heartbeat: Heartbeat, signer: &Identity) -> Self {
        let jws = sign(HEARTBEAT_TYP, &heartbeat, signer);
        Self { heartbeat, jws }
    }

    /// Parses and checks a received heartbeat: well-formed and signed by the DID its `issuer`
    /// names. Whether it is newer, and whether the receiver's lists match, is the replica's.
    pub fn open(jws: &str, keys: &KeyResolver) -> Result<Self, StatusError> {
        let heartbeat: Heartbeat =
            open(HEARTBEAT_TYP, jws, keys, |h: &Heartbeat| h.issuer.as_str())?;
        heartbeat.check_shape()?;
        Ok(Self {
            heartbeat,
            jws: jws.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::{StatusPurpose, MIN_BITS};

    fn list(owner: &Identity, n: u32) -> StatusList {
        StatusList::new(
            &format!("https://x.example/{}/revocation/{n}", owner.did()),
            StatusPurpose::Revocation,
            owner.did(),
            MIN_BITS,
        )
        .unwrap()
    }

    #[test]
    fn digest_follows_versions_not_order() {
        let owner = Identity::from_seed(&[5; 32]);
        let (a, mut b) = (list(&owner, 0), list(&owner, 1));
        let d1 = lists_digest([&a, &b]);
        assert_eq!(d1, lists_digest([&b, &a]), "order must not matter");
        b.change(&[7], &[], Utc::now()).unwrap();
        let d2 = lists_digest([&a, &b]);
        assert_ne!(d1.1, d2.1, "a new version must change the digest");
        assert_ne!(lists_digest([&a]).0, d2.0);
    }

    #[test]
    fn heartbeat_signature_and_owner_are_checked() {
        let owner = Identity::from_seed(&[5; 32]);
        let other = Identity::from_seed(&[6; 32]);
        let keys = KeyResolver::new();
        let l = list(&owner, 0);
        let hb = Heartbeat::of(owner.did(), [&l], Utc::now());
        let signed = SignedHeartbeat::sign(hb.clone(), &owner);
        assert_eq!(
            SignedHeartbeat::open(&signed.jws, &keys).unwrap().heartbeat,
            hb
        );
        // Another key signing the owner's heartbeat is refused.
        let forged = SignedHeartbeat::sign(hb, &other);
        let err = SignedHeartbeat::open(&forged.jws, &keys).unwrap_err();
        assert!(err.to_string().contains("signed by"), "{err}");
        // A snapshot is not a heartbeat, though both are signed by the owner.
        let snap = crate::status::SignedSnapshot::sign(l.snapshot(Utc::now()), &owner);
        assert!(Heartbeat::peek(&snap.jws)
            .unwrap_err()
            .to_string()
            .contains("typ"));
        let mut bad = Heartbeat::of(owner.did(), [&l], Utc::now());
        bad.digest = "zz".into();
        let bad = SignedHeartbeat::sign(bad, &owner);
        assert!(SignedHeartbeat::open(&bad.jws, &keys)
            .unwrap_err()
            .to_string()
            .contains("digest"));
    }
}
