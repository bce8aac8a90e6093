//! Accreditations: the root authority's signed statement that an issuer DID (with a display
//! name) may issue given credential kinds during a period, and its signed withdrawal. Both are
//! compact JWS by the root DID that every node pins in its config.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::did::{did_of_url, Identity, KeyResolver};
use crate::jose::{sign_compact, CompactJws, Header};
use crate::kind::CredentialKind;

/// `typ` of a signed accreditation.
pub const ACCREDITATION_TYP: &str = "vcnet-accreditation+jwt";
/// `typ` of a signed withdrawal.
pub const WITHDRAWAL_TYP: &str = "vcnet-withdrawal+jwt";

/// Why a trust message was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrustError {
    #[error("trust message: {reason}")]
    Malformed { reason: String },
    #[error("trust message is signed by {signer}, not the pinned root authority {root}")]
    NotRoot { signer: String, root: String },
    #[error("trust message signature does not verify")]
    BadSignature,
}

/// The root authority's statement about one issuer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Accreditation {
    /// The accredited issuer's DID.
    pub issuer: String,
    /// Display name verifiers show ("Bach Mai Hospital").
    pub name: String,
    /// Kinds it may issue.
    pub kinds: Vec<CredentialKind>,
    /// Start of the accreditation (RFC 3339).
    pub valid_from: String,
    /// End of the accreditation (RFC 3339), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    /// Monotonic per issuer: a newer accreditation replaces an older one.
    pub version: u64,
}

/// The root authority withdrawing an issuer's accreditation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Withdrawal {
    /// The issuer.
    pub issuer: String,
    /// When it takes effect (RFC 3339).
    pub withdrawn: String,
    /// Must exceed the version of the accreditation it withdraws.
    pub version: u64,
}

/// What a node's registry holds for one issuer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustEntry {
    /// The latest accreditation.
    pub accreditation: Accreditation,
    /// Set once withdrawn (RFC 3339 time).
    pub withdrawn: Option<String>,
}

/// Whether a trust message of `version` supersedes what a node holds for its issuer: the held
/// accreditation's version and, when withdrawn, the withdrawal's. Accreditations and
/// withdrawals of one issuer share one version sequence, and only a strictly newer message
/// applies, so replaying an old withdrawal cannot withdraw a re-accredited issuer, and an old
/// accreditation cannot undo a newer withdrawal.
pub fn supersedes(version: u64, held_accreditation: u64, held_withdrawal: Option<u64>) -> bool {
    version > held_accreditation.max(held_withdrawal.unwrap_or(0))
}

impl TrustEntry {
    /// Whether this entry accredits `kind` at `now`; the error says why not.
    pub fn permits(&self, kind: CredentialKind, now: DateTime<Utc>) -> Result<(), String> {
        self.active_at(now)?;
        let a = &self.accreditation;
        if !a.kinds.contains(&kind) {
            let kinds: Vec<&str> = a.kinds.iter().map(|k| k.type_name()).collect();
            return Err(format!(
                "issuer not accredited for {kind}: {} is accredited for {}",
                a.name,
                kinds.join(", ")
            ));
        }
        Ok(())
    }

    /// Whether the accreditation is in force at `now` for any kind: not withdrawn, within
    /// `validFrom`..`validUntil`. (Status lists are not tied to a kind: a node replicates the
    /// lists of every issuer in force.)
    pub fn active_at(&self, now: DateTime<Utc>) -> Result<(), String> {
        let a = &self.accreditation;
        if let Some(w) = &self.withdrawn {
            if crate::time::parse(w).map(|t| t <= now).unwrap_or(true) {
                return Err(format!(
                    "issuer not accredited: {} ({}) had its accreditation withdrawn at {w}",
                    a.name, a.issuer
                ));
            }
        }
        let from = crate::time::parse(&a.valid_from)
            .map_err(|e| format!("accreditation validFrom: {e}"))?;
        if now < from {
            return Err(format!(
                "issuer not accredited yet: {}'s accreditation starts {}",
                a.name, a.valid_from
            ));
        }
        if let Some(until) = &a.valid_until {
            let until_t =
                crate::time::parse(until).map_err(|e| format!("accreditation validUntil: {e}"))?;
            if now > until_t {
                return Err(format!(
                    "issuer not accredited: {}'s accreditation ended {until}",
                    a.name
                ));
            }
        }
        Ok(())
    }
}

fn sign<T: Serialize>(typ: &str, body: &T, root: &Identity) -> String {
    sign_compact(
        &Header::eddsa(typ, Some(root.verification_method())),
        &serde_json::to_vec(body).unwrap_or_default(),
        root.signing_key(),
    )
}

