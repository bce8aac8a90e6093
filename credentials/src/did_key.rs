//! The `did:key` identifier checks of the did:key specification's resolution algorithm, each
//! with its error code: `did:key:[<version>:]<multibaseValue>`, the version a positive integer
//! (1 when absent), the value base58btc (`z`), a multicodec key type this resolver supports and
//! exactly that type's key length, and a key that decodes on its curve.

use crate::did::DidError;

/// A public key type a `did:key` can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    /// `ed25519-pub` (0xed), 32 bytes.
    Ed25519,
    /// `p256-pub` (0x1200), 33 bytes (compressed point).
    P256,
    /// `p384-pub` (0x1201), 49 bytes (compressed point).
    P384,
    /// `p521-pub` (0x1202), 67 bytes (compressed point).
    P521,
}

impl KeyType {
    /// Its multicodec value and raw key length, for every type this resolver knows of (the
    /// ones it does not resolve included, so their lengths are checked too).
    fn of_codec(codec: u64) -> Option<(Option<KeyType>, usize, &'static str)> {
        Some(match codec {
            0xed => (Some(Self::Ed25519), 32, "Ed25519"),
            0x1200 => (Some(Self::P256), 33, "P-256"),
            0x1201 => (Some(Self::P384), 49, "P-384"),
            0xec => (None, 32, "X25519"),
            0xe7 => (None, 33, "secp256k1"),
            0x1202 => (Some(Self::P521), 67, "P-521"),
            _ => return None,
        })
    }
}

/// Why a `did:key` does not resolve, by the specification's error codes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DidKeyError {
    #[error("invalidDid: {0}")]
    InvalidDid(String),
    #[error("invalidPublicKeyLength: a {kind} key is {expected} bytes, this one is {found}")]
    InvalidPublicKeyLength {
        kind: &'static str,
        expected: usize,
        found: usize,
    },
    #[error("invalidPublicKey: {0}")]
    InvalidPublicKey(String),
    #[error("invalidPublicKeyType: {0}")]
    InvalidPublicKeyType(String),
    #[error("unsupportedPublicKeyType: {0}")]
    UnsupportedPublicKeyType(String),
}

impl DidKeyError {
    /// The specification's error code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidDid(_) => "invalidDid",
            Self::InvalidPublicKeyLength { .. } => "invalidPublicKeyLength",
            Self::InvalidPublicKey(_) => "invalidPublicKey",
            Self::InvalidPublicKeyType(_) => "invalidPublicKeyType",
            Self::UnsupportedPublicKeyType(_) => "unsupportedPublicKeyType",
        }
    }
}

/// Reads an unsigned LEB128 varint (at most 9 bytes), returning it and the bytes after it.
fn varint(b: &[u8]) -> Option<(u64, &[u8])> {
    let mut v: u64 = 0;
    for (i, byte) in b.iter().enumerate().take(9) {
        v |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((v, &b[i + 1..]));
        }
    }
    None
}

