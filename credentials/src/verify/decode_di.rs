//! Decoding a Data Integrity credential or presentation for the verifier (any suite of
//! [`crate::cryptosuite`], one proof or a set or chain of them): each proof is split off and
//! checked for shape, and its signed message (`proofHash ‖ documentHash`) becomes a signature
//! work item like any JWT's, so Ed25519 Data Integrity inputs batch with the rest.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::{bind_subjects, preview, Decoded, DecodedCredential, PresentationFacts, SigItem};
use crate::cryptosuite::{key_fits, Suite};
use crate::data_integrity::{VC_V1_CONTEXT, VC_V2_CONTEXT};
use crate::did::KeyResolver;
use crate::pubkey::{Alg, Sig};

/// The first `@context` of a credential or presentation: VC 2.0, or VC 1.1 from issuers that
/// still use it.
fn check_context(doc: &Value) -> Result<(), String> {
    let first = match doc.get("@context") {
        None => return Err("@context is missing".into()),
        Some(Value::Array(a)) => a.first().and_then(Value::as_str),
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => None,
    };
    match first {
        Some(VC_V2_CONTEXT) | Some(VC_V1_CONTEXT) => Ok(()),
        _ => Err(format!(
            "@context must begin with {VC_V2_CONTEXT} (VC Data Model 2.0 §4.3) or {VC_V1_CONTEXT} (1.1)"
        )),
    }
}

/// At most this many proofs in one proof set: far above any real use, a bound on the work an
/// input can ask for (each proof is a canonicalization).
pub const MAX_PROOFS: usize = 8;

/// The parts of a verified-to-be proof.
struct ProofParts {
    suite: Suite,
    vm: String,
    signature: Sig,
    message: Result<Vec<u8>, String>,
    challenge: Option<String>,
    domain: Option<String>,
    /// `proof.created` (seconds since the epoch).
    created: Option<i64>,
    /// `proof.expires` (seconds since the epoch).
    expires: Option<i64>,
}

/// The proofs of a document, as objects; the error says what is wrong with their shape.
fn proof_objects(proof: Value) -> Result<Vec<Map<String, Value>>, String> {
    match proof {
        Value::Object(m) => Ok(vec![m]),
        Value::Array(a) if a.is_empty() => Err("proof is an empty list".into()),
        Value::Array(a) if a.len() > MAX_PROOFS => Err(format!(
            "proof is a set of {} proofs; at most {MAX_PROOFS} are checked",
            a.len()
        )),
        Value::Array(a) => a
            .into_iter()
            .enumerate()
            .map(|(i, p)| match p {
                Value::Object(m) => Ok(m),
                _ => Err(format!("proof[{i}] is not an object")),
            })
            .collect(),
        _ => Err("proof is not an object".into()),
    }
}

/// Splits off and checks every proof, and computes each signed message. Structural problems in
/// a proof are decode errors; canonicalization problems become signature failures.
fn take_proofs(mut doc: Value, purpose: &str) -> Result<(Value, Vec<ProofParts>), String> {
    check_context(&doc)?;
    let proof = doc
        .as_object_mut()
        .and_then(|m| m.remove("proof"))
        .ok_or("document has no proof")?;
    let proofs = proof_objects(proof)?;
    let many = proofs.len() > 1;
    let mut parts = Vec::with_capacity(proofs.len());
    for (i, p) in proofs.iter().enumerate() {
        let at = if many {
            format!("proof[{i}]")
        } else {
            "proof".to_owned()
        };
        parts.push(proof_parts(&doc, p, &proofs, purpose).map_err(|e| format!("{at}: {e}"))?);
    }
    Ok((doc, parts))
}

