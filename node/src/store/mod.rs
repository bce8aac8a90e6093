//! RocksDB storage. Only this module sees RocksDB, column family names or raw keys; the rest of
//! the node uses its typed accessors. Every logical change that touches several keys is one
//! `WriteBatch`, so a crash never leaves half of it behind.
//!
//! Column families: `meta` (schema version), `keys`, `records`, `issued`, `wallet`, `status`,
//! `status_log`, `trust`, `peers`, `verifier_log`.

pub mod backup;
mod directory;
mod issuance;
mod secrets;
mod status;
mod types;
pub use credentials::vault;

pub use backup::{Backup, BackupError};
pub use types::*;
pub use vault::{Envelope, KdfParams, Vault, VaultError, VaultHeader};

use std::path::Path;

use rocksdb::{ColumnFamilyDescriptor, IteratorMode, Options, WriteBatch, DB};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// The schema version this build writes. Bump it (and add a migration) when a value's layout
/// changes.
pub const CURRENT_SCHEMA_VERSION: u32 = 1;
const SCHEMA_VERSION_KEY: &[u8] = b"schema_version";
const VAULT_KEY: &[u8] = b"vault";
const DID_KEY: &[u8] = b"did";
/// The node seed's key in `keys`, and the associated data it is sealed with.
const NODE_SEED_KEY: &[u8] = b"node";
const NODE_SEED_AAD: &str = "keys/node";

const CF_META: &str = "meta";
const CF_KEYS: &str = "keys";
const CF_RECORDS: &str = "records";
const CF_ISSUED: &str = "issued";
const CF_WALLET: &str = "wallet";
const CF_STATUS: &str = "status";
const CF_STATUS_LOG: &str = "status_log";
const CF_TRUST: &str = "trust";
const CF_PEERS: &str = "peers";
const CF_VERIFIER_LOG: &str = "verifier_log";
const ALL_CFS: [&str; 10] = [
    CF_META,
    CF_KEYS,
    CF_RECORDS,
    CF_ISSUED,
    CF_WALLET,
    CF_STATUS,
    CF_STATUS_LOG,
    CF_TRUST,
    CF_PEERS,
    CF_VERIFIER_LOG,
];

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the store at {path} is in use by another vcnode process (RocksDB lock held); stop it or use another --data-dir")]
    Locked { path: String },
    #[error("the store at {path} is corrupted: {reason}")]
    Corrupt { path: String, reason: String },
    #[error("the store at {path} has schema version {found}, newer than this vcnode understands ({supported}); upgrade vcnode")]
    TooNew {
        path: String,
        found: u32,
        supported: u32,
    },
    #[error("RocksDB: {0}")]
    Db(String),
    #[error("stored value under {cf}/{key} is unreadable: {reason}")]
    Decode {
        cf: &'static str,
        key: String,
        reason: String,
    },
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Vault(#[from] VaultError),
    #[error("the keys and wallet in {path} are encrypted: give the passphrase (VCNODE_PASSPHRASE or --passphrase-file)")]
    SecretsLocked { path: String },
    #[error("no credential {id} in the wallet")]
    NotInWallet { id: String },
}

impl From<rocksdb::Error> for StoreError {
    fn from(e: rocksdb::Error) -> Self {
        Self::Db(e.to_string())
    }
}

/// The node's database.
pub struct Store {
    db: DB,
    path: String,
    /// The unlocked vault, when the store's secrets are encrypted.
    vault: std::sync::OnceLock<Vault>,
    /// Whether the secrets are encrypted (a vault header exists): read once at open, set by
    /// `create_vault`, so reading a wallet value does not read the header again.
    encrypted: std::sync::atomic::AtomicBool,
    /// Whether writes a caller is told succeeded (issuances, record imports, the issuer's own
    /// status changes) wait until the write-ahead log is on disk (fsync): then not even a
    /// power cut loses an acknowledged revocation. Replicated copies need not: a sync brings
    /// them back.
    sync_acknowledged: std::sync::atomic::AtomicBool,
}

fn enc<T: Serialize>(v: &T) -> Vec<u8> {
    serde_json::to_vec(v).unwrap_or_default()
}

