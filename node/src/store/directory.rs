//! What a node knows of others: accreditations (trust), peers, and the verifier's log.

use super::*;

impl Store {
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
