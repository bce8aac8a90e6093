//! The verification pipeline's outside facts, answered from this node's store: status bits and
//! accreditations. Nothing here touches the network: verification is offline by construction.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use credentials::jose::CompactJws;
use credentials::status::{Bitstring, StatusPurpose};
use credentials::trust::{Accreditation, TrustEntry, Withdrawal};
use credentials::verify::{StatusBit, StatusLookupError, StatusSource, TrustSource};

use crate::store::Store;

/// Status bits from the store, with decoded lists cached per version (decoding a 16 KiB GZIP
/// list on every check would dominate verification time).
pub struct StoreStatus {
    store: Arc<Store>,
    cache: RwLock<HashMap<String, (u64, Arc<Bitstring>)>>,
}

impl StoreStatus {
    /// A source over `store`.
    pub fn new(store: Arc<Store>) -> Self {
        Self {
            store,
            cache: RwLock::new(HashMap::new()),
        }
    }
}

impl StatusSource for StoreStatus {
    fn status_bit(&self, list: &str, index: u64) -> Result<StatusBit, StatusLookupError> {
        let stored = self
            .store
            .status_list(list)
            .map_err(|e| StatusLookupError::Store(e.to_string()))?
            .ok_or_else(|| StatusLookupError::NotHeld {
                list: list.to_owned(),
            })?;
        let cached = self.cache.read().ok().and_then(|c| {
            c.get(list)
                .filter(|(v, _)| *v == stored.version)
                .map(|(_, b)| b.clone())
        });
        let bits = match cached {
            Some(b) => b,
            None => {
                let b = Arc::new(
                    Bitstring::decode(&stored.bits)
                        .map_err(|e| StatusLookupError::Store(e.to_string()))?,
                );
                if let Ok(mut c) = self.cache.write() {
                    c.insert(list.to_owned(), (stored.version, b.clone()));
                }
                b
            }
        };
        let set = bits.get(index).map_err(|_| StatusLookupError::OutOfRange {
            list: list.to_owned(),
            index,
            size: bits.len() as u64,
        })?;
        let purpose = StatusPurpose::parse(&stored.purpose).ok_or_else(|| {
            StatusLookupError::Store(format!("list {list} has purpose {}", stored.purpose))
        })?;
        Ok(StatusBit {
            set,
            purpose,
            owner: stored.issuer,
            version: stored.version,
        })
    }
}

/// Accreditations from the store (only validated ones are ever stored).
pub struct StoreTrust {
    store: Arc<Store>,
}

impl StoreTrust {
    /// A source over `store`.
    pub fn new(store: Arc<Store>) -> Self {
        Self { store }
    }
}

fn payload<T: serde::de::DeserializeOwned>(jws: &str) -> Option<T> {
    CompactJws::parse(jws).ok()?.payload_json().ok()
}

/// The versions a held trust record carries: its accreditation's and, when withdrawn, its
/// withdrawal's (unreadable parts count as 0: only validated messages are ever stored).
pub(crate) fn held_versions(rec: &crate::store::TrustRecord) -> (u64, Option<u64>) {
    let acc = payload::<Accreditation>(&rec.accreditation).map_or(0, |a| a.version);
    let wd = rec
        .withdrawal
        .as_deref()
        .map(|w| payload::<Withdrawal>(w).map_or(0, |w| w.version));
    (acc, wd)
}

impl TrustSource for StoreTrust {
    fn accreditation(&self, issuer: &str) -> Option<TrustEntry> {
        let rec = self.store.trust(issuer).ok()??;
        let accreditation: Accreditation = payload(&rec.accreditation)?;
        let withdrawn = rec
            .withdrawal
            .as_deref()
            .and_then(payload::<Withdrawal>)
            .map(|w| w.withdrawn);
        Some(TrustEntry {
            accreditation,
            withdrawn,
        })
    }
}
