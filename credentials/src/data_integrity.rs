//! Data Integrity proofs with the `eddsa-rdfc-2022` cryptosuite (W3C vc-di-eddsa §3.3):
//! RDFC-1.0 canonicalization of the document and of the proof configuration, SHA-256 of each,
//! `proofHash ‖ documentHash` signed with Ed25519, `proofValue` = `z` + base58btc(signature).
//!
//! JSON-LD expansion and canonicalization come from `ssi` (its JSON-LD processor and RDFC-1.0
//! implementation). Every context is served from documents compiled into the binary; nothing is
//! fetched. The verifier canonicalizes each document exactly once and hands the signature to
//! the common Ed25519 path (so Data Integrity inputs batch like JWTs).

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use chrono::{DateTime, Utc};
use serde_json::Value;
use ssi_json_ld::syntax::TryFromJson;
use ssi_json_ld::{CompactJsonLd, ContextLoader, Expand, Expandable, Process};
use ssi_rdf::{AnyLdEnvironment, LdEnvironment};

use crate::did::Identity;

/// The VC 2.0 base context, which must come first in `@context`.
pub const VC_V2_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";
/// The VC 1.1 base context (`issuanceDate`, `expirationDate`), still what many issuers use.
pub const VC_V1_CONTEXT: &str = "https://www.w3.org/2018/credentials/v1";
/// The context a VC 1.1 document adds for `DataIntegrityProof`.
pub const DATA_INTEGRITY_V2_CONTEXT: &str = "https://w3id.org/security/data-integrity/v2";
/// The context of the legacy `Ed25519Signature2020` proofs.
pub const ED25519_2020_CONTEXT: &str = "https://w3id.org/security/suites/ed25519-2020/v1";
/// The cryptosuite vcnet signs with by default.
pub const CRYPTOSUITE: &str = "eddsa-rdfc-2022";

/// Why a Data Integrity operation failed.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum DiError {
    #[error("JSON-LD: {0}")]
    JsonLd(String),
    #[error("proof.{field}: {reason}")]
    Proof { field: &'static str, reason: String },
    #[error("@context: {0}")]
    Context(String),
}

/// The contexts compiled from `schemas/contexts/` (VC 2.0, its examples context for the
/// published test vectors, status v1) and vcnet's kinds, by URL.
fn bundled() -> &'static HashMap<String, String> {
    static B: OnceLock<HashMap<String, String>> = OnceLock::new();
    B.get_or_init(|| {
        let mut map = HashMap::new();
        for k in crate::kind::CredentialKind::ALL {
            map.insert(k.context_url().to_owned(), k.context_json().to_owned());
        }
        for (url, json) in [
            (
                "https://www.w3.org/ns/credentials/examples/v2",
                include_str!("../../schemas/contexts/w3c/credentials-examples-v2.jsonld"),
            ),
            (
                VC_V2_CONTEXT,
                include_str!("../../schemas/contexts/w3c/credentials-v2.jsonld"),
            ),
            (
                "https://www.w3.org/ns/credentials/status/v1",
                include_str!("../../schemas/contexts/w3c/status-v1.jsonld"),
            ),
            (
                VC_V1_CONTEXT,
                include_str!("../../schemas/contexts/w3c/credentials-v1.jsonld"),
            ),
            (
                "https://www.w3.org/2018/credentials/examples/v1",
                include_str!("../../schemas/contexts/w3c/credentials-examples-v1.jsonld"),
            ),
            (
                ED25519_2020_CONTEXT,
                include_str!("../../schemas/contexts/w3c/ed25519-signature-2020-v1.jsonld"),
            ),
            (
                "https://w3id.org/security/data-integrity/v1",
                include_str!("../../schemas/contexts/w3c/data-integrity-v1.jsonld"),
            ),
            (
                DATA_INTEGRITY_V2_CONTEXT,
                include_str!("../../schemas/contexts/w3c/data-integrity-v2.jsonld"),
            ),
            (
                "https://w3id.org/security/multikey/v1",
                include_str!("../../schemas/contexts/w3c/multikey-v1.jsonld"),
            ),
            (
                "https://w3id.org/vc/status-list/2021/v1",
                include_str!("../../schemas/contexts/w3c/status-list-2021-v1.jsonld"),
            ),
            (
                "https://www.w3.org/ns/did/v1",
                include_str!("../../schemas/contexts/w3c/did-v1.jsonld"),
            ),
            // Imported by the 1.1 examples context.
            (
                "https://www.w3.org/ns/odrl.jsonld",
                include_str!("../../schemas/contexts/w3c/odrl.jsonld"),
            ),
        ] {
            map.insert(url.to_owned(), json.to_owned());
        }
        map
    })
}

