//! One-time migrations at open: a store written by an older build is brought up to
//! [`CURRENT_SCHEMA_VERSION`] one version at a time, each step together with its version bump
//! in one synced `WriteBatch` (a crash leaves the store at the old version or the new one,
//! never between). A read-only open never migrates.

use serde::{Deserialize, Serialize};

use super::*;

/// Version 1's allocation layout: every shard's bitmap under one key `alloc/{base}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct AllocationV1 {
    pub base: String,
    pub shards: Vec<String>,
}

impl Store {
    /// Migrates the store from schema version `from` to the current one.
    pub(super) fn migrate(&self, from: u32) -> Result<(), StoreError> {
        let mut version = from;
        while version < CURRENT_SCHEMA_VERSION {
            let mut batch = WriteBatch::default();
            let changed = match version {
                1 => self.v1_to_v2(&mut batch)?,
                other => {
                    return Err(StoreError::Migration {
                        path: self.path.clone(),
                        from: other,
                        reason: "no migration from this version (it was never released)".into(),
                    })
                }
            };
            self.put_raw(
                &mut batch,
                &Key::SchemaVersion,
                &(version + 1).to_be_bytes(),
            )?;
            let mut opts = rocksdb::WriteOptions::default();
            opts.set_sync(true);
            self.db
                .write_opt(batch, &opts)
                .map_err(|e| StoreError::Migration {
                    path: self.path.clone(),
                    from: version,
                    reason: e.to_string(),
                })?;
            tracing::info!(
                from = version,
                to = version + 1,
                values = changed,
                "store migrated"
            );
            version += 1;
        }
        Ok(())
    }

    /// Version 1 → 2: allocation bitmaps each under their own key; verifier log entries
    /// rewritten without what the current form does not keep (disclosed claims). Returns how
    /// many values changed.
    fn v1_to_v2(&self, batch: &mut WriteBatch) -> Result<usize, StoreError> {
        let mut changed = 0;
        for (key, value) in self.scan_raw(Range::AllAllocations)? {
            // Per-shard values (`AllocationEntry`) are already in the new layout.
            let Ok(v1) = serde_json::from_slice::<AllocationV1>(&value) else {
                continue;
            };
            for (shard, bitmap) in v1.shards.into_iter().enumerate() {
                let shard = u32::try_from(shard).map_err(|_| StoreError::Migration {
                    path: self.path.clone(),
                    from: 1,
                    reason: format!("allocation of {} has too many shards", v1.base),
                })?;
                let to = Key::Allocation {
                    base: &v1.base,
                    shard,
                };
                // A shard already under its own key is newer than the one in the old layout.
                if self.get_raw(&to)?.is_none() {
                    let entry = AllocationEntry {
                        base: v1.base.clone(),
                        shard,
                        bitmap,
                    };
                    self.put(batch, &to, &entry)?;
                }
            }
            batch.delete_cf(self.cf(Column::Status)?, &key);
            changed += 1;
        }
        let log = self.cf(Column::VerifierLog)?;
        for (key, value) in self.scan_raw(Range::All(Column::VerifierLog))? {
            let current: Option<VerificationLogEntry> = serde_json::from_slice(&value).ok();
            match current {
                Some(e) => {
                    let rewritten = serde_json::to_vec(&e).map_err(|err| StoreError::Encode {
                        key: format!("verifier_log/{}", String::from_utf8_lossy(&key)),
                        reason: err.to_string(),
                    })?;
                    if rewritten != value {
                        batch.put_cf(log, &key, rewritten);
                        changed += 1;
                    }
                }
                // Unreadable: an entry of a layout no build reads; it holds nothing needed.
                None => {
                    batch.delete_cf(log, &key);
                    changed += 1;
                }
            }
        }
        Ok(changed)
    }
}
