//! Compact JWS with EdDSA (RFC 7515, RFC 8037), the envelope of `vc+jwt`, `vc+sd-jwt`, key
//! binding JWTs, status deltas and accreditations.
//!
//! Kept deliberately small and allocation-light: the verifier parses each header once, decodes
//! the payload once and leaves the signature check to the caller, so that many signatures can be
//! checked together with Ed25519 batch verification.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

use crate::pubkey::{Alg, PublicKey, SecretKey, Sig};

/// Why a compact JWS could not be read.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum JoseError {
    #[error("not a compact JWS: expected 3 dot-separated parts, found {parts}")]
    Parts { parts: usize },
    #[error("JWS {part} is not base64url: {reason}")]
    Base64 { part: &'static str, reason: String },
    #[error("JWS {part} is not JSON: {reason}")]
    Json { part: &'static str, reason: String },
    #[error("JWS header `alg` is `{alg}`; only {accepted} accepted")]
    Alg { alg: String, accepted: &'static str },
    #[error("JWS signature is {len} bytes; Ed25519 signatures are 64")]
    SignatureLength { len: usize },
    #[error("JWS signature: {0}")]
    Signature(String),
}

/// The protected header fields vcnet reads.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Header {
    /// `EdDSA` for everything vcnet signs; `ES256` and `ES384` accepted from others.
    pub alg: String,
    /// Media type of the whole JWS (`vc+jwt`, `vc+sd-jwt`, `kb+jwt`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub typ: Option<String>,
    /// Content type of the payload (`vc`, `vp`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cty: Option<String>,
    /// Verification method (a DID URL) that signed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
}

impl Header {
    /// An EdDSA header with the given `typ` and `kid`.
    pub fn eddsa(typ: &str, kid: Option<&str>) -> Self {
        Self {
            alg: "EdDSA".into(),
            typ: Some(typ.into()),
            cty: None,
            kid: kid.map(str::to_owned),
        }
    }
}

/// `b64(header).b64(payload).b64(sign(signing input))`.
fn compact(header: &impl Serialize, payload: &[u8], sign: impl FnOnce(&[u8]) -> Vec<u8>) -> String {
    // Serialising a struct of strings (or a JSON value) cannot fail.
    let header_json = serde_json::to_vec(header).unwrap_or_default();
    let mut out = String::with_capacity((header_json.len() + payload.len()) * 4 / 3 + 180);
    B64.encode_string(&header_json, &mut out);
    out.push('.');
    B64.encode_string(payload, &mut out);
    let sig = sign(out.as_bytes());
    out.push('.');
    B64.encode_string(sig, &mut out);
    out
}

/// Signs `payload` under `header`, returning `b64(header).b64(payload).b64(signature)`.
pub fn sign_compact(header: &Header, payload: &[u8], key: &SigningKey) -> String {
    compact(header, payload, |m| key.sign(m).to_bytes().to_vec())
}

/// Signs `payload` under `header` with a key of any supported curve; `header.alg` is set to
/// the key's algorithm.
pub fn sign_compact_any(header: &Header, payload: &[u8], key: &SecretKey) -> String {
    let mut header = header.clone();
    header.alg = key.alg().to_string();
    compact(&header, payload, |m| key.sign(m).to_vec())
}

/// Signs `payload` under a header given as JSON (one with members [`Header`] does not model,
/// such as a `jwk`); its `alg` must be the key's.
pub fn sign_compact_json(header: &serde_json::Value, payload: &[u8], key: &SecretKey) -> String {
    compact(header, payload, |m| key.sign(m).to_vec())
}

/// A parsed, not yet verified, compact JWS.
#[derive(Debug, Clone)]
pub struct CompactJws<'a> {
    /// The decoded protected header.
    pub header: Header,
    /// The decoded payload bytes.
    pub payload: Vec<u8>,
    /// `b64(header).b64(payload)`: the bytes the signature covers.
    pub signing_input: &'a str,
    /// The signature (Ed25519 unless parsed with [`CompactJws::parse_any`]).
    pub signature: Sig,
}

impl<'a> CompactJws<'a> {
    /// Splits and decodes a compact JWS, requiring `alg: EdDSA`: vcnet's own messages
    /// (status deltas, accreditations, requests, staples) accept nothing else.
    pub fn parse(s: &'a str) -> Result<Self, JoseError> {
        Self::parse_with(s, &[Alg::EdDSA], "`EdDSA` (Ed25519) is")
    }

    /// Splits and decodes a compact JWS signed with `EdDSA`, `ES256` or `ES384`: credentials
    /// and presentations from other issuers and wallets.
    pub fn parse_any(s: &'a str) -> Result<Self, JoseError> {
        Self::parse_with(
            s,
            &[Alg::EdDSA, Alg::ES256, Alg::ES384, Alg::ES512],
            "`EdDSA`, `ES256`, `ES384` and `ES512` are",
        )
    }

