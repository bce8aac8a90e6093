//! A credential a caller hands the issuer whole (VC-API `POST /credentials/issue` with any
//! credential type): checked against the VC Data Model 2.0's rules (or 1.1's, for a credential
//! under the 2018 context), each failure naming its field, then completed — `issuer` set to the
//! issuer's DID, an `id` when it has none, the issuer's `credentialStatus` entries added —
//! keeping every other field as the caller sent it. A 1.1 credential also gets the contexts its
//! additions need (Data Integrity and the Bitstring Status List vocabulary, which the 1.1 context
//! does not define) and an `issuanceDate` when it has none (1.1 requires one).

use rand::RngCore;
use serde_json::{json, Map, Value};

use crate::data_integrity::VC_V2_CONTEXT;
use crate::status::StatusEntry;

/// The VC Data Model 1.1 base context.
pub const VC_V1_CONTEXT: &str = "https://www.w3.org/2018/credentials/v1";
/// The Bitstring Status List vocabulary on its own, for 1.1 credentials (2.0's base context
/// includes it).
pub const STATUS_V1_CONTEXT: &str = "https://www.w3.org/ns/credentials/status/v1";

/// Why a caller's credential cannot be issued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrepareError {
    /// A field is missing or breaks a rule of the data model.
    #[error("{field}: {reason}")]
    Field { field: &'static str, reason: String },
    /// `issuer` names a DID this issuer does not hold.
    #[error("{given} is not this node ({ours}); it signs only as itself")]
    ForeignIssuer { given: String, ours: String },
}

fn field(field: &'static str, reason: impl Into<String>) -> PrepareError {
    PrepareError::Field {
        field,
        reason: reason.into(),
    }
}

