//! The Data Integrity cryptosuites a verifier meets: `eddsa-rdfc-2022` (what vcnet signs
//! with), `eddsa-jcs-2022`, `ecdsa-rdfc-2019`, `ecdsa-jcs-2019` (P-256 and P-384) and the
//! legacy `Ed25519Signature2020`. Each is a transformation (RDFC-1.0 canonical N-Quads or JCS,
//! RFC 8785), a hash (SHA-256; SHA-384 for P-384 keys) of the proof configuration and of the
//! document, and a signature over `proofHash ‖ documentHash`.

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256, Sha384};

use crate::data_integrity::{canonicalize, proof_config_nquads, DiError};
use crate::pubkey::{Alg, PublicKey, SecretKey};

/// A Data Integrity proof type and cryptosuite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::Display, strum::EnumString)]
pub enum Suite {
    /// `DataIntegrityProof` / `eddsa-rdfc-2022`.
    #[strum(serialize = "eddsa-rdfc-2022")]
    EddsaRdfc2022,
    /// `DataIntegrityProof` / `eddsa-jcs-2022`.
    #[strum(serialize = "eddsa-jcs-2022")]
    EddsaJcs2022,
    /// `DataIntegrityProof` / `ecdsa-rdfc-2019`.
    #[strum(serialize = "ecdsa-rdfc-2019")]
    EcdsaRdfc2019,
    /// `DataIntegrityProof` / `ecdsa-jcs-2019`.
    #[strum(serialize = "ecdsa-jcs-2019")]
    EcdsaJcs2019,
    /// The legacy `Ed25519Signature2020` proof type (no `cryptosuite`).
    #[strum(serialize = "Ed25519Signature2020")]
    Ed25519Signature2020,
}

impl Suite {
    /// The suite of a proof, from its `type` and `cryptosuite`; the error names the field.
    pub fn of_proof(proof: &Map<String, Value>) -> Result<Self, String> {
        let field = |k: &str| proof.get(k).and_then(Value::as_str);
        match field("type") {
            Some("DataIntegrityProof") => {
                let cs = field("cryptosuite").ok_or("proof.cryptosuite is missing")?;
                match cs.parse::<Suite>() {
                    Ok(Suite::Ed25519Signature2020) | Err(_) => Err(format!(
                        "proof.cryptosuite `{}` is not supported (eddsa-rdfc-2022, eddsa-jcs-2022, ecdsa-rdfc-2019, ecdsa-jcs-2019 are)",
                        crate::verify::preview(cs, 40)
                    )),
                    Ok(s) => Ok(s),
                }
            }
            Some("Ed25519Signature2020") => Ok(Suite::Ed25519Signature2020),
            other => Err(format!(
                "proof.type is {other:?}; expected DataIntegrityProof or Ed25519Signature2020"
            )),
        }
    }

    /// Whether the transformation is JCS (else RDFC-1.0).
    pub fn is_jcs(self) -> bool {
        matches!(self, Suite::EddsaJcs2022 | Suite::EcdsaJcs2019)
    }

    /// Whether a key signing with `alg` may make this suite's proofs.
    pub fn accepts(self, alg: Alg) -> bool {
        match self {
            Suite::EddsaRdfc2022 | Suite::EddsaJcs2022 | Suite::Ed25519Signature2020 => {
                alg == Alg::EdDSA
            }
            Suite::EcdsaRdfc2019 | Suite::EcdsaJcs2019 => matches!(alg, Alg::ES256 | Alg::ES384),
        }
    }

    /// The proof's `type` and `cryptosuite` members.
    fn type_members(self) -> (&'static str, Option<String>) {
        match self {
            Suite::Ed25519Signature2020 => ("Ed25519Signature2020", None),
            s => ("DataIntegrityProof", Some(s.to_string())),
        }
    }

    /// `hashData`: hash(transformed proof configuration) ‖ hash(transformed document), the
    /// hash SHA-384 for P-384 keys (ecdsa-2019 §3.3.3) and SHA-256 otherwise. `config` carries
    /// the document's `@context`; `doc` has no `proof`.
    pub fn hash_data(self, doc: &Value, config: &Value, alg: Alg) -> Result<Vec<u8>, DiError> {
        let (doc_t, config_t) = if self.is_jcs() {
            (jcs(doc), jcs(config))
        } else {
            let c = match proof_config_nquads(config) {
                Some(nq) => nq,
                None => canonicalize(config)?,
            };
            (canonicalize(doc)?, c)
        };
        let mut out = Vec::with_capacity(96);
        if alg == Alg::ES384 {
            out.extend_from_slice(&Sha384::digest(config_t.as_bytes()));
            out.extend_from_slice(&Sha384::digest(doc_t.as_bytes()));
        } else {
            out.extend_from_slice(&Sha256::digest(config_t.as_bytes()));
            out.extend_from_slice(&Sha256::digest(doc_t.as_bytes()));
        }
        Ok(out)
    }
}