/// One proof of a set (`all`), checked for shape, with the message it signs.
fn proof_parts(
    doc: &Value,
    proof: &Map<String, Value>,
    all: &[Map<String, Value>],
    purpose: &str,
) -> Result<ProofParts, String> {
    let field = |k: &str| proof.get(k).and_then(Value::as_str);
    let suite = Suite::of_proof(proof)?;
    if field("proofPurpose") != Some(purpose) {
        return Err(format!(
            "proofPurpose is {:?}; expected {purpose}",
            proof.get("proofPurpose")
        ));
    }
    let instant = |k: &str| -> Result<Option<i64>, String> {
        match proof.get(k) {
            None => Ok(None),
            Some(v) => {
                let s = v.as_str().ok_or_else(|| format!("{k} is not a string"))?;
                crate::time::parse(s)
                    .map(|t| Some(t.timestamp()))
                    .map_err(|e| format!("{k}: {e}"))
            }
        }
    };
    let created = instant("created")?;
    let expires = instant("expires")?;
    let vm = field("verificationMethod")
        .ok_or("verificationMethod is missing")?
        .to_owned();
    let pv = field("proofValue").ok_or("proofValue is missing")?;
    let bytes = pv
        .strip_prefix('z')
        .ok_or("proofValue must be multibase base58btc (start with `z`)")
        .and_then(|b| {
            bs58::decode(b)
                .into_vec()
                .map_err(|_| "proofValue is not base58btc")
        })?;
    // The signature's length tells the curve of an ECDSA proof (r ‖ s: 64 bytes for P-256,
    // 96 for P-384); the key must then be of that curve, or the signature check says so.
    let alg = match (suite.accepts(Alg::EdDSA), bytes.len()) {
        (true, _) => Alg::EdDSA,
        (false, 96) => Alg::ES384,
        (false, _) => Alg::ES256,
    };
    let signature = Sig::from_raw(alg, &bytes).map_err(|e| format!("proofValue: {e}"))?;
    let challenge = field("challenge").map(str::to_owned);
    let domain = match proof.get("domain") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Array(a)) => a.first().and_then(Value::as_str).map(str::to_owned),
        _ => None,
    };
    if let Some(ctx) = proof.get("@context") {
        if Some(ctx) != doc.get("@context") {
            return Err("@context differs from the document's @context".into());
        }
    }
    let mut config = Map::new();
    for (k, v) in proof {
        if k != "proofValue" {
            config.insert(k.clone(), v.clone());
        }
    }
    config.insert("@context".into(), doc["@context"].clone());
    // A chained proof signs the document with the proofs it names (Data Integrity §4.3).
    let chained;
    let signed_doc = match proof.get("previousProof") {
        None => doc,
        Some(prev) => {
            let ids: Vec<&str> = match prev {
                Value::String(s) => vec![s.as_str()],
                Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                _ => return Err("previousProof is neither a string nor a list".into()),
            };
            let mut matching = Vec::with_capacity(ids.len());
            for id in ids {
                let found = all
                    .iter()
                    .find(|p| p.get("id").and_then(Value::as_str) == Some(id))
                    .ok_or_else(|| {
                        format!(
                            "previousProof `{}` is not in the proof set",
                            preview(id, 60)
                        )
                    })?;
                matching.push(Value::Object(found.clone()));
            }
            let mut d = doc.clone();
            d["proof"] = Value::Array(matching);
            chained = d;
            &chained
        }
    };
    let message = suite
        .hash_data(signed_doc, &Value::Object(config), alg)
        .map_err(|e| format!("canonicalization failed: {e}"));
    Ok(ProofParts {
        suite,
        vm,
        signature,
        message,
        challenge,
        domain,
        created,
        expires,
    })
}

fn sig_item(what: &'static str, parts: &ProofParts, keys: &KeyResolver) -> SigItem<'static> {
    let (message, key) = match &parts.message {
        Ok(m) => (
            Cow::Owned(m.clone()),
            keys.resolve_any(&parts.vm)
                .map_err(|e| format!("verificationMethod: {e}"))
                .and_then(|k| key_fits(parts.suite, &k).map(|()| k)),
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

/// The latest `created` and the earliest `expires` of a proof set.
fn proof_times(parts: &[ProofParts]) -> (Option<i64>, Option<i64>) {
    (
        parts.iter().filter_map(|p| p.created).max(),
        parts.iter().filter_map(|p| p.expires).min(),
    )
}

/// Decodes a Data Integrity credential for the pipeline.
pub fn decode_credential(doc: Value, keys: &KeyResolver) -> Result<Decoded<'static>, String> {
    let (doc, parts) = take_proofs(doc, "assertionMethod")?;
    let issuer = super::issuer_did(&doc).map(str::to_owned);
    let sig_problem = match &issuer {
        Some(i)
            if parts
                .iter()
                .any(|p| keys.controller_of(&p.vm) == i.as_str()) =>
        {
            None
        }
        Some(i) => Some(format!(
            "proof is by {} but the issuer is {i}",
            parts
                .iter()
                .map(|p| keys.controller_of(&p.vm).into_owned())
                .collect::<Vec<_>>()
                .join(", ")
        )),
        None => Some("credential has no issuer".into()),
    };
    let (created, expires) = proof_times(&parts);
    let sigs = parts
        .iter()
        .map(|p| sig_item("issuer signature", p, keys))
        .collect();
    Ok(Decoded {
        format: "di",
        credentials: vec![DecodedCredential {
            proof_created: created,
            proof_expires: expires,
            ..DecodedCredential::whole(doc, sig_problem)
        }],
        presentation: None,
        sigs,
    })
}

/// Decodes a Data Integrity presentation (`authentication` proof by the holder, with challenge
/// and domain) and every credential in it.
pub fn decode_presentation(doc: Value, keys: &KeyResolver) -> Result<Decoded<'static>, String> {
    let (doc, all) = take_proofs(doc, "authentication")?;
    let (issued_at, expires) = proof_times(&all);
    let holder_did = doc
        .get("holder")
        .and_then(|h| h.as_str().or_else(|| h.get("id").and_then(Value::as_str)));
    // The holder's proof is the one by the holder (the first, when none is).
    let at = all
        .iter()
        .position(|p| Some(keys.controller_of(&p.vm).as_ref()) == holder_did)
        .unwrap_or(0);
    let parts = &all[at];
    let holder = doc
        .get("holder")
        .and_then(|h| h.as_str().or_else(|| h.get("id").and_then(Value::as_str)))
        .map(str::to_owned);
    let mut out = Decoded {
        format: "di",
        credentials: vec![],
        presentation: None,
        sigs: all
            .iter()
            .map(|p| sig_item("presentation signature", p, keys))
            .collect(),
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
        Some(h) if *h != keys.controller_of(&parts.vm) => Err(format!(
            "presentation proof is by {} but the holder is {h}",
            keys.controller_of(&parts.vm)
        )),
        Some(h) => bind_subjects(&out.credentials, h),
    };
    out.presentation = Some(PresentationFacts {
        holder,
        challenge: parts.challenge.clone(),
        domain: parts.domain.clone(),
        issued_at,
        expires,
        binding,
        staple: None,
    });
    Ok(out)
}
