//! An issuer's books: imported records and their claim codes, issued credentials and the
//! status-list allocation, each issuance committed in one batch.

use super::*;

impl Store {
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
        let mut batch = self.issuance_batch(issued, alloc, new_lists)?;
        let rec_cf = self.cf(CF_RECORDS)?;
        batch.delete_cf(rec_cf, format!("code/{code_digest}"));
        batch.put_cf(rec_cf, format!("claimed/{code_digest}"), enc(claimed));
        batch.put_cf(rec_cf, format!("rec/{}", record.id), enc(record));
        self.write_acknowledged(batch)
    }

    /// What every issuance writes: the lists of a shard it opened, its index entry and the
    /// allocation that handed out its index.
    fn issuance_batch(
        &self,
        issued: &IssuedEntry,
        alloc: &AllocationEntry,
        new_lists: &[StoredList],
    ) -> Result<WriteBatch, StoreError> {
        let mut batch = WriteBatch::default();
        self.put_new_lists(&mut batch, new_lists)?;
        batch.put_cf(
            self.cf(CF_ISSUED)?,
            issued.credential_id.as_bytes(),
            enc(issued),
        );
        self.put_allocation(&mut batch, alloc)?;
        Ok(batch)
    }

    pub(super) fn put_new_lists(
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

    pub(super) fn allocation_key(base: &str, shard: u32) -> String {
        // Shards are read back in key order: zero-padded numbers sort numerically.
        format!("alloc/{base}/{shard:010}")
    }

    /// Shards stored in the first layout (every bitmap under one key `alloc/{base}`).
    pub(super) fn legacy_allocation(&self, base: &str) -> Result<Vec<AllocationEntry>, StoreError> {
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

    pub(super) fn put_allocation(
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
        let batch = self.issuance_batch(issued, alloc, new_lists)?;
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
}
