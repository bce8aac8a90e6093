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
        }
    }
    Ok(())
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
