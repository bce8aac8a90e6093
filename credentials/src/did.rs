//! Ed25519 `did:key` identities.
//!
//! DIDs are generated and resolved through `ssi`'s `did:key` method (`did_method_key::DIDKey`, from the `ssi` repository), never
//! over the network. Resolving a DID document is comparatively slow (it builds and serialises a
//! whole document), so [`KeyResolver`] keeps the decoded verification key of every DID it has
//! resolved: the verification hot path then costs one hash-map lookup.

use std::collections::HashMap;
use std::path::Path;
use std::sync::RwLock;

use did_method_key::DIDKey;
use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use ssi_dids_core::{DIDResolver, DID};
use zeroize::Zeroizing;

use crate::pubkey::PublicKey;

/// Multicodec prefix of an Ed25519 public key (`ed25519-pub`, 0xed varint-encoded).
const ED25519_PUB_MULTICODEC: [u8; 2] = [0xed, 0x01];
/// Multicodec prefix of an Ed25519 private key seed (`ed25519-priv`, 0x1300 varint-encoded).
const ED25519_PRIV_MULTICODEC: [u8; 2] = [0x80, 0x26];

/// Why a DID or key could not be used.
#[derive(Debug, thiserror::Error)]
pub enum DidError {
    #[error("`{did}` is not a did:key DID")]
    NotDidKey { did: String },
    #[error("`{did}`: only did:key and did:jwk DIDs are resolved (offline, from the identifier)")]
    MethodNotSupported { did: String },
    #[error("`{did}`: {reason}")]
    Invalid { did: String, reason: String },
    #[error("`{did}` is not an Ed25519 did:key (expected a `z6Mk…` identifier)")]
    NotEd25519 { did: String },
    #[error("key file {path}: {reason}")]
    KeyFile { path: String, reason: String },
}

/// An Ed25519 identity: the signing key and its `did:key`.
///
/// The signing key is zeroised on drop and never printed (`Debug` shows only the DID).
pub struct Identity {
    signing: SigningKey,
    did: String,
    vm: String,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("did", &self.did)
            .finish_non_exhaustive()
    }
}

/// On-disk form of a key file. The secret is a multibase (`z`, base58btc) multicodec
/// `ed25519-priv` seed, the same encoding as the W3C test vectors' `privateKeyMultibase`.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct KeyFile {
    id: String,
    public_key_multibase: String,
    private_key_multibase: String,
}

impl Identity {
    /// A fresh identity from a cryptographic RNG (the node passes `OsRng`).
    pub fn generate(rng: &mut (impl rand::CryptoRng + rand::RngCore)) -> Self {
        Self::from_signing_key(SigningKey::generate(rng))
    }

