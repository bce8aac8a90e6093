//! Encryption at rest for the node's secrets (its key seed and the holder's wallet).
//!
//! A random 256-bit data key encrypts each secret value with XChaCha20-Poly1305 (a fresh
//! 192-bit random nonce per value, the value's column family and key as associated data, so a
//! ciphertext cannot be moved to another key). The data key itself is stored wrapped under a key
//! derived from the passphrase with Argon2id; the salt and cost parameters are stored with it.
//! Changing the passphrase re-wraps the data key only. A wrong passphrase fails the wrapped
//! key's authentication tag: a clear error, and nothing is written.
//!
//! The same construction (passphrase → Argon2id → XChaCha20-Poly1305) protects wallet export
//! files ([`Envelope`]).

use argon2::{Algorithm, Argon2, Params, Version};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// Shortest passphrase accepted for a new vault or export.
pub const MIN_PASSPHRASE_CHARS: usize = 8;
const NONCE_LEN: usize = 24;
const SALT_LEN: usize = 16;
const WRAP_AAD: &[u8] = b"vcnet/vault/data-key/v1";
const EXPORT_AAD: &[u8] = b"vcnet/wallet-export/v1";

/// Why a vault operation failed.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("wrong passphrase (the stored data key did not decrypt); nothing was changed")]
    WrongPassphrase,
    #[error("passphrase too short: at least {MIN_PASSPHRASE_CHARS} characters")]
    WeakPassphrase,
    #[error(
        "encrypted value {what} failed authentication (tampered with, or moved from another key)"
    )]
    Tampered { what: String },
    #[error("vault header field `{field}` is invalid: {reason}")]
    BadHeader { field: &'static str, reason: String },
    #[error("key derivation: {0}")]
    Kdf(String),
}

/// Argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Passes.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl KdfParams {
    /// The costs an imported file may name: at least 8 MiB and one pass (weaker would make a
    /// stolen export cheap to guess), at most 1 GiB, 10 passes and 8 lanes (more would let a
    /// crafted file exhaust memory or time on import).
    pub fn check_imported(&self) -> Result<(), VaultError> {
        let bad = |reason: String| VaultError::BadHeader {
            field: "params",
            reason,
        };
        if !(8 * 1024..=1024 * 1024).contains(&self.m_kib) {
            return Err(bad(format!(
                "Argon2id memory {} KiB is outside 8 MiB..1 GiB",
                self.m_kib
            )));
        }
        if !(1..=10).contains(&self.t) {
            return Err(bad(format!("Argon2id passes {} is outside 1..10", self.t)));
        }
        if !(1..=8).contains(&self.p) {
            return Err(bad(format!("Argon2id lanes {} is outside 1..8", self.p)));
        }
        Ok(())
    }
}

impl Default for KdfParams {
    /// OWASP's recommended Argon2id setting: 19 MiB, 2 passes, 1 lane.
    fn default() -> Self {
        Self {
            m_kib: 19 * 1024,
            t: 2,
            p: 1,
        }
    }
}

/// What is stored in the clear: KDF parameters, salt and the wrapped data key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VaultHeader {
    /// Format version.
    pub version: u32,
    /// `argon2id`.
    pub kdf: String,
    /// Argon2id costs.
    pub params: KdfParams,
    /// Salt, base64url.
    pub salt: String,
    /// Nonce of the wrapped key, base64url.
    pub nonce: String,
    /// The data key encrypted under the passphrase key, base64url.
    pub wrapped_key: String,
}

/// An unlocked vault: the data key, zeroed on drop.
pub struct Vault {
    key: Zeroizing<[u8; 32]>,
}

fn derive(passphrase: &str, salt: &[u8], p: KdfParams) -> Result<Zeroizing<[u8; 32]>, VaultError> {
    let params =
        Params::new(p.m_kib, p.t, p.p, Some(32)).map_err(|e| VaultError::Kdf(e.to_string()))?;
    let mut out = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), salt, out.as_mut())
        .map_err(|e| VaultError::Kdf(e.to_string()))?;
    Ok(out)
}

