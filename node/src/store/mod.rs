//! RocksDB storage. Only this module sees RocksDB, column family names or raw keys; the rest of
//! the node uses its typed accessors. Every logical change that touches several keys is one
//! `WriteBatch`, so a crash never leaves half of it behind.
//!
//! Column families: `meta` (schema version), `keys`, `records`, `issued`, `wallet`, `status`,
//! `status_log`, `trust`, `peers`, `verifier_log`.

pub mod backup;
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

    // ---------- vault ----------

    /// True when the store's secrets (node key, wallet) are encrypted under a passphrase.
    pub fn is_encrypted(&self) -> bool {
        self.encrypted.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn vault_header(&self) -> Result<Option<VaultHeader>, StoreError> {
        match self.db.get_cf(self.cf(CF_META)?, VAULT_KEY)? {
            None => Ok(None),
            Some(v) => serde_json::from_slice(&v)
                .map(Some)
                .map_err(|e| StoreError::Decode {
                    cf: CF_META,
                    key: "vault".into(),
                    reason: e.to_string(),
                }),
        }
    }

    /// Encrypts this (new) store's secrets under `passphrase` from now on. Refused once the
    /// store holds a node key, so nothing already stored stays in the clear.
    pub fn create_vault(&self, passphrase: &str, params: KdfParams) -> Result<(), StoreError> {
        if self.is_encrypted() || self.db.get_cf(self.cf(CF_KEYS)?, NODE_SEED_KEY)?.is_some() {
            return Err(StoreError::Conflict(
                "this data dir already has a node key; its encryption is set at init".into(),
            ));
        }
        let (vault, header) = Vault::create(passphrase, params)?;
        self.db.put_cf(self.cf(CF_META)?, VAULT_KEY, enc(&header))?;
        self.adopt_vault(vault);
        Ok(())
    }

    /// From now on this store's secrets are sealed and opened with `vault`.
    fn adopt_vault(&self, vault: Vault) {
        let _ = self.vault.set(vault);
        self.encrypted
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Unlocks the secrets with `passphrase`. A wrong passphrase changes nothing. A store without
    /// a vault needs no passphrase (this is then a no-op).
    pub fn unlock(&self, passphrase: &str) -> Result<(), StoreError> {
        let Some(header) = self.vault_header()? else {
            return Ok(());
        };
        if self.vault.get().is_none() {
            let _ = self.vault.set(Vault::unlock(&header, passphrase)?);
        } else {
            self.check_passphrase(passphrase)?;
        }
        Ok(())
    }

    /// Checks `passphrase` against the vault (owner confirmation for export and delete).
    pub fn check_passphrase(&self, passphrase: &str) -> Result<(), StoreError> {
        match self.vault_header()? {
            None => Err(StoreError::Conflict(
                "this store has no passphrase (it was initialised without one)".into(),
            )),
            Some(h) => Vault::unlock(&h, passphrase)
                .map(|_| ())
                .map_err(Into::into),
        }
    }

    /// Encrypts an initialised store that has no passphrase yet (a node set up without one):
    /// a new vault, and the node key and every wallet credential sealed under it, all in one
    /// batch with the vault header. A failure leaves the store as it was.
    pub fn encrypt_existing(
        &self,
        passphrase: &str,
        params: KdfParams,
    ) -> Result<usize, StoreError> {
        if self.is_encrypted() {
            return Err(StoreError::Conflict(
                "this store is already encrypted: change its passphrase instead".into(),
            ));
        }
        let seed = self.node_seed()?;
        let wallet = self.wallet()?;
        let (vault, header) = Vault::create(passphrase, params)?;
        let mut batch = WriteBatch::default();
        batch.put_cf(self.cf(CF_META)?, VAULT_KEY, enc(&header));
        self.put_secrets(&mut batch, Some(&vault), seed.as_deref(), &wallet)?;
        self.db.write(batch)?;
        self.adopt_vault(vault);
        Ok(wallet.len())
    }

    /// Re-wraps the data key under a new passphrase (one write; values are not re-encrypted).
    pub fn change_passphrase(&self, old: &str, new: &str) -> Result<(), StoreError> {
        let header = self
            .vault_header()?
            .ok_or_else(|| StoreError::Conflict("this store has no passphrase to change".into()))?;
        let vault = Vault::unlock(&header, old)?;
        let new_header = vault.wrap(new, header.params)?;
        Ok(self
            .db
            .put_cf(self.cf(CF_META)?, VAULT_KEY, enc(&new_header))?)
    }

    /// The unlocked vault, when the store has one; `None` for a store without encryption.
    fn unlocked_vault(&self) -> Result<Option<&Vault>, StoreError> {
        if !self.is_encrypted() {
            return Ok(None);
        }
        self.vault
            .get()
            .map(Some)
            .ok_or_else(|| StoreError::SecretsLocked {
                path: self.path.clone(),
            })
    }

    /// Adds the node seed and wallet credentials to a batch, sealed under `vault` (as they are
    /// for a store without one): the one place secrets are written.
    fn put_secrets(
        &self,
        batch: &mut WriteBatch,
        vault: Option<&Vault>,
        seed: Option<&[u8; 32]>,
        wallet: &[WalletEntry],
    ) -> Result<(), StoreError> {
        let seal = |aad: &str, plain: &[u8]| match vault {
            None => plain.to_vec(),
            Some(v) => v.seal(aad.as_bytes(), plain),
        };
        if let Some(seed) = seed {
            batch.put_cf(self.cf(CF_KEYS)?, NODE_SEED_KEY, seal(NODE_SEED_AAD, seed));
        }
        let cf = self.cf(CF_WALLET)?;
        for e in wallet {
            let plain = zeroize::Zeroizing::new(enc(e));
            batch.put_cf(cf, e.id.as_bytes(), seal(&Self::wallet_aad(&e.id), &plain));
        }
        Ok(())
    }

    /// Decrypts a secret value if the store has a vault (it must be unlocked).
    fn open_secret(
        &self,
        aad: &str,
        data: &[u8],
    ) -> Result<zeroize::Zeroizing<Vec<u8>>, StoreError> {
        Ok(match self.unlocked_vault()? {
            None => zeroize::Zeroizing::new(data.to_vec()),
            Some(v) => v.open(aad.as_bytes(), data)?,
        })
    }

    // ---------- keys ----------

    /// The node's Ed25519 seed (its libp2p identity and its did:key).
    pub fn node_seed(&self) -> Result<Option<zeroize::Zeroizing<[u8; 32]>>, StoreError> {
        match self.db.get_cf(self.cf(CF_KEYS)?, NODE_SEED_KEY)? {
            None => Ok(None),
            Some(v) => {
                let plain = self.open_secret(NODE_SEED_AAD, &v)?;
                <[u8; 32]>::try_from(plain.as_slice())
                    .map(|s| Some(zeroize::Zeroizing::new(s)))
                    .map_err(|_| StoreError::Decode {
                        cf: CF_KEYS,
                        key: "node".into(),
                        reason: "seed is not 32 bytes".into(),
                    })
            }
        }
    }

    /// Stores the node's seed (encrypted when the store has a vault) and its public DID;
    /// refuses to replace an existing one.
    pub fn init_node_seed(&self, seed: &[u8; 32], did: &str) -> Result<(), StoreError> {
        self.init_node(seed, did, &[])
    }

    /// [`Store::init_node_seed`] with wallet credentials (a restored backup), in one batch.
    pub fn init_node(
        &self,
        seed: &[u8; 32],
        did: &str,
        wallet: &[WalletEntry],
    ) -> Result<(), StoreError> {
        if self.db.get_cf(self.cf(CF_KEYS)?, NODE_SEED_KEY)?.is_some() {
            return Err(StoreError::Conflict(
                "this data dir already has a node key".into(),
            ));
        }
        let mut batch = WriteBatch::default();
        batch.put_cf(self.cf(CF_META)?, DID_KEY, did.as_bytes());
        self.put_secrets(&mut batch, self.unlocked_vault()?, Some(seed), wallet)?;
        Ok(self.db.write(batch)?)
    }

    /// The node's DID (public; readable without the passphrase).
    pub fn node_did(&self) -> Result<Option<String>, StoreError> {
        Ok(self
            .db
            .get_cf(self.cf(CF_META)?, DID_KEY)?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    // ---------- records and claim codes ----------

    /// Imports subject records with their claim-code digests, all or nothing.
    pub fn import_records(&self, records: &[(RecordEntry, String)]) -> Result<(), StoreError> {
        let cf = self.cf(CF_RECORDS)?;
        let mut batch = WriteBatch::default();
        for (rec, code_digest) in records {
            if self
                .get::<RecordEntry>(CF_RECORDS, &format!("rec/{}", rec.id))?
                .is_some()
            {
                return Err(StoreError::Conflict(format!(
                    "record {} already exists",
                    rec.id
                )));
            }
            batch.put_cf(cf, format!("rec/{}", rec.id), enc(rec));
            batch.put_cf(cf, format!("code/{code_digest}"), rec.id.as_bytes());
        }
        self.write_acknowledged(batch)
    }

    /// The record a claim-code digest unlocks, if the code is valid and unused.
    pub fn record_for_code(&self, code_digest: &str) -> Result<Option<RecordEntry>, StoreError> {
        let Some(id) = self
            .db
            .get_cf(self.cf(CF_RECORDS)?, format!("code/{code_digest}"))?
        else {
            return Ok(None);
        };
        self.get(CF_RECORDS, &format!("rec/{}", String::from_utf8_lossy(&id)))
    }

    /// What a spent claim code delivered, and to whom.
    pub fn claimed_code(&self, code_digest: &str) -> Result<Option<ClaimedCode>, StoreError> {
        self.get(CF_RECORDS, &format!("claimed/{code_digest}"))
    }

    /// Every record.
    pub fn records(&self) -> Result<Vec<RecordEntry>, StoreError> {
        self.values(CF_RECORDS, "rec/")
    }

    /// Records an issuance in one batch: the code is consumed, the record marked claimed, the
    /// issued index entry written, the status allocation saved, and the lists of a shard the
    /// allocation opened created (`new_lists`), so no crash can leave an index handed out on a
    /// list that does not exist.
    pub fn commit_issuance(
        &self,
        code_digest: &str,
        claimed: &ClaimedCode,
        record: &RecordEntry,
        issued: &IssuedEntry,
        alloc: &AllocationEntry,
        new_lists: &[StoredList],
    ) -> Result<(), StoreError> {
        let mut batch = WriteBatch::default();
        self.put_new_lists(&mut batch, new_lists)?;
        let rec_cf = self.cf(CF_RECORDS)?;
        batch.delete_cf(rec_cf, format!("code/{code_digest}"));
        batch.put_cf(rec_cf, format!("claimed/{code_digest}"), enc(claimed));
        batch.put_cf(rec_cf, format!("rec/{}", record.id), enc(record));
        batch.put_cf(
            self.cf(CF_ISSUED)?,
            issued.credential_id.as_bytes(),
            enc(issued),
        );
        self.put_allocation(&mut batch, alloc)?;
        self.write_acknowledged(batch)
    }

    fn put_new_lists(
        &self,
        batch: &mut WriteBatch,
        lists: &[StoredList],
    ) -> Result<(), StoreError> {
        let cf = self.cf(CF_STATUS)?;
        for l in lists {
            batch.put_cf(cf, format!("list/{}", l.id), enc(l));
        }
        Ok(())
    }

    /// Creates lists missing at start (a shard opened by a store written before the lists went
    /// into the issuance batch), in one batch.
    pub fn put_lists(&self, lists: &[StoredList]) -> Result<(), StoreError> {
        let mut batch = WriteBatch::default();
        self.put_new_lists(&mut batch, lists)?;
        Ok(self.db.write(batch)?)
    }

    fn allocation_key(base: &str, shard: u32) -> String {
        // Shards are read back in key order: zero-padded numbers sort numerically.
        format!("alloc/{base}/{shard:010}")
    }

    /// Shards stored in the first layout (every bitmap under one key `alloc/{base}`).
    fn legacy_allocation(&self, base: &str) -> Result<Vec<AllocationEntry>, StoreError> {
        Ok(self
            .get::<LegacyAllocation>(CF_STATUS, &format!("alloc/{base}"))?
            .map(|l| {
                l.shards
                    .into_iter()
                    .enumerate()
                    .map(|(n, bitmap)| AllocationEntry {
                        base: base.to_owned(),
                        shard: n as u32,
                        bitmap,
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    fn put_allocation(
        &self,
        batch: &mut WriteBatch,
        alloc: &AllocationEntry,
    ) -> Result<(), StoreError> {
        let cf = self.cf(CF_STATUS)?;
        batch.put_cf(
            cf,
            Self::allocation_key(&alloc.base, alloc.shard),
            enc(alloc),
        );
        // Convert the first layout on the way: its other shards move to their own keys.
        let legacy = self.legacy_allocation(&alloc.base)?;
        if !legacy.is_empty() {
            for e in legacy.iter().filter(|e| e.shard != alloc.shard) {
                batch.put_cf(cf, Self::allocation_key(&e.base, e.shard), enc(e));
            }
            batch.delete_cf(cf, format!("alloc/{}", alloc.base));
        }
        Ok(())
    }

    /// Records a direct issuance (no claim code) with its allocation and the lists of a shard
    /// it opened, in one batch.
    pub fn commit_direct_issuance(
        &self,
        issued: &IssuedEntry,
        alloc: &AllocationEntry,
        new_lists: &[StoredList],
    ) -> Result<(), StoreError> {
        let mut batch = WriteBatch::default();
        self.put_new_lists(&mut batch, new_lists)?;
        batch.put_cf(
            self.cf(CF_ISSUED)?,
            issued.credential_id.as_bytes(),
            enc(issued),
        );
        self.put_allocation(&mut batch, alloc)?;
        self.write_acknowledged(batch)
    }

    /// An issued credential's index entry.
    pub fn issued(&self, credential_id: &str) -> Result<Option<IssuedEntry>, StoreError> {
        self.get(CF_ISSUED, credential_id)
    }

    /// Every issued credential.
    pub fn issued_all(&self) -> Result<Vec<IssuedEntry>, StoreError> {
        self.values(CF_ISSUED, "")
    }

    /// The allocation state of a status list base: one entry per shard that has handed out an
    /// index, in shard order.
    pub fn allocation(&self, base: &str) -> Result<Vec<AllocationEntry>, StoreError> {
        let mut out: Vec<AllocationEntry> = self.values(CF_STATUS, &format!("alloc/{base}/"))?;
        for e in self.legacy_allocation(base)? {
            if !out.iter().any(|o| o.shard == e.shard) {
                out.push(e);
            }
        }
        out.sort_by_key(|e| e.shard);
        Ok(out)
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

    // ---------- status lists ----------

    /// A held status list.
    pub fn status_list(&self, list: &str) -> Result<Option<StoredList>, StoreError> {
        self.get(CF_STATUS, &format!("list/{list}"))
    }

    /// Every held status list.
    pub fn status_lists(&self) -> Result<Vec<StoredList>, StoreError> {
        self.values(CF_STATUS, "list/")
    }

    /// Stores a list at a new version together with the signed message that produced it (a
    /// delta, appended to the status log; or a snapshot), in one batch.
    pub fn put_status_list(
        &self,
        list: &StoredList,
        delta_jws: Option<&str>,
    ) -> Result<(), StoreError> {
        self.db.write(self.status_batch(list, delta_jws)?)?;
        Ok(())
    }

    /// [`Store::put_status_list`] for the owner's own change (a revocation, suspension or
    /// reinstatement it is about to acknowledge): synced when so configured.
    pub fn put_own_status_list(
        &self,
        list: &StoredList,
        delta_jws: &str,
    ) -> Result<(), StoreError> {
        self.write_acknowledged(self.status_batch(list, Some(delta_jws))?)
    }

    fn status_batch(
        &self,
        list: &StoredList,
        delta_jws: Option<&str>,
    ) -> Result<WriteBatch, StoreError> {
        let mut batch = WriteBatch::default();
        batch.put_cf(self.cf(CF_STATUS)?, format!("list/{}", list.id), enc(list));
        if let Some(jws) = delta_jws {
            batch.put_cf(
                self.cf(CF_STATUS_LOG)?,
                format!("{}\u{0}{:020}", list.id, list.version),
                jws.as_bytes(),
            );
        }
        Ok(batch)
    }

    /// Stores a list received as an owner-signed snapshot, keeping the snapshot so this node can
    /// relay it to peers that sync from it (only the owner can sign a new one).
    pub fn put_status_list_with_snapshot(
        &self,
        list: &StoredList,
        snapshot_jws: &str,
    ) -> Result<(), StoreError> {
        let cf = self.cf(CF_STATUS)?;
        let mut batch = WriteBatch::default();
        batch.put_cf(cf, format!("list/{}", list.id), enc(list));
        batch.put_cf(
            cf,
            format!("snap/{}", list.id),
            enc(&(list.version, snapshot_jws)),
        );
        Ok(self.db.write(batch)?)
    }

    /// Stores an owner's latest heartbeat (replacing the older one).
    pub fn put_heartbeat(&self, issuer: &str, jws: &str) -> Result<(), StoreError> {
        Ok(self
            .db
            .put_cf(self.cf(CF_STATUS)?, format!("beat/{issuer}"), enc(&jws))?)
    }

    /// Every owner's latest heartbeat (signed messages, validated when stored).
    pub fn heartbeats(&self) -> Result<Vec<String>, StoreError> {
        self.values(CF_STATUS, "beat/")
    }

    /// The latest owner-signed snapshot held for a list, with its version.
    pub fn latest_snapshot(&self, list: &str) -> Result<Option<(u64, String)>, StoreError> {
        self.get(CF_STATUS, &format!("snap/{list}"))
    }

    /// Signed deltas of a list after `after_version`, in order.
    pub fn deltas_after(&self, list: &str, after_version: u64) -> Result<Vec<String>, StoreError> {
        let prefix = format!("{list}\u{0}");
        let start = format!("{prefix}{:020}", after_version + 1);
        let mut out = Vec::new();
        for item in self.db.iterator_cf(
            self.cf(CF_STATUS_LOG)?,
            IteratorMode::From(start.as_bytes(), rocksdb::Direction::Forward),
        ) {
            let (k, v) = item?;
            if !k.starts_with(prefix.as_bytes()) {
                break;
            }
            out.push(String::from_utf8_lossy(&v).into_owned());
        }
        Ok(out)
    }

    // ---------- wallet ----------

    fn wallet_aad(id: &str) -> String {
        format!("wallet/{id}")
    }

    /// Stores a credential in the wallet (encrypted when the store has a vault).
    pub fn put_wallet(&self, entry: &WalletEntry) -> Result<(), StoreError> {
        self.put_wallet_all(std::slice::from_ref(entry))
    }

    /// Stores several wallet credentials in one batch (wallet import): all or nothing.
    pub fn put_wallet_all(&self, entries: &[WalletEntry]) -> Result<(), StoreError> {
        let mut batch = WriteBatch::default();
        self.put_secrets(&mut batch, self.unlocked_vault()?, None, entries)?;
        Ok(self.db.write(batch)?)
    }

    /// Every wallet credential.
    pub fn wallet(&self) -> Result<Vec<WalletEntry>, StoreError> {
        let mut out = Vec::new();
        for item in self
            .db
            .iterator_cf(self.cf(CF_WALLET)?, IteratorMode::Start)
        {
            let (k, v) = item?;
            out.push(self.open_wallet_value(&String::from_utf8_lossy(&k), &v)?);
        }
        Ok(out)
    }

    fn open_wallet_value(&self, id: &str, stored: &[u8]) -> Result<WalletEntry, StoreError> {
        let plain = self.open_secret(&Self::wallet_aad(id), stored)?;
        serde_json::from_slice(&plain).map_err(|e| StoreError::Decode {
            cf: CF_WALLET,
            key: id.to_owned(),
            reason: e.to_string(),
        })
    }

    /// One wallet credential.
    pub fn wallet_entry(&self, id: &str) -> Result<WalletEntry, StoreError> {
        let v = self
            .db
            .get_cf(self.cf(CF_WALLET)?, id.as_bytes())?
            .ok_or_else(|| StoreError::NotInWallet { id: id.to_owned() })?;
        self.open_wallet_value(id, &v)
    }

    /// Deletes a wallet credential.
    pub fn delete_wallet(&self, id: &str) -> Result<(), StoreError> {
        let cf = self.cf(CF_WALLET)?;
        if self.db.get_cf(cf, id.as_bytes())?.is_none() {
            return Err(StoreError::NotInWallet { id: id.to_owned() });
        }
        Ok(self.db.delete_cf(cf, id.as_bytes())?)
    }

    /// Raw stored bytes of a wallet value (tests check that nothing is stored in the clear).
    pub fn wallet_raw_for_test(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.db.get_cf(self.cf(CF_WALLET)?, id.as_bytes())?)
    }

    // ---------- trust ----------

    /// An issuer's trust record.
    pub fn trust(&self, issuer: &str) -> Result<Option<TrustRecord>, StoreError> {
        self.get(CF_TRUST, issuer)
    }

    /// Stores an issuer's trust record.
    pub fn put_trust(&self, rec: &TrustRecord) -> Result<(), StoreError> {
        Ok(self
            .db
            .put_cf(self.cf(CF_TRUST)?, rec.issuer.as_bytes(), enc(rec))?)
    }

    /// Every trust record.
    pub fn trust_all(&self) -> Result<Vec<TrustRecord>, StoreError> {
        self.values(CF_TRUST, "")
    }

    // ---------- peers ----------

    /// Remembers a peer.
    pub fn put_peer(&self, p: &PeerEntry) -> Result<(), StoreError> {
        Ok(self
            .db
            .put_cf(self.cf(CF_PEERS)?, p.peer_id.as_bytes(), enc(p))?)
    }

    /// Every remembered peer.
    pub fn peers(&self) -> Result<Vec<PeerEntry>, StoreError> {
        self.values(CF_PEERS, "")
    }

    // ---------- verifier log ----------

    /// Appends a verification result to the verifier log and, in the same batch, deletes the
    /// entries older than `keep_ms` before it (keys begin with the zero-padded time, so that is
    /// one range).
    pub fn log_verification(
        &self,
        entry: &VerificationLogEntry,
        keep_ms: i64,
    ) -> Result<(), StoreError> {
        let cf = self.cf(CF_VERIFIER_LOG)?;
        let key = format!("{:020}-{}", entry.at_millis, entry.request_id);
        let cutoff = format!("{:020}", entry.at_millis.saturating_sub(keep_ms).max(0));
        let mut batch = WriteBatch::default();
        batch.delete_range_cf(cf, b"".as_slice(), cutoff.as_bytes());
        batch.put_cf(cf, key.as_bytes(), enc(entry));
        Ok(self.db.write(batch)?)
    }

    /// Rewrites every verifier log entry in the current form, in one batch: entries written by
    /// earlier versions carried the whole report, disclosed claims included; this drops them.
    /// Returns how many entries were rewritten.
    pub fn scrub_verifier_log(&self) -> Result<usize, StoreError> {
        let cf = self.cf(CF_VERIFIER_LOG)?;
        let mut batch = WriteBatch::default();
        let mut n = 0;
        for (k, v) in self
            .db
            .iterator_cf(cf, rocksdb::IteratorMode::Start)
            .flatten()
        {
            let current: Option<VerificationLogEntry> = serde_json::from_slice(&v).ok();
            match current {
                Some(e) if enc(&e) == v.as_ref() => {}
                Some(e) => {
                    batch.put_cf(cf, &k, enc(&e));
                    n += 1;
                }
                None => {
                    batch.delete_cf(cf, &k);
                    n += 1;
                }
            }
        }
        if n > 0 {
            self.db.write(batch)?;
        }
        Ok(n)
    }

    /// The verifier log, oldest first.
    pub fn verifications(&self) -> Result<Vec<VerificationLogEntry>, StoreError> {
        self.values(CF_VERIFIER_LOG, "")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(id: &str) -> RecordEntry {
        RecordEntry {
            id: id.into(),
            kind: "identity".into(),
            subject: serde_json::json!({"fullName": "A"}),
            claimed_by: None,
        }
    }

    fn cheap() -> KdfParams {
        KdfParams {
            m_kib: 256,
            t: 1,
            p: 1,
        }
    }

    /// A sample wallet credential (also used by the backup tests).
    pub(super) fn wallet_entry(id: &str) -> WalletEntry {
        WalletEntry {
            id: id.into(),
            kind: "identity".into(),
            format: "sd-jwt".into(),
            issuer: "did:key:z6Mkissuer".into(),
            issuer_name: Some("National Identity Agency".into()),
            credential: "eyJ.SECRET-CREDENTIAL-TEXT.sig~".into(),
            received_at: "2026-11-26T08:00:00.000Z".into(),
            staple: None,
        }
    }

    #[test]
    fn verifier_log_keeps_no_claims_and_expires_old_entries() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        let day = 86_400_000i64;
        let entry = |at: i64, id: &str| VerificationLogEntry {
            at_millis: at,
            request_id: id.into(),
            peer: "peer".into(),
            valid: true,
            kind: Some("identity".into()),
            format: None,
            credential_id: None,
            issuer: None,
            claims_digest: None,
            failures: vec![],
        };
        // An entry as an earlier version wrote it: the whole report, claims included.
        let mut legacy = serde_json::to_value(entry(10 * day, "old")).unwrap();
        legacy["report"] = serde_json::json!({"claims": {"fullName": "Nguyễn Văn A"}});
        s.db.put_cf(
            s.cf(CF_VERIFIER_LOG).unwrap(),
            format!("{:020}-old", 10 * day).as_bytes(),
            serde_json::to_vec(&legacy).unwrap(),
        )
        .unwrap();
        assert_eq!(s.scrub_verifier_log().unwrap(), 1);
        assert_eq!(
            s.scrub_verifier_log().unwrap(),
            0,
            "scrubbing twice changes nothing"
        );
        let raw: Vec<u8> =
            s.db.get_cf(
                s.cf(CF_VERIFIER_LOG).unwrap(),
                format!("{:020}-old", 10 * day).as_bytes(),
            )
            .unwrap()
            .unwrap();
        assert!(!String::from_utf8_lossy(&raw).contains("Nguyễn"));
        // Retention: 30 days. An entry at day 41 removes the one from day 10, keeps day 20.
        s.log_verification(&entry(20 * day, "b"), 30 * day).unwrap();
        s.log_verification(&entry(41 * day, "c"), 30 * day).unwrap();
        let ids: Vec<String> = s
            .verifications()
            .unwrap()
            .into_iter()
            .map(|e| e.request_id)
            .collect();
        assert_eq!(ids, ["b", "c"]);
    }

    #[test]
    fn secrets_are_encrypted_at_rest_and_need_the_passphrase() {
        let dir = tempfile::tempdir().unwrap();
        let seed = [42u8; 32];
        {
            let s = Store::open(dir.path()).unwrap();
            s.create_vault("correct horse battery", cheap()).unwrap();
            s.init_node_seed(&seed, "did:key:z6Mknode").unwrap();
            s.put_wallet(&wallet_entry("urn:uuid:1")).unwrap();
            // Stored bytes hold neither the credential nor the seed in the clear.
            let raw = s.wallet_raw_for_test("urn:uuid:1").unwrap().unwrap();
            assert!(!raw.windows(6).any(|w| w == b"SECRET"));
            assert!(!raw.windows(8).any(|w| w == b"National"));
        }
        // Reopened: locked until unlocked; the DID is public.
        let s = Store::open(dir.path()).unwrap();
        assert!(s.is_encrypted());
        assert_eq!(s.node_did().unwrap().as_deref(), Some("did:key:z6Mknode"));
        assert!(matches!(s.wallet(), Err(StoreError::SecretsLocked { .. })));
        assert!(matches!(
            s.node_seed(),
            Err(StoreError::SecretsLocked { .. })
        ));
        assert!(matches!(
            s.put_wallet(&wallet_entry("urn:uuid:2")),
            Err(StoreError::SecretsLocked { .. })
        ));
        // A wrong passphrase is a clear error and changes nothing.
        let e = s.unlock("wrong horse battery").unwrap_err();
        assert!(e.to_string().contains("wrong passphrase"), "{e}");
        assert!(matches!(s.wallet(), Err(StoreError::SecretsLocked { .. })));
        s.unlock("correct horse battery").unwrap();
        assert_eq!(*s.node_seed().unwrap().unwrap(), seed);
        assert_eq!(s.wallet().unwrap(), vec![wallet_entry("urn:uuid:1")]);
        // Passphrase change re-wraps the key: the old one stops working, data stays readable.
        assert!(s
            .change_passphrase("wrong horse battery", "new passphrase!")
            .is_err());
        s.change_passphrase("correct horse battery", "new passphrase!")
            .unwrap();
        assert!(s.check_passphrase("correct horse battery").is_err());
        s.check_passphrase("new passphrase!").unwrap();
        // Delete: gone; deleting again names the id.
        s.delete_wallet("urn:uuid:1").unwrap();
        assert!(matches!(
            s.delete_wallet("urn:uuid:1"),
            Err(StoreError::NotInWallet { .. })
        ));
    }

    #[test]
    fn a_restored_node_gets_key_and_wallet_together_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        s.create_vault("correct horse battery", cheap()).unwrap();
        let wallet = [wallet_entry("urn:uuid:1"), wallet_entry("urn:uuid:2")];
        s.init_node(&[5; 32], "did:key:z6Mkrestored", &wallet)
            .unwrap();
        assert_eq!(s.wallet().unwrap(), wallet.to_vec());
        assert_eq!(*s.node_seed().unwrap().unwrap(), [5; 32]);
        // A second restore over it is refused and changes nothing.
        let e = s
            .init_node(&[6; 32], "did:key:z6Mkother", &[wallet_entry("urn:uuid:3")])
            .unwrap_err();
        assert!(e.to_string().contains("already has a node key"), "{e}");
        assert_eq!(s.wallet().unwrap(), wallet.to_vec());
        assert_eq!(
            s.node_did().unwrap().as_deref(),
            Some("did:key:z6Mkrestored")
        );
    }

    #[test]
    fn a_store_without_passphrase_can_be_encrypted_later() {
        let dir = tempfile::tempdir().unwrap();
        {
            let s = Store::open(dir.path()).unwrap();
            s.init_node_seed(&[8; 32], "did:key:z6Mkplain").unwrap();
            s.put_wallet(&wallet_entry("urn:uuid:1")).unwrap();
            assert!(s
                .wallet_raw_for_test("urn:uuid:1")
                .unwrap()
                .unwrap()
                .windows(6)
                .any(|w| w == b"SECRET"));
            assert!(
                s.encrypt_existing("x", cheap()).is_err(),
                "weak passphrase refused"
            );
            assert_eq!(
                s.encrypt_existing("correct horse battery", cheap())
                    .unwrap(),
                1
            );
            let raw = s.wallet_raw_for_test("urn:uuid:1").unwrap().unwrap();
            assert!(!raw.windows(6).any(|w| w == b"SECRET"));
            assert!(s
                .encrypt_existing("correct horse battery", cheap())
                .is_err());
        }
        let s = Store::open(dir.path()).unwrap();
        assert!(matches!(s.wallet(), Err(StoreError::SecretsLocked { .. })));
        s.unlock("correct horse battery").unwrap();
        assert_eq!(*s.node_seed().unwrap().unwrap(), [8; 32]);
        assert_eq!(s.wallet().unwrap(), vec![wallet_entry("urn:uuid:1")]);
    }

    #[test]
    fn a_moved_ciphertext_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        s.create_vault("correct horse battery", cheap()).unwrap();
        s.put_wallet(&wallet_entry("urn:uuid:a")).unwrap();
        // Copy a's ciphertext under b's key: authentication binds it to its key.
        let raw = s.wallet_raw_for_test("urn:uuid:a").unwrap().unwrap();
        s.db.put_cf(s.cf(CF_WALLET).unwrap(), b"urn:uuid:b", raw)
            .unwrap();
        let e = s.wallet_entry("urn:uuid:b").unwrap_err();
        assert!(e.to_string().contains("failed authentication"), "{e}");
    }

    #[test]
    fn read_only_open_works_beside_a_running_writer() {
        let dir = tempfile::tempdir().unwrap();
        let w = Store::open(dir.path()).unwrap();
        w.init_node_seed(&[1; 32], "did:key:z6Mkro").unwrap();
        let r = Store::open_read_only(dir.path()).unwrap();
        assert_eq!(r.node_did().unwrap().as_deref(), Some("did:key:z6Mkro"));
        let empty = tempfile::tempdir().unwrap();
        assert!(Store::open_read_only(empty.path()).is_err());
    }

    #[test]
    fn second_open_is_refused_with_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let _a = Store::open(dir.path()).unwrap();
        let e = Store::open(dir.path())
            .err()
            .expect("second open must fail");
        assert!(matches!(e, StoreError::Locked { .. }), "{e}");
        assert!(e.to_string().contains("in use"));
    }

    #[test]
    fn too_new_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        {
            let s = Store::open(dir.path()).unwrap();
            s.set_schema_version_for_test(CURRENT_SCHEMA_VERSION + 1)
                .unwrap();
        }
        let e = Store::open(dir.path()).err().expect("too new must fail");
        assert!(matches!(e, StoreError::TooNew { .. }), "{e}");
    }

    #[test]
    fn corrupted_store_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        {
            let s = Store::open(dir.path()).unwrap();
            s.init_node_seed(&[1; 32], "did:key:z6Mkx").unwrap();
        }
        // Destroy the manifest pointer.
        std::fs::write(dir.path().join("CURRENT"), b"MANIFEST-999999\n").unwrap();
        let e = Store::open(dir.path()).err().expect("corrupt must fail");
        assert!(
            e.to_string().contains(&dir.path().display().to_string()),
            "{e}"
        );
    }

    #[test]
    fn import_is_all_or_nothing_and_codes_work_once() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        s.import_records(&[(rec("r1"), "d1".into())]).unwrap();
        // A batch containing a duplicate is refused entirely.
        assert!(s
            .import_records(&[(rec("r2"), "d2".into()), (rec("r1"), "d3".into())])
            .is_err());
        assert!(s.record_for_code("d2").unwrap().is_none());
        assert_eq!(s.records().unwrap().len(), 1);
        let r = s.record_for_code("d1").unwrap().unwrap();
        let issued = IssuedEntry {
            credential_id: "urn:uuid:1".into(),
            kind: "identity".into(),
            holder: Some("did:key:x".into()),
            format: "sd-jwt".into(),
            list_base: "http://x/status".into(),
            shard: 0,
            index: 5,
            record_id: Some("r1".into()),
            issued_at: "2026-01-01T00:00:00Z".into(),
        };
        let alloc = AllocationEntry {
            base: "http://x/status".into(),
            shard: 3,
            bitmap: "AAAA".into(),
        };
        let mut claimed = r.clone();
        claimed.claimed_by = Some("urn:uuid:1".into());
        let delivered = ClaimedCode {
            holder: "did:key:z6Mkholder".into(),
            credential_id: "urn:uuid:1".into(),
            kind: "identity".into(),
            format: "sd-jwt".into(),
            credential: "credential text".into(),
        };
        s.commit_issuance("d1", &delivered, &claimed, &issued, &alloc, &[])
            .unwrap();
        assert_eq!(s.claimed_code("d1").unwrap(), Some(delivered));
        assert!(
            s.record_for_code("d1").unwrap().is_none(),
            "code works once"
        );
        assert_eq!(s.issued("urn:uuid:1").unwrap().unwrap().index, 5);
        assert_eq!(s.allocation("http://x/status").unwrap(), vec![alloc]);
    }

    #[test]
    fn status_log_orders_versions() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        for v in 1..=12u64 {
            let l = StoredList {
                id: "L".into(),
                purpose: "revocation".into(),
                issuer: "did:key:x".into(),
                version: v,
                bits: String::new(),
                stored_at_ms: 0,
                confirmed_ms: None,
            };
            s.put_status_list(&l, Some(&format!("jws{v}"))).unwrap();
        }
        assert_eq!(
            s.deltas_after("L", 9).unwrap(),
            vec!["jws10", "jws11", "jws12"]
        );
        assert_eq!(s.status_list("L").unwrap().unwrap().version, 12);
    }
}
