//! `BitstringStatusListEntry` (Bitstring Status List v1.0 §2.1) and the unsigned
//! `BitstringStatusListCredential` (§2.2).

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::{Bitstring, MessageScheme, StatusError, StatusPurpose};

/// One `credentialStatus` entry of a credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusEntry {
    /// The entry's own id (`<list url>#<index>`).
    pub id: Option<String>,
    /// What the bit means.
    pub purpose: StatusPurpose,
    /// Position in the list.
    pub index: u64,
    /// URL of the `BitstringStatusListCredential`.
    pub list: String,
    /// `statusSize` and `statusMessage`, given for a `message` entry (and allowed on others
    /// only as size 1).
    pub message: Option<MessageScheme>,
    /// `statusReference`: URLs of material about the status, kept as given.
    pub reference: Option<Value>,
}

impl StatusEntry {
    /// The JSON form placed in `credentialStatus`.
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "type": "BitstringStatusListEntry",
            "statusPurpose": self.purpose.as_str(),
            "statusListIndex": self.index.to_string(),
            "statusListCredential": self.list,
        });
        if let Some(id) = &self.id {
            v["id"] = json!(id);
        }
        if let Some(m) = &self.message {
            v["statusSize"] = json!(m.status_size);
            v["statusMessage"] = json!(m.status_messages);
        }
        if let Some(r) = &self.reference {
            v["statusReference"] = r.clone();
        }
        v
    }

    /// Reads every entry of a credential's `credentialStatus` (absent: none; an object: one; an
    /// array: each). Entries of other types are an error: vcnet cannot check them.
    pub fn from_credential(credential: &Value) -> Result<Vec<Self>, StatusError> {
        let entries: Vec<&Value> = match credential.get("credentialStatus") {
            None => return Ok(Vec::new()),
            Some(Value::Array(a)) => a.iter().collect(),
            Some(v @ Value::Object(_)) => vec![v],
            Some(_) => {
                return Err(StatusError::BadEntry {
                    at: String::new(),
                    reason: "must be an object or an array of objects".into(),
                })
            }
        };
        entries
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let bad = |reason: String| StatusError::BadEntry {
                    at: format!("[{i}]"),
                    reason,
                };
                let ty = e.get("type").and_then(Value::as_str).unwrap_or_default();
                if ty != "BitstringStatusListEntry" {
                    return Err(bad(format!(
                        "type is `{ty}`; only BitstringStatusListEntry is supported"
                    )));
                }
                let purpose_s = e
                    .get("statusPurpose")
                    .and_then(Value::as_str)
                    .ok_or_else(|| bad("statusPurpose is missing".into()))?;
                let purpose = StatusPurpose::parse(purpose_s).ok_or_else(|| {
                    bad(format!(
                        "statusPurpose `{purpose_s}` is not revocation, suspension or message"
                    ))
                })?;
                let (size, messages) = (e.get("statusSize"), e.get("statusMessage"));
                let message = if purpose == StatusPurpose::Message || size.is_some() || messages.is_some() {
                    let m = MessageScheme::parse(size, messages, &format!("[{i}]"))?;
                    if purpose != StatusPurpose::Message && m.status_size != 1 {
                        return Err(bad(format!(
                            "statusSize {} on a {purpose} entry (only message entries have more than one bit)",
                            m.status_size
                        )));
                    }
                    (purpose == StatusPurpose::Message).then_some(m)
                } else {
                    None
                };
                let reference = match e.get("statusReference") {
                    None => None,
                    Some(r) => {
                        check_reference(r).map_err(bad)?;
                        Some(r.clone())
                    }
                };
                let idx_s = e
                    .get("statusListIndex")
                    .and_then(Value::as_str)
                    .ok_or_else(|| bad("statusListIndex must be a string".into()))?;
                // §2.1: a string of a non-negative integer in base 10 (no sign, no leading zeros).
                if idx_s.is_empty()
                    || !idx_s.bytes().all(|b| b.is_ascii_digit())
                    || (idx_s.len() > 1 && idx_s.starts_with('0'))
                {
                    return Err(bad(format!(
                        "statusListIndex `{idx_s}` is not a base-10 integer"
                    )));
                }
                let index: u64 = idx_s
                    .parse()
                    .map_err(|_| bad(format!("statusListIndex `{idx_s}` is too large")))?;
                let list = e
                    .get("statusListCredential")
                    .and_then(Value::as_str)
                    .ok_or_else(|| bad("statusListCredential is missing".into()))?
                    .to_owned();
                if !list.contains(':') {
                    return Err(bad(format!("statusListCredential `{list}` is not a URL")));
                }
                let id = e.get("id").and_then(Value::as_str).map(str::to_owned);
                Ok(StatusEntry {
                    id,
                    purpose,
                    index,
                    list,
                    message,
                    reference,
                })
            })
            .collect()
    }
}