/// Checks a `did:key` (no fragment) and returns its key type and raw key bytes.
pub fn decode(did: &str) -> Result<(KeyType, Vec<u8>), DidKeyError> {
    let invalid = |r: &str| DidKeyError::InvalidDid(r.to_owned());
    let id = did
        .strip_prefix("did:key:")
        .ok_or_else(|| invalid("not a did:key"))?;
    let value = match id.split_once(':') {
        None => id,
        Some((version, value)) => {
            match version.parse::<u64>() {
                Ok(v) if v > 0 && !version.starts_with('+') => {}
                _ => return Err(invalid("the version is not a positive integer")),
            }
            value
        }
    };
    let b58 = value
        .strip_prefix('z')
        .ok_or_else(|| invalid("the multibase value does not begin with `z` (base58btc)"))?;
    let bytes = bs58::decode(b58).into_vec().map_err(|e| {
        DidKeyError::InvalidDid(format!("the multibase value is not base58btc: {e}"))
    })?;
    let (codec, raw) = varint(&bytes).ok_or_else(|| invalid("no multicodec header"))?;
    let (kind, expected, name) = KeyType::of_codec(codec).ok_or_else(|| {
        DidKeyError::InvalidPublicKeyType(format!(
            "multicodec 0x{codec:x} is not a public key type"
        ))
    })?;
    if raw.len() != expected {
        return Err(DidKeyError::InvalidPublicKeyLength {
            kind: name,
            expected,
            found: raw.len(),
        });
    }
    let kind = kind.ok_or_else(|| {
        DidKeyError::InvalidPublicKeyType(format!(
            "{name} keys are not resolved here (Ed25519, P-256, P-384 are)"
        ))
    })?;
    match kind {
        KeyType::Ed25519 => {
            let arr: [u8; 32] = raw.try_into().map_err(|_| invalid("length"))?;
            ed25519_dalek::VerifyingKey::from_bytes(&arr)
                .map_err(|e| DidKeyError::InvalidPublicKey(format!("not an Ed25519 point: {e}")))?;
        }
        KeyType::P256 | KeyType::P384 | KeyType::P521 => {
            if !matches!(raw[0], 2 | 3) {
                return Err(DidKeyError::InvalidPublicKey(format!(
                    "a compressed {name} point begins with 0x02 or 0x03, not 0x{:02x}",
                    raw[0]
                )));
            }
        }
    }
    Ok((kind, raw.to_vec()))
}

/// Resolves a `did:key` to its document after [`decode`]'s checks; a key the curve library
/// refuses is `invalidPublicKey`.
pub fn resolve(did: &str) -> Result<serde_json::Value, DidKeyError> {
    decode(did)?;
    crate::did::resolve_document(did).map_err(|e| match e {
        DidError::Invalid { reason, .. } => DidKeyError::InvalidPublicKey(reason),
        other => DidKeyError::InvalidDid(other.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_rule_has_its_code() {
        let ed = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";
        assert_eq!(decode(ed).unwrap().0, KeyType::Ed25519);
        assert_eq!(
            decode(&format!("did:key:1:{}", &ed[8..])).unwrap().0,
            KeyType::Ed25519
        );
        let p256 = "did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169";
        assert_eq!(decode(p256).unwrap().0, KeyType::P256);
        assert_eq!(resolve(p256).unwrap()["id"], serde_json::json!(p256));
        let p384 =
            "did:key:z82Lm1MpAkeJcix9K8TMiLd5NMAhnwkjjCBeWHXyu3U4oT2MVJJKXkcVBgjGhnLBn2Kaau9";
        assert_eq!(decode(p384).unwrap().0, KeyType::P384);
        // One byte short of an Ed25519 key.
        let mut short = vec![0xed, 0x01];
        short.extend([1u8; 31]);
        let short = format!("did:key:z{}", bs58::encode(short).into_string());
        let x25519 = "did:key:z6LSj72tK8brWgZja8NLRwPigth2T9QRiG1uH9oKZuKjdh9p";
        let mut unknown = vec![0x99, 0x01];
        unknown.extend([1u8; 32]);
        let unknown = format!("did:key:z{}", bs58::encode(unknown).into_string());
        for (did, code) in [
            ("did:web:example.com", "invalidDid"),
            (
                "did:key:0:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
                "invalidDid",
            ),
            (
                "did:key:x:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
                "invalidDid",
            ),
            (
                "did:key:6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
                "invalidDid",
            ),
            ("did:key:z0OIl", "invalidDid"),
            (short.as_str(), "invalidPublicKeyLength"),
            (x25519, "invalidPublicKeyType"),
            (unknown.as_str(), "invalidPublicKeyType"),
        ] {
            let e = decode(did).unwrap_err();
            assert_eq!(e.code(), code, "{did}: {e}");
        }
    }
}