/// What a proof says besides the suite and key.
#[derive(Debug, Clone, Default)]
pub struct ProofOptions<'a> {
    /// `assertionMethod` (credentials) or `authentication` (presentations).
    pub purpose: &'a str,
    /// `challenge`, for presentations.
    pub challenge: Option<&'a str>,
    /// `domain`, for presentations.
    pub domain: Option<&'a str>,
    /// `expires`, when the proof should lapse.
    pub expires: Option<DateTime<Utc>>,
}

/// Adds a proof of `suite` to `doc` (which must have no `proof`), signed with `key` named by
/// the verification method `vm`.
pub fn sign(
    doc: &Value,
    suite: Suite,
    key: &SecretKey,
    vm: &str,
    created: DateTime<Utc>,
    opts: &ProofOptions<'_>,
) -> Result<Value, DiError> {
    if !suite.accepts(key.alg()) {
        return Err(DiError::Proof {
            field: "cryptosuite",
            reason: format!("{suite} cannot be made with a {} key", key.alg().curve()),
        });
    }
    let (ty, cryptosuite) = suite.type_members();
    let mut proof = json!({"type": ty});
    if let Some(cs) = cryptosuite {
        proof["cryptosuite"] = json!(cs);
    }
    proof["created"] = json!(crate::time::format(created));
    if let Some(e) = opts.expires {
        proof["expires"] = json!(crate::time::format(e));
    }
    proof["verificationMethod"] = json!(vm);
    proof["proofPurpose"] = json!(opts.purpose);
    if let Some(c) = opts.challenge {
        proof["challenge"] = json!(c);
    }
    if let Some(d) = opts.domain {
        proof["domain"] = json!(d);
    }
    let mut config = proof.clone();
    config["@context"] = doc
        .get("@context")
        .cloned()
        .ok_or_else(|| DiError::Context("document has no @context".into()))?;
    let data = suite.hash_data(doc, &config, key.alg())?;
    let sig = key.sign(&data);
    proof["proofValue"] = json!(format!("z{}", bs58::encode(sig.to_vec()).into_string()));
    let mut out = doc.clone();
    out["proof"] = proof;
    Ok(out)
}

/// Whether `key` may make or check proofs of `suite`, as a message when not.
pub fn key_fits(suite: Suite, key: &PublicKey) -> Result<(), String> {
    if suite.accepts(key.alg()) {
        Ok(())
    } else {
        Err(format!(
            "a {suite} proof cannot be made with a {} key",
            key.alg().curve()
        ))
    }
}

/// The JSON Canonicalization Scheme (RFC 8785) of a value: object members sorted by their
/// UTF-16 code units, no whitespace, numbers as ECMAScript writes them, strings escaped as
/// `JSON.stringify` does.
pub fn jcs(v: &Value) -> String {
    let mut out = String::new();
    let mut numbers = ryu_js::Buffer::new();
    write_jcs(v, &mut out, &mut numbers);
    out
}

fn write_jcs(v: &Value, out: &mut String, numbers: &mut ryu_js::Buffer) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match n.as_f64() {
            // RFC 8785 §3.2.2.3: the IEEE 754 double's ECMAScript form (so an integer beyond
            // 2^53 is written as the double it becomes).
            Some(f) if f.is_finite() => out.push_str(numbers.format_finite(f)),
            _ => out.push_str("null"),
        },
        // serde_json escapes exactly as RFC 8785 §3.2.2.2 asks: `"`, `\`, \b \f \n \r \t, other
        // controls as lower-case \u00xx, everything else as is.
        Value::String(s) => out.push_str(&serde_json::to_string(s).unwrap_or_default()),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_jcs(x, out, numbers);
            }
            out.push(']');
        }
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(k).unwrap_or_default());
                out.push(':');
                write_jcs(&m[k], out, numbers);
            }
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jcs_follows_rfc_8785() {
        // RFC 8785 §3.2.2.3 and Appendix B number samples.
        for (text, want) in [
            ("0", "0"),
            ("-0.0", "0"),
            ("1e21", "1e+21"),
            ("1e-7", "1e-7"),
            ("123456789012345680000", "123456789012345680000"),
            ("0.000001", "0.000001"),
            ("4.50", "4.5"),
            ("2e-3", "0.002"),
            ("1.0", "1"),
            ("9007199254740993", "9007199254740992"),
        ] {
            let v: Value = serde_json::from_str(text).unwrap();
            assert_eq!(jcs(&v), want, "{text}");
        }
        // §3.2.3 sorting by UTF-16 code units: U+1F600 (a surrogate pair, D83D…) sorts before
        // U+FB33 though its UTF-8 bytes sort after.
        let v: Value = serde_json::from_str(
            r#"{"\ufb33":1,"\ud83d\ude00":2,"a":{"c":[true,null],"b":"\u0001\n\u20ac"}}"#,
        )
        .unwrap();
        assert_eq!(
            jcs(&v),
            "{\"a\":{\"b\":\"\\u0001\\n\u{20ac}\",\"c\":[true,null]},\"\u{1f600}\":2,\"\u{fb33}\":1}"
        );
    }
}