    fn parse_with(s: &'a str, algs: &[Alg], accepted: &'static str) -> Result<Self, JoseError> {
        let mut it = s.splitn(4, '.');
        let (h, p, sig) = match (it.next(), it.next(), it.next(), it.next()) {
            (Some(h), Some(p), Some(sig), None) => (h, p, sig),
            _ => {
                return Err(JoseError::Parts {
                    parts: s.split('.').count(),
                })
            }
        };
        let header_bytes = crate::b64::decode(h).map_err(|reason| JoseError::Base64 {
            part: "header",
            reason,
        })?;
        let header: Header =
            serde_json::from_slice(&header_bytes).map_err(|e| JoseError::Json {
                part: "header",
                reason: e.to_string(),
            })?;
        let alg = header
            .alg
            .parse::<Alg>()
            .ok()
            .filter(|a| algs.contains(a))
            .ok_or_else(|| JoseError::Alg {
                alg: crate::verify::preview(&header.alg, 16),
                accepted,
            })?;
        let payload = crate::b64::decode(p).map_err(|reason| JoseError::Base64 {
            part: "payload",
            reason,
        })?;
        // At most 132 bytes (ES512); decode into an array, no allocation.
        let mut sig_arr = [0u8; 132];
        let len = match B64.decode_slice(sig, &mut sig_arr) {
            Ok(len) => len,
            Err(base64::DecodeSliceError::OutputSliceTooSmall) => {
                return Err(JoseError::SignatureLength {
                    len: sig.len() * 3 / 4,
                })
            }
            Err(base64::DecodeSliceError::DecodeError(e)) => {
                return Err(JoseError::Base64 {
                    part: "signature",
                    reason: e.to_string(),
                })
            }
        };
        if alg == Alg::EdDSA && len != 64 {
            return Err(JoseError::SignatureLength { len });
        }
        let signature = Sig::from_raw(alg, &sig_arr[..len]).map_err(JoseError::Signature)?;
        Ok(Self {
            header,
            payload,
            signing_input: &s[..h.len() + 1 + p.len()],
            signature,
        })
    }

    /// Checks an Ed25519 signature with one key (strict verification: rejects malleable
    /// signatures). Any other algorithm is refused.
    pub fn verify_with(&self, key: &VerifyingKey) -> bool {
        match &self.signature {
            Sig::Ed25519(sig) => {
                crate::verify::signature::verify_strict(key, self.signing_input.as_bytes(), sig)
            }
            _ => false,
        }
    }

    /// Checks the signature with a key of any supported curve; the error says why not.
    pub fn verify_key(&self, key: &PublicKey) -> Result<(), String> {
        key.verify(self.signing_input.as_bytes(), &self.signature)
    }

    /// Parses the payload as JSON of type `T`. The UTF-8 check runs once over the whole payload
    /// (JSON text is UTF-8, RFC 8259 §8.1), so the parser need not repeat it per string.
    pub fn payload_json<T: serde::de::DeserializeOwned>(&self) -> Result<T, JoseError> {
        let text = std::str::from_utf8(&self.payload).map_err(|e| JoseError::Json {
            part: "payload",
            reason: format!("not UTF-8: {e}"),
        })?;
        serde_json::from_str(text).map_err(|e| JoseError::Json {
            part: "payload",
            reason: e.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_parse_verify_and_tamper() {
        let key = SigningKey::from_bytes(&[3u8; 32]);
        let jws = sign_compact(
            &Header::eddsa("vc+jwt", Some("did:key:x#x")),
            br#"{"a":1}"#,
            &key,
        );
        let parsed = CompactJws::parse(&jws).unwrap();
        assert_eq!(parsed.header.typ.as_deref(), Some("vc+jwt"));
        assert!(parsed.verify_with(&key.verifying_key()));
        let other = SigningKey::from_bytes(&[4u8; 32]);
        assert!(!parsed.verify_with(&other.verifying_key()));
        // Swap the payload: signature no longer matches.
        let parts: Vec<&str> = jws.split('.').collect();
        let forged = format!("{}.{}.{}", parts[0], B64.encode(br#"{"a":2}"#), parts[2]);
        assert!(!CompactJws::parse(&forged)
            .unwrap()
            .verify_with(&key.verifying_key()));
    }

    #[test]
    fn rejects_malformed() {
        assert!(matches!(
            CompactJws::parse("a.b"),
            Err(JoseError::Parts { parts: 2 })
        ));
        assert!(matches!(
            CompactJws::parse("a.b.c.d"),
            Err(JoseError::Parts { parts: 4 })
        ));
        assert!(matches!(
            CompactJws::parse("!!.b.c"),
            Err(JoseError::Base64 { part: "header", .. })
        ));
        let h = B64.encode(br#"{"alg":"none"}"#);
        assert!(matches!(
            CompactJws::parse(&format!("{h}.e30.")),
            Err(JoseError::Alg { .. })
        ));
        let h = B64.encode(br#"{"alg":"EdDSA"}"#);
        assert!(matches!(
            CompactJws::parse(&format!("{h}.e30.AAAA")),
            Err(JoseError::SignatureLength { len: 3 })
        ));
    }
}
