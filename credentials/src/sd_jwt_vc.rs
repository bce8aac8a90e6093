//! SD-JWT VC (draft-ietf-oauth-sd-jwt-vc), the `dc+sd-jwt` format phone wallets receive over
//! OpenID4VCI: the record's claims flat at the top level, each selectively disclosable (and
//! every nested property and array element beneath), and in the clear the claims the draft
//! forbids concealing (§2.2.2.3): `iss`, `iat`, `exp`, `vct`, `cnf` (the holder's key) and
//! `status` (the IETF Token Status List entry the issuer's gossiped lists back).
//!
//! vcnet's own `vc+sd-jwt` (VC-JOSE-COSE over a VCDM 2.0 credential) stays for vcnet holders;
//! this is a second mapping of the same record for wallets that speak SD-JWT VC.

use rand::RngCore;
use serde_json::{Map, Value};

use crate::kind::CredentialKind;
use crate::pubkey::SecretKey;
use crate::sd_jwt::{conceal_object, SD_ALG};
use crate::status::token_list::status_claim;

/// `typ` of an SD-JWT VC (§2.2.1).
pub const SD_JWT_VC_TYP: &str = "dc+sd-jwt";

/// Claim names the issuer sets and a record may not: those the draft keeps in the clear, the
/// JWT's registered names, and SD-JWT's own.
const RESERVED: &[&str] = &[
    "iss",
    "iat",
    "nbf",
    "exp",
    "vct",
    "vct#integrity",
    "cnf",
    "status",
    "sub",
    "jti",
    "_sd",
    "_sd_alg",
    "...",
];

/// Why an SD-JWT VC could not be made.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum SdJwtVcError {
    #[error("the record must be a JSON object")]
    NotObject,
    #[error("the record's claim `{0}` is a name the issuer sets (SD-JWT VC §2.2.2)")]
    Reserved(String),
    #[error("cnf.jwk: {0}")]
    HolderKey(String),
}

/// `vct` of a vcnet kind: a URL in vcnet's namespace, next to its context and schema.
pub fn vct(kind: CredentialKind) -> String {
    format!("https://vcnet.id/vct/{}/v1", kind.short_name())
}

/// What an SD-JWT VC is made of.
#[derive(Debug, Clone)]
pub struct SdJwtVcRequest<'a> {
    /// The record's kind (gives `vct`).
    pub kind: CredentialKind,
    /// The record's claims; an `id` (the holder's DID in vcnet records) is left out: the
    /// holder is named by its key in `cnf`.
    pub claims: &'a Value,
    /// The holder's public key as a JWK (from the wallet's key proof).
    pub holder_jwk: &'a Value,
    /// The issuer identifier (`iss`).
    pub issuer: &'a str,
    /// Seconds since the epoch: issued at, and expires (none if `None`).
    pub issued_at: i64,
    pub expires_at: Option<i64>,
    /// The Token Status List entry: the list's URL and the credential's index on it.
    pub status: Option<(&'a str, u64)>,
}

/// Signs an SD-JWT VC with `key` (named `kid` in the header): `<jws>~<d1>~…~<dn>~`.
pub fn issue_sd_jwt_vc(
    req: &SdJwtVcRequest,
    key: &SecretKey,
    kid: &str,
    rng: &mut impl RngCore,
) -> Result<String, SdJwtVcError> {
    let Value::Object(record) = req.claims else {
        return Err(SdJwtVcError::NotObject);
    };
    if let Some(name) = record
        .keys()
        .find(|k| k.as_str() != "id" && RESERVED.contains(&k.as_str()))
    {
        return Err(SdJwtVcError::Reserved(name.clone()));
    }
    crate::pubkey::PublicKey::from_jwk(req.holder_jwk).map_err(SdJwtVcError::HolderKey)?;
    let mut concealed: Map<String, Value> = record
        .iter()
        .filter(|(k, _)| k.as_str() != "id")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut disclosures = Vec::new();
    conceal_object(&mut concealed, &[], rng, &mut disclosures);
    let mut payload = Map::new();
    payload.insert("iss".into(), req.issuer.into());
    payload.insert("iat".into(), req.issued_at.into());
    if let Some(exp) = req.expires_at {
        payload.insert("exp".into(), exp.into());
    }
    payload.insert("vct".into(), vct(req.kind).into());
    payload.insert(
        "cnf".into(),
        serde_json::json!({"jwk": req.holder_jwk.clone()}),
    );
    if let Some((uri, index)) = req.status {
        payload.insert("status".into(), status_claim(uri, index));
    }
    payload.extend(concealed);
    payload.insert("_sd_alg".into(), SD_ALG.into());
    Ok(crate::issue::sd_jwt_text(
        SD_JWT_VC_TYP,
        None,
        &Value::Object(payload),
        &disclosures,
        key,
        kid,
    ))
}

