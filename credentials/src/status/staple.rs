//! Status staples: an issuer's short, signed "credential C is neither revoked nor suspended as
//! of T", which a holder fetches for its own credential and carries in a presentation, so a
//! verifier whose copy of the issuer's lists is too old to be sure can still decide.
//!
//! The staple is a compact JWS (`vcnet-status-staple+jwt`) over a fixed header and the payload
//! `{"iss":<issuer DID>,"sub":<credential id>,"iat":<Unix seconds>,"status":"valid"}`,
//! serialised exactly so. Everything in it but `iat` and the signature is already in the
//! credential, so a presentation carries only those two ([`Carried`], about 100 bytes) and
//! the verifier rebuilds the signed bytes from the credential: the QR code grows by little.
//!
//! What the issuer learns by issuing one: that this holder is about to show this credential
//! somewhere — not where, nor to whom (the request carries neither).

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::did::{Identity, KeyResolver};
use crate::jose::{sign_compact, CompactJws, Header};

/// JWS `typ` of a staple.
pub const STAPLE_TYP: &str = "vcnet-status-staple+jwt";
/// The claim of a key binding JWT that carries a staple.
pub const STAPLE_CLAIM: &str = "vcnet_status";

/// Why a staple is not accepted.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum StapleError {
    #[error("status staple: {0}")]
    Malformed(String),
    #[error("status staple: the issuer's signature does not verify")]
    BadSignature,
    #[error("status staple: {0}")]
    Key(String),
}

/// What a staple says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Staple {
    /// The issuer (signer).
    pub iss: String,
    /// The credential's `id`.
    pub sub: String,
    /// As of when (Unix seconds).
    pub iat: i64,
    /// Always `valid`.
    pub status: String,
}

/// A staple as a presentation carries it: the parts not already in the credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Carried {
    /// As of when (Unix seconds).
    pub iat: i64,
    /// The issuer's signature, base64url.
    pub sig: String,
}

fn header() -> Header {
    Header::eddsa(STAPLE_TYP, None)
}

impl Staple {
    /// "Credential `sub` of `iss` is neither revoked nor suspended as of `at`".
    pub fn valid(iss: &str, sub: &str, at: DateTime<Utc>) -> Self {
        Self {
            iss: iss.to_owned(),
            sub: sub.to_owned(),
            iat: at.timestamp(),
            status: "valid".into(),
        }
    }

    /// As of when.
    pub fn at(&self) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp(self.iat, 0)
    }

    fn payload(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Signs it; `issuer` must be `iss`.
    pub fn sign(&self, issuer: &Identity) -> String {
        sign_compact(&header(), &self.payload(), issuer.signing_key())
    }

    /// Opens a full staple (as the issuer sends it): well-formed, signed by its `iss`.
    pub fn open(jws: &str, keys: &KeyResolver) -> Result<Self, StapleError> {
        let parsed = CompactJws::parse(jws).map_err(|e| StapleError::Malformed(e.to_string()))?;
        if parsed.header.typ.as_deref() != Some(STAPLE_TYP) {
            return Err(StapleError::Malformed(format!(
                "typ is {:?}, expected {STAPLE_TYP}",
                parsed.header.typ
            )));
        }
        let s: Self = parsed
            .payload_json()
            .map_err(|e| StapleError::Malformed(e.to_string()))?;
        if s.status != "valid" {
            return Err(StapleError::Malformed(format!("status is `{}`", s.status)));
        }
        // Only the exact serialisation verifies once carried: refuse any other form now.
        if parsed.payload != s.payload() {
            return Err(StapleError::Malformed(
                "payload is not in canonical form".into(),
            ));
        }
        let key = keys
            .resolve(&s.iss)
            .map_err(|e| StapleError::Key(e.to_string()))?;
        if !parsed.verify_with(&key) {
            return Err(StapleError::BadSignature);
        }
        Ok(s)
    }

    /// The part a presentation carries.
    pub fn carried(jws: &str) -> Result<Carried, StapleError> {
        let parsed = CompactJws::parse(jws).map_err(|e| StapleError::Malformed(e.to_string()))?;
        let s: Self = parsed
            .payload_json()
            .map_err(|e| StapleError::Malformed(e.to_string()))?;
        let sig = jws.rsplit('.').next().unwrap_or_default().to_owned();
        Ok(Carried { iat: s.iat, sig })
    }

    /// Checks a carried staple against the credential it travels with (issuer `iss`, id
    /// `sub`): rebuilds the signed bytes and verifies the issuer's signature over them.
    pub fn verify_carried(
        iss: &str,
        sub: &str,
        c: &Carried,
        keys: &KeyResolver,
    ) -> Result<Self, StapleError> {
        let s = Self {
            iss: iss.to_owned(),
            sub: sub.to_owned(),
            iat: c.iat,
            status: "valid".into(),
        };
        if c.sig.len() > 128 {
            return Err(StapleError::Malformed("signature too long".into()));
        }
        let header_json = serde_json::to_vec(&header()).unwrap_or_default();
        let jws = format!(
            "{}.{}.{}",
            B64.encode(header_json),
            B64.encode(s.payload()),
            c.sig
        );
        Self::open(&jws, keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_carried_staple_verifies_only_for_its_credential_and_issuer() {
        let issuer = Identity::from_seed(&[4; 32]);
        let keys = KeyResolver::new();
        let at = crate::time::parse("2026-06-01T10:00:00Z").unwrap();
        let jws = Staple::valid(issuer.did(), "urn:uuid:1", at).sign(&issuer);
        let s = Staple::open(&jws, &keys).unwrap();
        assert_eq!(s.at(), Some(at));
        let c = Staple::carried(&jws).unwrap();
        assert!(serde_json::to_string(&c).unwrap().len() < 120);
        assert_eq!(
            Staple::verify_carried(issuer.did(), "urn:uuid:1", &c, &keys).unwrap(),
            s
        );
        // Another credential, another issuer, another time: the signature does not verify.
        for (iss, sub, iat) in [
            (issuer.did(), "urn:uuid:2", c.iat),
            (Identity::from_seed(&[5; 32]).did(), "urn:uuid:1", c.iat),
            (issuer.did(), "urn:uuid:1", c.iat + 3600),
        ] {
            let c2 = Carried {
                iat,
                sig: c.sig.clone(),
            };
            assert_eq!(
                Staple::verify_carried(iss, sub, &c2, &keys),
                Err(StapleError::BadSignature)
            );
        }
    }
}
