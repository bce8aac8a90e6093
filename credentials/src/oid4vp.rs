//! OpenID for Verifiable Presentations 1.0, the parts a verifier and a wallet share: the
//! signed request object (§5, RFC 9101) a verifier serves by reference, its invocation link,
//! the DCQL query (§6) vcnet asks with, and the `direct_post.jwt` response encryption (§8.3:
//! a JWE with ECDH-ES key agreement, A128GCM or A256GCM, RFC 7518 §4.6 and §5.3).

use aes_gcm::aead::{Aead, KeyInit, Payload};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use rand::RngCore;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::jose::CompactJws;
use crate::pubkey::{PublicKey, SecretKey};

/// `typ` of a signed request object (§5.1 via RFC 9101).
pub const REQUEST_TYP: &str = "oauth-authz-req+jwt";
/// The static `aud` of a request object for a wallet not known in advance (§5.1).
pub const SELF_ISSUED_AUD: &str = "https://self-issued.me/v2";
/// The `client_id` prefix of a verifier named by its DID (§5.9.3).
pub const DID_PREFIX: &str = "decentralized_identifier:";
/// The invocation scheme (§13.1.2, "openid4vp://").
pub const SCHEME: &str = "openid4vp://";
/// Longest request object, invocation link and encrypted response read.
pub const MAX_REQUEST_BYTES: usize = 64 * 1024;
pub const MAX_RESPONSE_BYTES: usize = 512 * 1024;

/// Why a request or response was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Oid4vpError {
    #[error("authorization request: {0}")]
    Request(String),
    #[error("encrypted response: {0}")]
    Jwe(String),
}

fn req_err(m: impl Into<String>) -> Oid4vpError {
    Oid4vpError::Request(m.into())
}

/// A DCQL query for one SD-JWT VC of type `vct`, asking for `claims` (top-level names), under
/// the credential query id `id`.
pub fn dcql_sd_jwt_vc(id: &str, vct: &str, claims: &[String]) -> Value {
    let claims: Vec<Value> = claims.iter().map(|c| json!({"path": [c]})).collect();
    let mut q = json!({"id": id, "format": "dc+sd-jwt", "meta": {"vct_values": [vct]}});
    if !claims.is_empty() {
        q["claims"] = Value::Array(claims);
    }
    json!({"credentials": [q]})
}

/// What a DCQL credential query asks of an SD-JWT VC: its id, the `vct` values it accepts and
/// the top-level claim names it wants disclosed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AskedCredential {
    pub id: String,
    pub vct_values: Vec<String>,
    pub claims: Vec<String>,
}

/// Reads the `dc+sd-jwt` credential queries of a DCQL query. Queries of other formats, claim
/// paths deeper than one name, and credential sets are refused: the wallet could not honour
/// them and must not guess.
pub fn asked_credentials(dcql: &Value) -> Result<Vec<AskedCredential>, Oid4vpError> {
    if dcql.get("credential_sets").is_some() {
        return Err(req_err(
            "dcql_query.credential_sets: not supported by this wallet",
        ));
    }
    let creds = dcql
        .get("credentials")
        .and_then(Value::as_array)
        .filter(|c| !c.is_empty() && c.len() <= 16)
        .ok_or_else(|| req_err("dcql_query.credentials: missing, empty or over 16"))?;
    creds
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let at = |f: &str| format!("dcql_query.credentials[{i}].{f}");
            let id = c
                .get("id")
                .and_then(Value::as_str)
                .filter(|s| {
                    !s.is_empty()
                        && s.len() <= 64
                        && s.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                })
                .ok_or_else(|| req_err(at("id: missing or not [A-Za-z0-9_-]+")))?;
            if c.get("format").and_then(Value::as_str) != Some("dc+sd-jwt") {
                return Err(req_err(at("format: only dc+sd-jwt is held")));
            }
            let vct_values = c
                .pointer("/meta/vct_values")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            let mut claims = Vec::new();
            for (j, q) in c
                .get("claims")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                match q.get("path").and_then(Value::as_array).map(Vec::as_slice) {
                    Some([Value::String(name)]) => claims.push(name.clone()),
                    _ => {
                        return Err(req_err(at(&format!(
                            "claims[{j}].path: one claim name expected"
                        ))))
                    }
                }
            }
            Ok(AskedCredential {
                id: id.to_owned(),
                vct_values,
                claims,
            })
        })
        .collect()
}