/// The credential's `type` values.
pub fn types_of(credential: &Value) -> Vec<&str> {
    match credential.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Whether a document is VC Data Model 1.1 (its first `@context` is the 2018 one).
pub fn is_v1(doc: &Value) -> bool {
    first_context(doc.get("@context")) == Some(VC_V1_CONTEXT)
}

fn first_context(ctx: Option<&Value>) -> Option<&str> {
    match ctx {
        Some(Value::Array(a)) => a.first(),
        other => other,
    }
    .and_then(Value::as_str)
}

/// Checks `credential` and completes it for `issuer` with `status` entries (none for a
/// credential without status). `rng` makes the `urn:uuid:` id of a credential sent without one.
pub fn prepare(
    credential: &Value,
    issuer: &str,
    status: &[StatusEntry],
    rng: &mut impl RngCore,
) -> Result<Value, PrepareError> {
    let Value::Object(input) = credential else {
        return Err(field("credential", "is not a JSON object"));
    };
    let v1 = check_context(input.get("@context"))?;
    check_type(input.get("type"))?;
    check_subject(input.get("credentialSubject"))?;
    if let Some(id) = input.get("id") {
        check_url("credential.id", id)?;
    }
    let times: [(&str, &'static str); 2] = if v1 {
        [
            ("issuanceDate", "credential.issuanceDate"),
            ("expirationDate", "credential.expirationDate"),
        ]
    } else {
        [
            ("validFrom", "credential.validFrom"),
            ("validUntil", "credential.validUntil"),
        ]
    };
    for (name, full) in times {
        if let Some(v) = input.get(name) {
            check_time(full, v)?;
        }
    }
    if v1 {
        if let (Some(a), Some(b)) = (input.get("issuanceDate"), input.get("expirationDate")) {
            let t = |v: &Value| v.as_str().and_then(|s| crate::time::parse(s).ok());
            if t(b) < t(a) {
                return Err(field("credential.expirationDate", "is before issuanceDate"));
            }
        }
    }
    if input.contains_key("proof") {
        return Err(field(
            "credential.proof",
            "the credential to issue must not be secured already; send it without `proof`",
        ));
    }
    crate::data_model::check(credential)?;
    let mut out: Map<String, Value> = Map::new();
    for (k, v) in input {
        out.insert(k.clone(), v.clone());
    }
    out.insert("issuer".into(), issuer_value(input.get("issuer"), issuer)?);
    if !out.contains_key("id") {
        out.insert("id".into(), json!(crate::issue::random_urn_uuid(&mut *rng)));
    }
    if v1 {
        if !out.contains_key("issuanceDate") {
            out.insert(
                "issuanceDate".into(),
                json!(crate::time::format(chrono::Utc::now())),
            );
        }
        add_context(&mut out, crate::data_integrity::DATA_INTEGRITY_V2_CONTEXT);
    }
    insert_status(&mut out, status);
    Ok(Value::Object(out))
}

/// Appends `url` to the credential's `@context` unless it is there already.
fn add_context(out: &mut Map<String, Value>, url: &str) {
    let ctx = out.entry("@context").or_insert_with(|| json!([]));
    if let Value::String(s) = ctx {
        *ctx = json!([s.clone()]);
    }
    if let Value::Array(items) = ctx {
        if !items.iter().any(|v| v.as_str() == Some(url)) {
            items.push(json!(url));
        }
    }
}

/// Adds `status` entries after any the credential already states (a caller's own entries are
/// kept, as every other field is: VC Data Model 2.0 §4.10 allows several).
fn insert_status(out: &mut Map<String, Value>, status: &[StatusEntry]) {
    if status.is_empty() {
        return;
    }
    if first_context(out.get("@context")) == Some(VC_V1_CONTEXT) {
        add_context(out, STATUS_V1_CONTEXT);
    }
    let mut entries: Vec<Value> = match out.remove("credentialStatus") {
        None => vec![],
        Some(Value::Array(a)) => a,
        Some(v) => vec![v],
    };
    entries.extend(status.iter().map(StatusEntry::to_json));
    let v = if entries.len() == 1 {
        entries.pop().unwrap_or_default()
    } else {
        Value::Array(entries)
    };
    out.insert("credentialStatus".into(), v);
}

/// Adds this issuer's `status` entries to a credential [`prepare`]d without them.
pub fn add_status(credential: &mut Value, status: &[StatusEntry]) -> Result<(), PrepareError> {
    let Value::Object(m) = credential else {
        return Err(field("credential", "is not a JSON object"));
    };
    insert_status(m, status);
    Ok(())
}

/// Checks `@context`; true for a VC Data Model 1.1 document.
fn check_context(ctx: Option<&Value>) -> Result<bool, PrepareError> {
    let items: Vec<&Value> = match ctx {
        None => return Err(field("credential.@context", "is missing")),
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v @ Value::String(_)) => vec![v],
        Some(_) => return Err(field("credential.@context", "is neither a URL nor a list")),
    };
    let v1 = match items.first().and_then(|v| v.as_str()) {
        Some(VC_V2_CONTEXT) => false,
        Some(VC_V1_CONTEXT) => true,
        _ => {
            return Err(field(
                "credential.@context",
                format!("the first item must be {VC_V2_CONTEXT} (or {VC_V1_CONTEXT})"),
            ))
        }
    };
    for (i, item) in items.iter().enumerate().skip(1) {
        match item {
            Value::String(s) if s.contains(':') => {}
            Value::Object(_) => {}
            _ => {
                return Err(field(
                    "credential.@context",
                    format!("item {i} is neither a URL nor a context object"),
                ))
            }
        }
    }
    Ok(v1)
}

fn check_type(t: Option<&Value>) -> Result<(), PrepareError> {
    let types: Vec<&str> = match t {
        None => return Err(field("credential.type", "is missing")),
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => {
            let mut out = Vec::with_capacity(a.len());
            for v in a {
                out.push(
                    v.as_str()
                        .ok_or_else(|| field("credential.type", "every item must be a string"))?,
                );
            }
            out
        }
        Some(_) => {
            return Err(field(
                "credential.type",
                "is neither a string nor a list of strings",
            ))
        }
    };
    if !types.contains(&"VerifiableCredential") {
        return Err(field(
            "credential.type",
            "must include VerifiableCredential",
        ));
    }
    Ok(())
}

fn check_subject(s: Option<&Value>) -> Result<(), PrepareError> {
    let subjects: Vec<&Value> = match s {
        None => return Err(field("credential.credentialSubject", "is missing")),
        Some(Value::Array(a)) if a.is_empty() => {
            return Err(field("credential.credentialSubject", "is an empty list"))
        }
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v) => vec![v],
    };
    for s in subjects {
        match s {
            Value::Object(m) if m.is_empty() => {
                return Err(field(
                    "credential.credentialSubject",
                    "states nothing (an empty object)",
                ))
            }
            Value::Object(m) => {
                if let Some(id) = m.get("id") {
                    check_url("credential.credentialSubject.id", id)?;
                }
            }
            _ => return Err(field("credential.credentialSubject", "is not an object")),
        }
    }
    Ok(())
}