    /// The identity of a 32-byte Ed25519 seed.
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self::from_signing_key(SigningKey::from_bytes(seed))
    }

    /// Wraps a signing key, deriving its `did:key` through `ssi`.
    pub fn from_signing_key(signing: SigningKey) -> Self {
        let jwk = ssi_jwk::JWK::from(signing.verifying_key());
        // An Ed25519 JWK always has a multicodec form, so generation cannot fail.
        let did = DIDKey::generate(&jwk)
            .map(|d| d.to_string())
            .unwrap_or_else(|_| did_key_from_public(&signing.verifying_key()));
        let fragment = did.trim_start_matches("did:key:").to_owned();
        let vm = format!("{did}#{fragment}");
        Self { signing, did, vm }
    }

    /// The DID (`did:key:z6Mk…`).
    pub fn did(&self) -> &str {
        &self.did
    }

    /// The verification method id (`did:key:z6Mk…#z6Mk…`) used in proofs and JWS `kid`s.
    pub fn verification_method(&self) -> &str {
        &self.vm
    }

    /// The signing key. Callers must never log or persist it unencrypted.
    pub fn signing_key(&self) -> &SigningKey {
        &self.signing
    }

    /// The public key.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.signing.verifying_key()
    }

    /// The multibase `ed25519-priv` seed, for the key file.
    fn private_key_multibase(&self) -> Zeroizing<String> {
        let mut bytes = Zeroizing::new(Vec::with_capacity(34));
        bytes.extend_from_slice(&ED25519_PRIV_MULTICODEC);
        bytes.extend_from_slice(self.signing.as_bytes());
        Zeroizing::new(format!("z{}", bs58::encode(&*bytes).into_string()))
    }

    /// Parses a multibase `ed25519-priv` seed (`z3u2…`).
    pub fn from_private_key_multibase(s: &str) -> Result<Self, String> {
        let body = s
            .strip_prefix('z')
            .ok_or("privateKeyMultibase must start with `z` (base58btc)")?;
        let bytes = Zeroizing::new(
            bs58::decode(body)
                .into_vec()
                .map_err(|e| format!("privateKeyMultibase is not base58btc: {e}"))?,
        );
        if bytes.len() != 34 || bytes[..2] != ED25519_PRIV_MULTICODEC {
            return Err(
                "privateKeyMultibase is not a multicodec ed25519-priv seed (0x1300 + 32 bytes)"
                    .into(),
            );
        }
        let mut seed = Zeroizing::new([0u8; 32]);
        seed.copy_from_slice(&bytes[2..]);
        Ok(Self::from_seed(&seed))
    }

    /// Writes the key file with owner-only permissions (0600). Refuses to overwrite.
    pub fn save(&self, path: &Path) -> Result<(), DidError> {
        let err = |reason: String| DidError::KeyFile {
            path: path.display().to_string(),
            reason,
        };
        let file = KeyFile {
            id: self.did.clone(),
            public_key_multibase: did_fragment(&self.did).to_owned(),
            private_key_multibase: self.private_key_multibase().to_string(),
        };
        let json =
            Zeroizing::new(serde_json::to_string_pretty(&file).map_err(|e| err(e.to_string()))?);
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(path).map_err(|e| err(e.to_string()))?;
        std::io::Write::write_all(&mut f, json.as_bytes()).map_err(|e| err(e.to_string()))?;
        f.sync_all().map_err(|e| err(e.to_string()))
    }

    /// Reads a key file written by [`Identity::save`], checking that its DID matches its key.
    pub fn load(path: &Path) -> Result<Self, DidError> {
        let err = |reason: String| DidError::KeyFile {
            path: path.display().to_string(),
            reason,
        };
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?);
        let file: KeyFile =
            serde_json::from_str(&text).map_err(|e| err(format!("not a vcnet key file: {e}")))?;
        let id = Self::from_private_key_multibase(&file.private_key_multibase).map_err(err)?;
        if id.did != file.id {
            return Err(err(format!(
                "`id` {} does not match the private key (which is {})",
                file.id, id.did
            )));
        }
        Ok(id)
    }
}

/// The `did:key` of an Ed25519 public key, computed directly (z + base58btc(0xed01 ‖ key)).
pub fn did_key_from_public(key: &VerifyingKey) -> String {
    let mut bytes = Vec::with_capacity(34);
    bytes.extend_from_slice(&ED25519_PUB_MULTICODEC);
    bytes.extend_from_slice(key.as_bytes());
    format!("did:key:z{}", bs58::encode(bytes).into_string())
}

/// The method-specific id of a `did:key` (`z6Mk…`); the input unchanged if it is not one.
pub fn did_fragment(did: &str) -> &str {
    did.strip_prefix("did:key:").unwrap_or(did)
}

/// The DID part of a DID URL (`did:key:z6Mk…#z6Mk…` → `did:key:z6Mk…`).
pub fn did_of_url(url: &str) -> &str {
    url.split_once('#').map(|(d, _)| d).unwrap_or(url)
}

/// Resolves a `did:key` to its DID document (JSON-LD, `Multikey` verification method) through
/// `ssi`. Offline: `did:key` documents are derived from the identifier itself.
pub fn resolve_document(did: &str) -> Result<serde_json::Value, DidError> {
    if !did.starts_with("did:key:") {
        return Err(DidError::NotDidKey {
            did: did.to_owned(),
        });
    }
    let parsed = DID::new(did.as_bytes()).map_err(|_| DidError::Invalid {
        did: did.to_owned(),
        reason: "not a syntactically valid DID".into(),
    })?;
    let out = pollster::block_on(DIDKey.resolve_representation(parsed, Default::default()))
        .map_err(|e| DidError::Invalid {
            did: did.to_owned(),
            reason: e.to_string(),
        })?;
    serde_json::from_slice(&out.document).map_err(|e| DidError::Invalid {
        did: did.to_owned(),
        reason: format!("resolver returned an unreadable document: {e}"),
    })
}

