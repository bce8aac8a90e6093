//! Keys of other issuers and holders: Ed25519, P-256 and P-384, from a `did:key`, a `did:jwk`
//! or a JWK, with the signature of each (`EdDSA`, `ES256`, `ES384` in JOSE terms).
//!
//! vcnet's own nodes sign with Ed25519 only (and their internal messages accept nothing else);
//! this module is what lets a verifier check what the rest of the world issues, and lets
//! `vcnode sign` sign with the keys integrators hold.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use p256::ecdsa::signature::{Signer as _, Verifier as _};
use serde_json::{json, Value};
use zeroize::Zeroizing;

/// A signature algorithm, named as JOSE names it (RFC 7518, RFC 8037).
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::Display, strum::EnumString, strum::AsRefStr)]
pub enum Alg {
    /// Ed25519.
    EdDSA,
    /// ECDSA on P-256 with SHA-256.
    ES256,
    /// ECDSA on P-384 with SHA-384.
    ES384,
    /// ECDSA on P-521 with SHA-512.
    ES512,
}

impl Alg {
    /// The signature's length in bytes (ECDSA as `r ‖ s`, RFC 7518 §3.4).
    pub fn signature_len(self) -> usize {
        match self {
            Alg::EdDSA | Alg::ES256 => 64,
            Alg::ES384 => 96,
            Alg::ES512 => 132,
        }
    }

    /// The curve's name, for messages.
    pub fn curve(self) -> &'static str {
        match self {
            Alg::EdDSA => "Ed25519",
            Alg::ES256 => "P-256",
            Alg::ES384 => "P-384",
            Alg::ES512 => "P-521",
        }
    }
}

/// A signature, decoded but not yet checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sig {
    /// Ed25519 (64 bytes).
    Ed25519(ed25519_dalek::Signature),
    /// ECDSA P-256 `r ‖ s`.
    P256(p256::ecdsa::Signature),
    /// ECDSA P-384 `r ‖ s`.
    P384(p384::ecdsa::Signature),
    /// ECDSA P-521 `r ‖ s` (checked for range when it is verified).
    P521([u8; 132]),
}

impl Sig {
    /// Reads a raw signature of `alg`; the error says what is wrong with it.
    pub fn from_raw(alg: Alg, bytes: &[u8]) -> Result<Self, String> {
        if bytes.len() != alg.signature_len() {
            return Err(format!(
                "{alg} signatures are {} bytes; this one is {}",
                alg.signature_len(),
                bytes.len()
            ));
        }
        Ok(match alg {
            Alg::EdDSA => {
                let arr: [u8; 64] = bytes.try_into().map_err(|_| "length".to_owned())?;
                Sig::Ed25519(ed25519_dalek::Signature::from_bytes(&arr))
            }
            Alg::ES256 => Sig::P256(
                p256::ecdsa::Signature::from_slice(bytes)
                    .map_err(|_| "the ES256 signature's r or s is out of range".to_owned())?,
            ),
            Alg::ES384 => Sig::P384(
                p384::ecdsa::Signature::from_slice(bytes)
                    .map_err(|_| "the ES384 signature's r or s is out of range".to_owned())?,
            ),
            Alg::ES512 => {
                p521::ecdsa::Signature::from_slice(bytes)
                    .map_err(|_| "the ES512 signature's r or s is out of range".to_owned())?;
                Sig::P521(bytes.try_into().map_err(|_| "length".to_owned())?)
            }
        })
    }

    /// The algorithm that made it.
    pub fn alg(&self) -> Alg {
        match self {
            Sig::Ed25519(_) => Alg::EdDSA,
            Sig::P256(_) => Alg::ES256,
            Sig::P384(_) => Alg::ES384,
            Sig::P521(_) => Alg::ES512,
        }
    }

    /// The raw bytes (`r ‖ s` for ECDSA).
    pub fn to_vec(&self) -> Vec<u8> {
        match self {
            Sig::Ed25519(s) => s.to_bytes().to_vec(),
            Sig::P256(s) => s.to_bytes().to_vec(),
            Sig::P384(s) => s.to_bytes().to_vec(),
            Sig::P521(s) => s.to_vec(),
        }
    }
}

/// A public key of one of the supported curves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicKey {
    /// Ed25519.
    Ed25519(ed25519_dalek::VerifyingKey),
    /// P-256.
    P256(p256::ecdsa::VerifyingKey),
    /// P-384.
    P384(p384::ecdsa::VerifyingKey),
    /// P-521, as its uncompressed SEC1 point (checked to be on the curve when made).
    P521([u8; 133]),
}