/// The text of a context this node holds, by URL (what a `relatedResource` digest of it is
/// checked against: contexts are never fetched).
pub fn bundled_context(url: &str) -> Option<&'static str> {
    bundled().get(url).map(String::as_str)
}

/// The `@context` URLs of a document that are not bundled (and so cannot be processed: a
/// context is never fetched). Inline context objects need nothing.
pub fn unbundled_contexts(doc: &Value) -> Vec<String> {
    let items: Vec<&Value> = match doc.get("@context") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v) => vec![v],
        None => vec![],
    };
    items
        .into_iter()
        .filter_map(Value::as_str)
        .filter(|u| !bundled().contains_key(*u))
        .map(str::to_owned)
        .collect()
}

/// The offline JSON-LD context loader: exactly the bundled contexts. Any other context URL is
/// an error, never a fetch.
pub fn loader() -> &'static ContextLoader {
    static L: OnceLock<ContextLoader> = OnceLock::new();
    L.get_or_init(|| {
        ContextLoader::empty()
            .with_context_map_from(bundled().clone())
            .expect("bundled contexts are JSON (tested)")
    })
}

/// RDFC-1.0 canonical N-Quads of a JSON-LD document.
///
/// A top-level `@context` made only of bundled context URLs is processed once per process (see
/// `processed_context`) and the document is expanded under that active context; any other
/// `@context` goes through the full context processing each time. Both give the same expansion
/// (JSON-LD 1.1 Expansion §13.4.2 step 9 processes the top-level `@context` against the initial
/// context, exactly what the cache holds); a test checks it.
pub fn canonicalize(doc: &Value) -> Result<String, DiError> {
    crate::blank_nodes::check_budget(doc).map_err(DiError::JsonLd)?;
    let mut json =
        ssi_json_ld::syntax::to_value(doc).map_err(|e| DiError::JsonLd(e.to_string()))?;
    let mut ld = LdEnvironment::default();
    let expanded = match doc.get("@context").and_then(processed_context) {
        Some(active) => {
            if let Some(o) = json.as_object_mut() {
                // At most one entry: `json` comes from a serde_json map.
                let _ = o.remove_unique("@context");
            }
            pollster::block_on(json.expand_full(
                &mut ld.vocabulary,
                active.as_ref().clone(),
                None,
                loader(),
                expansion_options(),
                (),
            ))
            .map_err(|e| DiError::JsonLd(e.to_string()))?
        }
        None => return canonicalize_full(json),
    };
    let lines: Vec<String> = ld
        .canonical_form_of(&expanded)
        .map_err(|e| DiError::JsonLd(e.to_string()))?;
    Ok(lines.concat())
}

/// [`canonicalize`] with every context processed afresh (`ssi`'s own expansion).
fn canonicalize_full(json: ssi_json_ld::syntax::Value) -> Result<String, DiError> {
    let mut ld = LdEnvironment::default();
    let expanded = pollster::block_on(CompactJsonLd(json).expand_with(&mut ld, loader()))
        .map_err(|e| DiError::JsonLd(e.to_string()))?;
    let lines: Vec<String> = ld
        .canonical_form_of(&expanded)
        .map_err(|e| DiError::JsonLd(e.to_string()))?;
    Ok(lines.concat())
}

/// The expansion options `ssi` uses for Data Integrity (undefined terms are an error).
fn expansion_options() -> ssi_json_ld::expansion::Options {
    ssi_json_ld::expansion::Options {
        policy: ssi_json_ld::expansion::Policy {
            invalid: ssi_json_ld::expansion::Action::Reject,
            allow_undefined: false,
            ..Default::default()
        },
        ..Default::default()
    }
}

/// How many distinct `@context` values the processed-context cache holds (a handful of kinds
/// and test vectors in practice; the bound keeps odd inputs from growing it).
const CONTEXT_CACHE_CAP: usize = 32;

type ActiveContext = ssi_json_ld::Context;
/// Processed top-level contexts, keyed by the `@context` value they came from.
type ContextCache = RwLock<Vec<(Value, Arc<ActiveContext>)>>;

