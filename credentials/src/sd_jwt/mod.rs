//! Selective Disclosure for JWTs (RFC 9901): disclosures, digests, concealing claims when
//! issuing, choosing disclosures when presenting, and rebuilding the disclosed claims when
//! verifying (§7.1), with every rule the RFC makes a MUST.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use rand::RngCore;
use serde_json::Value;
use sha2::{Digest, Sha256};

mod conceal;
mod disclose;
mod open;
mod select;

pub use conceal::{conceal_elements, conceal_object};
pub use disclose::{disclose, disclose_owned, Disclosed};
pub use open::Opened;
pub use select::{disclosure_paths, select};

/// The only digest algorithm vcnet issues and accepts (`_sd_alg`).
pub const SD_ALG: &str = "sha-256";

/// Most disclosures one SD-JWT may carry. vcnet's richest credential (a health record with a
/// long immunization history) has a few dozen; the bound is checked before any disclosure is
/// decoded or hashed.
pub const MAX_DISCLOSURES: usize = 512;

/// Deepest nesting of objects and arrays while rebuilding claims from disclosures. vcnet's
/// claims nest four levels (`credentialSubject.immunizations[0].vaccine`); a disclosure that
/// hides the next one's digest can otherwise build an arbitrarily deep value (one input of
/// 120 KB reached 12,000 levels and overflowed the verifying thread's stack).
pub const MAX_SD_DEPTH: usize = 32;

/// Why an SD-JWT could not be read or its disclosures do not fit it.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum SdJwtError {
    #[error("not an SD-JWT: {reason}")]
    Format { reason: String },
    #[error("disclosure #{index} is malformed: {reason}")]
    Disclosure { index: usize, reason: String },
    #[error("disclosure #{index} (claim `{claim}`) matches no digest in the credential: it was not issued with it")]
    Unreferenced { index: usize, claim: String },
    #[error("disclosure #{index} is given twice")]
    DuplicateDisclosure { index: usize },
    #[error("digest {digest} appears more than once in the credential")]
    DuplicateDigest { digest: String },
    #[error("disclosure for `{claim}` would overwrite a claim already present at `{path}`")]
    ClaimCollision { claim: String, path: String },
    #[error("`_sd_alg` is `{alg}`; only `sha-256` is supported")]
    Alg { alg: String },
    #[error("`{path}`: {reason}")]
    Structure { path: String, reason: String },
}

/// One disclosure: a salted claim (object property) or array element.
#[derive(Debug, Clone, PartialEq)]
pub struct Disclosure {
    /// The base64url string as it travels after a `~`.
    pub encoded: String,
    /// base64url(SHA-256(encoded)), as listed in `_sd` or `...`.
    pub digest: String,
    /// The claim name; `None` for an array element.
    pub name: Option<String>,
    /// The disclosed value.
    pub value: Value,
}

/// base64url(SHA-256(ASCII of the encoded disclosure)) (RFC 9901 §4.2.3).
pub fn digest(encoded: &str) -> String {
    DigestText::of(encoded).as_str().to_owned()
}

/// Characters of a base64url SHA-256 digest.
pub(crate) const DIGEST_CHARS: usize = 43;

/// A SHA-256 digest as its base64url text, held inline: the rebuild sorts and compares digests
/// without allocating one string per disclosure.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DigestText([u8; DIGEST_CHARS]);

impl DigestText {
    /// The digest of an encoded disclosure (RFC 9901 §4.2.3).
    pub fn of(encoded: &str) -> Self {
        let mut text = [0u8; DIGEST_CHARS];
        // 32 bytes always encode to exactly 43 characters.
        let _ = B64.encode_slice(Sha256::digest(encoded.as_bytes()), &mut text);
        Self(text)
    }

    /// A digest as it appears in `_sd` or `...`; `None` unless it has a SHA-256 digest's length
    /// and alphabet.
    pub fn from_text(s: &str) -> Option<Self> {
        let bytes: [u8; DIGEST_CHARS] = s.as_bytes().try_into().ok()?;
        bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
            .then_some(Self(bytes))
    }