/// The uncompressed SEC1 form of a P-521 key.
fn p521_bytes(k: &p521::ecdsa::VerifyingKey) -> Result<[u8; 133], String> {
    k.to_encoded_point(false)
        .as_bytes()
        .try_into()
        .map_err(|_| "a P-521 point is 133 bytes uncompressed".to_owned())
}

impl PublicKey {
    /// The algorithm this key verifies.
    pub fn alg(&self) -> Alg {
        match self {
            PublicKey::Ed25519(_) => Alg::EdDSA,
            PublicKey::P256(_) => Alg::ES256,
            PublicKey::P384(_) => Alg::ES384,
            PublicKey::P521(_) => Alg::ES512,
        }
    }

    /// The Ed25519 key, if it is one.
    pub fn ed25519(&self) -> Option<&ed25519_dalek::VerifyingKey> {
        match self {
            PublicKey::Ed25519(k) => Some(k),
            _ => None,
        }
    }

    /// Checks `sig` over `message`: Ed25519 strictly (see [`crate::verify::signature`]),
    /// ECDSA over the message hashed with the curve's hash (SHA-256, SHA-384). A signature of
    /// another algorithm than the key's is an error that says so.
    pub fn verify(&self, message: &[u8], sig: &Sig) -> Result<(), String> {
        let ok = match (self, sig) {
            (PublicKey::Ed25519(k), Sig::Ed25519(s)) => {
                crate::verify::signature::verify_strict(k, message, s)
            }
            (PublicKey::P256(k), Sig::P256(s)) => k.verify(message, s).is_ok(),
            (PublicKey::P384(k), Sig::P384(s)) => k.verify(message, s).is_ok(),
            (PublicKey::P521(k), Sig::P521(s)) => {
                match (
                    p521::ecdsa::VerifyingKey::from_sec1_bytes(k),
                    p521::ecdsa::Signature::from_slice(s),
                ) {
                    (Ok(k), Ok(s)) => k.verify(message, &s).is_ok(),
                    _ => false,
                }
            }
            (k, s) => {
                return Err(format!(
                    "the signature is {} but the key is {}",
                    s.alg(),
                    k.alg().curve()
                ))
            }
        };
        if ok {
            Ok(())
        } else {
            Err("does not verify: the content was altered or signed with another key".into())
        }
    }

    /// The key of a `did:key`'s decoded multicodec value (see [`crate::did_key::decode`]).
    pub fn from_did_key(kind: crate::did_key::KeyType, raw: &[u8]) -> Result<Self, String> {
        use crate::did_key::KeyType;
        match kind {
            KeyType::Ed25519 => {
                let arr: [u8; 32] = raw
                    .try_into()
                    .map_err(|_| "an Ed25519 key is 32 bytes".to_owned())?;
                ed25519_dalek::VerifyingKey::from_bytes(&arr)
                    .map(PublicKey::Ed25519)
                    .map_err(|e| format!("not an Ed25519 point: {e}"))
            }
            KeyType::P256 => p256::ecdsa::VerifyingKey::from_sec1_bytes(raw)
                .map(PublicKey::P256)
                .map_err(|_| "not a point on P-256".to_owned()),
            KeyType::P384 => p384::ecdsa::VerifyingKey::from_sec1_bytes(raw)
                .map(PublicKey::P384)
                .map_err(|_| "not a point on P-384".to_owned()),
            KeyType::P521 => p521::ecdsa::VerifyingKey::from_sec1_bytes(raw)
                .map_err(|_| "not a point on P-521".to_owned())
                .and_then(|k| p521_bytes(&k))
                .map(PublicKey::P521),
        }
    }

