//! What a wallet export file holds once opened: the credentials, the holder DID they are bound
//! to, and — only when asked for (`wallet export --with-key`) — the node's key seed, which lets
//! `vcnode init --restore` bring the same holder up on a new device. The whole is sealed in an
//! [`Envelope`] (Argon2id + XChaCha20-Poly1305); nothing in it is ever written in the clear.
//!
//! Files from before the holder DID was recorded hold a bare array of credentials; they are
//! refused (their credentials could be anyone's), with a message saying how to export again.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::{Envelope, WalletEntry};

/// Why a backup could not be opened or used.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("export file: {0}")]
    Envelope(#[from] super::VaultError),
    #[error("export file: not a wallet export: {0}")]
    Shape(String),
    #[error("export file: `key` {0}")]
    Key(String),
    #[error("export file names no holder (made by a vcnet before holders were recorded): its credentials cannot be bound to this node; export them again with a current vcnode")]
    NoHolder,
}

/// An opened wallet export.
#[derive(Serialize, Deserialize)]
pub struct Backup {
    /// The DID the credentials were issued to (absent in files of the first format).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder: Option<String>,
    /// base64url of the node's 32-byte key seed, when exported with the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    key: Option<Zeroizing<String>>,
    /// The credentials.
    pub credentials: Vec<WalletEntry>,
}

/// The two shapes an opened export may have.
#[derive(Deserialize)]
#[serde(untagged)]
enum Shape {
    Backup(Backup),
    /// First format: the credentials alone (recognised only to be refused by name).
    Credentials(#[allow(dead_code)] Vec<WalletEntry>),
}

impl Backup {
    /// A backup of `credentials` held by `holder`, with the node's seed when given.
    pub fn new(holder: &str, seed: Option<&[u8; 32]>, credentials: Vec<WalletEntry>) -> Self {
        Self {
            holder: Some(holder.to_owned()),
            key: seed.map(|s| Zeroizing::new(B64.encode(s))),
            credentials,
        }
    }

    /// Seals it under `passphrase`.
    pub fn seal(&self, passphrase: &str) -> Result<Envelope, BackupError> {
        let plain = Zeroizing::new(
            serde_json::to_vec(self).map_err(|e| BackupError::Shape(e.to_string()))?,
        );
        Ok(Envelope::seal(passphrase, &plain)?)
    }

    /// Opens an export file with its passphrase.
    pub fn open(envelope: &Envelope, passphrase: &str) -> Result<Self, BackupError> {
        let plain = envelope.open(passphrase)?;
        match serde_json::from_slice::<Shape>(&plain)
            .map_err(|e| BackupError::Shape(e.to_string()))?
        {
            Shape::Backup(b) if b.holder.is_some() => Ok(b),
            Shape::Backup(_) | Shape::Credentials(_) => Err(BackupError::NoHolder),
        }
    }

    /// The node's key seed, when the export carries it.
    pub fn seed(&self) -> Result<Option<Zeroizing<[u8; 32]>>, BackupError> {
        let Some(text) = &self.key else {
            return Ok(None);
        };
        let bytes = Zeroizing::new(
            B64.decode(text.as_bytes())
                .map_err(|e| BackupError::Key(format!("is not base64url: {e}")))?,
        );
        let seed: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| BackupError::Key(format!("is {} bytes, not 32", bytes.len())))?;
        Ok(Some(Zeroizing::new(seed)))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::wallet_entry as entry;
    use super::*;

    #[test]
    fn round_trip_with_and_without_key_and_first_format() {
        let seed = [7u8; 32];
        let env = Backup::new("did:key:me", Some(&seed), vec![entry("a")])
            .seal("export passphrase")
            .unwrap();
        let b = Backup::open(&env, "export passphrase").unwrap();
        assert_eq!(b.holder.as_deref(), Some("did:key:me"));
        assert_eq!(*b.seed().unwrap().unwrap(), seed);
        assert_eq!(b.credentials, vec![entry("a")]);
        assert!(Backup::open(&env, "wrong").is_err());

        let env = Backup::new("did:key:me", None, vec![])
            .seal("export passphrase")
            .unwrap();
        assert!(Backup::open(&env, "export passphrase")
            .unwrap()
            .seed()
            .unwrap()
            .is_none());

        // A file of the first format: a bare array of credentials.
        let old = Envelope::seal(
            "export passphrase",
            &serde_json::to_vec(&vec![entry("b")]).unwrap(),
        )
        .unwrap();
        assert!(matches!(
            Backup::open(&old, "export passphrase"),
            Err(BackupError::NoHolder)
        ));

        let junk = Envelope::seal("export passphrase", br#"{"credentials": 5}"#).unwrap();
        assert!(matches!(
            Backup::open(&junk, "export passphrase"),
            Err(BackupError::Shape(_))
        ));
        let short = Envelope::seal(
            "export passphrase",
            br#"{"holder": "did:key:me", "key": "AAAA", "credentials": []}"#,
        )
        .unwrap();
        assert!(matches!(
            Backup::open(&short, "export passphrase").unwrap().seed(),
            Err(BackupError::Key(m)) if m.contains("3 bytes")
        ));
    }
}
