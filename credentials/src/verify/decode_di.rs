//! Decoding a Data Integrity (`eddsa-rdfc-2022`) credential or presentation for the
//! verifier: the proof is split off and checked for shape, and the signed message
//! (`proofHash ‖ documentHash`, see [`crate::data_integrity`]) becomes an Ed25519 work item
//! like any JWT's, so Data Integrity inputs batch with the rest.

use std::borrow::Cow;

use ed25519_dalek::Signature;
use serde_json::{Map, Value};

use super::{bind_subjects, Decoded, DecodedCredential, PresentationFacts, SigItem};
use crate::data_integrity::{hash_data, CRYPTOSUITE, VC_V2_CONTEXT};
use crate::did::{did_of_url, KeyResolver};

fn check_context(doc: &Value) -> Result<(), String> {
    match doc.get("@context") {
        None => Err("@context is missing".into()),
        Some(Value::Array(a)) if a.first().and_then(Value::as_str) == Some(VC_V2_CONTEXT) => Ok(()),
        Some(Value::String(s)) if s == VC_V2_CONTEXT => Ok(()),
        Some(_) => Err(format!(
            "@context must begin with {VC_V2_CONTEXT} (VC Data Model 2.0 §4.3)"
        )),
    }
}

/// The parts of a verified-to-be proof.
struct ProofParts {
    vm: String,
    signature: Signature,
    message: Result<Vec<u8>, String>,
    challenge: Option<String>,
    domain: Option<String>,
    /// `proof.created` (seconds since the epoch).
    created: Option<i64>,
    /// `proof.expires` (seconds since the epoch).
    expires: Option<i64>,
}

/// Splits off and checks the proof, and computes the signed message. Structural problems in the
/// proof are decode errors; canonicalization problems become signature failures.
fn take_proof(mut doc: Value, purpose: &str) -> Result<(Value, ProofParts), String> {
    check_context(&doc)?;
    let proof = doc
        .as_object_mut()
        .and_then(|m| m.remove("proof"))
        .ok_or("document has no proof")?;
    let proof = match proof {
        Value::Object(m) => m,
        Value::Array(a) if a.len() == 1 => a
            .into_iter()
            .next()
            .and_then(|p| p.as_object().cloned())
            .ok_or("proof is not an object")?,
        Value::Array(_) => {
            return Err("proof sets are not supported: expected exactly one proof".into())
        }
        _ => return Err("proof is not an object".into()),
    };
    let field = |k: &str| proof.get(k).and_then(Value::as_str);
    if field("type") != Some("DataIntegrityProof") {
        return Err(format!(
            "proof.type is {:?}; expected DataIntegrityProof",
            proof.get("type")
        ));
    }
    if field("cryptosuite") != Some(CRYPTOSUITE) {
        return Err(format!(
            "proof.cryptosuite is {:?}; only {CRYPTOSUITE} is supported",
            proof.get("cryptosuite")
        ));
    }
    if field("proofPurpose") != Some(purpose) {
        return Err(format!(
            "proof.proofPurpose is {:?}; expected {purpose}",
            proof.get("proofPurpose")
        ));
    }
    let instant = |k: &str| -> Result<Option<i64>, String> {
        match proof.get(k) {
            None => Ok(None),
            Some(v) => {
                let s = v
                    .as_str()
                    .ok_or_else(|| format!("proof.{k} is not a string"))?;
                crate::time::parse(s)
                    .map(|t| Some(t.timestamp()))
                    .map_err(|e| format!("proof.{k}: {e}"))
            }
        }
    };
    let created = instant("created")?;
    let expires = instant("expires")?;
    let vm = field("verificationMethod")
        .ok_or("proof.verificationMethod is missing")?
        .to_owned();
    let pv = field("proofValue").ok_or("proof.proofValue is missing")?;
    let bytes = pv
        .strip_prefix('z')
        .ok_or("proof.proofValue must be multibase base58btc (start with `z`)")
        .and_then(|b| {
            bs58::decode(b)
                .into_vec()
                .map_err(|_| "proof.proofValue is not base58btc")
        })?;
    let arr: [u8; 64] = bytes.as_slice().try_into().map_err(|_| {
        format!(
            "proof.proofValue is {} bytes; Ed25519 signatures are 64",
            bytes.len()
        )
    })?;
    let challenge = field("challenge").map(str::to_owned);
    let domain = match proof.get("domain") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Array(a)) => a.first().and_then(Value::as_str).map(str::to_owned),
        _ => None,
    };
    let mut config = Map::new();
    for (k, v) in &proof {
        if k != "proofValue" {
            config.insert(k.clone(), v.clone());
        }
    }
    if let Some(ctx) = proof.get("@context") {
        if Some(ctx) != doc.get("@context") {
            return Err("proof.@context differs from the document's @context".into());
        }
    }
    config.insert("@context".into(), doc["@context"].clone());
    let message = hash_data(&doc, &Value::Object(config))
        .map_err(|e| format!("canonicalization failed: {e}"));
    Ok((
        doc,
        ProofParts {
            vm,
            signature: Signature::from_bytes(&arr),
            message,
            challenge,
            domain,
            created,
            expires,
        },
    ))
}

