//! The VC Data Model 2.0 rules that neither JSON-LD nor a JSON schema enforces, checked when a
//! credential is issued and when one is verified.

use serde_json::Value;

use crate::prepare::{is_url, PrepareError};

fn field(field: &'static str, reason: impl Into<String>) -> PrepareError {
    PrepareError::Field {
        field,
        reason: reason.into(),
    }
}

/// The VC Data Model 2.0 rules on a credential's optional parts that neither JSON-LD nor a
/// schema enforces, checked at issuance and at verification: `credentialStatus`,
/// `termsOfUse`, `evidence`, `refreshService` and `credentialSchema` objects each have a
/// `type` (§4.10–4.12, §5.4–5.6; a schema also an `id` URL); an issuer object's `id` is a URL
/// (§4.7); `validFrom` is not after `validUntil` (§4.9); each `relatedResource` is an object
/// with a unique `id` URL and a `digestSRI` or `digestMultibase` (§5.3). The error names the
/// field. (Fetching a related resource to compare its digest is not done: vcnet never
/// fetches.)
pub fn check(credential: &Value) -> Result<(), PrepareError> {
    for name in [
        "credentialStatus",
        "termsOfUse",
        "evidence",
        "refreshService",
        "credentialSchema",
    ] {
        let full = data_model_field(name);
        let items: Vec<&Value> = match credential.get(name) {
            None => continue,
            Some(Value::Array(a)) if a.is_empty() => {
                return Err(field(full, "is an empty list"));
            }
            Some(Value::Array(a)) => a.iter().collect(),
            Some(v) => vec![v],
        };
        for (i, item) in items.iter().enumerate() {
            let Value::Object(m) = item else {
                return Err(field(full, format!("item {i} is not an object")));
            };
            match m.get("type") {
                Some(Value::String(s)) if !s.is_empty() => {}
                Some(Value::Array(a))
                    if !a.is_empty()
                        && a.iter().all(|t| t.as_str().is_some_and(|t| !t.is_empty())) => {}
                Some(_) => {
                    return Err(field(
                        full,
                        format!("item {i}: `type` is neither a name nor a list of names"),
                    ))
                }
                None => return Err(field(full, format!("item {i} has no `type`"))),
            }
            match (name, m.get("id")) {
                ("credentialSchema", None) => {
                    return Err(field(
                        full,
                        format!("item {i} has no `id` (the schema's URL)"),
                    ))
                }
                (_, Some(id)) if !id.as_str().is_some_and(is_url) => {
                    return Err(field(full, format!("item {i}: `id` is not a URL")))
                }
                _ => {}
            }
        }
    }
    if let Some(Value::Object(m)) = credential.get("issuer") {
        if !m.get("id").and_then(Value::as_str).is_some_and(is_url) {
            return Err(field("credential.issuer.id", "is missing or not a URL"));
        }
    }
    let time = |k: &str| {
        credential
            .get(k)
            .and_then(Value::as_str)
            .and_then(|s| crate::time::parse(s).ok())
    };
    if let (Some(from), Some(until)) = (time("validFrom"), time("validUntil")) {
        if until < from {
            return Err(field(
                "credential.validUntil",
                "is before validFrom (VC Data Model 2.0 §4.9)",
            ));
        }
    }
    if let Some(rr) = credential.get("relatedResource") {
        let items: Vec<&Value> = match rr {
            Value::Array(a) if !a.is_empty() => a.iter().collect(),
            Value::Object(_) => vec![rr],
            _ => {
                return Err(field(
                    "credential.relatedResource",
                    "is neither an object nor a list of objects",
                ))
            }
        };
        let mut seen = std::collections::HashSet::new();
        for (i, item) in items.iter().enumerate() {
            let Value::Object(m) = item else {
                return Err(field(
                    "credential.relatedResource",
                    format!("item {i} is not an object"),
                ));
            };
            let id = m
                .get("id")
                .and_then(Value::as_str)
                .filter(|s| is_url(s))
                .ok_or_else(|| {
                    field(
                        "credential.relatedResource",
                        format!("item {i} has no `id` URL"),
                    )
                })?;
            if !seen.insert(id) {
                return Err(field(
                    "credential.relatedResource",
                    format!("item {i} repeats the id {id}"),
                ));
            }
            if !m.contains_key("digestSRI") && !m.contains_key("digestMultibase") {
                return Err(field(
                    "credential.relatedResource",
                    format!("item {i} has neither digestSRI nor digestMultibase"),
                ));
            }
            // §5.3: a digest that does not match the resource is an error. The resources this
            // node holds (its contexts) are checked; nothing is fetched for the others.
            if let Some(held) = crate::data_integrity::bundled_context(id) {
                for (name, check) in [
                    (
                        "digestSRI",
                        sri_matches as fn(&str, &[u8]) -> Result<bool, String>,
                    ),
                    ("digestMultibase", multibase_matches),
                ] {
                    let Some(v) = m.get(name) else { continue };
                    let text = v.as_str().ok_or_else(|| {
                        field(
                            "credential.relatedResource",
                            format!("item {i}: {name} is not a string"),
                        )
                    })?;
                    match check(text, held.as_bytes()) {
                        Ok(true) => {}
                        Ok(false) => {
                            return Err(field(
                                "credential.relatedResource",
                                format!(
                                    "item {i}: {name} does not match {id} as this node holds it"
                                ),
                            ))
                        }
                        Err(why) => {
                            return Err(field(
                                "credential.relatedResource",
                                format!("item {i}: {name} {why}"),
                            ))
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

/// Whether a Subresource Integrity value (`sha256-…`, `sha384-…`, `sha512-…`, several
/// separated by spaces, options after `?` ignored) matches `bytes`: one of its digests of a
/// known algorithm does. Base64 in either alphabet.
fn sri_matches(sri: &str, bytes: &[u8]) -> Result<bool, String> {
    use sha2::Digest;
    let mut known = 0;
    for token in sri.split_whitespace() {
        let token = token.split('?').next().unwrap_or_default();
        let Some((alg, b64)) = token.split_once('-') else {
            return Err(format!("`{token}` is not `algorithm-base64`"));
        };
        let want = decode_b64(b64).ok_or_else(|| format!("`{token}` is not base64"))?;
        let got = match alg {
            "sha256" => sha2::Sha256::digest(bytes).to_vec(),
            "sha384" => sha2::Sha384::digest(bytes).to_vec(),
            "sha512" => sha2::Sha512::digest(bytes).to_vec(),
            _ => continue,
        };
        known += 1;
        if got == want {
            return Ok(true);
        }
    }
    if known == 0 {
        return Err("names no sha256, sha384 or sha512 digest".into());
    }
    Ok(false)
}

/// Whether a multibase digest (`u` base64url or `z` base58btc) matches `bytes`: a bare SHA-256
/// digest, or a multihash of SHA-256, SHA-384 or SHA-512.
fn multibase_matches(mb: &str, bytes: &[u8]) -> Result<bool, String> {
    use sha2::Digest;
    let raw = match mb.split_at_checked(1) {
        Some(("u", rest)) => decode_b64(rest),
        Some(("z", rest)) => bs58::decode(rest).into_vec().ok(),
        _ => None,
    }
    .ok_or_else(|| "is not multibase (`u` base64url or `z` base58btc)".to_owned())?;
    let got = |code: u8| -> Vec<u8> {
        match code {
            0x12 => sha2::Sha256::digest(bytes).to_vec(),
            0x20 => sha2::Sha384::digest(bytes).to_vec(),
            _ => sha2::Sha512::digest(bytes).to_vec(),
        }
    };
    Ok(match raw.as_slice() {
        [code @ (0x12 | 0x20 | 0x13), len, digest @ ..] if usize::from(*len) == digest.len() => {
            got(*code) == digest
        }
        digest if digest.len() == 32 => sha2::Sha256::digest(bytes).as_slice() == digest,
        _ => return Err("is neither a SHA-256 digest nor a multihash".into()),
    })
}

/// Base64 in the standard or the URL-safe alphabet, padded or not.
fn decode_b64(s: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    let e = base64::engine::general_purpose::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    e.decode(s.replace('-', "+").replace('_', "/")).ok()
}

fn data_model_field(name: &str) -> &'static str {
    match name {
        "credentialStatus" => "credential.credentialStatus",
        "termsOfUse" => "credential.termsOfUse",
        "evidence" => "credential.evidence",
        "refreshService" => "credential.refreshService",
        _ => "credential.credentialSchema",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use serde_json::json;
    use sha2::Digest;

    fn with_related(rr: Value) -> Value {
        json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential"],
            "issuer": "did:example:issuer",
            "credentialSubject": {"id": "did:example:subject"},
            "relatedResource": rr,
        })
    }

    #[test]
    fn related_resource_digests_are_checked_against_the_held_contexts() {
        let v2 = "https://www.w3.org/ns/credentials/v2";
        let held = crate::data_integrity::bundled_context(v2)
            .unwrap()
            .as_bytes();
        let b64 = base64::engine::general_purpose::STANDARD;
        let b64url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let sri = format!("sha384-{}", b64.encode(sha2::Sha384::digest(held)));
        let raw = format!("u{}", b64url.encode(sha2::Sha256::digest(held)));
        let mut mh = vec![0x12, 0x20];
        mh.extend_from_slice(&sha2::Sha256::digest(held));
        let multihash = format!("z{}", bs58::encode(mh).into_string());
        for good in [
            json!({"id": v2, "digestSRI": sri}),
            json!({"id": v2, "digestSRI": format!("sha512-AAAA {sri}")}),
            json!({"id": v2, "digestMultibase": raw}),
            json!([{"id": v2, "digestMultibase": multihash, "mediaType": "application/ld+json"}]),
            // A resource this node does not hold is not fetched, so not checked.
            json!({"id": "https://example.org/other", "digestSRI": "sha384-AAAA"}),
        ] {
            check(&with_related(good.clone())).unwrap_or_else(|e| panic!("{good}: {e}"));
        }
        for (bad, says) in [
            // The VC DM 2.0 suite's fixture: a digest of the v2 context of July 2024.
            (
                json!({"id": v2, "digestSRI": "sha384-NSOcNpmdIVUxIJGvGUoe22FjTWrXiaXlsZ8q6912LdnR3KraQO2n75Ica4wK4Qeg"}),
                "digestSRI does not match",
            ),
            (
                json!({"id": v2, "digestMultibase": "uM4RgWQc3RUDtjJCSgTJtTfvpZ7SPEg_LNO0ESlovQC0"}),
                "digestMultibase does not match",
            ),
            (
                json!({"id": v2, "digestSRI": "md5-AAAA"}),
                "names no sha256",
            ),
            (
                json!({"id": v2, "digestMultibase": "xABC"}),
                "is not multibase",
            ),
        ] {
            let e = check(&with_related(bad.clone())).unwrap_err().to_string();
            assert!(
                e.contains(says) && e.contains("relatedResource"),
                "{bad}: {e}"
            );
        }
    }
}
