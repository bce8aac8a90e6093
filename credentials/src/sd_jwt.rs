//! Selective Disclosure for JWTs (RFC 9901): disclosures, digests, concealing claims when
//! issuing, choosing disclosures when presenting, and rebuilding the disclosed claims when
//! verifying (§7.1), with every rule the RFC makes a MUST.

use std::collections::HashMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use rand::RngCore;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

mod open;

pub use open::Opened;

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
const DIGEST_CHARS: usize = 43;

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
        let arr = match name {
            Some(n) => Value::Array(vec![
                Value::String(salt),
                Value::String(n.to_owned()),
                value.clone(),
            ]),
            None => Value::Array(vec![Value::String(salt), value.clone()]),
        };
        let encoded = B64.encode(serde_json::to_vec(&arr).unwrap_or_default());
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

/// Makes every property of `obj` (except those in `keep`) and every array element below it
/// selectively disclosable, innermost first so that a disclosed parent carries its children's
/// digests. Disclosures are appended to `out`.
pub fn conceal_object(
    obj: &mut Map<String, Value>,
    keep: &[&str],
    rng: &mut impl RngCore,
    out: &mut Vec<Disclosure>,
) {
    let names: Vec<String> = obj
        .keys()
        .filter(|k| !keep.contains(&k.as_str()))
        .cloned()
        .collect();
    let mut digests = Vec::with_capacity(names.len());
    for name in names {
        let Some(mut value) = obj.remove(&name) else {
            continue;
        };
        conceal_value(&mut value, rng, out);
        let d = Disclosure::new(rng, Some(&name), value);
        digests.push(d.digest.clone());
        out.push(d);
    }
    if !digests.is_empty() {
        digests.sort();
        obj.insert(
            "_sd".into(),
            Value::Array(digests.into_iter().map(Value::String).collect()),
        );
    }
}