fn seal_raw(key: &[u8; 32], aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let cipher = XChaCha20Poly1305::new(key.into());
    let mut nonce = [0u8; NONCE_LEN];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let ct = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .unwrap_or_default();
    let mut out = Vec::with_capacity(NONCE_LEN + ct.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ct);
    out
}

fn open_raw(key: &[u8; 32], aad: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    if data.len() < NONCE_LEN + 16 {
        return None;
    }
    let (nonce, ct) = data.split_at(NONCE_LEN);
    XChaCha20Poly1305::new(key.into())
        .decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad })
        .ok()
}

fn b64(field: &'static str, s: &str) -> Result<Vec<u8>, VaultError> {
    B64.decode(s).map_err(|e| VaultError::BadHeader {
        field,
        reason: e.to_string(),
    })
}

fn check_strength(passphrase: &str) -> Result<(), VaultError> {
    if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(VaultError::WeakPassphrase);
    }
    Ok(())
}

impl Vault {
    /// A new vault with a random data key, wrapped under `passphrase`.
    pub fn create(passphrase: &str, params: KdfParams) -> Result<(Self, VaultHeader), VaultError> {
        check_strength(passphrase)?;
        let mut key = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(key.as_mut());
        let vault = Self { key };
        let header = vault.wrap(passphrase, params)?;
        Ok((vault, header))
    }

    /// The header for this vault's data key under a (new) passphrase.
    pub fn wrap(&self, passphrase: &str, params: KdfParams) -> Result<VaultHeader, VaultError> {
        check_strength(passphrase)?;
        let mut salt = [0u8; SALT_LEN];
        rand::rngs::OsRng.fill_bytes(&mut salt);
        let kek = derive(passphrase, &salt, params)?;
        let sealed = seal_raw(&kek, WRAP_AAD, self.key.as_ref());
        let (nonce, ct) = sealed.split_at(NONCE_LEN);
        Ok(VaultHeader {
            version: 1,
            kdf: "argon2id".into(),
            params,
            salt: B64.encode(salt),
            nonce: B64.encode(nonce),
            wrapped_key: B64.encode(ct),
        })
    }

    /// Unlocks a vault with its passphrase.
    pub fn unlock(header: &VaultHeader, passphrase: &str) -> Result<Self, VaultError> {
        if header.version != 1 || header.kdf != "argon2id" {
            return Err(VaultError::BadHeader {
                field: "version",
                reason: format!("unsupported vault {} v{}", header.kdf, header.version),
            });
        }
        let salt = b64("salt", &header.salt)?;
        let mut sealed = b64("nonce", &header.nonce)?;
        if sealed.len() != NONCE_LEN {
            return Err(VaultError::BadHeader {
                field: "nonce",
                reason: format!("{} bytes, expected {NONCE_LEN}", sealed.len()),
            });
        }
        sealed.extend(b64("wrapped_key", &header.wrapped_key)?);
        let kek = derive(passphrase, &salt, header.params)?;
        let key = open_raw(&kek, WRAP_AAD, &sealed).ok_or(VaultError::WrongPassphrase)?;
        let key = Zeroizing::new(<[u8; 32]>::try_from(key.as_slice()).map_err(|_| {
            VaultError::BadHeader {
                field: "wrapped_key",
                reason: "data key is not 32 bytes".into(),
            }
        })?);
        Ok(Self { key })
    }

    /// Encrypts a value stored under `aad` (its column family and key).
    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
        seal_raw(&self.key, aad, plaintext)
    }

    /// Decrypts a value stored under `aad`.
    pub fn open(&self, aad: &[u8], data: &[u8]) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        open_raw(&self.key, aad, data)
            .map(Zeroizing::new)
            .ok_or_else(|| VaultError::Tampered {
                what: String::from_utf8_lossy(aad).into_owned(),
            })
    }
}