/// The id vcnet gives an SD-JWT VC: a digest of its issuer-signed JWT. Nothing in the
/// credential names it (an `id` or `jti` the holder would show every verifier), yet the issuer
/// (to revoke it) and the holder (to file it) compute the same one.
pub fn credential_id(issuer_jwt: &str) -> String {
    let h = blake3::hash(issuer_jwt.as_bytes()).to_hex();
    format!("urn:vcnet:sd-jwt-vc:{}", &h[..32])
}

/// The Token Status List URL that stands for a vcnet shard whose revocation list is at
/// `revocation_list` (`…/revocation/7` → `…/tsl/7`).
pub fn token_list_url(revocation_list: &str) -> Option<String> {
    let (base, shard) = revocation_list.rsplit_once('/')?;
    let base = base.strip_suffix("/revocation")?;
    shard.parse::<u32>().ok()?;
    Some(format!("{base}/tsl/{shard}"))
}

/// The revocation and suspension lists a vcnet Token Status List URL stands for
/// (`…/tsl/7` → `…/revocation/7`, `…/suspension/7`); gossip carries those, so a vcnet verifier
/// checks an SD-JWT VC's status offline.
pub fn bitstring_lists(token_list: &str) -> Option<(String, String)> {
    let (base, shard) = token_list.rsplit_once('/')?;
    let base = base.strip_suffix("/tsl")?;
    shard.parse::<u32>().ok()?;
    Some((
        format!("{base}/revocation/{shard}"),
        format!("{base}/suspension/{shard}"),
    ))
}

/// The kind a vcnet `vct` names.
pub fn kind_of_vct(vct: &str) -> Option<CredentialKind> {
    let short = vct
        .strip_prefix("https://vcnet.id/vct/")?
        .strip_suffix("/v1")?;
    CredentialKind::parse(short).ok()
}

