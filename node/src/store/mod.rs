//! RocksDB storage. Only this module sees RocksDB, column families or raw keys; the rest of
//! the node uses its typed accessors. Every logical change that touches several keys is one
//! `WriteBatch`, so a crash never leaves half of it behind. The layout — columns, keys,
//! values, schema version — is in [`schema`]; [`migrate`] brings an older store up to it.

pub mod backup;
mod directory;
mod issuance;
mod migrate;
pub mod schema;
mod secrets;
mod status;
mod types;
pub use credentials::vault;

pub use backup::{Backup, BackupError};
pub use schema::CURRENT_SCHEMA_VERSION;
pub use types::*;
pub use vault::{Envelope, KdfParams, Vault, VaultError, VaultHeader};

use std::path::Path;

use rocksdb::{ColumnFamilyDescriptor, IteratorMode, Options, WriteBatch, DB};
use schema::{Column, Key, Range};
use serde::de::DeserializeOwned;
use serde::Serialize;
use strum::IntoEnumIterator;

/// The node seed's associated data (what it is sealed with).
const NODE_SEED_AAD: &str = "keys/node";

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
    #[error("stored value under {key} is unreadable: {reason}")]
    Decode { key: String, reason: String },
    #[error("value for {key} could not be encoded: {reason}")]
    Encode { key: String, reason: String },
    #[error("migrating the store at {path} from schema version {from}: {reason}")]
    Migration {
        path: String,
        from: u32,
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

/// The stored form of a value under `key` (JSON).
fn enc<T: Serialize>(key: &Key<'_>, v: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(v).map_err(|e| StoreError::Encode {
        key: key.describe(),
        reason: e.to_string(),
    })
}

/// Each column's options: LZ4 blocks, and a Bloom filter (10 bits a key) so that a point
/// lookup of an absent key — every new record of a bulk issuance, every new code — skips the
/// files that cannot hold it instead of reading each one's index.
fn column_options() -> Options {
    let mut o = Options::default();
    o.set_compression_type(rocksdb::DBCompressionType::Lz4);
    let mut t = rocksdb::BlockBasedOptions::default();
    t.set_bloom_filter(10.0, false);
    t.set_cache_index_and_filter_blocks(true);
    t.set_pin_l0_filter_and_index_blocks_in_cache(true);
    o.set_block_based_table_factory(&t);
    o
}

/// A stored value read back.
fn dec<T: DeserializeOwned>(key: impl FnOnce() -> String, bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Decode {
        key: key(),
        reason: e.to_string(),
    })
}

/// A stored key and value as bytes.
type RawEntry = (Vec<u8>, Vec<u8>);

/// How many keys some columns hold (counted without reading or decrypting values).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Wallet credentials.
    pub wallet: usize,
    /// Issued credentials.
    pub issued: usize,
    /// Whether `issued` was counted (else RocksDB's estimate, past [`EXACT_COUNT_CAP`]).
    pub issued_exact: bool,
    /// Trust records.
    pub trust: usize,
}