/// Signs a request object with the verifier's key, named `kid` (a DID URL of its
/// `client_id`'s DID).
pub fn sign_request_object(payload: &Value, key: &SecretKey, kid: &str) -> String {
    let header = json!({"alg": key.alg().to_string(), "typ": REQUEST_TYP, "kid": kid});
    crate::jose::sign_compact_json(
        &header,
        &serde_json::to_vec(payload).unwrap_or_default(),
        key,
    )
}

/// The invocation link of a request passed by reference (§5.10): `openid4vp://?client_id=…
/// &request_uri=…`.
pub fn invocation_link(client_id: &str, request_uri: &str) -> String {
    let q: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", client_id)
        .append_pair("request_uri", request_uri)
        .finish();
    format!("{SCHEME}?{q}")
}

/// What an invocation link of a request by reference carries (§5.10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    pub client_id: String,
    pub request_uri: String,
}

/// Reads an invocation link (`openid4vp://?…`, or any URL with such a query). Only requests by
/// reference are read: a request by value would be unsigned or carry its object inline.
pub fn parse_invocation(link: &str) -> Result<Invocation, Oid4vpError> {
    let link = link.trim();
    if link.len() > MAX_REQUEST_BYTES {
        return Err(req_err(format!(
            "{} bytes; at most {MAX_REQUEST_BYTES}",
            link.len()
        )));
    }
    let query = link
        .split_once('?')
        .map(|(_, q)| q)
        .ok_or_else(|| req_err("the link has no query"))?;
    let mut params = std::collections::HashMap::new();
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        if params.insert(k.clone(), v).is_some() {
            return Err(req_err(format!("{k}: given twice")));
        }
    }
    let get = |name: &str| params.get(name).map(|v| v.clone().into_owned());
    if params.contains_key("request") {
        return Err(req_err(
            "request (by value, signed): pass it by reference instead",
        ));
    }
    Ok(Invocation {
        client_id: get("client_id").ok_or_else(|| req_err("client_id: missing"))?,
        request_uri: get("request_uri").ok_or_else(|| {
            req_err("no request_uri: this wallet answers signed requests by reference only")
        })?,
    })
}

/// Checks a request object fetched from `request_uri` for the link's `client_id` (§5.10,
/// RFC 9101 §6): `typ`, a `decentralized_identifier:` client whose DID signed it (`kid` a URL
/// of that DID), the same `client_id` inside, `aud`, and `exp` not passed. Returns its claims.
///
/// `aud` is `https://self-issued.me/v2` in a request for any wallet (§5.8); the request URI it
/// was fetched from is accepted too (oid4vc-ts's verifier puts that, seen in the interop
/// tests), anything else is refused as meant for another recipient.
pub fn verify_request_object(
    jwt: &str,
    client_id: &str,
    request_uri: &str,
    now: i64,
) -> Result<Value, Oid4vpError> {
    if jwt.len() > MAX_REQUEST_BYTES {
        return Err(req_err(format!(
            "request object over {MAX_REQUEST_BYTES} bytes"
        )));
    }
    let did = client_id.strip_prefix(DID_PREFIX).ok_or_else(|| {
        req_err(format!(
            "client_id: a signed request needs the `{DID_PREFIX}` prefix"
        ))
    })?;
    let jws = CompactJws::parse_any(jwt).map_err(|e| req_err(format!("request object: {e}")))?;
    if jws.header.typ.as_deref() != Some(REQUEST_TYP) {
        return Err(req_err(format!(
            "request object typ {:?}: `{REQUEST_TYP}` required",
            jws.header.typ
        )));
    }
    let kid = jws.header.kid.as_deref().unwrap_or_default();
    if crate::did::did_of_url(kid) != did {
        return Err(req_err(
            "request object kid: not a key of the client_id's DID",
        ));
    }
    let key =
        crate::did::resolve_public_key(did).map_err(|e| req_err(format!("client_id DID: {e}")))?;
    jws.verify_key(&key)
        .map_err(|e| req_err(format!("request object signature: {e}")))?;
    let claims: Value = jws.payload_json().map_err(|e| req_err(e.to_string()))?;
    if claims.get("client_id").and_then(Value::as_str) != Some(client_id) {
        return Err(req_err("request object client_id: differs from the link's"));
    }
    let for_us = |a: &str| a == SELF_ISSUED_AUD || a == request_uri;
    let aud_ok = match claims.get("aud") {
        None => true,
        Some(Value::String(a)) => for_us(a),
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).any(for_us),
        Some(_) => false,
    };
    if !aud_ok {
        return Err(req_err(format!(
            "request object aud: `{SELF_ISSUED_AUD}` expected"
        )));
    }
    if let Some(exp) = claims.get("exp").and_then(Value::as_i64) {
        if exp < now {
            return Err(req_err("request object: expired"));
        }
    }
    Ok(claims)
}

