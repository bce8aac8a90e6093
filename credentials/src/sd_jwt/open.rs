//! Opening a presented disclosure for verification: decode, check its shape (RFC 9901 §4.2.1,
//! §4.2.2) and compute its digest, without keeping the encoded text or the salt. The decode
//! buffer is the caller's, so one buffer serves every disclosure of an SD-JWT.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

use super::{DigestText, SdJwtError};

/// A disclosure as the verifier uses it.
#[derive(Debug, Clone, PartialEq)]
pub struct Opened {
    /// base64url(SHA-256(encoded)), as listed in `_sd` or `...`.
    pub digest: DigestText,
    /// The claim name; `None` for an array element.
    pub name: Option<String>,
    /// The disclosed value.
    pub value: Value,
}

impl Opened {
    /// Decodes disclosure `index` (its position, for messages) into `buf` and checks it.
    pub fn parse(encoded: &str, index: usize, buf: &mut Vec<u8>) -> Result<Self, SdJwtError> {
        let err = |reason: String| SdJwtError::Disclosure { index, reason };
        buf.clear();
        crate::b64::decode_into(encoded, buf).map_err(|e| err(format!("not base64url: {e}")))?;
        let arr: Elements =
            serde_json::from_slice(buf).map_err(|e| err(format!("not a JSON array: {e}")))?;
        let (name, value) = match (arr.len, arr.second, arr.third) {
            (3, Some(name), Some(value)) => {
                let Value::String(name) = name else {
                    return Err(err("claim name is not a string".into()));
                };
                if name == "_sd" || name == "..." {
                    return Err(err(format!("claim name `{name}` is reserved")));
                }
                (Some(name), value)
            }
            (2, Some(value), None) => (None, value),
            (n, _, _) => {
                return Err(err(format!(
                    "has {n} elements; expected 3 (claim) or 2 (array element)"
                )))
            }
        };
        if !arr.salt_is_string {
            return Err(err("salt is not a string".into()));
        }
        Ok(Self {
            digest: DigestText::of(encoded),
            name,
            value,
        })
    }
}

/// A disclosure array read element by element: whether the first (the salt) is a string, the
/// second and third as values, and how many there are in all.
struct Elements {
    len: usize,
    salt_is_string: bool,
    second: Option<Value>,
    third: Option<Value>,
}

impl<'de> Deserialize<'de> for Elements {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_seq(ElementsVisitor)
    }
}

struct ElementsVisitor;

impl<'de> Visitor<'de> for ElementsVisitor {
    type Value = Elements;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sequence")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Elements, A::Error> {
        let mut out = Elements {
            len: 0,
            salt_is_string: false,
            second: None,
            third: None,
        };
        match seq.next_element_seed(IsString)? {
            Some(is_string) => out.salt_is_string = is_string,
            None => return Ok(out),
        }
        out.len = 1;
        out.second = seq.next_element()?;
        if out.second.is_none() {
            return Ok(out);
        }
        out.len = 2;
        out.third = seq.next_element()?;
        if out.third.is_none() {
            return Ok(out);
        }
        out.len = 3;
        while seq.next_element::<IgnoredAny>()?.is_some() {
            out.len += 1;
        }
        Ok(out)
    }
}

/// Reads one value, answering only whether it is a string (nothing is kept).
struct IsString;

impl<'de> DeserializeSeed<'de> for IsString {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(IsStringVisitor)
    }
}

struct IsStringVisitor;

impl<'de> Visitor<'de> for IsStringVisitor {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_str<E>(self, _: &str) -> Result<bool, E> {
        Ok(true)
    }
    fn visit_bool<E>(self, _: bool) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_i64<E>(self, _: i64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_u64<E>(self, _: u64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_f64<E>(self, _: f64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_unit<E>(self) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_none<E>(self) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(false)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        // Objects, and numbers under serde_json's `arbitrary_precision` (a one-entry map).
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    use base64::Engine;

    fn open(json: &str) -> Result<Opened, SdJwtError> {
        Opened::parse(&B64.encode(json), 0, &mut Vec::new())
    }

    fn reason(json: &str) -> String {
        match open(json) {
            Err(SdJwtError::Disclosure { reason, .. }) => reason,
            other => panic!("{json}: {other:?}"),
        }
    }

    #[test]
    fn shapes_and_messages() {
        let o = open(r#"["s", "given_name", {"a": [1, 2.5, "x"]}]"#).unwrap();
        assert_eq!(o.name.as_deref(), Some("given_name"));
        assert_eq!(o.value, serde_json::json!({"a": [1, 2.5, "x"]}));
        let o = open(r#"["s", 12345678901234567890123]"#).unwrap();
        assert_eq!(o.name, None);
        assert_eq!(o.value.to_string(), "12345678901234567890123");
        assert_eq!(
            reason(r#"["s"]"#),
            "has 1 elements; expected 3 (claim) or 2 (array element)"
        );
        assert_eq!(
            reason("[]"),
            "has 0 elements; expected 3 (claim) or 2 (array element)"
        );
        assert_eq!(
            reason(r#"["s", "n", 1, {"x": [2]}]"#),
            "has 4 elements; expected 3 (claim) or 2 (array element)"
        );
        assert_eq!(reason(r#"["s", 5, 1]"#), "claim name is not a string");
        assert_eq!(reason(r#"["s", "_sd", 1]"#), "claim name `_sd` is reserved");
        assert_eq!(reason(r#"["s", "...", 1]"#), "claim name `...` is reserved");
        for salt in ["5", "1.5", "null", "true", "[\"a\"]", "{\"a\": 1}"] {
            assert_eq!(
                reason(&format!(r#"[{salt}, "n", 1]"#)),
                "salt is not a string"
            );
        }
        assert!(reason(r#"{"a": 1}"#)
            .starts_with("not a JSON array: invalid type: map, expected a sequence"));
        assert!(reason(r#"["s", 1] x"#).starts_with("not a JSON array: trailing characters"));
        assert!(reason(r#"["s", 1"#).starts_with("not a JSON array:"));
        assert!(matches!(
            Opened::parse("!!", 0, &mut Vec::new()),
            Err(SdJwtError::Disclosure { reason, .. }) if reason.starts_with("not base64url")
        ));
    }

    #[test]
    fn digest_is_over_the_encoded_text() {
        // RFC 9901 §4.2.3 example.
        let e = "WyI2cU1RdlJMNWhhaiIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0";
        let o = Opened::parse(e, 0, &mut Vec::new()).unwrap();
        assert_eq!(o.digest, "uutlBuYeMDyjLLTpf6Jxi7yNkEF35jdyWMn9U7b_RYY");
        assert_eq!(o.name.as_deref(), Some("family_name"));
        assert_eq!(o.value, "Möbius");
    }
}