/// The active context that results from processing `ctx` against the initial context, when
/// `ctx` is a bundled context URL or an array of them; computed once per distinct value. `None`
/// for anything else (inline definitions, unknown URLs), which the caller processes in full.
fn processed_context(ctx: &Value) -> Option<Arc<ActiveContext>> {
    static CACHE: OnceLock<ContextCache> = OnceLock::new();
    let bundled = match ctx {
        Value::String(s) => known_context(s),
        Value::Array(a) => !a.is_empty() && a.iter().all(|c| c.as_str().is_some_and(known_context)),
        _ => false,
    };
    if !bundled {
        return None;
    }
    let cache = CACHE.get_or_init(|| RwLock::new(Vec::new()));
    if let Ok(entries) = cache.read() {
        if let Some((_, active)) = entries.iter().find(|(k, _)| k == ctx) {
            return Some(active.clone());
        }
    }
    let local = ssi_json_ld::syntax::context::Context::try_from_json(
        ssi_json_ld::syntax::to_value(ctx).ok()?,
    )
    .ok()?;
    let active = Arc::new(
        pollster::block_on(local.process_full(
            &mut (),
            &ActiveContext::default(),
            loader(),
            None,
            expansion_options().into(),
            (),
        ))
        .ok()?
        .into_processed(),
    );
    if let Ok(mut entries) = cache.write() {
        if entries.len() < CONTEXT_CACHE_CAP && !entries.iter().any(|(k, _)| k == ctx) {
            entries.push((ctx.clone(), active.clone()));
        }
    }
    Some(active)
}

/// Contexts whose definitions are known not to touch the `DataIntegrityProof` terms (the VC 2.0
/// context protects them; the others define only their own terms).
fn known_context(url: &str) -> bool {
    url == VC_V2_CONTEXT
        || url == "https://www.w3.org/ns/credentials/examples/v2"
        || url == "https://www.w3.org/ns/credentials/status/v1"
        || crate::kind::CredentialKind::ALL
            .iter()
            .any(|k| k.context_url() == url)
}

/// An absolute IRI that can be written in N-Quads as is.
fn plain_iri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        && scheme
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
        && !rest.is_empty()
        && !s
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || "<>\"{}|^`\\".contains(c))
}

fn nquads_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The RDFC-1.0 canonical N-Quads of a `DataIntegrityProof` configuration, computed directly
/// when its shape is the one the VC 2.0 context fixes (protected terms, known contexts only,
/// string values, absolute verification method IRI): the JSON-LD expansion would give exactly
/// these statements (one blank node, so the canonical label is `_:c14n0`; lines sorted).
/// `None` means "not this shape": the caller runs the full algorithm. Checked against the full
/// algorithm and the published vectors in tests.
pub fn proof_config_nquads(config: &Value) -> Option<String> {
    let m = config.as_object()?;
    match m.get("@context")? {
        Value::String(s) if s == VC_V2_CONTEXT => {}
        Value::Array(a)
            if a.first().and_then(Value::as_str) == Some(VC_V2_CONTEXT)
                && a.iter().all(|c| c.as_str().is_some_and(known_context)) => {}
        _ => return None,
    }
    let mut lines = Vec::with_capacity(m.len());
    const SEC: &str = "https://w3id.org/security#";
    for (k, v) in m {
        let v = match (k.as_str(), v) {
            ("@context", _) => continue,
            (_, Value::String(s)) => s.as_str(),
            _ => return None,
        };
        let line = match k.as_str() {
            "type" if v == "DataIntegrityProof" => format!("<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{SEC}DataIntegrityProof>"),
            "cryptosuite" => format!("<{SEC}cryptosuite> {}^^<{SEC}cryptosuiteString>", nquads_literal(v)),
            "created" => format!("<http://purl.org/dc/terms/created> {}^^<http://www.w3.org/2001/XMLSchema#dateTime>", nquads_literal(v)),
            "expires" => format!("<{SEC}expiration> {}^^<http://www.w3.org/2001/XMLSchema#dateTime>", nquads_literal(v)),
            "verificationMethod" if plain_iri(v) => format!("<{SEC}verificationMethod> <{v}>"),
            "proofPurpose" if v == "assertionMethod" => format!("<{SEC}proofPurpose> <{SEC}assertionMethod>"),
            "proofPurpose" if v == "authentication" => format!("<{SEC}proofPurpose> <{SEC}authenticationMethod>"),
            "challenge" => format!("<{SEC}challenge> {}", nquads_literal(v)),
            "domain" => format!("<{SEC}domain> {}", nquads_literal(v)),
            "nonce" => format!("<{SEC}nonce> {}", nquads_literal(v)),
            _ => return None,
        };
        lines.push(format!("_:c14n0 {line} .\n"));
    }
    if !m.contains_key("type") {
        return None;
    }
    lines.sort();
    lines.dedup();
    Some(lines.concat())
}

/// `hashData` of vc-di-eddsa §3.3.4: SHA-256(canonical proof config) ‖ SHA-256(canonical document).
pub fn hash_data(doc_without_proof: &Value, proof_config: &Value) -> Result<Vec<u8>, DiError> {
    crate::cryptosuite::Suite::EddsaRdfc2022.hash_data(
        doc_without_proof,
        proof_config,
        crate::pubkey::Alg::EdDSA,
    )
}