/// A verifier's ephemeral key for one request's encrypted response (P-256, ECDH-ES).
#[derive(Clone)]
pub struct ResponseKey {
    secret: p256::SecretKey,
    kid: String,
}

impl ResponseKey {
    /// A fresh key named `kid`.
    pub fn generate(kid: &str, rng: &mut (impl RngCore + rand::CryptoRng)) -> Self {
        Self {
            secret: p256::SecretKey::random(rng),
            kid: kid.to_owned(),
        }
    }

    /// Its public JWK for `client_metadata.jwks` (`use` enc, `alg` ECDH-ES).
    pub fn public_jwk(&self) -> Value {
        let mut jwk =
            PublicKey::P256(p256::ecdsa::VerifyingKey::from(self.secret.public_key())).to_jwk();
        jwk["use"] = json!("enc");
        jwk["alg"] = json!("ECDH-ES");
        jwk["kid"] = json!(self.kid);
        jwk
    }

    /// The secret scalar's bytes (kept by the verifier for the request's lifetime).
    pub fn to_bytes(&self) -> Vec<u8> {
        self.secret.to_bytes().to_vec()
    }

    /// The key of bytes from [`ResponseKey::to_bytes`].
    pub fn from_bytes(bytes: &[u8], kid: &str) -> Result<Self, Oid4vpError> {
        Ok(Self {
            secret: p256::SecretKey::from_slice(bytes)
                .map_err(|_| Oid4vpError::Jwe("bad key".into()))?,
            kid: kid.to_owned(),
        })
    }

    /// Decrypts a compact JWE sent to this key: `alg` ECDH-ES, `enc` A128GCM or A256GCM, the
    /// `epk` a P-256 point, `apu`/`apv` fed to the key derivation as sent.
    pub fn decrypt(&self, jwe: &str) -> Result<Vec<u8>, Oid4vpError> {
        let bad = |m: &str| Oid4vpError::Jwe(m.to_owned());
        if jwe.len() > MAX_RESPONSE_BYTES {
            return Err(bad("larger than any response read"));
        }
        let parts: Vec<&str> = jwe.split('.').collect();
        let [h, ek, iv, ct, tag] = parts.as_slice() else {
            return Err(bad("not a compact JWE (five parts)"));
        };
        if !ek.is_empty() {
            return Err(bad("ECDH-ES (direct) has no encrypted key"));
        }
        let header: Value = B64
            .decode(h)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or_else(|| bad("header: not base64url JSON"))?;
        if header.get("alg").and_then(Value::as_str) != Some("ECDH-ES") {
            return Err(bad("alg: ECDH-ES expected"));
        }
        let enc = header
            .get("enc")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let key_len = match enc {
            "A128GCM" => 16,
            "A256GCM" => 32,
            _ => return Err(bad("enc: A128GCM or A256GCM expected")),
        };
        if header.get("zip").is_some() {
            return Err(bad("zip: compression is not accepted"));
        }
        let epk = header.get("epk").ok_or_else(|| bad("epk: missing"))?;
        let PublicKey::P256(epk) =
            PublicKey::from_jwk(epk).map_err(|e| Oid4vpError::Jwe(format!("epk: {e}")))?
        else {
            return Err(bad("epk: a P-256 key expected"));
        };
        let shared = p256::ecdh::diffie_hellman(
            self.secret.to_nonzero_scalar(),
            p256::PublicKey::from(epk).as_affine(),
        );
        let part = |name: &str| -> Result<Vec<u8>, Oid4vpError> {
            match header.get(name).and_then(Value::as_str) {
                None => Ok(vec![]),
                Some(s) => B64
                    .decode(s)
                    .map_err(|_| Oid4vpError::Jwe(format!("{name}: not base64url"))),
            }
        };
        let cek = concat_kdf(
            shared.raw_secret_bytes(),
            enc,
            &part("apu")?,
            &part("apv")?,
            key_len,
        );
        let iv = B64.decode(iv).map_err(|_| bad("iv: not base64url"))?;
        if iv.len() != 12 {
            return Err(bad("iv: 96 bits expected"));
        }
        let mut data = B64
            .decode(ct)
            .map_err(|_| bad("ciphertext: not base64url"))?;
        let tag = B64.decode(tag).map_err(|_| bad("tag: not base64url"))?;
        if tag.len() != 16 {
            return Err(bad("tag: 128 bits expected"));
        }
        data.extend_from_slice(&tag);
        let payload = Payload {
            msg: &data,
            aad: h.as_bytes(),
        };
        let nonce = aes_gcm::Nonce::from_slice(&iv);
        let plain = if key_len == 16 {
            aes_gcm::Aes128Gcm::new_from_slice(&cek)
                .map_err(|_| bad("key"))?
                .decrypt(nonce, payload)
        } else {
            aes_gcm::Aes256Gcm::new_from_slice(&cek)
                .map_err(|_| bad("key"))?
                .decrypt(nonce, payload)
        };
        plain.map_err(|_| bad("does not decrypt with this request's key (tag mismatch)"))
    }
}

