//! What a node knows of others: accreditations (trust), peers, and the verifier's log.

use super::*;

impl Store {
    // ---------- trust ----------

    /// An issuer's trust record.
    pub fn trust(&self, issuer: &str) -> Result<Option<TrustRecord>, StoreError> {
        self.get(&Key::Trust(issuer))
    }

    /// Stores an issuer's trust record.
    pub fn put_trust(&self, rec: &TrustRecord) -> Result<(), StoreError> {
        self.put_one(&Key::Trust(&rec.issuer), rec)
    }

    /// Every trust record.
    pub fn trust_all(&self) -> Result<Vec<TrustRecord>, StoreError> {
        self.values(Range::All(Column::Trust))
    }

    // ---------- peers ----------

    /// Remembers a peer.
    pub fn put_peer(&self, p: &PeerEntry) -> Result<(), StoreError> {
        self.put_one(&Key::Peer(&p.peer_id), p)
    }

    /// Every remembered peer.
    pub fn peers(&self) -> Result<Vec<PeerEntry>, StoreError> {
        self.values(Range::All(Column::Peers))
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
        let cutoff = Key::Verification {
            at_millis: entry.at_millis.saturating_sub(keep_ms).max(0),
            request_id: "",
        }
        .bytes();
        let mut batch = WriteBatch::default();
        batch.delete_range_cf(self.cf(Column::VerifierLog)?, b"".as_slice(), &cutoff);
        let key = Key::Verification {
            at_millis: entry.at_millis,
            request_id: &entry.request_id,
        };
        self.put(&mut batch, &key, entry)?;
        Ok(self.db.write(batch)?)
    }

    /// The verifier log, oldest first.
    pub fn verifications(&self) -> Result<Vec<VerificationLogEntry>, StoreError> {
        self.values(Range::All(Column::VerifierLog))
    }
}
