//! `BitstringStatusListEntry` (Bitstring Status List v1.0 §2.1) and the unsigned
//! `BitstringStatusListCredential` (§2.2).

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::{Bitstring, StatusError, StatusPurpose};

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
                        "statusPurpose `{purpose_s}` is not revocation or suspension"
                    ))
                })?;
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
                })
            })
            .collect()
    }
}

/// The unsigned `BitstringStatusListCredential` for a list (§2.2), ready to be secured by any
/// of the issuing formats. `valid_until` bounds how long verifiers may rely on this copy.
pub fn list_credential_unsigned(
    list_url: &str,
    issuer: &str,
    purpose: StatusPurpose,
    bits: &Bitstring,
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
    }
}