/// Resolves a `did:key` to its Ed25519 verification key, via [`resolve_document`].
pub fn resolve_key(did: &str) -> Result<VerifyingKey, DidError> {
    let did = did_of_url(did);
    let id = did_fragment(did);
    if !id.starts_with("z6Mk") {
        // Validate the identifier first so that a wrong key type gets its own message.
        resolve_document(did)?;
        return Err(DidError::NotEd25519 {
            did: did.to_owned(),
        });
    }
    let doc = resolve_document(did)?;
    let mb = doc["verificationMethod"][0]["publicKeyMultibase"]
        .as_str()
        .ok_or_else(|| DidError::Invalid {
            did: did.to_owned(),
            reason: "no publicKeyMultibase".into(),
        })?;
    let bytes = bs58::decode(mb.trim_start_matches('z'))
        .into_vec()
        .map_err(|e| DidError::Invalid {
            did: did.to_owned(),
            reason: format!("bad base58btc: {e}"),
        })?;
    if bytes.len() != 34 || bytes[..2] != ED25519_PUB_MULTICODEC {
        return Err(DidError::NotEd25519 {
            did: did.to_owned(),
        });
    }
    let mut key = [0u8; 32];
    key.copy_from_slice(&bytes[2..]);
    VerifyingKey::from_bytes(&key).map_err(|e| DidError::Invalid {
        did: did.to_owned(),
        reason: format!("not a valid Ed25519 point: {e}"),
    })
}

/// Resolves a `did:key` (Ed25519, P-256, P-384) or a `did:jwk` to its public key. Offline:
/// both methods carry the key in the identifier.
pub fn resolve_public_key(did: &str) -> Result<PublicKey, DidError> {
    let did = did_of_url(did);
    // Issuing checks the holder's key and then names it in `cnf`: the same DID twice in a
    // row on one thread is decoded (and its point decompressed) once.
    thread_local! {
        static LAST: std::cell::RefCell<Option<(String, PublicKey)>> = const { std::cell::RefCell::new(None) };
    }
    if let Some(k) = LAST.with(|l| {
        l.borrow()
            .as_ref()
            .filter(|(d, _)| d == did)
            .map(|(_, k)| *k)
    }) {
        return Ok(k);
    }
    let invalid = |reason: String| DidError::Invalid {
        did: crate::verify::preview(did, 80),
        reason,
    };
    if did.starts_with("did:jwk:") {
        return crate::pubkey::did_jwk_key(did).map_err(invalid);
    }
    if !did.starts_with("did:key:") {
        return Err(DidError::MethodNotSupported {
            did: crate::verify::preview(did, 80),
        });
    }
    let (kind, raw) = crate::did_key::decode(did).map_err(|e| invalid(e.to_string()))?;
    let key = PublicKey::from_did_key(kind, &raw).map_err(invalid)?;
    LAST.with(|l| *l.borrow_mut() = Some((did.to_owned(), key)));
    Ok(key)
}

/// Cache of resolved verification keys, shared by all verifications.
///
/// `did:key` and `did:jwk` documents never change, so an entry never goes stale. Bounded so
/// that a flood of distinct DIDs cannot grow it without limit.
#[derive(Default)]
pub struct KeyResolver {
    keys: RwLock<HashMap<String, PublicKey>>,
    /// Keys given to this verifier by hand (`vcnode verify --key`), by key id or verification
    /// method, with the controller (issuer or holder) each speaks for.
    pinned: RwLock<HashMap<String, (PublicKey, String)>>,
}

/// How many DIDs [`KeyResolver`] remembers; beyond that it resolves without caching.
pub const KEY_CACHE_CAP: usize = 100_000;

