//! JSON Schema (2020-12) validation of credentials against their kind's schema, compiled once.
//!
//! The schema validates the whole credential (VC Data Model 2.0 `credentialSchema`, type
//! `JsonSchema`). For a selectively disclosed credential the holder may withhold required claims,
//! so [`validate`] can ignore "required" failures; every disclosed value is still checked.

use std::sync::OnceLock;

use serde_json::Value;

use crate::kind::CredentialKind;

/// One schema rule a credential breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct SchemaViolation {
    /// JSON pointer of the offending value (`/credentialSubject/dateOfBirth`).
    pub field: String,
    /// What rule it breaks.
    pub reason: String,
}

fn validators() -> &'static [jsonschema::Validator; 3] {
    static V: OnceLock<[jsonschema::Validator; 3]> = OnceLock::new();
    V.get_or_init(|| {
        CredentialKind::ALL.map(|k| {
            let schema: Value =
                serde_json::from_str(k.schema_json()).expect("bundled schema is JSON (tested)");
            jsonschema::options()
                .with_draft(jsonschema::Draft::Draft202012)
                .should_validate_formats(true)
                .build(&schema)
                .expect("bundled schema compiles (tested)")
        })
    })
}

fn validator(kind: CredentialKind) -> &'static jsonschema::Validator {
    &validators()[kind as usize]
}

/// Checks a credential against its kind's schema. With `partial`, missing required properties
/// are not violations (selective disclosure). Returns every violation found.
pub fn validate(
    kind: CredentialKind,
    credential: &Value,
    partial: bool,
) -> Result<(), Vec<SchemaViolation>> {
    let v = validator(kind);
    if v.is_valid(credential) {
        return Ok(());
    }
    let violations: Vec<SchemaViolation> = v
        .iter_errors(credential)
        .filter(|e| {
            !(partial
                && matches!(
                    e.kind(),
                    jsonschema::error::ValidationErrorKind::Required { .. }
                ))
        })
        .map(|e| {
            let path = e.instance_path().to_string();
            SchemaViolation {
                field: if path.is_empty() { "/".into() } else { path },
                reason: e.to_string(),
            }
        })
        .collect();
    if violations.is_empty() {
        Ok(())
    } else {
        Err(violations)
    }
}

/// Checks a bare credential subject (e.g. an imported record) by wrapping it in a minimal
/// credential of the kind; violations are reported under `/credentialSubject/…`.
pub fn validate_subject(kind: CredentialKind, subject: &Value) -> Result<(), Vec<SchemaViolation>> {
    let wrapped = serde_json::json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", kind.context_url()],
        "type": ["VerifiableCredential", kind.type_name()],
        "issuer": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        "credentialSubject": subject,
    });
    validate(kind, &wrapped, false)
}

/// Compiles every schema now (instead of on first use), so a node fails at start, not mid-request.
pub fn warm_up() {
    let _ = validators();
}

/// The vcnet kind whose schema a credential names in `credentialSchema`, if any: the schemas
/// this verifier holds (no other is ever fetched).
pub fn held_schema(credential: &Value) -> Option<CredentialKind> {
    let ids: Vec<&str> = match credential.get("credentialSchema") {
        Some(Value::Array(a)) => a.iter().filter_map(|s| s["id"].as_str()).collect(),
        Some(s) => s["id"].as_str().into_iter().collect(),
        None => Vec::new(),
    };
    CredentialKind::ALL
        .into_iter()
        .find(|k| ids.contains(&k.schema_url()))
}