fn check_url(name: &'static str, v: &Value) -> Result<(), PrepareError> {
    match v.as_str() {
        Some(s) if is_url(s) => Ok(()),
        Some(s) => Err(field(
            name,
            format!("`{}` is not a URL", crate::verify::preview(s, 60)),
        )),
        None => Err(field(name, "is not a string")),
    }
}

/// A URL by RFC 3986's shape: a scheme (a letter, then letters, digits, `+`, `-`, `.`), a
/// colon, and no whitespace.
pub fn is_url(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && !s.chars().any(char::is_whitespace)
}

fn check_time(name: &'static str, v: &Value) -> Result<(), PrepareError> {
    let s = v.as_str().ok_or_else(|| field(name, "is not a string"))?;
    crate::time::parse(s).map(|_| ()).map_err(|e| {
        field(
            name,
            format!(
                "`{}` is not an XML Schema dateTimeStamp: {e}",
                crate::verify::preview(s, 40)
            ),
        )
    })
}

/// `issuer` as issued: the issuer's DID, in the form the caller used (a string, or an object
/// whose other fields — `name`, `description`, … — are kept).
fn issuer_value(given: Option<&Value>, ours: &str) -> Result<Value, PrepareError> {
    let named = match given {
        None => return Ok(json!(ours)),
        Some(Value::String(s)) => Some(s.as_str()),
        Some(Value::Object(m)) => m.get("id").and_then(Value::as_str),
        Some(_) => return Err(field("credential.issuer", "is neither a URL nor an object")),
    };
    if let Some(n) = named {
        if n != ours {
            return Err(PrepareError::ForeignIssuer {
                given: n.to_owned(),
                ours: ours.to_owned(),
            });
        }
    }
    Ok(match given {
        Some(Value::Object(m)) => {
            let mut m = m.clone();
            m.insert("id".into(), json!(ours));
            Value::Object(m)
        }
        _ => json!(ours),
    })
}

/// Checks a presentation a holder is asked to prove (VC-API `POST /presentations/prove`) and
/// completes it: `holder` set to the holder's DID (another DID is refused), every other field
/// kept. Its credentials are the caller's: they are not checked here (a verifier checks them).
pub fn prepare_presentation(presentation: &Value, holder: &str) -> Result<Value, PrepareError> {
    let Value::Object(input) = presentation else {
        return Err(field("presentation", "is not a JSON object"));
    };
    let v1 = check_context(input.get("@context")).map_err(|e| rename(e, "presentation"))?;
    let types: Vec<&str> = match input.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if !types.contains(&"VerifiablePresentation") {
        return Err(field(
            "presentation.type",
            "must include VerifiablePresentation",
        ));
    }
    if input.contains_key("proof") {
        return Err(field(
            "presentation.proof",
            "the presentation to prove must not be secured already; send it without `proof`",
        ));
    }
    if let Some(id) = input.get("id") {
        check_url("presentation.id", id)?;
    }
    let mut out = input.clone();
    if v1 {
        add_context(&mut out, crate::data_integrity::DATA_INTEGRITY_V2_CONTEXT);
    }
    out.insert(
        "holder".into(),
        issuer_value(input.get("holder"), holder).map_err(|e| match e {
            PrepareError::ForeignIssuer { given, ours } => PrepareError::ForeignIssuer {
                given: format!("holder {given}"),
                ours,
            },
            other => rename(other, "presentation"),
        })?,
    );
    Ok(Value::Object(out))
}

/// The same error about a presentation's field (`credential.x` → `presentation.x`).
fn rename(e: PrepareError, to: &'static str) -> PrepareError {
    match e {
        PrepareError::Field { field, reason } => PrepareError::Field {
            field: match (to, field) {
                ("presentation", "credential.@context") => "presentation.@context",
                ("presentation", "credential.issuer") => "presentation.holder",
                (_, f) => f,
            },
            reason,
        },
        other => other,
    }
}

#[cfg(test)]
mod tests;