    /// The base64url text.
    pub fn as_str(&self) -> &str {
        // Only base64url characters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl std::fmt::Debug for DigestText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for DigestText {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Disclosure {
    /// A new disclosure with a fresh 128-bit salt.
    pub fn new(rng: &mut impl RngCore, name: Option<&str>, value: Value) -> Self {
        let mut salt = [0u8; 16];
        rng.fill_bytes(&mut salt);
        let salt = B64.encode(salt);
        // `[salt, name, value]` or `[salt, value]`, serialised without copying the value.
        let json = match name {
            Some(n) => serde_json::to_vec(&(&salt, n, &value)),
            None => serde_json::to_vec(&(&salt, &value)),
        };
        let encoded = B64.encode(json.unwrap_or_default());
        Self {
            digest: digest(&encoded),
            encoded,
            name: name.map(str::to_owned),
            value,
        }
    }

    /// Decodes a disclosure string; `index` is its position, for messages.
    pub fn parse(encoded: &str, index: usize) -> Result<Self, SdJwtError> {
        let o = Opened::parse(encoded, index, &mut Vec::new())?;
        Ok(Self {
            encoded: encoded.to_owned(),
            digest: o.digest.as_str().to_owned(),
            name: o.name,
            value: o.value,
        })
    }

    /// The verifier's view of it.
    pub fn opened(&self) -> Opened {
        Opened {
            digest: DigestText::from_text(&self.digest)
                .unwrap_or_else(|| DigestText::of(&self.encoded)),
            name: self.name.clone(),
            value: self.value.clone(),
        }
    }
}

/// The parts of a serialized SD-JWT (`<jws>~<d1>~…~<dn>~[<kb-jwt>]`).
#[derive(Debug, Clone)]
pub struct SdJwtParts<'a> {
    /// The issuer-signed JWT.
    pub jws: &'a str,
    /// The disclosures, in order.
    pub disclosures: Vec<&'a str>,
    /// The key binding JWT, if any.
    pub kb_jwt: Option<&'a str>,
    /// Everything up to and including the last `~`: what the KB-JWT's `sd_hash` covers.
    pub sd_hash_input: &'a str,
}

impl<'a> SdJwtParts<'a> {
    /// Splits at `~` (RFC 9901 §4).
    pub fn split(s: &'a str) -> Result<Self, SdJwtError> {
        let last = s.rfind('~').ok_or_else(|| SdJwtError::Format {
            reason: "no `~` separator".into(),
        })?;
        let sd_hash_input = &s[..=last];
        let tail = &s[last + 1..];
        let kb_jwt = if tail.is_empty() { None } else { Some(tail) };
        let mut it = s[..last].split('~');
        let jws = it.next().unwrap_or_default();
        if jws.is_empty() {
            return Err(SdJwtError::Format {
                reason: "issuer-signed JWT is empty".into(),
            });
        }
        let disclosures: Vec<&str> = it.take(MAX_DISCLOSURES + 1).collect();
        if disclosures.len() > MAX_DISCLOSURES {
            return Err(SdJwtError::Format {
                reason: format!("more than {MAX_DISCLOSURES} disclosures"),
            });
        }
        if let Some(i) = disclosures.iter().position(|d| d.is_empty()) {
            return Err(SdJwtError::Format {
                reason: format!("disclosure #{i} is empty (`~~`)"),
            });
        }
        Ok(Self {
            jws,
            disclosures,
            kb_jwt,
            sd_hash_input,
        })
    }
}

