//! The outside facts verification needs, asked through small traits: status bits and
//! accreditations. The node answers them from RocksDB; tests and benchmarks from memory.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::status::{StatusList, StatusPurpose};
use crate::trust::TrustEntry;

/// One status bit as a node holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusBit {
    /// Whether the bit is set.
    pub set: bool,
    /// The list's purpose.
    pub purpose: StatusPurpose,
    /// The list owner's DID.
    pub owner: String,
    /// The list version the answer comes from.
    pub version: u64,
    /// When it was last confirmed that this version is the owner's current one (the owner's
    /// own clock: a signed change, snapshot or heartbeat); `None` if never.
    pub confirmed: Option<DateTime<Utc>>,
}

/// Why a status bit could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatusLookupError {
    #[error("status list {list} is not held by this node (not yet received by gossip or sync)")]
    NotHeld { list: String },
    #[error("index {index} is out of range for status list {list} ({size} entries)")]
    OutOfRange { list: String, index: u64, size: u64 },
    #[error("status store: {0}")]
    Store(String),
}

/// Answers "what is bit `index` of list `list`?".
pub trait StatusSource: Sync {
    /// The bit, or why it is not known.
    fn status_bit(&self, list: &str, index: u64) -> Result<StatusBit, StatusLookupError>;
}

/// Answers "is this issuer accredited, and for what?".
pub trait TrustSource: Sync {
    /// The issuer's accreditation record, if the registry has one.
    fn accreditation(&self, issuer: &str) -> Option<TrustEntry>;
}

/// Status lists held in memory (tests, benchmarks, a verifier without a store).
#[derive(Debug, Default, Clone)]
pub struct MemoryStatus {
    lists: HashMap<String, StatusList>,
    confirmed: HashMap<String, DateTime<Utc>>,
}

impl MemoryStatus {
    /// An empty set of lists.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds or replaces a list.
    pub fn insert(&mut self, list: StatusList) {
        self.lists.insert(list.id.clone(), list);
    }
    /// Adds or replaces a list its owner confirmed current at `at` (a snapshot's time).
    pub fn insert_confirmed(&mut self, list: StatusList, at: DateTime<Utc>) {
        self.confirmed.insert(list.id.clone(), at);
        self.insert(list);
    }
    /// A held list, for changes.
    pub fn get_mut(&mut self, id: &str) -> Option<&mut StatusList> {
        self.lists.get_mut(id)
    }
}

impl StatusSource for MemoryStatus {
    fn status_bit(&self, list: &str, index: u64) -> Result<StatusBit, StatusLookupError> {
        status_bit_of(
            self.lists.get(list),
            list,
            index,
            self.confirmed.get(list).copied(),
        )
    }
}

/// The answer of a status source holding `held` (decoded) under the name `list`, last
/// confirmed current at `confirmed`.
pub fn status_bit_of(
    held: Option<&crate::status::StatusList>,
    list: &str,
    index: u64,
    confirmed: Option<DateTime<Utc>>,
) -> Result<StatusBit, StatusLookupError> {
    let l = held.ok_or_else(|| StatusLookupError::NotHeld {
        list: list.to_owned(),
    })?;
    let set = l
        .bits
        .get(index)
        .map_err(|_| StatusLookupError::OutOfRange {
            list: list.to_owned(),
            index,
            size: l.bits.len() as u64,
        })?;
    Ok(StatusBit {
        set,
        purpose: l.purpose,
        owner: l.issuer.clone(),
        version: l.version,
        confirmed,
    })
}

/// Accreditations held in memory.
#[derive(Debug, Default, Clone)]
pub struct MemoryTrust {
    entries: HashMap<String, TrustEntry>,
}

impl MemoryTrust {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds or replaces an issuer's entry.
    pub fn insert(&mut self, entry: TrustEntry) {
        self.entries
            .insert(entry.accreditation.issuer.clone(), entry);
    }
}

impl TrustSource for MemoryTrust {
    fn accreditation(&self, issuer: &str) -> Option<TrustEntry> {
        self.entries.get(issuer).cloned()
    }
}

/// A source that knows nothing: every lookup is "not held" / "not accredited".
pub struct Nothing;

impl StatusSource for Nothing {
    fn status_bit(&self, list: &str, _index: u64) -> Result<StatusBit, StatusLookupError> {
        Err(StatusLookupError::NotHeld {
            list: list.to_owned(),
        })
    }
}

impl TrustSource for Nothing {
    fn accreditation(&self, _issuer: &str) -> Option<TrustEntry> {
        None
    }
}
