//! An issuer's books: imported records and their claim codes, issued credentials and the
//! status-list allocation, each issuance committed in one batch.

use super::*;

impl Store {
    // ---------- records and claim codes ----------

    /// Imports subject records with their claim-code digests, all or nothing. A record that
    /// already exists is refused, unless `resume`: then an unclaimed one gets the new code in
    /// place of its old one (an interrupted import whose codes were never written out), and
    /// a claimed one is left as it is and its id returned.
    pub fn import_records(
        &self,
        records: &[(RecordEntry, String)],
        resume: bool,
    ) -> Result<Vec<String>, StoreError> {
        let mut batch = WriteBatch::default();
        let mut claimed = Vec::new();
        let existing = self.records_by_id(records.iter().map(|(r, _)| r.id.as_str()))?;
        for ((rec, code_digest), old) in records.iter().zip(existing) {
            if let Some(old) = old {
                if !resume {
                    return Err(StoreError::Conflict(format!(
                        "record {} already exists",
                        rec.id
                    )));
                }
                if old.claimed_by.is_some() {
                    claimed.push(rec.id.clone());
                    continue;
                }
                if let Some(d) = &old.code_digest {
                    self.delete(&mut batch, &Key::Code(d))?;
                }
            }
            self.put(&mut batch, &Key::Record(&rec.id), rec)?;
            self.put_raw(&mut batch, &Key::Code(code_digest), rec.id.as_bytes())?;
        }
        self.write_acknowledged(batch)?;
        Ok(claimed)
    }

    /// The records of these ids (`None` where there is none), read in one multi-get.
    pub fn records_by_id<'a>(
        &self,
        ids: impl IntoIterator<Item = &'a str>,
    ) -> Result<Vec<Option<RecordEntry>>, StoreError> {
        let keys: Vec<Key<'a>> = ids.into_iter().map(Key::Record).collect();
        self.multi_get(&keys)
    }

    /// The issued entries of these credential ids (`None` where there is none).
    pub fn issued_by_id<'a>(
        &self,
        ids: impl IntoIterator<Item = &'a str>,
    ) -> Result<Vec<Option<IssuedEntry>>, StoreError> {
        let keys: Vec<Key<'a>> = ids.into_iter().map(Key::Issued).collect();
        self.multi_get(&keys)
    }

    /// A record in its stored form, made ahead of its batch (a bulk issuance encodes its
    /// records on every core before it takes the issuer lock).
    pub fn encode_record(r: &RecordEntry) -> Result<EncodedRecord, StoreError> {
        let key = Key::Record(&r.id);
        Ok(EncodedRecord {
            id: r.id.clone(),
            bytes: enc(&key, r)?,
        })
    }

    /// Records a bulk issuance in one batch: the records (marked claimed by their credential),
    /// their index entries, the allocation of every shard it took indexes from, the lists of
    /// the shards it opened, and the claim codes of records it issued without them deleted.
    pub fn commit_bulk_issuance(
        &self,
        records: &mut [EncodedRecord],
        issued: &mut [IssuedEntry],
        allocs: &[AllocationEntry],
        spent_codes: &[String],
        new_lists: &[StoredList],
    ) -> Result<(), StoreError> {
        let mut batch = WriteBatch::default();
        self.put_new_lists(&mut batch, new_lists)?;
        // In key order: each insert into the memtable's skip list starts from where the last
        // one ended, where random ids cost a search from the top each (a third of a batch's
        // commit time, measured).
        records.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        for r in records.iter() {
            self.put_raw(&mut batch, &Key::Record(&r.id), &r.bytes)?;
        }
        issued.sort_unstable_by(|a, b| a.credential_id.cmp(&b.credential_id));
        for i in issued.iter() {
            self.put(&mut batch, &Key::Issued(&i.credential_id), i)?;
        }
        for a in allocs {
            self.put(
                &mut batch,
                &Key::Allocation {
                    base: &a.base,
                    shard: a.shard,
                },
                a,
            )?;
        }
        for d in spent_codes {
            self.delete(&mut batch, &Key::Code(d))?;
        }
        self.write_acknowledged(batch)
    }

    /// The record a claim-code digest unlocks, if the code is valid and unused.
    pub fn record_for_code(&self, code_digest: &str) -> Result<Option<RecordEntry>, StoreError> {
        let Some(id) = self.get_raw(&Key::Code(code_digest))? else {
            return Ok(None);
        };
        let id = String::from_utf8(id).map_err(|_| StoreError::Decode {
            key: Key::Code(code_digest).describe(),
            reason: "record id is not UTF-8".into(),
        })?;
        self.get(&Key::Record(&id))
    }

    /// What a spent claim code delivered, and to whom.
    pub fn claimed_code(&self, code_digest: &str) -> Result<Option<ClaimedCode>, StoreError> {
        self.get(&Key::Claimed(code_digest))
    }

    /// Every record.
    pub fn records(&self) -> Result<Vec<RecordEntry>, StoreError> {
        self.values(Range::Records)
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
        self.delete(&mut batch, &Key::Code(code_digest))?;
        self.put(&mut batch, &Key::Claimed(code_digest), claimed)?;
        self.put(&mut batch, &Key::Record(&record.id), record)?;
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
        self.put(&mut batch, &Key::Issued(&issued.credential_id), issued)?;
        self.put(
            &mut batch,
            &Key::Allocation {
                base: &alloc.base,
                shard: alloc.shard,
            },
            alloc,
        )?;
        Ok(batch)
    }

    pub(super) fn put_new_lists(
        &self,
        batch: &mut WriteBatch,
        lists: &[StoredList],
    ) -> Result<(), StoreError> {
        for l in lists {
            self.put(batch, &Key::List(&l.id), l)?;
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
        self.get(&Key::Issued(credential_id))
    }

    /// Every issued credential.
    pub fn issued_all(&self) -> Result<Vec<IssuedEntry>, StoreError> {
        self.values(Range::All(Column::Issued))
    }

    /// Issued credentials `keep` accepts: at most `limit`, looking at no more than
    /// `scan_cap` entries; `true` when the scan stopped at the cap.
    pub fn issued_matching(
        &self,
        keep: impl Fn(&IssuedEntry) -> bool,
        limit: usize,
        scan_cap: usize,
    ) -> Result<(Vec<IssuedEntry>, bool), StoreError> {
        self.values_matching(Range::All(Column::Issued), keep, limit, scan_cap)
    }

    /// The allocation state of a status list base: one entry per shard that has handed out an
    /// index, in shard order.
    pub fn allocation(&self, base: &str) -> Result<Vec<AllocationEntry>, StoreError> {
        self.values(Range::Allocations(base))
    }
}