impl KeyResolver {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// The Ed25519 verification key of a DID or DID URL: what vcnet's own messages (status
    /// deltas, accreditations, requests, staples) must be signed with.
    pub fn resolve(&self, did_or_url: &str) -> Result<VerifyingKey, DidError> {
        let did = did_of_url(did_or_url);
        if let Ok(keys) = self.keys.read() {
            if let Some(PublicKey::Ed25519(k)) = keys.get(did) {
                return Ok(*k);
            }
        }
        let key = resolve_key(did)?;
        self.remember(did, PublicKey::Ed25519(key));
        Ok(key)
    }

    /// Trusts `key` for each of `ids` (key ids, verification method URLs) as the key of
    /// `controller`: how a harness or an operator hands the verifier a key that no DID method
    /// here resolves (a JWK-identified issuer, a `did:web` key).
    pub fn pin(&self, ids: &[&str], controller: &str, key: PublicKey) {
        if let Ok(mut pinned) = self.pinned.write() {
            for id in ids {
                pinned.insert((*id).to_owned(), (key, controller.to_owned()));
            }
        }
    }

    /// Whom a key id speaks for: the controller of a pinned key, else the DID of a DID URL.
    pub fn controller_of<'a>(&self, kid: &'a str) -> std::borrow::Cow<'a, str> {
        if let Ok(pinned) = self.pinned.read() {
            if let Some((_, c)) = pinned.get(kid) {
                return std::borrow::Cow::Owned(c.clone());
            }
        }
        std::borrow::Cow::Borrowed(did_of_url(kid))
    }

    /// The verification key of a DID or DID URL, of any supported curve and method: what a
    /// credential or presentation from anywhere may be signed with.
    pub fn resolve_any(&self, did_or_url: &str) -> Result<PublicKey, DidError> {
        if let Ok(pinned) = self.pinned.read() {
            if let Some((k, _)) = pinned.get(did_or_url) {
                return Ok(*k);
            }
        }
        let did = did_of_url(did_or_url);
        if let Ok(keys) = self.keys.read() {
            if let Some(k) = keys.get(did) {
                return Ok(*k);
            }
        }
        let key = resolve_public_key(did)?;
        self.remember(did, key);
        Ok(key)
    }

    fn remember(&self, did: &str, key: PublicKey) {
        if let Ok(mut keys) = self.keys.write() {
            if keys.len() < KEY_CACHE_CAP {
                keys.insert(did.to_owned(), key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_did_matches_direct_encoding_and_resolves() {
        let id = Identity::from_seed(&[7u8; 32]);
        assert_eq!(id.did(), did_key_from_public(&id.verifying_key()));
        assert!(id.did().starts_with("did:key:z6Mk"));
        assert_eq!(resolve_key(id.did()).unwrap(), id.verifying_key());
        assert_eq!(
            resolve_key(id.verification_method()).unwrap(),
            id.verifying_key()
        );
    }

    #[test]
    fn key_file_round_trip_and_tamper() {
        let dir = std::env::temp_dir().join(format!("vcnet-did-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("k.json");
        let _ = std::fs::remove_file(&path);
        let id = Identity::from_seed(&[9u8; 32]);
        id.save(&path).unwrap();
        assert!(id.save(&path).is_err(), "must not overwrite");
        let back = Identity::load(&path).unwrap();
        assert_eq!(back.did(), id.did());
        let text = std::fs::read_to_string(&path).unwrap().replace(
            id.did(),
            "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        );
        std::fs::write(&path, text).unwrap();
        let e = Identity::load(&path).unwrap_err().to_string();
        assert!(e.contains("does not match"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn rejects_bad_dids() {
        assert!(matches!(
            resolve_key("did:web:example.com"),
            Err(DidError::NotDidKey { .. })
        ));
        assert!(resolve_key("did:key:z6Mk0OIl").is_err());
        assert!(resolve_key("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2d").is_err());
        // A P-256 did:key is a valid did:key but not Ed25519.
        assert!(matches!(
            resolve_key("did:key:zDnaegE6RR3atJtHKwTRTWHsJ3kNHqFwv7n9YjTgmU7TyfU76"),
            Err(DidError::NotEd25519 { .. }) | Err(DidError::Invalid { .. })
        ));
    }
}