    /// A public JWK (`OKP`/`Ed25519`, `EC`/`P-256`, `EC`/`P-384`); members other than the
    /// key's own are ignored, a private `d` included (it is never read here).
    pub fn from_jwk(jwk: &Value) -> Result<Self, String> {
        let s = |k: &str| jwk.get(k).and_then(Value::as_str);
        let coord = |k: &str, len: usize| -> Result<Vec<u8>, String> {
            let v = s(k).ok_or_else(|| format!("the JWK has no `{k}`"))?;
            let b = B64
                .decode(v)
                .map_err(|e| format!("the JWK's `{k}` is not base64url: {e}"))?;
            if b.len() != len {
                return Err(format!(
                    "the JWK's `{k}` is {} bytes; {len} expected",
                    b.len()
                ));
            }
            Ok(b)
        };
        match (s("kty"), s("crv")) {
            (Some("OKP"), Some("Ed25519")) => {
                let x = coord("x", 32)?;
                Self::from_did_key(crate::did_key::KeyType::Ed25519, &x)
            }
            (Some("EC"), Some("P-256")) => {
                let (x, y) = (coord("x", 32)?, coord("y", 32)?);
                let point = p256::EncodedPoint::from_affine_coordinates(
                    x.as_slice().into(),
                    y.as_slice().into(),
                    false,
                );
                p256::ecdsa::VerifyingKey::from_encoded_point(&point)
                    .map(PublicKey::P256)
                    .map_err(|_| "the JWK's x, y are not a point on P-256".to_owned())
            }
            (Some("EC"), Some("P-384")) => {
                let (x, y) = (coord("x", 48)?, coord("y", 48)?);
                let point = p384::EncodedPoint::from_affine_coordinates(
                    x.as_slice().into(),
                    y.as_slice().into(),
                    false,
                );
                p384::ecdsa::VerifyingKey::from_encoded_point(&point)
                    .map(PublicKey::P384)
                    .map_err(|_| "the JWK's x, y are not a point on P-384".to_owned())
            }
            (Some("EC"), Some("P-521")) => {
                let (x, y) = (coord("x", 66)?, coord("y", 66)?);
                let point = p521::EncodedPoint::from_affine_coordinates(
                    x.as_slice().into(),
                    y.as_slice().into(),
                    false,
                );
                p521::ecdsa::VerifyingKey::from_encoded_point(&point)
                    .map_err(|_| "the JWK's x, y are not a point on P-521".to_owned())
                    .and_then(|k| p521_bytes(&k))
                    .map(PublicKey::P521)
            }
            (kty, crv) => Err(format!(
                "JWK kty {kty:?} crv {crv:?} is not supported (OKP Ed25519, EC P-256, P-384 and P-521 are)"
            )),
        }
    }

    /// The public JWK of this key.
    pub fn to_jwk(&self) -> Value {
        match self {
            PublicKey::Ed25519(k) => {
                json!({"kty": "OKP", "crv": "Ed25519", "x": B64.encode(k.as_bytes())})
            }
            PublicKey::P256(k) => {
                let p = k.to_encoded_point(false);
                json!({"kty": "EC", "crv": "P-256",
                       "x": B64.encode(p.x().map(|x| x.as_slice()).unwrap_or_default()),
                       "y": B64.encode(p.y().map(|y| y.as_slice()).unwrap_or_default())})
            }
            PublicKey::P384(k) => {
                let p = k.to_encoded_point(false);
                json!({"kty": "EC", "crv": "P-384",
                       "x": B64.encode(p.x().map(|x| x.as_slice()).unwrap_or_default()),
                       "y": B64.encode(p.y().map(|y| y.as_slice()).unwrap_or_default())})
            }
            PublicKey::P521(k) => json!({"kty": "EC", "crv": "P-521",
                "x": B64.encode(&k[1..67]), "y": B64.encode(&k[67..])}),
        }
    }

    /// The `did:key` of this key (multicodec `ed25519-pub`, `p256-pub`, `p384-pub`; EC keys
    /// compressed).
    pub fn did_key(&self) -> String {
        let mut bytes = Vec::with_capacity(52);
        match self {
            PublicKey::Ed25519(k) => {
                bytes.extend([0xed, 0x01]);
                bytes.extend(k.as_bytes());
            }
            PublicKey::P256(k) => {
                bytes.extend([0x80, 0x24]);
                bytes.extend(k.to_encoded_point(true).as_bytes());
            }
            PublicKey::P384(k) => {
                bytes.extend([0x81, 0x24]);
                bytes.extend(k.to_encoded_point(true).as_bytes());
            }
            PublicKey::P521(k) => {
                bytes.extend([0x82, 0x24]);
                // The compressed point: the parity of y, then x.
                bytes.push(if k[132] & 1 == 1 { 3 } else { 2 });
                bytes.extend(&k[1..67]);
            }
        }
        format!("did:key:z{}", bs58::encode(bytes).into_string())
    }
}