/// Keys counted one by one at most; past this a count is RocksDB's estimate.
pub const EXACT_COUNT_CAP: usize = 100_000;

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
        let cfs = Column::iter().map(|c| ColumnFamilyDescriptor::new(c.name(), column_options()));
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
        match store.schema_version()? {
            None if read_only => {
                return Err(StoreError::Corrupt {
                    path,
                    reason: "no schema version (not an initialised vcnode store)".into(),
                })
            }
            None => store.db.put_cf(
                store.cf(Column::Meta)?,
                Key::SchemaVersion.bytes(),
                CURRENT_SCHEMA_VERSION.to_be_bytes(),
            )?,
            Some(found) if found > CURRENT_SCHEMA_VERSION => {
                return Err(StoreError::TooNew {
                    path,
                    found,
                    supported: CURRENT_SCHEMA_VERSION,
                });
            }
            Some(found) if found < CURRENT_SCHEMA_VERSION && !read_only => {
                store.migrate(found)?;
            }
            // A read-only open (an offline `vcnode verify`) reads an older store as it is: it
            // reads status lists and trust records, whose layout no migration has changed.
            Some(_) => {}
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

    fn cf(&self, column: Column) -> Result<&rocksdb::ColumnFamily, StoreError> {
        self.db
            .cf_handle(column.name())
            .ok_or_else(|| StoreError::Db(format!("column family {} missing", column.name())))
    }

    /// The schema version stored, if any.
    fn schema_version(&self) -> Result<Option<u32>, StoreError> {
        let Some(v) = self.get_raw(&Key::SchemaVersion)? else {
            return Ok(None);
        };
        <[u8; 4]>::try_from(v.as_slice())
            .map(|b| Some(u32::from_be_bytes(b)))
            .map_err(|_| StoreError::Corrupt {
                path: self.path.clone(),
                reason: "schema version is not 4 bytes".into(),
            })
    }

    /// The raw bytes under a key.
    fn get_raw(&self, key: &Key<'_>) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.db.get_cf(self.cf(key.column())?, key.bytes())?)
    }

    /// The value under a key.
    fn get<T: DeserializeOwned>(&self, key: &Key<'_>) -> Result<Option<T>, StoreError> {
        match self.get_raw(key)? {
            None => Ok(None),
            Some(bytes) => dec(|| key.describe(), &bytes).map(Some),
        }
    }

    /// The values under keys of one column, read in one multi-get (`None` where absent).
    fn multi_get<T: DeserializeOwned>(
        &self,
        keys: &[Key<'_>],
    ) -> Result<Vec<Option<T>>, StoreError> {
        let Some(first) = keys.first() else {
            return Ok(Vec::new());
        };
        let cf = self.cf(first.column())?;
        let bytes: Vec<Vec<u8>> = keys.iter().map(Key::bytes).collect();
        self.db
            .batched_multi_get_cf(cf, &bytes, false)
            .into_iter()
            .zip(keys)
            .map(|(r, key)| match r? {
                None => Ok(None),
                Some(b) => dec(|| key.describe(), &b).map(Some),
            })
            .collect()
    }

    /// Adds a value to a batch.
    fn put<T: Serialize>(
        &self,
        batch: &mut WriteBatch,
        key: &Key<'_>,
        value: &T,
    ) -> Result<(), StoreError> {
        batch.put_cf(self.cf(key.column())?, key.bytes(), enc(key, value)?);
        Ok(())
    }

    /// Adds raw bytes to a batch.
    fn put_raw(
        &self,
        batch: &mut WriteBatch,
        key: &Key<'_>,
        value: &[u8],
    ) -> Result<(), StoreError> {
        batch.put_cf(self.cf(key.column())?, key.bytes(), value);
        Ok(())
    }

    /// Adds a deletion to a batch.
    fn delete(&self, batch: &mut WriteBatch, key: &Key<'_>) -> Result<(), StoreError> {
        batch.delete_cf(self.cf(key.column())?, key.bytes());
        Ok(())
    }

    /// Writes one value on its own (a single-key change).
    fn put_one<T: Serialize>(&self, key: &Key<'_>, value: &T) -> Result<(), StoreError> {
        let mut batch = WriteBatch::default();
        self.put(&mut batch, key, value)?;
        Ok(self.db.write(batch)?)
    }

    /// Visits the raw keys and values of a range in key order, until `visit` says stop
    /// (`false`).
    fn walk(
        &self,
        range: Range<'_>,
        mut visit: impl FnMut(Box<[u8]>, Box<[u8]>) -> Result<bool, StoreError>,
    ) -> Result<(), StoreError> {
        let prefix = range.prefix();
        let iter = self.db.iterator_cf(
            self.cf(range.column())?,
            IteratorMode::From(&prefix, rocksdb::Direction::Forward),
        );
        for item in iter {
            let (k, v) = item?;
            if !k.starts_with(&prefix) || !visit(k, v)? {
                break;
            }
        }
        Ok(())
    }

    /// The raw keys and values of a range, in key order.
    fn scan_raw(&self, range: Range<'_>) -> Result<Vec<RawEntry>, StoreError> {
        let mut out = Vec::new();
        self.walk(range, |k, v| {
            out.push((k.into_vec(), v.into_vec()));
            Ok(true)
        })?;
        Ok(out)
    }

    /// Up to `limit` values of a range that `keep` accepts, in key order, looking at no more
    /// than `scan_cap` keys (a search over millions of entries stays bounded); also says
    /// whether the scan stopped at the cap before the range ended.
    fn values_matching<T: DeserializeOwned>(
        &self,
        range: Range<'_>,
        keep: impl Fn(&T) -> bool,
        limit: usize,
        scan_cap: usize,
    ) -> Result<(Vec<T>, bool), StoreError> {
        let column = range.column().name();
        let (mut out, mut seen, mut capped) = (Vec::new(), 0, false);
        self.walk(range, |k, v| {
            if seen >= scan_cap {
                capped = true;
                return Ok(false);
            }
            seen += 1;
            let value: T = dec(|| format!("{column}/{}", String::from_utf8_lossy(&k)), &v)?;
            if keep(&value) {
                out.push(value);
            }
            Ok(out.len() < limit)
        })?;
        Ok((out, capped))
    }

    /// The values of a range, in key order.
    fn values<T: DeserializeOwned>(&self, range: Range<'_>) -> Result<Vec<T>, StoreError> {
        let column = range.column().name();
        self.scan_raw(range)?
            .into_iter()
            .map(|(k, v)| dec(|| format!("{column}/{}", String::from_utf8_lossy(&k)), &v))
            .collect()
    }

    /// How many keys a column holds: counted exactly up to [`EXACT_COUNT_CAP`] keys, past
    /// that RocksDB's estimate (a status request must not walk a hundred million keys).
    /// `true` when exact.
    fn count(&self, column: Column) -> Result<(usize, bool), StoreError> {
        let cf = self.cf(column)?;
        let mut n = 0;
        let mut it = self.db.raw_iterator_cf(cf);
        it.seek_to_first();
        while it.valid() {
            n += 1;
            if n > EXACT_COUNT_CAP {
                let estimate = self
                    .db
                    .property_int_value_cf(cf, "rocksdb.estimate-num-keys")?
                    .unwrap_or(0) as usize;
                return Ok((estimate.max(n), false));
            }
            it.next();
        }
        it.status()?;
        Ok((n, true))
    }

    /// Key counts of the wallet, the issued index and the trust records (the issued index
    /// estimated past [`EXACT_COUNT_CAP`]).
    pub fn counts(&self) -> Result<Counts, StoreError> {
        let (issued, issued_exact) = self.count(Column::Issued)?;
        Ok(Counts {
            wallet: self.count(Column::Wallet)?.0,
            issued,
            issued_exact,
            trust: self.count(Column::Trust)?.0,
        })
    }

    /// Writes the schema version explicitly (tests of "too new" and of migrations use this).
    pub fn set_schema_version_for_test(&self, v: u32) -> Result<(), StoreError> {
        Ok(self.db.put_cf(
            self.cf(Column::Meta)?,
            Key::SchemaVersion.bytes(),
            v.to_be_bytes(),
        )?)
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