/// Adds an `eddsa-rdfc-2022` `DataIntegrityProof` to `doc` (which must not have one).
/// `purpose` is `assertionMethod` for credentials, `authentication` for presentations.
pub fn sign(
    doc: &Value,
    signer: &Identity,
    created: DateTime<Utc>,
    purpose: &str,
    challenge: Option<&str>,
    domain: Option<&str>,
) -> Result<Value, DiError> {
    crate::cryptosuite::sign(
        doc,
        crate::cryptosuite::Suite::EddsaRdfc2022,
        &crate::pubkey::SecretKey::Ed25519(signer.signing_key().clone()),
        signer.verification_method(),
        created,
        &crate::cryptosuite::ProofOptions {
            purpose,
            challenge,
            domain,
            expires: None,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cached_context_expansion_equals_full_processing() {
        let issuer = Identity::from_seed(&[1; 32]);
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../schemas");
        let mut docs = vec![];
        for k in crate::kind::CredentialKind::ALL {
            let kind = k.type_name();
            let sample_dir = format!("{dir}/{}/samples/valid", k.short_name());
            for entry in std::fs::read_dir(&sample_dir).unwrap() {
                let subject: Value =
                    serde_json::from_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap())
                        .unwrap();
                docs.push(json!({
                "@context": [VC_V2_CONTEXT, k.context_url()],
                "id": "urn:uuid:1",
                "type": ["VerifiableCredential", kind],
                "issuer": issuer.did(),
                "validFrom": "2026-01-01T00:00:00Z",
                "credentialSubject": subject,
                "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation",
                    "statusListIndex": "5", "statusListCredential": "https://s.example/1"},
            }));
            }
        }
        docs.push(
            json!({"@context": VC_V2_CONTEXT, "type": "VerifiableCredential",
            "issuer": "did:example:1", "credentialSubject": {"id": "did:example:2"}}),
        );
        for doc in &docs {
            assert!(processed_context(&doc["@context"]).is_some(), "{doc}");
            let full = canonicalize_full(ssi_json_ld::syntax::to_value(doc).unwrap()).unwrap();
            assert!(!full.is_empty());
            assert_eq!(canonicalize(doc).unwrap(), full, "{doc}");
            // Twice: the second run uses the cached context.
            assert_eq!(canonicalize(doc).unwrap(), full, "{doc}");
        }
        // Inline or unknown contexts are not cached (processed in full each time).
        assert!(processed_context(&json!([VC_V2_CONTEXT, {"x": "https://e.org/x"}])).is_none());
        assert!(processed_context(&json!(["https://e.org/unknown"])).is_none());
    }

    #[test]
    fn proof_config_fast_path_equals_full_canonicalization() {
        let vm = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";
        let contexts = [
            json!("https://www.w3.org/ns/credentials/v2"),
            json!([
                "https://www.w3.org/ns/credentials/v2",
                "https://vcnet.id/contexts/identity/v1"
            ]),
            json!([
                "https://www.w3.org/ns/credentials/v2",
                "https://www.w3.org/ns/credentials/examples/v2"
            ]),
        ];
        let extras = [
            json!({}),
            json!({"proofPurpose": "authentication", "challenge": "n-\"q\\uote\"\n", "domain": "clinic.example"}),
            json!({"expires": "2030-01-01T00:00:00Z", "nonce": "abc"}),
        ];
        for ctx in &contexts {
            for extra in &extras {
                let mut c = json!({
                    "type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "created": "2023-02-24T23:36:38Z",
                    "verificationMethod": vm, "proofPurpose": "assertionMethod", "@context": ctx,
                });
                for (k, v) in extra.as_object().unwrap() {
                    c[k] = v.clone();
                }
                let fast = proof_config_nquads(&c).expect("fast path applies");
                assert_eq!(fast, canonicalize(&c).unwrap(), "{c}");
            }
        }
        // Shapes outside the fast path fall back.
        assert!(proof_config_nquads(
            &json!({"@context": ["https://example.org/other"], "type": "DataIntegrityProof"})
        )
        .is_none());
        assert!(proof_config_nquads(&json!({"@context": VC_V2_CONTEXT, "type": "DataIntegrityProof", "verificationMethod": "relative#x"})).is_none());
        assert!(proof_config_nquads(
            &json!({"@context": VC_V2_CONTEXT, "type": "DataIntegrityProof", "created": 5})
        )
        .is_none());
        assert!(proof_config_nquads(
            &json!({"@context": VC_V2_CONTEXT, "type": "DataIntegrityProof", "unknownTerm": "x"})
        )
        .is_none());
    }
}
