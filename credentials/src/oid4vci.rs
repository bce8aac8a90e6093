//! OpenID for Verifiable Credential Issuance 1.0, the parts both ends share: the credential
//! offer (§4.1) and its `openid-credential-offer://` link, and the `jwt` key proof
//! (Appendix F.1) a wallet signs and an issuer checks.
//!
//! vcnet uses the pre-authorized code flow only: the claim code on a claim letter is the
//! pre-authorized code, an optional transaction code reaches the citizen by another channel.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::jose::CompactJws;
use crate::pubkey::{PublicKey, SecretKey};

/// The grant type of the pre-authorized code flow (§3.5).
pub const PRE_AUTHORIZED_GRANT: &str = "urn:ietf:params:oauth:grant-type:pre-authorized_code";
/// `typ` of a key proof JWT (Appendix F.1).
pub const PROOF_TYP: &str = "openid4vci-proof+jwt";
/// The scheme of a credential offer link (§4.1).
pub const OFFER_SCHEME: &str = "openid-credential-offer://";
/// Longest offer link, key proof and `kid` read; anything longer is refused unread.
pub const MAX_OFFER_BYTES: usize = 8 * 1024;
pub const MAX_PROOF_BYTES: usize = 8 * 1024;
/// How far a proof's `iat` may be from the issuer's clock.
pub const PROOF_SKEW_SECS: i64 = 300;

/// A credential offer (§4.1.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CredentialOffer {
    /// The issuer identifier: an URL, the base of its metadata.
    pub credential_issuer: String,
    /// Keys of the issuer metadata's `credential_configurations_supported`.
    pub credential_configuration_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grants: Option<Grants>,
}

/// The grants of an offer; vcnet offers only the pre-authorized code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grants {
    #[serde(
        rename = "urn:ietf:params:oauth:grant-type:pre-authorized_code",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub pre_authorized_code: Option<PreAuthorizedGrant>,
}

/// The pre-authorized code grant (§4.1.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreAuthorizedGrant {
    #[serde(rename = "pre-authorized_code")]
    pub code: String,
    /// Present (even empty) when the token request must carry a transaction code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tx_code: Option<TxCode>,
}

/// How the wallet asks its user for the transaction code (§4.1.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TxCode {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_mode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// What an offer link carries: the offer itself, or an URL to fetch it from (§4.1).
#[derive(Debug, Clone, PartialEq)]
pub enum OfferRef {
    Value(CredentialOffer),
    Uri(String),
}

/// Why an offer or a key proof was refused, with the OAuth error code the spec gives it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Oid4vciError {
    #[error("credential offer: {0}")]
    Offer(String),
    #[error("key proof: {0}")]
    Proof(String),
    #[error("key proof: `nonce` {0}")]
    Nonce(String),
}

impl Oid4vciError {
    /// The error code of a credential error response (§8.3.1.2).
    pub fn oauth_code(&self) -> &'static str {
        match self {
            Self::Offer(_) => "invalid_credential_request",
            Self::Proof(_) => "invalid_proof",
            Self::Nonce(_) => "invalid_nonce",
        }
    }
}

impl CredentialOffer {
    /// A pre-authorized offer of one configuration.
    pub fn pre_authorized(
        issuer: &str,
        configuration: &str,
        code: &str,
        tx_code: Option<TxCode>,
    ) -> Self {
        Self {
            credential_issuer: issuer.to_owned(),
            credential_configuration_ids: vec![configuration.to_owned()],
            grants: Some(Grants {
                pre_authorized_code: Some(PreAuthorizedGrant {
                    code: code.to_owned(),
                    tx_code,
                }),
            }),
        }
    }

    /// The offer by value as a link: `openid-credential-offer://?credential_offer=<JSON>`.
    pub fn to_uri(&self) -> String {
        let json = serde_json::to_string(self).unwrap_or_default();
        let q: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("credential_offer", &json)
            .finish();
        format!("{OFFER_SCHEME}?{q}")
    }

