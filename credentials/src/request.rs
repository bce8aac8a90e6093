//! A verifier's presentation request as a signed JWT, to show as a QR code at a counter: who
//! asks (the verifier's did:key signs it), which kinds and claims, the fresh challenge (`nonce`)
//! and the verifier's domain the answer must be bound to, and how long the request stands.
//! The holder checks the signature and expiry before answering, and answers with a key binding
//! JWT whose `nonce` and `aud` are the request's, so the answer is good for this request only.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::did::{Identity, KeyResolver};
use crate::jose::{sign_compact, CompactJws, Header};

/// The `typ` of a request JWT.
pub const REQUEST_TYP: &str = "vcnet-request+jwt";
/// Shortest accepted challenge (characters of base64url randomness).
pub const MIN_CHALLENGE_CHARS: usize = 16;

/// Why a request could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error("presentation request: {0}")]
    Jws(#[from] crate::jose::JoseError),
    #[error("presentation request: header typ is {found:?}, expected `{REQUEST_TYP}`")]
    Typ { found: Option<String> },
    #[error("presentation request: payload: {0}")]
    Payload(String),
    #[error("presentation request: signature does not verify with the key of {verifier}")]
    Signature { verifier: String },
    #[error("presentation request: signing key {kid} is not the verifier's ({verifier})")]
    WrongKey { kid: String, verifier: String },
    #[error("presentation request: {0}")]
    Key(String),
    #[error("presentation request expired at {expired}")]
    Expired { expired: String },
    #[error(
        "presentation request: challenge (nonce) is shorter than {MIN_CHALLENGE_CHARS} characters"
    )]
    WeakChallenge,
    #[error("presentation request: its domain `{domain}` is not its signer {verifier}: an answer would be bound to someone else")]
    ForeignDomain { domain: String, verifier: String },
}

/// What a verifier asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PresentationRequest {
    /// The verifier's DID (it signs the request).
    pub iss: String,
    /// Its display name (self-declared).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Credential kinds wanted (written by their short names, which keep the QR code small).
    #[serde(serialize_with = "crate::kind::serialize_short_seq")]
    pub kinds: Vec<crate::CredentialKind>,
    /// Subject claims wanted.
    pub claims: Vec<String>,
    /// The challenge the answer's key binding must carry.
    pub nonce: String,
    /// The domain (audience) the answer must be made for: the verifier's DID (`iss`).
    pub domain: String,
    /// Issued at (seconds).
    pub iat: i64,
    /// Expires at (seconds).
    pub exp: i64,
}

impl PresentationRequest {
    /// Signs the request as `verifier` (its `iss` must be the verifier's DID).
    pub fn sign(&self, verifier: &Identity) -> String {
        let payload = serde_json::to_vec(self).unwrap_or_default();
        sign_compact(
            &Header::eddsa(REQUEST_TYP, Some(verifier.verification_method())),
            &payload,
            verifier.signing_key(),
        )
    }

    /// Opens a signed request: type, signature by `iss`'s own key, challenge length, expiry.
    pub fn open(jws: &str, keys: &KeyResolver, now: DateTime<Utc>) -> Result<Self, RequestError> {
        let parsed = CompactJws::parse(jws.trim())?;
        if parsed.header.typ.as_deref() != Some(REQUEST_TYP) {
            return Err(RequestError::Typ {
                found: parsed.header.typ.clone(),
            });
        }
        let req: Self = parsed
            .payload_json()
            .map_err(|e| RequestError::Payload(e.to_string()))?;
        let kid = parsed.header.kid.clone().unwrap_or_default();
        if crate::did::did_of_url(&kid) != req.iss {
            return Err(RequestError::WrongKey {
                kid,
                verifier: req.iss,
            });
        }
        let key = keys
            .resolve(&req.iss)
            .map_err(|e| RequestError::Key(e.to_string()))?;
        if !parsed.verify_with(&key) {
            return Err(RequestError::Signature { verifier: req.iss });
        }
        if req.nonce.len() < MIN_CHALLENGE_CHARS {
            return Err(RequestError::WeakChallenge);
        }
        // The answer's key binding audience is the domain: it must be the signer, or a relay
        // could show a victim another verifier's request and present the answer there.
        if req.domain != req.iss {
            return Err(RequestError::ForeignDomain {
                domain: req.domain,
                verifier: req.iss,
            });
        }
        if now.timestamp() >= req.exp {
            return Err(RequestError::Expired {
                expired: DateTime::from_timestamp(req.exp, 0)
                    .map(|t| t.to_rfc3339())
                    .unwrap_or_else(|| req.exp.to_string()),
            });
        }
        Ok(req)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        crate::time::parse(s).unwrap()
    }

    fn request(v: &Identity) -> PresentationRequest {
        PresentationRequest {
            iss: v.did().into(),
            name: Some("Bach Mai Hospital".into()),
            kinds: vec![crate::CredentialKind::Identity],
            claims: vec!["fullName".into()],
            nonce: "abcdefghijklmnopqrstuvwx".into(),
            domain: v.did().into(),
            iat: t("2026-11-26T08:00:00Z").timestamp(),
            exp: t("2026-11-26T08:05:00Z").timestamp(),
        }
    }

    #[test]
    fn sign_open_and_refusals() {
        let v = Identity::from_seed(&[7; 32]);
        let keys = KeyResolver::new();
        let jws = request(&v).sign(&v);
        let now = t("2026-11-26T08:01:00Z");
        assert_eq!(
            PresentationRequest::open(&jws, &keys, now).unwrap(),
            request(&v)
        );
        assert!(matches!(
            PresentationRequest::open(&jws, &keys, t("2026-11-26T08:05:00Z")),
            Err(RequestError::Expired { .. })
        ));
        // Someone else signs a request naming this verifier.
        let other = Identity::from_seed(&[8; 32]);
        let forged = request(&v).sign(&other);
        assert!(matches!(
            PresentationRequest::open(&forged, &keys, now),
            Err(RequestError::WrongKey { .. })
        ));
        // A request, honestly signed, whose answer would be bound to another verifier.
        let mut relayed = request(&v);
        relayed.domain = other.did().into();
        assert!(matches!(
            PresentationRequest::open(&relayed.sign(&v), &keys, now),
            Err(RequestError::ForeignDomain { .. })
        ));
        let mut weak = request(&v);
        weak.nonce = "short".into();
        assert!(matches!(
            PresentationRequest::open(&weak.sign(&v), &keys, now),
            Err(RequestError::WeakChallenge)
        ));
        // A tampered payload fails the signature.
        let parts: Vec<&str> = jws.split('.').collect();
        let mut req = request(&v);
        req.claims.push("dateOfBirth".into());
        let tampered_payload = {
            use base64::Engine;
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(serde_json::to_vec(&req).unwrap())
        };
        let tampered = format!("{}.{}.{}", parts[0], tampered_payload, parts[2]);
        assert!(matches!(
            PresentationRequest::open(&tampered, &keys, now),
            Err(RequestError::Signature { .. })
        ));
    }
}