fn open<T: serde::de::DeserializeOwned>(
    typ: &str,
    jws: &str,
    root_did: &str,
    keys: &KeyResolver,
) -> Result<T, TrustError> {
    let parsed = CompactJws::parse(jws).map_err(|e| TrustError::Malformed {
        reason: e.to_string(),
    })?;
    if parsed.header.typ.as_deref() != Some(typ) {
        return Err(TrustError::Malformed {
            reason: format!("typ is {:?}, expected {typ}", parsed.header.typ),
        });
    }
    let kid = parsed.header.kid.as_deref().unwrap_or_default();
    if did_of_url(kid) != root_did {
        return Err(TrustError::NotRoot {
            signer: did_of_url(kid).to_owned(),
            root: root_did.to_owned(),
        });
    }
    let key = keys.resolve(root_did).map_err(|e| TrustError::Malformed {
        reason: e.to_string(),
    })?;
    if !parsed.verify_with(&key) {
        return Err(TrustError::BadSignature);
    }
    parsed.payload_json().map_err(|e| TrustError::Malformed {
        reason: e.to_string(),
    })
}

impl Accreditation {
    /// Signs as the root authority.
    pub fn sign(&self, root: &Identity) -> String {
        sign(ACCREDITATION_TYP, self, root)
    }

    /// Opens a signed accreditation, requiring the pinned root's signature and valid dates.
    pub fn open(jws: &str, root_did: &str, keys: &KeyResolver) -> Result<Self, TrustError> {
        let a: Self = open(ACCREDITATION_TYP, jws, root_did, keys)?;
        crate::time::parse(&a.valid_from).map_err(|reason| TrustError::Malformed {
            reason: format!("validFrom: {reason}"),
        })?;
        if let Some(u) = &a.valid_until {
            crate::time::parse(u).map_err(|reason| TrustError::Malformed {
                reason: format!("validUntil: {reason}"),
            })?;
        }
        if a.kinds.is_empty() {
            return Err(TrustError::Malformed {
                reason: "accreditation lists no kinds".into(),
            });
        }
        Ok(a)
    }
}

impl Withdrawal {
    /// Signs as the root authority.
    pub fn sign(&self, root: &Identity) -> String {
        sign(WITHDRAWAL_TYP, self, root)
    }

    /// Opens a signed withdrawal, requiring the pinned root's signature.
    pub fn open(jws: &str, root_did: &str, keys: &KeyResolver) -> Result<Self, TrustError> {
        let w: Self = open(WITHDRAWAL_TYP, jws, root_did, keys)?;
        crate::time::parse(&w.withdrawn).map_err(|reason| TrustError::Malformed {
            reason: format!("withdrawn: {reason}"),
        })?;
        Ok(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        crate::time::parse(s).unwrap()
    }

    #[test]
    fn one_version_sequence_across_accreditations_and_withdrawals() {
        // Held: accreditation v1. A withdrawal v2 applies; a replayed accreditation v1 does not.
        assert!(supersedes(2, 1, None));
        assert!(!supersedes(1, 1, None));
        // Held: accreditation v1 withdrawn at v2. An old accreditation (v1, v2) cannot undo
        // the withdrawal; a re-accreditation v3 can.
        assert!(!supersedes(1, 1, Some(2)));
        assert!(!supersedes(2, 1, Some(2)));
        assert!(supersedes(3, 1, Some(2)));
        // Held: re-accredited at v3 (the withdrawal cleared). Replaying the v2 withdrawal
        // does nothing.
        assert!(!supersedes(2, 3, None));
    }

    #[test]
    fn accreditation_round_trip_and_rules() {
        let root = Identity::from_seed(&[10; 32]);
        let other = Identity::from_seed(&[11; 32]);
        let keys = KeyResolver::new();
        let a = Accreditation {
            issuer: "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK".into(),
            name: "Bach Mai Hospital".into(),
            kinds: vec![CredentialKind::HealthRecord],
            valid_from: "2026-01-01T00:00:00Z".into(),
            valid_until: Some("2027-01-01T00:00:00Z".into()),
            version: 1,
        };
        let jws = a.sign(&root);
        assert_eq!(Accreditation::open(&jws, root.did(), &keys).unwrap(), a);
        assert!(matches!(
            Accreditation::open(&a.sign(&other), root.did(), &keys),
            Err(TrustError::NotRoot { .. })
        ));
        let entry = TrustEntry {
            accreditation: a.clone(),
            withdrawn: None,
        };
        assert!(entry
            .permits(CredentialKind::HealthRecord, t("2026-06-01T00:00:00Z"))
            .is_ok());
        assert!(entry
            .permits(CredentialKind::Identity, t("2026-06-01T00:00:00Z"))
            .unwrap_err()
            .contains("not accredited for"));
        assert!(entry
            .permits(CredentialKind::HealthRecord, t("2027-06-01T00:00:00Z"))
            .unwrap_err()
            .contains("ended"));
        let w = TrustEntry {
            accreditation: a,
            withdrawn: Some("2026-03-01T00:00:00Z".into()),
        };
        assert!(w
            .permits(CredentialKind::HealthRecord, t("2026-06-01T00:00:00Z"))
            .unwrap_err()
            .contains("withdrawn"));
    }
}