    /// The pre-authorized grant, which is all vcnet's wallet can use.
    pub fn pre_authorized_grant(&self) -> Result<&PreAuthorizedGrant, Oid4vciError> {
        self.grants
            .as_ref()
            .and_then(|g| g.pre_authorized_code.as_ref())
            .ok_or_else(|| {
                Oid4vciError::Offer(
                    "grants: no pre-authorized code (only the pre-authorized code flow is supported)"
                        .into(),
                )
            })
    }

    /// Checks the shape §4.1.1 requires.
    pub fn check(&self) -> Result<(), Oid4vciError> {
        if !(self.credential_issuer.starts_with("https://")
            || self.credential_issuer.starts_with("http://"))
        {
            return Err(Oid4vciError::Offer(
                "credential_issuer: not an https URL".into(),
            ));
        }
        if self.credential_configuration_ids.is_empty() {
            return Err(Oid4vciError::Offer(
                "credential_configuration_ids: empty".into(),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        if !self
            .credential_configuration_ids
            .iter()
            .all(|c| seen.insert(c))
        {
            return Err(Oid4vciError::Offer(
                "credential_configuration_ids: an id appears twice".into(),
            ));
        }
        Ok(())
    }
}

/// Reads an offer link (`openid-credential-offer://?…`, or any URL with the same query, as a
/// same-device link may be), or a bare offer JSON object.
pub fn parse_offer(text: &str) -> Result<OfferRef, Oid4vciError> {
    let text = text.trim();
    if text.len() > MAX_OFFER_BYTES {
        return Err(Oid4vciError::Offer(format!(
            "{} bytes; at most {MAX_OFFER_BYTES} are read",
            text.len()
        )));
    }
    if text.starts_with('{') {
        let offer: CredentialOffer = serde_json::from_str(text)
            .map_err(|e| Oid4vciError::Offer(format!("not an offer object: {e}")))?;
        offer.check()?;
        return Ok(OfferRef::Value(offer));
    }
    let query = text
        .split_once('?')
        .map(|(_, q)| q)
        .ok_or_else(|| Oid4vciError::Offer("the link has no query".into()))?;
    let mut by_value = None;
    let mut by_ref = None;
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        match k.as_ref() {
            "credential_offer" => by_value = Some(v.into_owned()),
            "credential_offer_uri" => by_ref = Some(v.into_owned()),
            _ => {}
        }
    }
    match (by_value, by_ref) {
        (Some(_), Some(_)) => Err(Oid4vciError::Offer(
            "credential_offer and credential_offer_uri are exclusive (§4.1)".into(),
        )),
        (Some(v), None) => {
            let offer: CredentialOffer = serde_json::from_str(&v)
                .map_err(|e| Oid4vciError::Offer(format!("credential_offer: {e}")))?;
            offer.check()?;
            Ok(OfferRef::Value(offer))
        }
        (None, Some(u)) if u.starts_with("https://") || u.starts_with("http://") => {
            Ok(OfferRef::Uri(u))
        }
        (None, Some(_)) => Err(Oid4vciError::Offer(
            "credential_offer_uri: not an https URL".into(),
        )),
        (None, None) => Err(Oid4vciError::Offer(
            "the link carries neither credential_offer nor credential_offer_uri".into(),
        )),
    }
}

/// A key proof that passed every check of Appendix F.4 but the nonce's freshness, which only
/// the issuer's nonce store can judge.
#[derive(Debug, Clone)]
pub struct CheckedProof {
    /// The key the credential is to be bound to.
    pub key: PublicKey,
    /// The holder as a DID: the `kid`'s DID, or the `did:key` of a `jwk`.
    pub holder: String,
    /// The `c_nonce` the proof carries.
    pub nonce: Option<String>,
}

/// Checks a `jwt` key proof (Appendix F.1, F.4): `typ`, an asymmetric `alg` (EdDSA or
/// ES256), exactly one of `kid` (a `did:key` or `did:jwk` URL) and `jwk` (public), `aud` the
/// issuer identifier, `iat` within [`PROOF_SKEW_SECS`] of `now`, and the signature.
pub fn check_proof(jwt: &str, issuer: &str, now: i64) -> Result<CheckedProof, Oid4vciError> {
    let bad = |m: String| Oid4vciError::Proof(m);
    if jwt.len() > MAX_PROOF_BYTES {
        return Err(bad(format!(
            "{} bytes; at most {MAX_PROOF_BYTES} are read",
            jwt.len()
        )));
    }
    let jws = CompactJws::parse_any(jwt).map_err(|e| bad(e.to_string()))?;
    if !matches!(
        jws.signature.alg(),
        crate::pubkey::Alg::EdDSA | crate::pubkey::Alg::ES256
    ) {
        return Err(bad(format!(
            "alg `{}`: EdDSA and ES256 are accepted",
            jws.header.alg
        )));
    }
    if jws.header.typ.as_deref() != Some(PROOF_TYP) {
        return Err(bad(format!(
            "typ {:?}: `{PROOF_TYP}` is required",
            jws.header.typ
        )));
    }
    let header: Value = jwt
        .split('.')
        .next()
        .and_then(|h| crate::b64::decode(h).ok())
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null);
    let (key, holder) = match (
        header.get("jwk"),
        jws.header.kid.as_deref(),
        header.get("x5c"),
    ) {
        (Some(jwk), None, None) => {
            if jwk.get("d").is_some() {
                return Err(bad("jwk: holds a private key (`d`)".into()));
            }
            let key = PublicKey::from_jwk(jwk).map_err(|e| bad(format!("jwk: {e}")))?;
            let did = key.did_key();
            (key, did)
        }
        (None, Some(kid), None) => {
            let did = crate::did::did_of_url(kid);
            if !(did.starts_with("did:key:") || did.starts_with("did:jwk:")) {
                return Err(bad(format!(
                    "kid: {}: only did:key and did:jwk URLs are resolved",
                    crate::verify::preview(kid, 40)
                )));
            }
            let key = crate::did::resolve_public_key(did).map_err(|e| bad(format!("kid: {e}")))?;
            (key, did.to_owned())
        }
        (None, None, Some(_)) => return Err(bad("x5c: certificate keys are not accepted".into())),
        (None, None, None) => return Err(bad("the header names no key (`kid` or `jwk`)".into())),
        _ => return Err(bad("kid, jwk and x5c are mutually exclusive".into())),
    };
    jws.verify_key(&key)
        .map_err(|e| bad(format!("signature: {e}")))?;
    let claims: Value = jws.payload_json().map_err(|e| bad(e.to_string()))?;
    let aud_ok = match claims.get("aud") {
        Some(Value::String(a)) => a == issuer,
        Some(Value::Array(a)) => a.iter().any(|x| x.as_str() == Some(issuer)),
        _ => false,
    };
    if !aud_ok {
        return Err(bad(format!("aud: must be this issuer ({issuer})")));
    }
    let iat = claims
        .get("iat")
        .and_then(Value::as_i64)
        .ok_or_else(|| bad("iat: missing or not a number".into()))?;
    if (iat - now).abs() > PROOF_SKEW_SECS {
        return Err(bad(format!(
            "iat: {iat} is more than {PROOF_SKEW_SECS} s from the issuer's clock ({now})"
        )));
    }
    let nonce = match claims.get("nonce") {
        None => None,
        Some(Value::String(n)) if n.len() <= 256 => Some(n.clone()),
        Some(_) => return Err(Oid4vciError::Nonce("is not a short string".into())),
    };
    Ok(CheckedProof { key, holder, nonce })
}

/// Signs a key proof for `issuer` with the holder's `key`, named by `kid` (a DID URL).
pub fn sign_proof(
    key: &SecretKey,
    kid: &str,
    issuer: &str,
    nonce: Option<&str>,
    iat: i64,
) -> String {
    let header = json!({"alg": key.alg().to_string(), "typ": PROOF_TYP, "kid": kid});
    let mut claims = json!({"aud": issuer, "iat": iat});
    if let Some(n) = nonce {
        claims["nonce"] = json!(n);
    }
    crate::jose::sign_compact_json(
        &header,
        &serde_json::to_vec(&claims).unwrap_or_default(),
        key,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    const ISSUER: &str = "https://agency.example";

    fn rng() -> rand_chacha::ChaCha20Rng {
        rand_chacha::ChaCha20Rng::seed_from_u64(7)
    }

    #[test]
    fn an_offer_link_reads_back_and_refuses_both_forms() {
        let offer = CredentialOffer::pre_authorized(
            ISSUER,
            "identity_dc_sd_jwt",
            "abcd-efgh",
            Some(TxCode {
                input_mode: Some("numeric".into()),
                length: Some(6),
                description: None,
            }),
        );
        let uri = offer.to_uri();
        assert!(uri.starts_with("openid-credential-offer://?credential_offer=%7B"));
        assert_eq!(parse_offer(&uri), Ok(OfferRef::Value(offer.clone())));
        let both = format!("{uri}&credential_offer_uri=https%3A%2F%2Fx");
        assert!(parse_offer(&both)
            .unwrap_err()
            .to_string()
            .contains("exclusive"));
        assert_eq!(
            parse_offer(
                "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fa.example%2Fo%2F1"
            ),
            Ok(OfferRef::Uri("https://a.example/o/1".into()))
        );
        let empty = CredentialOffer {
            credential_configuration_ids: vec![],
            ..offer
        };
        assert!(parse_offer(&empty.to_uri()).is_err());
    }

    #[test]
    fn a_proof_is_checked_for_audience_time_type_and_signature() {
        let mut r = rng();
        for alg in [crate::pubkey::Alg::EdDSA, crate::pubkey::Alg::ES256] {
            let key = SecretKey::generate(alg, &mut r);
            let did = key.public().did_key();
            let kid = format!("{did}#{}", &did[8..]);
            let now = 1_800_000_000;
            let p = sign_proof(&key, &kid, ISSUER, Some("n-1"), now);
            let ok = check_proof(&p, ISSUER, now + 10).unwrap();
            assert_eq!(ok.holder, did);
            assert_eq!(ok.nonce.as_deref(), Some("n-1"));
            let e = check_proof(&p, "https://other.example", now).unwrap_err();
            assert!(e.to_string().contains("aud"), "{e}");
            let e = check_proof(&p, ISSUER, now + 3600).unwrap_err();
            assert!(e.to_string().contains("iat"), "{e}");
            // The signature covers the claims: another audience spliced in fails.
            let forged_claims = base64::Engine::encode(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                format!("{{\"aud\":\"{ISSUER}\",\"iat\":{now},\"nonce\":\"n-2\"}}"),
            );
            let parts: Vec<&str> = p.split('.').collect();
            let forged = format!("{}.{forged_claims}.{}", parts[0], parts[2]);
            let e = check_proof(&forged, ISSUER, now).unwrap_err();
            assert!(e.to_string().contains("signature"), "{e}");
        }
    }

    #[test]
    fn a_proof_with_an_embedded_jwk_binds_its_did_key_and_refuses_private_keys() {
        let mut r = rng();
        let key = SecretKey::generate(crate::pubkey::Alg::ES256, &mut r);
        let now = 1_800_000_000;
        let mut jwk = key.public().to_jwk();
        let sign = |header: Value| {
            crate::jose::sign_compact_json(
                &header,
                &serde_json::to_vec(&json!({"aud": ISSUER, "iat": now})).unwrap(),
                &key,
            )
        };
        let p = sign(json!({"alg": "ES256", "typ": PROOF_TYP, "jwk": jwk}));
        let ok = check_proof(&p, ISSUER, now).unwrap();
        assert_eq!(ok.holder, key.public().did_key());
        assert_eq!(ok.nonce, None);
        let wrong_typ = sign(json!({"alg": "ES256", "typ": "JWT", "jwk": jwk}));
        assert!(check_proof(&wrong_typ, ISSUER, now)
            .unwrap_err()
            .to_string()
            .contains("typ"));
        jwk["d"] = json!("AAAA");
        let private = sign(json!({"alg": "ES256", "typ": PROOF_TYP, "jwk": jwk}));
        assert!(check_proof(&private, ISSUER, now)
            .unwrap_err()
            .to_string()
            .contains("private"));
        let both = sign(
            json!({"alg": "ES256", "typ": PROOF_TYP, "jwk": key.public().to_jwk(), "kid": "did:key:z#x"}),
        );
        assert!(check_proof(&both, ISSUER, now)
            .unwrap_err()
            .to_string()
            .contains("exclusive"));
    }
}