/// `statusReference` (§2.1): a URL or an array of URLs.
pub fn check_reference(r: &Value) -> Result<(), String> {
    let urls: Vec<&Value> = match r {
        Value::Array(a) => a.iter().collect(),
        one => vec![one],
    };
    if urls.is_empty()
        || !urls.iter().all(|u| {
            u.as_str()
                .is_some_and(|u| u.contains(':') && !u.contains(char::is_whitespace))
        })
    {
        return Err("statusReference must be a URL or an array of URLs".into());
    }
    Ok(())
}

/// The unsigned `BitstringStatusListCredential` for a list (§2.2), ready to be secured by any
/// of the issuing formats. `valid_until` bounds how long verifiers may rely on this copy.
pub fn list_credential_unsigned(
    list_url: &str,
    issuer: &str,
    purpose: StatusPurpose,
    bits: &Bitstring,
    message: Option<&MessageScheme>,
    valid_from: DateTime<Utc>,
    valid_until: Option<DateTime<Utc>>,
) -> Value {
    let mut v = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": crate::time::format(valid_from),
        "credentialSubject": {
            "id": format!("{list_url}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": purpose.as_str(),
            "encodedList": bits.encode(),
        }
    });
    if let Some(until) = valid_until {
        v["validUntil"] = json!(crate::time::format(until));
    }
    // §2.2: a message list names its entry size and messages in its subject. The VC 2.0
    // context's `BitstringStatusList` does not define those two terms (only the entry's), so
    // an inline context maps them to the status vocabulary's terms, as the entry's are.
    if let Some(m) = message {
        v["@context"] = json!([
            "https://www.w3.org/ns/credentials/v2",
            {
                "statusSize": {
                    "@id": "https://www.w3.org/ns/credentials/status#statusSize",
                    "@type": "https://www.w3.org/2001/XMLSchema#integer"
                },
                "statusMessages": {
                    "@id": "https://www.w3.org/ns/credentials/status#statusMessage",
                    "@context": {
                        "message": "https://www.w3.org/ns/credentials/status#message",
                        "status": "https://www.w3.org/ns/credentials/status#status"
                    }
                }
            }
        ]);
        v["credentialSubject"]["statusSize"] = json!(m.status_size);
        v["credentialSubject"]["statusMessages"] = json!(m.status_messages);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_round_trip_and_errors() {
        let e = StatusEntry {
            id: Some("https://s/1#5".into()),
            purpose: StatusPurpose::Suspension,
            index: 5,
            list: "https://s/1".into(),
            message: None,
            reference: None,
        };
        let cred = json!({"credentialStatus": [e.to_json()]});
        assert_eq!(
            StatusEntry::from_credential(&cred).unwrap(),
            vec![e.clone()]
        );
        let mut bad = e.to_json();
        bad["statusListIndex"] = json!("05");
        assert!(
            StatusEntry::from_credential(&json!({"credentialStatus": bad}))
                .unwrap_err()
                .to_string()
                .contains("statusListIndex")
        );
        let mut bad = e.to_json();
        bad["statusPurpose"] = json!("refresh");
        assert!(StatusEntry::from_credential(&json!({"credentialStatus": bad})).is_err());
        let mut bad = e.to_json();
        bad["statusListIndex"] = json!(5);
        assert!(StatusEntry::from_credential(&json!({"credentialStatus": bad})).is_err());
        // A two-bit entry on a suspension list is refused; one bit with its messages is kept.
        let mut bad = e.to_json();
        bad["statusSize"] = json!(2);
        assert!(StatusEntry::from_credential(&json!({"credentialStatus": bad})).is_err());
    }

    #[test]
    fn a_message_entry_round_trips_with_its_scheme_and_reference() {
        // Bitstring Status List v1.0, example 2 (with its "..." filled in).
        let entry = json!({
            "id": "https://example.com/credentials/status/8#492847",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "message",
            "statusListIndex": "492847",
            "statusSize": 2,
            "statusListCredential": "https://example.com/credentials/status/8",
            "statusMessage": [
                {"status": "0x0", "message": "pending_review"},
                {"status": "0x1", "message": "accepted"},
                {"status": "0x2", "message": "rejected"},
                {"status": "0x3", "message": "undefined"}
            ],
            "statusReference": "https://example.org/status-dictionary/"
        });
        let parsed = StatusEntry::from_credential(&json!({"credentialStatus": entry})).unwrap();
        let e = &parsed[0];
        assert_eq!(e.purpose, StatusPurpose::Message);
        assert_eq!(e.message.as_ref().unwrap().message_of(1), Some("accepted"));
        assert_eq!(e.to_json(), entry);
        let mut no_messages = entry.clone();
        no_messages.as_object_mut().unwrap().remove("statusMessage");
        let err = StatusEntry::from_credential(&json!({"credentialStatus": no_messages}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("statusMessage is missing"), "{err}");
        let mut bad_ref = entry.clone();
        bad_ref["statusReference"] = json!(["not a url"]);
        assert!(StatusEntry::from_credential(&json!({"credentialStatus": bad_ref})).is_err());
    }
}