fn conceal_value(value: &mut Value, rng: &mut impl RngCore, out: &mut Vec<Disclosure>) {
    match value {
        Value::Object(map) => conceal_object(map, &[], rng, out),
        Value::Array(items) => {
            for item in items.iter_mut() {
                let mut v = item.take();
                conceal_value(&mut v, rng, out);
                let d = Disclosure::new(rng, None, v);
                let mut placeholder = Map::new();
                placeholder.insert("...".into(), Value::String(d.digest.clone()));
                *item = Value::Object(placeholder);
                out.push(d);
            }
        }
        _ => {}
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

/// The result of rebuilding an SD-JWT's claims.
#[derive(Debug, Clone)]
pub struct Disclosed {
    /// The payload with disclosed claims in place, `_sd`, `...` placeholders and `_sd_alg` removed.
    pub claims: Value,
    /// JSON paths (`credentialSubject.immunizations[0].vaccine`) of the disclosed claims.
    pub paths: Vec<String>,
    /// Digests in the payload whose disclosures were withheld.
    pub withheld: usize,
}

/// Rebuilds the claims from the issuer payload and the presented disclosures (RFC 9901 §7.1).
pub fn disclose(payload: Value, disclosures: &[Disclosure]) -> Result<Disclosed, SdJwtError> {
    disclose_owned(
        payload,
        disclosures.iter().map(Disclosure::opened).collect(),
    )
}

/// [`disclose`], consuming the disclosures: each disclosed value is moved into the claims, not
/// copied (the verifier's path).
pub fn disclose_owned(
    mut payload: Value,
    disclosures: Vec<Opened>,
) -> Result<Disclosed, SdJwtError> {
    if let Some(alg) = payload.get("_sd_alg") {
        if alg.as_str() != Some(SD_ALG) {
            return Err(SdJwtError::Alg {
                alg: alg.to_string(),
            });
        }
    }
    let n = disclosures.len();
    // Presented digests sorted for binary search: a handful of comparisons instead of hashing
    // 43 bytes per lookup, and no hash table for an attacker to load with collisions.
    let mut presented: Vec<(DigestText, usize)> = Vec::with_capacity(n);
    let mut names = Vec::with_capacity(n);
    let mut values = Vec::with_capacity(n);
    for (i, d) in disclosures.into_iter().enumerate() {
        presented.push((d.digest, i));
        names.push(d.name);
        values.push(Some(d.value));
    }
    presented.sort_unstable();
    // Two disclosures with one digest: name the later one (the first repeat in input order).
    if let Some(index) = presented
        .windows(2)
        .filter(|w| w[0].0 == w[1].0)
        .map(|w| w[1].1)
        .min()
    {
        return Err(SdJwtError::DuplicateDisclosure { index });
    }
    let mut st = Walk {
        presented,
        met: Vec::with_capacity(2 * n),
        names,
        values,
        paths: Vec::with_capacity(n),
        withheld: 0,
    };
    if let Value::Object(map) = &mut payload {
        map.remove("_sd_alg");
    }
    let mut path = String::with_capacity(64);
    st.walk(&mut payload, &mut path, 0)?;
    // A digest may appear only once in the whole payload (decoys and withheld ones included).
    st.met.sort_unstable();
    if let Some(w) = st.met.windows(2).find(|w| w[0] == w[1]) {
        return Err(SdJwtError::DuplicateDigest {
            digest: w[0].as_str().to_owned(),
        });
    }
    // Every disclosure must have been taken (its value moved into the claims).
    if let Some(i) = st.values.iter().position(Option::is_some) {
        return Err(SdJwtError::Unreferenced {
            index: i,
            claim: st.names[i]
                .clone()
                .unwrap_or_else(|| "array element".into()),
        });
    }
    Ok(Disclosed {
        claims: payload,
        paths: st.paths,
        withheld: st.withheld,
    })
}

/// The state of one rebuild. Paths are built in one reusable buffer and only copied out for
/// disclosed claims and error messages.
struct Walk {
    /// The presented disclosures' digests with their indexes, sorted.
    presented: Vec<(DigestText, usize)>,
    /// Every digest met in the payload, to find repeats once the walk is done.
    met: Vec<DigestText>,
    names: Vec<Option<String>>,
    /// Disclosed values not yet placed; `None` once used (each digest is placed at most once,
    /// since a digest may be met only once).
    values: Vec<Option<Value>>,
    paths: Vec<String>,
    withheld: usize,
}

fn join(path: &str, name: &str) -> String {
    let mut out = String::with_capacity(path.len() + 1 + name.len());
    out.push_str(path);
    push_name(&mut out, name);
    out
}

/// Appends `.name` (or `name` at the root) to the path buffer.
fn push_name(path: &mut String, name: &str) {
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(name);
}

/// An array element of the form `{"...": <anything>}`: a concealed element (RFC 9901 §4.2.4.2).
fn is_placeholder(v: &Value) -> bool {
    matches!(v, Value::Object(m) if m.len() == 1 && m.contains_key("..."))
}

/// An object or array: the only values that can hold digests.
fn is_container(v: &Value) -> bool {
    matches!(v, Value::Object(_) | Value::Array(_))
}

/// Appends `[index]` to the path buffer.
fn push_index(path: &mut String, index: usize) {
    use std::fmt::Write;
    // Writing to a String cannot fail.
    let _ = write!(path, "[{index}]");
}

impl Walk {
    /// Looks a digest up: the matching disclosure's index and value, or `None` when withheld.
    /// A digest may appear only once in the whole payload.
    /// `path` (with `._sd` when `in_sd`) is where the digest was found, for the message when
    /// it is not one.
    fn take(
        &mut self,
        digest: &str,
        path: &str,
        in_sd: bool,
    ) -> Result<Option<(usize, Value)>, SdJwtError> {
        let Some(key) = DigestText::from_text(digest) else {
            return Err(SdJwtError::Structure {
                path: if in_sd {
                    join(path, "_sd")
                } else {
                    path.to_owned()
                },
                reason: format!(
                    "`{}` is not a base64url SHA-256 digest ({DIGEST_CHARS} characters)",
                    digest.chars().take(64).collect::<String>()
                ),
            });
        };
        self.met.push(key);
        let hit = self
            .presented
            .binary_search_by(|(d, _)| d.cmp(&key))
            .ok()
            .map(|at| self.presented[at].1);
        if let Some(i) = hit {
            if self.values[i].is_none() {
                // Its value was placed at an earlier reference: the digest is repeated.
                return Err(SdJwtError::DuplicateDigest {
                    digest: digest.to_owned(),
                });
            }
        }
        match hit.and_then(|i| self.values[i].take().map(|v| (i, v))) {
            Some(found) => Ok(Some(found)),
            None => {
                self.withheld += 1;
                Ok(None)
            }
        }
    }

    /// Rebuilds `value` in place; `depth` is its nesting level (the payload is 0), bounded by
    /// [`MAX_SD_DEPTH`] so hostile chains of disclosures cannot recurse without end.
    fn walk(
        &mut self,
        value: &mut Value,
        path: &mut String,
        depth: usize,
    ) -> Result<(), SdJwtError> {
        if depth > MAX_SD_DEPTH {
            return Err(SdJwtError::Structure {
                path: path.clone(),
                reason: format!("claims nest deeper than {MAX_SD_DEPTH} levels"),
            });
        }
        match value {
            Value::Object(map) => {
                if let Some(sd) = map.remove("_sd") {
                    let Value::Array(digests) = sd else {
                        return Err(SdJwtError::Structure {
                            path: join(path, "_sd"),
                            reason: "`_sd` is not an array".into(),
                        });
                    };
                    for dg in digests {
                        let Value::String(dg) = dg else {
                            return Err(SdJwtError::Structure {
                                path: join(path, "_sd"),
                                reason: "digest is not a string".into(),
                            });
                        };
                        if let Some((i, value)) = self.take(&dg, path, true)? {
                            let Some(name) = self.names[i].take() else {
                                return Err(SdJwtError::Structure {
                                    path: join(path, "_sd"),
                                    reason: "an array-element disclosure is referenced from `_sd`"
                                        .into(),
                                });
                            };
                            if map.contains_key(&name) {
                                return Err(SdJwtError::ClaimCollision {
                                    claim: name,
                                    path: path.clone(),
                                });
                            }
                            self.paths.push(join(path, &name));
                            map.insert(name, value);
                        }
                    }
                }
                // Only objects and arrays can hold digests: scalars are not visited.
                for (k, v) in map.iter_mut().filter(|(_, v)| is_container(v)) {
                    let len = path.len();
                    push_name(path, k);
                    self.walk(v, path, depth + 1)?;
                    path.truncate(len);
                }
            }
            Value::Array(items) if !items.iter().any(is_placeholder) => {
                // No element is concealed here: nothing to rebuild, only to walk.
                for (i, v) in items
                    .iter_mut()
                    .enumerate()
                    .filter(|(_, v)| is_container(v))
                {
                    let len = path.len();
                    push_index(path, i);
                    self.walk(v, path, depth + 1)?;
                    path.truncate(len);
                }
            }
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items.drain(..) {
                    let dg = match item {
                        Value::Object(m) if m.len() == 1 && m.contains_key("...") => {
                            m.into_iter().next().map(|(_, v)| v)
                        }
                        other => {
                            out.push(other);
                            continue;
                        }
                    };
                    let Some(Value::String(dg)) = dg else {
                        return Err(SdJwtError::Structure {
                            path: path.clone(),
                            reason: "`...` digest is not a string".into(),
                        });
                    };
                    if let Some((i, value)) = self.take(&dg, path, false)? {
                        if self.names[i].is_some() {
                            return Err(SdJwtError::Structure {
                                path: path.clone(),
                                reason: "a claim disclosure is referenced from an array element"
                                    .into(),
                            });
                        }
                        self.paths.push(format!("{path}[{}]", out.len()));
                        out.push(value);
                    }
                }
                for (i, v) in out.iter_mut().enumerate().filter(|(_, v)| is_container(v)) {
                    let len = path.len();
                    push_index(path, i);
                    self.walk(v, path, depth + 1)?;
                    path.truncate(len);
                }
                *items = out;
            }
            _ => {}
        }
        Ok(())
    }
}

/// The path of every disclosure within the payload (`credentialSubject.fullName`,
/// `credentialSubject.immunizations[1]`, …), so a holder can choose what to present.
/// Returns `(path, disclosure index)` pairs; paths of array elements use the element's position
/// among all (concealed or not) elements.
pub fn disclosure_paths(payload: &Value, disclosures: &[Disclosure]) -> Vec<(String, usize)> {
    let by_digest: HashMap<&str, usize> = disclosures
        .iter()
        .enumerate()
        .map(|(i, d)| (d.digest.as_str(), i))
        .collect();
    let mut out = Vec::new();
    paths_in(payload, "", &by_digest, disclosures, &mut out, 0);
    out
}

/// Collects the paths under `v` (at nesting level `depth`; nothing deeper than
/// [`MAX_SD_DEPTH`] is visited).
fn paths_in(
    v: &Value,
    path: &str,
    by: &HashMap<&str, usize>,
    ds: &[Disclosure],
    out: &mut Vec<(String, usize)>,
    depth: usize,
) {
    if depth > MAX_SD_DEPTH {
        return;
    }
    match v {
        Value::Object(map) => {
            if let Some(Value::Array(sd)) = map.get("_sd") {
                for dg in sd.iter().filter_map(Value::as_str) {
                    if let Some(&i) = by.get(dg) {
                        if let Some(name) = &ds[i].name {
                            let p = join(path, name);
                            out.push((p.clone(), i));
                            paths_in(&ds[i].value, &p, by, ds, out, depth + 1);
                        }
                    }
                }
            }
            for (k, child) in map {
                if k != "_sd" {
                    paths_in(child, &join(path, k), by, ds, out, depth + 1);
                }
            }
        }
        Value::Array(items) => {
            for (idx, item) in items.iter().enumerate() {
                let p = format!("{path}[{idx}]");
                match item
                    .as_object()
                    .and_then(|m| if m.len() == 1 { m.get("...") } else { None })
                    .and_then(Value::as_str)
                {
                    Some(dg) => {
                        if let Some(&i) = by.get(dg) {
                            out.push((p.clone(), i));
                            paths_in(&ds[i].value, &p, by, ds, out, depth + 1);
                        }
                    }
                    None => paths_in(item, &p, by, ds, out, depth + 1),
                }
            }
        }
        _ => {}
    }
}

/// Indexes of the disclosures needed to reveal `wanted` paths: every disclosure on the way to a
/// wanted path, and everything beneath it. A wanted path is a dotted path with optional `[n]`
/// indexes (`credentialSubject.immunizations[0]`).
pub fn select(paths: &[(String, usize)], wanted: &[String]) -> Vec<usize> {
    let under = |p: &str, w: &str| {
        p == w || p.starts_with(&format!("{w}.")) || p.starts_with(&format!("{w}["))
    };
    let mut chosen: Vec<usize> = paths
        .iter()
        .filter(|(p, _)| wanted.iter().any(|w| under(p, w) || under(w, p)))
        .map(|(_, i)| *i)
        .collect();
    chosen.sort_unstable();
    chosen.dedup();
    chosen
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
