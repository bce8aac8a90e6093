//! Held status lists, their signed status logs (deltas) and snapshots, and owners'
//! heartbeats.

use super::*;

impl Store {
    // ---------- status lists ----------

    /// A held status list.
    pub fn status_list(&self, list: &str) -> Result<Option<StoredList>, StoreError> {
        self.get(&Key::List(list))
    }

    /// Every held status list.
    pub fn status_lists(&self) -> Result<Vec<StoredList>, StoreError> {
        self.values(Range::Lists)
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
        issued: Option<&IssuedEntry>,
    ) -> Result<(), StoreError> {
        let mut batch = self.status_batch(list, Some(delta_jws))?;
        if let Some(entry) = issued {
            self.put(&mut batch, &Key::Issued(&entry.credential_id), entry)?;
        }
        self.write_acknowledged(batch)
    }

    pub(super) fn status_batch(
        &self,
        list: &StoredList,
        delta_jws: Option<&str>,
    ) -> Result<WriteBatch, StoreError> {
        let mut batch = WriteBatch::default();
        self.put(&mut batch, &Key::List(&list.id), list)?;
        if let Some(jws) = delta_jws {
            let key = Key::Delta {
                list: &list.id,
                version: list.version,
            };
            self.put_raw(&mut batch, &key, jws.as_bytes())?;
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
        let mut batch = WriteBatch::default();
        self.put(&mut batch, &Key::List(&list.id), list)?;
        self.put(
            &mut batch,
            &Key::Snapshot(&list.id),
            &(list.version, snapshot_jws),
        )?;
        Ok(self.db.write(batch)?)
    }

    /// Stores an owner's latest heartbeat (replacing the older one).
    pub fn put_heartbeat(&self, issuer: &str, jws: &str) -> Result<(), StoreError> {
        self.put_one(&Key::Heartbeat(issuer), &jws)
    }

    /// Every owner's latest heartbeat (signed messages, validated when stored).
    pub fn heartbeats(&self) -> Result<Vec<String>, StoreError> {
        self.values(Range::Heartbeats)
    }

    /// The latest owner-signed snapshot held for a list, with its version.
    pub fn latest_snapshot(&self, list: &str) -> Result<Option<(u64, String)>, StoreError> {
        self.get(&Key::Snapshot(list))
    }

    /// Signed deltas of a list after `after_version`, in order.
    pub fn deltas_after(&self, list: &str, after_version: u64) -> Result<Vec<String>, StoreError> {
        let range = Range::Deltas(list);
        let prefix = range.prefix();
        let start = Key::Delta {
            list,
            version: after_version.saturating_add(1),
        }
        .bytes();
        let mut out = Vec::new();
        for item in self.db.iterator_cf(
            self.cf(range.column())?,
            IteratorMode::From(&start, rocksdb::Direction::Forward),
        ) {
            let (k, v) = item?;
            if !k.starts_with(&prefix) {
                break;
            }
            out.push(String::from_utf8_lossy(&v).into_owned());
        }
        Ok(out)
    }
}