/// A VCDM 2.0 view of a verified SD-JWT VC's disclosed claims, so the verifier's checks
/// (kind and schema, validity period, accreditation, status) read it as any other credential:
/// `iss` as `issuer`, `iat`/`exp` as `validFrom`/`validUntil`, the `cnf` key's DID as the
/// subject's `id`, a vcnet `status` as its revocation and suspension entries, `vct` as the
/// kind. `id` is [`credential_id`] of the issuer-signed JWT.
pub fn vcdm_view(claims: &Map<String, Value>, issuer_jwt: &str) -> Value {
    use serde_json::json;
    let kind = claims
        .get("vct")
        .and_then(Value::as_str)
        .and_then(kind_of_vct);
    let mut subject = Map::new();
    if let Some(did) = claims
        .get("cnf")
        .and_then(|c| c.get("jwk"))
        .and_then(|j| crate::pubkey::PublicKey::from_jwk(j).ok())
        .map(|k| k.did_key())
    {
        subject.insert("id".into(), did.into());
    }
    for (k, v) in claims {
        if !RESERVED.contains(&k.as_str()) {
            subject.insert(k.clone(), v.clone());
        }
    }
    let mut vc = Map::new();
    let mut context = vec![json!("https://www.w3.org/ns/credentials/v2")];
    let mut types = vec![json!("VerifiableCredential")];
    if let Some(k) = kind {
        context.push(json!(k.context_url()));
        types.push(json!(k.type_name()));
    }
    vc.insert("@context".into(), context.into());
    vc.insert("id".into(), credential_id(issuer_jwt).into());
    vc.insert("type".into(), types.into());
    if let Some(iss) = claims.get("iss") {
        vc.insert("issuer".into(), iss.clone());
    }
    let time = |name: &str| {
        let secs = claims.get(name).and_then(Value::as_i64)?;
        crate::time::format_epoch(secs).map(Value::String)
    };
    if let Some(t) = time("iat") {
        vc.insert("validFrom".into(), t);
    }
    if let Some(t) = time("exp") {
        vc.insert("validUntil".into(), t);
    }
    vc.insert("credentialSubject".into(), Value::Object(subject));
    if let Some(k) = kind {
        vc.insert(
            "credentialSchema".into(),
            json!({"id": k.schema_url(), "type": "JsonSchema"}),
        );
    }
    if let Some(list) = claims.get("status").and_then(|s| s.get("status_list")) {
        let uri = list.get("uri").and_then(Value::as_str).unwrap_or_default();
        let idx = list.get("idx").and_then(Value::as_u64);
        let entries = match (bitstring_lists(uri), idx) {
            (Some((revocation, suspension)), Some(i)) => json!([
                {"type": "BitstringStatusListEntry", "statusPurpose": "revocation",
                 "statusListIndex": i.to_string(), "statusListCredential": revocation},
                {"type": "BitstringStatusListEntry", "statusPurpose": "suspension",
                 "statusListIndex": i.to_string(), "statusListCredential": suspension},
            ]),
            // Not a vcnet list: an entry no offline verifier can check, so the status check
            // says so rather than passing in silence.
            _ => json!({"type": "TokenStatusListEntry", "statusListCredential": uri,
                        "statusListIndex": idx.map(|i| i.to_string())}),
        };
        vc.insert("credentialStatus".into(), entries);
    }
    Value::Object(vc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jose::CompactJws;
    use crate::sd_jwt::{disclose, Disclosure, SdJwtParts};
    use rand::SeedableRng;
    use serde_json::json;

    fn record() -> Value {
        json!({
            "id": "did:key:z6MkholderIgnored",
            "givenName": "Amina",
            "familyName": "Diallo",
            "birthDate": "1990-04-12",
            "address": {"locality": "Thiès", "country": "SN"},
            "nationalities": ["SN", "FR"]
        })
    }

    #[test]
    fn claims_are_flat_disclosable_and_the_rest_in_the_clear() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
        let issuer = crate::did::Identity::generate(&mut rng);
        let holder = SecretKey::Ed25519(ed25519_dalek::SigningKey::generate(&mut rng));
        let holder_jwk = holder.public().to_jwk();
        let record = record();
        let req = SdJwtVcRequest {
            kind: CredentialKind::Identity,
            claims: &record,
            holder_jwk: &holder_jwk,
            issuer: "https://agency.example",
            issued_at: 1_700_000_000,
            expires_at: Some(1_800_000_000),
            status: Some(("https://agency.example/status/x/tsl/3", 42)),
        };
        let text = issue_sd_jwt_vc(
            &req,
            &SecretKey::Ed25519(issuer.signing_key().clone()),
            issuer.verification_method(),
            &mut rng,
        )
        .unwrap();
        let parts = SdJwtParts::split(&text).unwrap();
        assert!(parts.kb_jwt.is_none());
        let jws = CompactJws::parse(parts.jws).unwrap();
        assert!(jws.verify_with(&issuer.verifying_key()));
        assert_eq!(jws.header.typ.as_deref(), Some("dc+sd-jwt"));
        let payload: Value = serde_json::from_slice(&jws.payload).unwrap();
        // In the clear, never disclosures (§2.2.2.3).
        assert_eq!(payload["iss"], "https://agency.example");
        assert_eq!(payload["iat"], 1_700_000_000);
        assert_eq!(payload["exp"], 1_800_000_000);
        assert_eq!(payload["vct"], "https://vcnet.id/vct/identity/v1");
        assert_eq!(payload["cnf"]["jwk"], holder_jwk);
        assert_eq!(
            payload["status"],
            json!({"status_list": {"idx": 42, "uri": "https://agency.example/status/x/tsl/3"}})
        );
        // Nothing of the record is readable without its disclosures; the holder DID is not
        // in it at all.
        for name in ["givenName", "familyName", "birthDate", "address", "id"] {
            assert!(payload.get(name).is_none(), "{name} concealed");
        }
        assert!(!parts.jws.contains("Amina"));
        let disclosures: Vec<Disclosure> = parts
            .disclosures
            .iter()
            .enumerate()
            .map(|(i, d)| Disclosure::parse(d, i).unwrap())
            .collect();
        // 5 claims, 2 address properties, 2 array elements.
        assert_eq!(disclosures.len(), 9);
        let mut want = record.clone();
        want.as_object_mut().unwrap().remove("id");
        let disclosed = disclose(payload.clone(), &disclosures).unwrap();
        for (k, v) in want.as_object().unwrap() {
            assert_eq!(&disclosed.claims[k], v, "{k}");
        }
        // A holder showing only the birth date: nothing else comes back.
        let only: Vec<Disclosure> = disclosures
            .into_iter()
            .filter(|d| d.name.as_deref() == Some("birthDate"))
            .collect();
        let shown = disclose(payload, &only).unwrap().claims;
        assert_eq!(shown["birthDate"], "1990-04-12");
        assert!(shown.get("givenName").is_none());
        assert_eq!(shown["vct"], "https://vcnet.id/vct/identity/v1");
    }

    #[test]
    fn bad_requests_are_refused_naming_the_problem() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(4);
        let issuer = SecretKey::Ed25519(ed25519_dalek::SigningKey::generate(&mut rng));
        let jwk = issuer.public().to_jwk();
        let try_with = |claims: &Value, jwk: &Value| {
            let req = SdJwtVcRequest {
                kind: CredentialKind::Identity,
                claims,
                holder_jwk: jwk,
                issuer: "https://agency.example",
                issued_at: 0,
                expires_at: None,
                status: None,
            };
            issue_sd_jwt_vc(&req, &issuer, "kid", &mut rand::thread_rng())
        };
        assert_eq!(
            try_with(&json!(["not", "an", "object"]), &jwk),
            Err(SdJwtVcError::NotObject)
        );
        assert_eq!(
            try_with(&json!({"vct": "https://evil.example"}), &jwk),
            Err(SdJwtVcError::Reserved("vct".into()))
        );
        assert!(matches!(
            try_with(&record(), &json!({"kty": "OKP", "crv": "Ed25519"})),
            Err(SdJwtVcError::HolderKey(_))
        ));
        assert!(try_with(&record(), &jwk).is_ok());
    }
}