/// The Concat KDF of RFC 7518 §4.6.2 (one SHA-256 round suffices for 128 and 256 bits).
fn concat_kdf(z: &[u8], enc: &str, apu: &[u8], apv: &[u8], key_len: usize) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(1u32.to_be_bytes());
    h.update(z);
    for field in [enc.as_bytes(), apu, apv] {
        h.update((field.len() as u32).to_be_bytes());
        h.update(field);
    }
    h.update(((key_len * 8) as u32).to_be_bytes());
    h.finalize()[..key_len].to_vec()
}

/// Encrypts `plaintext` to a verifier's public JWK (P-256) as a compact JWE: ECDH-ES with a
/// fresh ephemeral key, `enc` A128GCM or A256GCM, `apv` the request's nonce (as wallets built
/// on oid4vc-ts send it), `kid` the recipient key's.
pub fn encrypt_response(
    plaintext: &[u8],
    recipient: &Value,
    enc: &str,
    apv: Option<&[u8]>,
    rng: &mut (impl RngCore + rand::CryptoRng),
) -> Result<String, Oid4vpError> {
    let key_len = match enc {
        "A128GCM" => 16,
        "A256GCM" => 32,
        _ => return Err(Oid4vpError::Jwe(format!("enc {enc}: A128GCM or A256GCM"))),
    };
    let PublicKey::P256(to) = PublicKey::from_jwk(recipient)
        .map_err(|e| Oid4vpError::Jwe(format!("verifier key: {e}")))?
    else {
        return Err(Oid4vpError::Jwe("verifier key: P-256 expected".into()));
    };
    let eph = p256::ecdh::EphemeralSecret::random(rng);
    let epk = PublicKey::P256(p256::ecdsa::VerifyingKey::from(eph.public_key())).to_jwk();
    let shared = eph.diffie_hellman(&p256::PublicKey::from(to));
    let mut header = json!({"alg": "ECDH-ES", "enc": enc, "epk": epk});
    if let Some(kid) = recipient.get("kid") {
        header["kid"] = kid.clone();
    }
    if let Some(v) = apv {
        header["apv"] = json!(B64.encode(v));
    }
    let cek = concat_kdf(
        shared.raw_secret_bytes(),
        enc,
        &[],
        apv.unwrap_or_default(),
        key_len,
    );
    let h = B64.encode(serde_json::to_vec(&header).unwrap_or_default());
    let mut iv = [0u8; 12];
    rng.fill_bytes(&mut iv);
    let payload = Payload {
        msg: plaintext,
        aad: h.as_bytes(),
    };
    let nonce = aes_gcm::Nonce::from_slice(&iv);
    let sealed = if key_len == 16 {
        aes_gcm::Aes128Gcm::new_from_slice(&cek)
            .map_err(|_| Oid4vpError::Jwe("key".into()))?
            .encrypt(nonce, payload)
    } else {
        aes_gcm::Aes256Gcm::new_from_slice(&cek)
            .map_err(|_| Oid4vpError::Jwe("key".into()))?
            .encrypt(nonce, payload)
    }
    .map_err(|_| Oid4vpError::Jwe("encryption failed".into()))?;
    let (ct, tag) = sealed.split_at(sealed.len() - 16);
    Ok(format!(
        "{h}..{}.{}.{}",
        B64.encode(iv),
        B64.encode(ct),
        B64.encode(tag)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn a_response_encrypted_to_the_request_key_decrypts_and_nothing_else_does() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
        let key = ResponseKey::generate("resp-1", &mut rng);
        let jwk = key.public_jwk();
        assert_eq!(jwk["use"], "enc");
        for enc in ["A128GCM", "A256GCM"] {
            let jwe = encrypt_response(b"{\"vp_token\":{}}", &jwk, enc, Some(b"nonce-1"), &mut rng)
                .unwrap();
            assert_eq!(key.decrypt(&jwe).unwrap(), b"{\"vp_token\":{}}");
            let other = ResponseKey::generate("resp-2", &mut rng);
            assert!(other.decrypt(&jwe).unwrap_err().to_string().contains("tag"));
            // apv is bound into the key: a header rewritten to another apv does not decrypt.
            let parts: Vec<&str> = jwe.split('.').collect();
            let mut h: Value = serde_json::from_slice(&B64.decode(parts[0]).unwrap()).unwrap();
            h["apv"] = json!(B64.encode(b"nonce-2"));
            let forged = format!(
                "{}.{}",
                B64.encode(serde_json::to_vec(&h).unwrap()),
                parts[1..].join(".")
            );
            assert!(key.decrypt(&forged).is_err());
        }
        let back = ResponseKey::from_bytes(&key.to_bytes(), "resp-1").unwrap();
        assert_eq!(back.public_jwk(), jwk);
    }

    #[test]
    fn a_request_object_verifies_only_for_its_client_id() {
        let id = crate::Identity::from_seed(&[9; 32]);
        let client_id = format!("{DID_PREFIX}{}", id.did());
        let key = SecretKey::Ed25519(id.signing_key().clone());
        let dcql = dcql_sd_jwt_vc(
            "identity",
            "https://vcnet.id/vct/identity/v1",
            &["fullName".into()],
        );
        let payload = json!({"client_id": client_id, "aud": SELF_ISSUED_AUD, "nonce": "n", "dcql_query": dcql, "exp": 2_000_000_000});
        let jwt = sign_request_object(&payload, &key, id.verification_method());
        let uri = "https://v.example/oid4vp/request/1";
        let claims = verify_request_object(&jwt, &client_id, uri, 1_900_000_000).unwrap();
        assert_eq!(
            asked_credentials(&claims["dcql_query"]).unwrap()[0].claims,
            ["fullName"]
        );
        let other = crate::Identity::from_seed(&[8; 32]);
        let e = verify_request_object(
            &jwt,
            &format!("{DID_PREFIX}{}", other.did()),
            uri,
            1_900_000_000,
        )
        .unwrap_err();
        assert!(e.to_string().contains("kid"), "{e}");
        assert!(verify_request_object(&jwt, &client_id, uri, 2_100_000_000)
            .unwrap_err()
            .to_string()
            .contains("expired"));
        // Meant for another recipient.
        let elsewhere =
            json!({"client_id": client_id, "aud": "https://other.example", "exp": 2_000_000_000});
        let jwt2 = sign_request_object(&elsewhere, &key, id.verification_method());
        assert!(verify_request_object(&jwt2, &client_id, uri, 1_900_000_000)
            .unwrap_err()
            .to_string()
            .contains("aud"));
        let link = invocation_link(&client_id, "https://v.example/oid4vp/request/1");
        let inv = parse_invocation(&link).unwrap();
        assert_eq!(inv.client_id, client_id);
        assert_eq!(inv.request_uri, "https://v.example/oid4vp/request/1");
    }
}