impl Store {
    /// Opens (creating if needed) the store in `dir`, checking the lock and the schema version.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        Self::open_mode(dir, false)
    }

    /// Opens an existing store read-only, beside a running node if there is one (RocksDB's
    /// read-only mode takes no lock): what an offline `vcnode verify` reads status and trust from.
    pub fn open_read_only(dir: &Path) -> Result<Self, StoreError> {
        Self::open_mode(dir, true)
    }

    fn open_mode(dir: &Path, read_only: bool) -> Result<Self, StoreError> {
        let path = dir.display().to_string();
        let mut opts = Options::default();
        opts.create_if_missing(!read_only);
        opts.create_missing_column_families(!read_only);
        opts.set_compression_type(rocksdb::DBCompressionType::Lz4);
        let cfs = ALL_CFS
            .iter()
            .map(|n| ColumnFamilyDescriptor::new(*n, Options::default()));
        let opened = if read_only {
            DB::open_cf_descriptors_read_only(&opts, dir, cfs, false)
        } else {
            DB::open_cf_descriptors(&opts, dir, cfs)
        };
        let db = opened.map_err(|e| {
            let msg = e.to_string();
            if msg.contains("lock") || msg.contains("LOCK") {
                StoreError::Locked { path: path.clone() }
            } else if msg.contains("Corruption") || msg.contains("corrupt") {
                StoreError::Corrupt {
                    path: path.clone(),
                    reason: msg,
                }
            } else {
                StoreError::Db(format!("opening {path}: {msg}"))
            }
        })?;
        let store = Self {
            db,
            path: path.clone(),
            vault: std::sync::OnceLock::new(),
            encrypted: std::sync::atomic::AtomicBool::new(false),
            sync_acknowledged: std::sync::atomic::AtomicBool::new(true),
        };
        let meta = store.cf(CF_META)?;
        match store.db.get_cf(meta, SCHEMA_VERSION_KEY)? {
            None if read_only => {
                return Err(StoreError::Corrupt {
                    path,
                    reason: "no schema version (not an initialised vcnode store)".into(),
                })
            }
            None => store.db.put_cf(
                meta,
                SCHEMA_VERSION_KEY,
                CURRENT_SCHEMA_VERSION.to_be_bytes(),
            )?,
            Some(v) => {
                let found = <[u8; 4]>::try_from(v.as_slice())
                    .map(u32::from_be_bytes)
                    .map_err(|_| StoreError::Corrupt {
                        path: path.clone(),
                        reason: "schema version is not 4 bytes".into(),
                    })?;
                if found > CURRENT_SCHEMA_VERSION {
                    return Err(StoreError::TooNew {
                        path,
                        found,
                        supported: CURRENT_SCHEMA_VERSION,
                    });
                }
            }
        }
        let encrypted = store.vault_header()?.is_some();
        store
            .encrypted
            .store(encrypted, std::sync::atomic::Ordering::Relaxed);
        Ok(store)
    }

    /// Sets whether acknowledged writes are synced to disk (on by default; config
    /// `sync_acknowledged_writes`).
    pub fn set_sync_acknowledged(&self, on: bool) {
        self.sync_acknowledged
            .store(on, std::sync::atomic::Ordering::Relaxed);
    }

    /// Writes a batch whose success a caller will be told of: synced when so configured.
    fn write_acknowledged(&self, batch: WriteBatch) -> Result<(), StoreError> {
        let mut opts = rocksdb::WriteOptions::default();
        opts.set_sync(
            self.sync_acknowledged
                .load(std::sync::atomic::Ordering::Relaxed),
        );
        Ok(self.db.write_opt(batch, &opts)?)
    }

    fn cf(&self, name: &'static str) -> Result<&rocksdb::ColumnFamily, StoreError> {
        self.db
            .cf_handle(name)
            .ok_or_else(|| StoreError::Db(format!("column family {name} missing")))
    }

    fn get<T: DeserializeOwned>(
        &self,
        cf: &'static str,
        key: &str,
    ) -> Result<Option<T>, StoreError> {
        match self.db.get_cf(self.cf(cf)?, key.as_bytes())? {
            None => Ok(None),
            Some(bytes) => {
                serde_json::from_slice(&bytes)
                    .map(Some)
                    .map_err(|e| StoreError::Decode {
                        cf,
                        key: key.to_owned(),
                        reason: e.to_string(),
                    })
            }
        }
    }

    fn scan<T: DeserializeOwned>(
        &self,
        cf: &'static str,
        prefix: &str,
    ) -> Result<Vec<(String, T)>, StoreError> {
        let mut out = Vec::new();
        let iter = self.db.iterator_cf(
            self.cf(cf)?,
            IteratorMode::From(prefix.as_bytes(), rocksdb::Direction::Forward),
        );
        for item in iter {
            let (k, v) = item?;
            if !k.starts_with(prefix.as_bytes()) {
                break;
            }
            let key = String::from_utf8_lossy(&k).into_owned();
            let val = serde_json::from_slice(&v).map_err(|e| StoreError::Decode {
                cf,
                key: key.clone(),
                reason: e.to_string(),
            })?;
            out.push((key, val));
        }
        Ok(out)
    }

    /// The values under a prefix, in key order.
    fn values<T: DeserializeOwned>(
        &self,
        cf: &'static str,
        prefix: &str,
    ) -> Result<Vec<T>, StoreError> {
        Ok(self.scan(cf, prefix)?.into_iter().map(|(_, v)| v).collect())
    }

    /// Writes the schema version explicitly (tests of "too new" use this).
    pub fn set_schema_version_for_test(&self, v: u32) -> Result<(), StoreError> {
        Ok(self
            .db
            .put_cf(self.cf(CF_META)?, SCHEMA_VERSION_KEY, v.to_be_bytes())?)
    }

    /// Prepares the store for the process to end: the write-ahead log synced to disk and
    /// RocksDB's background flushes and compactions stopped (waiting for running ones), so no
    /// RocksDB thread touches the database while the process tears down. Reads and writes
    /// still work afterwards (nothing is compacted any more).
    pub fn close(&self) {
        if let Err(e) = self.db.flush_wal(true) {
            tracing::warn!(error = %e, "syncing the write-ahead log at shutdown");
        }
        self.db.cancel_all_background_work(true);
    }
}

#[cfg(test)]
mod tests;