/// `sd_hash` for a key binding JWT: base64url(SHA-256(presentation without the KB-JWT)).
pub fn sd_hash(sd_hash_input: &str) -> String {
    digest(sd_hash_input)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use serde_json::json;

    fn issue(subject: Value) -> (Value, Vec<Disclosure>) {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
        let mut payload = json!({"iss": "x", "credentialSubject": subject});
        let mut out = Vec::new();
        let cs = payload["credentialSubject"].as_object_mut().unwrap();
        conceal_object(cs, &["id"], &mut rng, &mut out);
        payload["_sd_alg"] = json!(SD_ALG);
        (payload, out)
    }

    #[test]
    fn full_disclosure_rebuilds_original() {
        let subject = json!({"id": "did:x", "name": "An", "imm": [{"v": "MMR", "lot": "A1"}, {"v": "BCG", "lot": "B2"}]});
        let (payload, ds) = issue(subject.clone());
        assert!(payload["credentialSubject"].get("name").is_none());
        let out = disclose(payload, &ds).unwrap();
        assert_eq!(out.claims["credentialSubject"], subject);
        assert_eq!(out.withheld, 0);
    }

    #[test]
    fn selecting_one_array_element() {
        let subject =
            json!({"name": "An", "imm": [{"v": "MMR", "lot": "A1"}, {"v": "BCG", "lot": "B2"}]});
        let (payload, ds) = issue(subject);
        let paths = disclosure_paths(&payload, &ds);
        let chosen = select(&paths, &["credentialSubject.imm[1]".to_string()]);
        let picked: Vec<Disclosure> = chosen.iter().map(|&i| ds[i].clone()).collect();
        let out = disclose(payload, &picked).unwrap();
        assert_eq!(
            out.claims["credentialSubject"],
            json!({"imm": [{"v": "BCG", "lot": "B2"}]})
        );
        assert!(out.withheld > 0);
    }

    #[test]
    fn rejects_foreign_duplicate_and_reserved() {
        let (payload, ds) = issue(json!({"name": "An"}));
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(9);
        let foreign = Disclosure::new(&mut rng, Some("name"), json!("Mallory"));
        assert!(matches!(
            disclose(payload.clone(), &[foreign]),
            Err(SdJwtError::Unreferenced { index: 0, .. })
        ));
        assert!(matches!(
            disclose(payload.clone(), &[ds[0].clone(), ds[0].clone()]),
            Err(SdJwtError::DuplicateDisclosure { index: 1 })
        ));
        // The repeat is named by its own position, whatever the digests' order.
        let (payload2, ds2) = issue(json!({"a": 1, "b": 2, "c": 3}));
        for (order, repeat) in [([0, 1, 2, 0], 3), ([2, 2, 0, 1], 1), ([1, 0, 2, 0], 3)] {
            let presented: Vec<Disclosure> = order.iter().map(|&i| ds2[i].clone()).collect();
            assert!(matches!(
                disclose(payload2.clone(), &presented),
                Err(SdJwtError::DuplicateDisclosure { index }) if index == repeat
            ));
        }
        // An `_sd` entry that is not a SHA-256 digest is named with its place.
        let mut odd = payload.clone();
        odd["credentialSubject"]["_sd"]
            .as_array_mut()
            .unwrap()
            .push(json!("not-a-digest"));
        assert!(matches!(
            disclose(odd, &ds),
            Err(SdJwtError::Structure { path, reason })
                if path == "credentialSubject._sd" && reason.contains("not-a-digest")
        ));
        let reserved = B64.encode(br#"["s","_sd","x"]"#);
        assert!(Disclosure::parse(&reserved, 0).is_err());
        assert!(Disclosure::parse("!!", 0).is_err());
        let mut bad = payload;
        bad["_sd_alg"] = json!("md5");
        assert!(matches!(disclose(bad, &ds), Err(SdJwtError::Alg { .. })));
    }

    #[test]
    fn repeated_digest_is_rejected_and_disclosed_paths_are_named() {
        let (payload, ds) = issue(json!({"name": "An", "imm": ["MMR", "BCG"]}));
        let out = disclose(payload.clone(), &ds).unwrap();
        let mut paths = out.paths.clone();
        paths.sort();
        assert_eq!(
            paths,
            [
                "credentialSubject.imm",
                "credentialSubject.imm[0]",
                "credentialSubject.imm[1]",
                "credentialSubject.name"
            ]
        );
        let mut twice = payload;
        let sd = twice["credentialSubject"]["_sd"].as_array_mut().unwrap();
        sd.push(sd[0].clone());
        assert!(matches!(
            disclose(twice.clone(), &ds),
            Err(SdJwtError::DuplicateDigest { digest }) if !digest.is_empty()
        ));
        assert!(matches!(
            disclose(twice, &[]),
            Err(SdJwtError::DuplicateDigest { .. })
        ));
    }

    #[test]
    fn collision_is_rejected() {
        let (mut payload, ds) = issue(json!({"name": "An"}));
        payload["credentialSubject"]["name"] = json!("plain");
        assert!(matches!(
            disclose(payload, &ds),
            Err(SdJwtError::ClaimCollision { .. })
        ));
    }

    #[test]
    fn split_forms() {
        let p = SdJwtParts::split("a.b.c~d1~d2~").unwrap();
        assert_eq!(p.disclosures, vec!["d1", "d2"]);
        assert!(p.kb_jwt.is_none());
        let p = SdJwtParts::split("a.b.c~d1~k.b.j").unwrap();
        assert_eq!(p.kb_jwt, Some("k.b.j"));
        assert_eq!(p.sd_hash_input, "a.b.c~d1~");
        assert!(SdJwtParts::split("a.b.c").is_err());
        assert!(SdJwtParts::split("a.b.c~~d~").is_err());
    }
}