fn sig_item(what: &'static str, parts: &ProofParts, keys: &KeyResolver) -> SigItem<'static> {
    let (message, key) = match &parts.message {
        Ok(m) => (
            Cow::Owned(m.clone()),
            keys.resolve(&parts.vm)
                .map_err(|e| format!("verificationMethod: {e}")),
        ),
        Err(e) => (Cow::Owned(Vec::new()), Err(e.clone())),
    };
    SigItem {
        what,
        message,
        signature: parts.signature,
        key,
    }
}

/// Decodes a Data Integrity credential for the pipeline.
pub fn decode_credential(doc: Value, keys: &KeyResolver) -> Result<Decoded<'static>, String> {
    let (doc, parts) = take_proof(doc, "assertionMethod")?;
    let issuer = super::issuer_did(&doc).map(str::to_owned);
    let sig_problem = match &issuer {
        Some(i) if i == did_of_url(&parts.vm) => None,
        Some(i) => Some(format!(
            "proof is by {} but the issuer is {i}",
            did_of_url(&parts.vm)
        )),
        None => Some("credential has no issuer".into()),
    };
    let sig = sig_item("issuer signature", &parts, keys);
    Ok(Decoded {
        format: "di",
        credentials: vec![DecodedCredential {
            credential: doc,
            partial: false,
            disclosed: vec![],
            jwt_nbf: None,
            jwt_exp: None,
            proof_created: parts.created,
            proof_expires: parts.expires,
            sig_problem,
        }],
        presentation: None,
        sigs: vec![sig],
    })
}

/// Decodes a Data Integrity presentation (`authentication` proof by the holder, with challenge
/// and domain) and every credential in it.
pub fn decode_presentation(doc: Value, keys: &KeyResolver) -> Result<Decoded<'static>, String> {
    let (doc, parts) = take_proof(doc, "authentication")?;
    let holder = doc
        .get("holder")
        .and_then(|h| h.as_str().or_else(|| h.get("id").and_then(Value::as_str)))
        .map(str::to_owned);
    let mut out = Decoded {
        format: "di",
        credentials: vec![],
        presentation: None,
        sigs: vec![sig_item("presentation signature", &parts, keys)],
    };
    // A presentation may carry no credential (VC Data Model 2.0 §4.13): the holder's proof
    // is then all there is to check.
    let vcs = match doc.get("verifiableCredential") {
        None => vec![],
        Some(Value::Array(a)) => a.clone(),
        Some(v @ Value::Object(_)) => vec![v.clone()],
        Some(_) => {
            return Err(
                "presentation's verifiableCredential is neither a list nor an object".into(),
            )
        }
    };
    for (i, vc) in vcs.into_iter().enumerate() {
        let text = vc.to_string();
        let d =
            super::decode(&text, keys).map_err(|e| format!("verifiableCredential[{i}]: {e}"))?;
        if d.presentation.is_some() {
            return Err(format!("verifiableCredential[{i}] is a presentation"));
        }
        out.credentials.extend(d.credentials);
        out.sigs.extend(d.sigs.into_iter().map(SigItem::into_owned));
    }
    let binding = match &holder {
        None => Err("presentation names no holder".to_owned()),
        Some(h) if h != did_of_url(&parts.vm) => Err(format!(
            "presentation proof is by {} but the holder is {h}",
            did_of_url(&parts.vm)
        )),
        Some(h) => bind_subjects(&out.credentials, h),
    };
    out.presentation = Some(PresentationFacts {
        holder,
        challenge: parts.challenge,
        domain: parts.domain,
        issued_at: parts.created,
        expires: parts.expires,
        binding,
        staple: None,
    });
    Ok(out)
}