/// A passphrase-encrypted file (wallet export).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Envelope {
    /// `vcnet-wallet-export/1`.
    pub format: String,
    /// KDF and wrapped-key facts (the data key encrypts `ciphertext`).
    pub vault: VaultHeader,
    /// base64url of nonce ‖ ciphertext.
    pub ciphertext: String,
}

/// The format tag of wallet export files.
pub const EXPORT_FORMAT: &str = "vcnet-wallet-export/1";

impl Envelope {
    /// Encrypts `plaintext` under `passphrase` (fresh key, salt and nonce).
    pub fn seal(passphrase: &str, plaintext: &[u8]) -> Result<Self, VaultError> {
        let (vault, header) = Vault::create(passphrase, KdfParams::default())?;
        Ok(Self {
            format: EXPORT_FORMAT.into(),
            vault: header,
            ciphertext: B64.encode(vault.seal(EXPORT_AAD, plaintext)),
        })
    }

    /// Decrypts with `passphrase`.
    pub fn open(&self, passphrase: &str) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        if self.format != EXPORT_FORMAT {
            return Err(VaultError::BadHeader {
                field: "format",
                reason: format!("`{}`, expected `{EXPORT_FORMAT}`", self.format),
            });
        }
        self.vault.params.check_imported()?;
        let vault = Vault::unlock(&self.vault, passphrase)?;
        vault.open(EXPORT_AAD, &b64("ciphertext", &self.ciphertext)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imported_kdf_costs_are_bounded_before_deriving() {
        let mut env = Envelope::seal("export passphrase", b"[]").unwrap();
        assert!(env.open("export passphrase").is_ok());
        for (m, t, p) in [
            (4 * 1024 * 1024, 2, 1),
            (64, 2, 1),
            (19 * 1024, 0, 1),
            (19 * 1024, 1000, 1),
            (19 * 1024, 2, 64),
        ] {
            env.vault.params = KdfParams { m_kib: m, t, p };
            let e = env.open("export passphrase").unwrap_err().to_string();
            assert!(
                e.contains("params") && e.contains("outside"),
                "{m} {t} {p}: {e}"
            );
        }
    }

    fn cheap() -> KdfParams {
        KdfParams {
            m_kib: 256,
            t: 1,
            p: 1,
        }
    }

    #[test]
    fn round_trip_and_wrong_passphrase() {
        let (v, h) = Vault::create("correct horse", cheap()).unwrap();
        let ct = v.seal(b"wallet/a", b"secret credential");
        assert!(!ct.windows(6).any(|w| w == b"secret"));
        let v2 = Vault::unlock(&h, "correct horse").unwrap();
        assert_eq!(
            &v2.open(b"wallet/a", &ct).unwrap()[..],
            b"secret credential"
        );
        assert!(matches!(
            Vault::unlock(&h, "wrong horse!"),
            Err(VaultError::WrongPassphrase)
        ));
        // Moved to another key: refused.
        assert!(matches!(
            v2.open(b"wallet/b", &ct),
            Err(VaultError::Tampered { .. })
        ));
        // Re-wrapped under a new passphrase, the same data key opens old values.
        let h2 = v2.wrap("battery staple", cheap()).unwrap();
        let v3 = Vault::unlock(&h2, "battery staple").unwrap();
        assert_eq!(
            &v3.open(b"wallet/a", &ct).unwrap()[..],
            b"secret credential"
        );
        assert!(matches!(
            Vault::create("short", cheap()),
            Err(VaultError::WeakPassphrase)
        ));
    }

    #[test]
    fn envelope_round_trip() {
        let e = Envelope::seal("export passphrase", b"[1,2,3]").unwrap();
        assert_eq!(&e.open("export passphrase").unwrap()[..], b"[1,2,3]");
        assert!(matches!(
            e.open("other passphrase"),
            Err(VaultError::WrongPassphrase)
        ));
    }
}