/// Resolves a `did:jwk` (the DID is the base64url of a public JWK) to its key.
pub fn did_jwk_key(did: &str) -> Result<PublicKey, String> {
    let b = did.strip_prefix("did:jwk:").ok_or("not a did:jwk")?;
    if b.len() > 4096 {
        return Err("the did:jwk is longer than any supported key's".into());
    }
    let bytes = B64
        .decode(b)
        .map_err(|e| format!("the did:jwk value is not base64url: {e}"))?;
    let jwk: Value = serde_json::from_slice(&bytes)
        .map_err(|e| format!("the did:jwk value is not a JSON JWK: {e}"))?;
    if jwk.get("d").is_some() {
        return Err("the did:jwk holds a private key (`d`)".into());
    }
    PublicKey::from_jwk(&jwk)
}

/// A private key of one of the supported curves (zeroised on drop by the curve crates).
pub enum SecretKey {
    /// Ed25519.
    Ed25519(ed25519_dalek::SigningKey),
    /// P-256.
    P256(p256::ecdsa::SigningKey),
    /// P-384.
    P384(p384::ecdsa::SigningKey),
    /// P-521.
    P521(p521::ecdsa::SigningKey),
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretKey({})", self.public().did_key())
    }
}

impl SecretKey {
    /// A private JWK (`d` with the public members, which must match it).
    pub fn from_jwk(jwk: &Value) -> Result<Self, String> {
        let d = jwk
            .get("d")
            .and_then(Value::as_str)
            .ok_or("the JWK has no private `d`")?;
        let d = Zeroizing::new(
            B64.decode(d)
                .map_err(|e| format!("the JWK's `d` is not base64url: {e}"))?,
        );
        let public = PublicKey::from_jwk(jwk)?;
        let key = match public {
            PublicKey::Ed25519(_) => {
                let arr: [u8; 32] = d
                    .as_slice()
                    .try_into()
                    .map_err(|_| "an Ed25519 `d` is 32 bytes".to_owned())?;
                SecretKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(&arr))
            }
            PublicKey::P256(_) => SecretKey::P256(
                p256::ecdsa::SigningKey::from_slice(&d)
                    .map_err(|_| "the JWK's `d` is not a P-256 private key".to_owned())?,
            ),
            PublicKey::P384(_) => SecretKey::P384(
                p384::ecdsa::SigningKey::from_slice(&d)
                    .map_err(|_| "the JWK's `d` is not a P-384 private key".to_owned())?,
            ),
            PublicKey::P521(_) => SecretKey::P521(
                p521::ecdsa::SigningKey::from_slice(&d)
                    .map_err(|_| "the JWK's `d` is not a P-521 private key".to_owned())?,
            ),
        };
        if key.public() != public {
            return Err("the JWK's public members do not match its `d`".into());
        }
        Ok(key)
    }

    /// A multibase private key (`z` + base58btc of a multicodec `ed25519-priv`, `p256-priv`
    /// or `p384-priv` value), as the W3C test vectors and did:key tools write them.
    pub fn from_multibase(s: &str) -> Result<Self, String> {
        let b58 = s
            .strip_prefix('z')
            .ok_or("a multibase private key begins with `z` (base58btc)")?;
        let bytes = Zeroizing::new(
            bs58::decode(b58)
                .into_vec()
                .map_err(|e| format!("not base58btc: {e}"))?,
        );
        match bytes.get(..2) {
            Some([0x80, 0x26]) => {
                let arr: [u8; 32] = bytes[2..]
                    .try_into()
                    .map_err(|_| "an Ed25519 private key is 32 bytes".to_owned())?;
                Ok(SecretKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(
                    &arr,
                )))
            }
            Some([0x86, 0x26]) => p256::ecdsa::SigningKey::from_slice(&bytes[2..])
                .map(SecretKey::P256)
                .map_err(|_| "not a P-256 private key".to_owned()),
            Some([0x87, 0x26]) => p384::ecdsa::SigningKey::from_slice(&bytes[2..])
                .map(SecretKey::P384)
                .map_err(|_| "not a P-384 private key".to_owned()),
            Some([0x88, 0x26]) => p521::ecdsa::SigningKey::from_slice(&bytes[2..])
                .map(SecretKey::P521)
                .map_err(|_| "not a P-521 private key".to_owned()),
            _ => {
                Err("the multicodec is not ed25519-priv, p256-priv, p384-priv or p521-priv".into())
            }
        }
    }

    /// A fresh key of `alg` from a cryptographic RNG.
    pub fn generate(alg: Alg, rng: &mut (impl rand::CryptoRng + rand::RngCore)) -> Self {
        match alg {
            Alg::EdDSA => SecretKey::Ed25519(ed25519_dalek::SigningKey::generate(rng)),
            Alg::ES256 => SecretKey::P256(p256::ecdsa::SigningKey::random(rng)),
            Alg::ES384 => SecretKey::P384(p384::ecdsa::SigningKey::random(rng)),
            Alg::ES512 => SecretKey::P521(p521::ecdsa::SigningKey::random(rng)),
        }
    }

    /// Its public key.
    pub fn public(&self) -> PublicKey {
        match self {
            SecretKey::Ed25519(k) => PublicKey::Ed25519(k.verifying_key()),
            SecretKey::P256(k) => PublicKey::P256(*k.verifying_key()),
            SecretKey::P384(k) => PublicKey::P384(*k.verifying_key()),
            SecretKey::P521(k) => {
                PublicKey::P521(p521_bytes(&p521::ecdsa::VerifyingKey::from(k)).unwrap_or([0; 133]))
            }
        }
    }

    /// Its algorithm.
    pub fn alg(&self) -> Alg {
        match self {
            SecretKey::Ed25519(_) => Alg::EdDSA,
            SecretKey::P256(_) => Alg::ES256,
            SecretKey::P384(_) => Alg::ES384,
            SecretKey::P521(_) => Alg::ES512,
        }
    }

    /// Signs `message` (ECDSA deterministically, RFC 6979, hashing with the curve's hash).
    pub fn sign(&self, message: &[u8]) -> Sig {
        match self {
            SecretKey::Ed25519(k) => Sig::Ed25519(k.sign(message)),
            SecretKey::P256(k) => Sig::P256(k.sign(message)),
            SecretKey::P384(k) => Sig::P384(k.sign(message)),
            SecretKey::P521(k) => {
                let s: p521::ecdsa::Signature = k.sign(message);
                let mut out = [0u8; 132];
                out.copy_from_slice(&s.to_bytes());
                Sig::P521(out)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn each_curve_signs_verifies_and_refuses_tampering() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
        for alg in [Alg::EdDSA, Alg::ES256, Alg::ES384, Alg::ES512] {
            let sk = SecretKey::generate(alg, &mut rng);
            let pk = sk.public();
            let sig = sk.sign(b"message");
            assert_eq!(sig.alg(), alg);
            assert_eq!(sig.to_vec().len(), alg.signature_len());
            pk.verify(b"message", &sig).unwrap();
            assert!(pk.verify(b"messagf", &sig).is_err());
            let back = Sig::from_raw(alg, &sig.to_vec()).unwrap();
            assert_eq!(back, sig);
            // JWK and did:key round trips.
            assert_eq!(PublicKey::from_jwk(&pk.to_jwk()).unwrap(), pk);
            let did = pk.did_key();
            let (kind, raw) = crate::did_key::decode(&did).unwrap();
            assert_eq!(PublicKey::from_did_key(kind, &raw).unwrap(), pk);
            let jwk_did = format!(
                "did:jwk:{}",
                B64.encode(serde_json::to_vec(&pk.to_jwk()).unwrap())
            );
            assert_eq!(did_jwk_key(&jwk_did).unwrap(), pk);
        }
        // A signature of one curve against a key of another: named, not a panic.
        let ed = SecretKey::generate(Alg::EdDSA, &mut rng);
        let p = SecretKey::generate(Alg::ES256, &mut rng);
        let e = ed.public().verify(b"m", &p.sign(b"m")).unwrap_err();
        assert!(e.contains("ES256") && e.contains("Ed25519"), "{e}");
        assert!(Sig::from_raw(Alg::ES384, &[1; 64]).is_err());
        assert!(Sig::from_raw(Alg::ES256, &[0; 64]).is_err(), "r = s = 0");
    }

    #[test]
    fn private_jwks_must_match_their_public_part() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(2);
        let SecretKey::P256(k) = SecretKey::generate(Alg::ES256, &mut rng) else {
            unreachable!()
        };
        let mut jwk = PublicKey::P256(*k.verifying_key()).to_jwk();
        jwk["d"] = json!(B64.encode(k.to_bytes()));
        let sk = SecretKey::from_jwk(&jwk).unwrap();
        assert_eq!(sk.alg(), Alg::ES256);
        let other = SecretKey::generate(Alg::ES256, &mut rng).public().to_jwk();
        jwk["x"] = other["x"].clone();
        jwk["y"] = other["y"].clone();
        assert!(SecretKey::from_jwk(&jwk)
            .unwrap_err()
            .contains("do not match"));
        // A did:jwk with a private key in it is refused.
        let leaky = format!("did:jwk:{}", B64.encode(serde_json::to_vec(&jwk).unwrap()));
        assert!(did_jwk_key(&leaky).unwrap_err().contains("private"));
    }
}
