//! Rebuilding the disclosed claims when verifying (RFC 9901 §7.1): every presented disclosure
//! must be referenced exactly once, nothing deeper than [`MAX_SD_DEPTH`], no reserved names.

use serde_json::Value;

use super::{DigestText, Disclosure, Opened, SdJwtError, DIGEST_CHARS, MAX_SD_DEPTH, SD_ALG};

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

pub(super) fn join(path: &str, name: &str) -> String {
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
