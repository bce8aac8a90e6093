//! The store's schema: its column families, every key it writes (typed, built in one place),
//! the key ranges it scans, the schema version and the one-time migrations that bring an older
//! store up to it at open.
//!
//! | column         | key                                   | value                      |
//! |----------------|---------------------------------------|----------------------------|
//! | `meta`         | `schema_version`                      | u32, big-endian            |
//! | `meta`         | `vault`                               | [`VaultHeader`] JSON       |
//! | `meta`         | `did`                                 | the node's DID, UTF-8      |
//! | `keys`         | `node`                                | seed, sealed               |
//! | `records`      | `rec/{record id}`                     | [`RecordEntry`]            |
//! | `records`      | `code/{code digest}`                  | record id, UTF-8           |
//! | `records`      | `claimed/{code digest}`               | [`ClaimedCode`]            |
//! | `issued`       | `{credential id}`                     | [`IssuedEntry`]            |
//! | `wallet`       | `{credential id}`                     | [`WalletEntry`], sealed    |
//! | `status`       | `list/{list URL}`                     | [`StoredList`]             |
//! | `status`       | `snap/{list URL}`                     | (version, snapshot JWS)    |
//! | `status`       | `beat/{issuer DID}`                   | heartbeat JWS (JSON string)|
//! | `status`       | `alloc/{list base}/{shard:010}`       | [`AllocationEntry`]        |
//! | `status_log`   | `{list URL}\0{version:020}`           | delta JWS, UTF-8           |
//! | `trust`        | `{issuer DID}`                        | [`TrustRecord`]            |
//! | `peers`        | `{peer id}`                           | [`PeerEntry`]              |
//! | `verifier_log` | `{at ms:020}-{request id}`            | [`VerificationLogEntry`]   |
//!
//! Numbers in keys are zero-padded so that key order is numeric order.

#[cfg(doc)]
use super::types::*;
#[cfg(doc)]
use super::VaultHeader;

/// The schema version this build writes. Bump it and add a step to [`MIGRATIONS`] when a key
/// or a value's layout changes.
///
/// 1. The first layout.
/// 2. An issuer's allocation bitmaps each under their own key (`alloc/{base}/{shard}`; version
///    1 kept every shard under `alloc/{base}`), and verifier log entries without the disclosed
///    claims (early version-1 builds logged the whole report).
pub const CURRENT_SCHEMA_VERSION: u32 = 2;

/// The store's column families.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumIter, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum Column {
    /// Schema version, vault header, the node's DID.
    Meta,
    /// The node's seed.
    Keys,
    /// An issuer's subject records and claim codes.
    Records,
    /// An issuer's index of what it issued.
    Issued,
    /// A holder's credentials.
    Wallet,
    /// Held status lists, snapshots, heartbeats, an issuer's allocations.
    Status,
    /// Signed status list deltas.
    StatusLog,
    /// Issuers' accreditations.
    Trust,
    /// Peers met.
    Peers,
    /// A verifier's log.
    VerifierLog,
}

impl Column {
    /// The column family's name in RocksDB.
    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// A key the store reads or writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key<'a> {
    /// The schema version (`meta`).
    SchemaVersion,
    /// The vault header (`meta`).
    Vault,
    /// The node's DID (`meta`).
    Did,
    /// The node's seed (`keys`).
    NodeSeed,
    /// A subject record by id.
    Record(&'a str),
    /// An unspent claim code by digest.
    Code(&'a str),
    /// A spent claim code by digest.
    Claimed(&'a str),
    /// An issued credential by id.
    Issued(&'a str),
    /// A wallet credential by id.
    Wallet(&'a str),
    /// A held status list by URL.
    List(&'a str),
    /// The latest snapshot of a list by URL.
    Snapshot(&'a str),
    /// An owner's latest heartbeat by DID.
    Heartbeat(&'a str),
    /// One shard's allocation bitmap.
    Allocation { base: &'a str, shard: u32 },
    /// A signed delta of a list.
    Delta { list: &'a str, version: u64 },
    /// An issuer's trust record by DID.
    Trust(&'a str),
    /// A peer by id.
    Peer(&'a str),
    /// A verifier log entry.
    Verification { at_millis: i64, request_id: &'a str },
}

impl Key<'_> {
    /// The column it lives in.
    pub fn column(&self) -> Column {
        match self {
            Self::SchemaVersion | Self::Vault | Self::Did => Column::Meta,
            Self::NodeSeed => Column::Keys,
            Self::Record(_) | Self::Code(_) | Self::Claimed(_) => Column::Records,
            Self::Issued(_) => Column::Issued,
            Self::Wallet(_) => Column::Wallet,
            Self::List(_) | Self::Snapshot(_) | Self::Heartbeat(_) | Self::Allocation { .. } => {
                Column::Status
            }
            Self::Delta { .. } => Column::StatusLog,
            Self::Trust(_) => Column::Trust,
            Self::Peer(_) => Column::Peers,
            Self::Verification { .. } => Column::VerifierLog,
        }
    }

    /// Its bytes.
    pub fn bytes(&self) -> Vec<u8> {
        match self {
            Self::SchemaVersion => b"schema_version".to_vec(),
            Self::Vault => b"vault".to_vec(),
            Self::Did => b"did".to_vec(),
            Self::NodeSeed => b"node".to_vec(),
            Self::Record(id) => format!("rec/{id}").into_bytes(),
            Self::Code(d) => format!("code/{d}").into_bytes(),
            Self::Claimed(d) => format!("claimed/{d}").into_bytes(),
            Self::Issued(id) | Self::Wallet(id) | Self::Trust(id) | Self::Peer(id) => {
                id.as_bytes().to_vec()
            }
            Self::List(url) => format!("list/{url}").into_bytes(),
            Self::Snapshot(url) => format!("snap/{url}").into_bytes(),
            Self::Heartbeat(did) => format!("beat/{did}").into_bytes(),
            Self::Allocation { base, shard } => format!("alloc/{base}/{shard:010}").into_bytes(),
            Self::Delta { list, version } => format!("{list}\u{0}{version:020}").into_bytes(),
            Self::Verification {
                at_millis,
                request_id,
            } => format!("{at_millis:020}-{request_id}").into_bytes(),
        }
    }

    /// Its text, for error messages.
    pub fn describe(&self) -> String {
        format!(
            "{}/{}",
            self.column().name(),
            String::from_utf8_lossy(&self.bytes())
        )
    }
}

/// A range of keys scanned in key order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Range<'a> {
    /// Every key of a column.
    All(Column),
    /// Every subject record.
    Records,
    /// Every held status list.
    Lists,
    /// Every owner's heartbeat.
    Heartbeats,
    /// The allocation bitmaps of one list base, in shard order.
    Allocations(&'a str),
    /// Every allocation key of every base, in either layout (migrations read it).
    AllAllocations,
    /// The deltas of one list, in version order.
    Deltas(&'a str),
}

impl Range<'_> {
    /// The column scanned.
    pub fn column(&self) -> Column {
        match self {
            Self::All(c) => *c,
            Self::Records => Column::Records,
            Self::Lists | Self::Heartbeats | Self::Allocations(_) | Self::AllAllocations => {
                Column::Status
            }
            Self::Deltas(_) => Column::StatusLog,
        }
    }

    /// The prefix every key in the range starts with.
    pub fn prefix(&self) -> Vec<u8> {
        match self {
            Self::All(_) => Vec::new(),
            Self::Records => b"rec/".to_vec(),
            Self::Lists => b"list/".to_vec(),
            Self::Heartbeats => b"beat/".to_vec(),
            Self::Allocations(base) => format!("alloc/{base}/").into_bytes(),
            Self::AllAllocations => b"alloc/".to_vec(),
            Self::Deltas(list) => format!("{list}\u{0}").into_bytes(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::IntoEnumIterator;

    #[test]
    fn column_names_are_the_stored_ones() {
        let names: Vec<&str> = Column::iter().map(Column::name).collect();
        assert_eq!(
            names,
            [
                "meta",
                "keys",
                "records",
                "issued",
                "wallet",
                "status",
                "status_log",
                "trust",
                "peers",
                "verifier_log"
            ]
        );
    }

    #[test]
    fn numeric_parts_of_keys_sort_numerically() {
        let k = |shard| {
            Key::Allocation {
                base: "https://a/s",
                shard,
            }
            .bytes()
        };
        assert!(k(9) < k(10) && k(10) < k(100));
        let d = |version| {
            Key::Delta {
                list: "https://a/s/revocation/0",
                version,
            }
            .bytes()
        };
        assert!(d(9) < d(10));
        assert!(d(10).starts_with(&Range::Deltas("https://a/s/revocation/0").prefix()));
        assert!(!d(10).starts_with(&Range::Deltas("https://a/s/revocation/").prefix()));
        let v = |at_millis| {
            Key::Verification {
                at_millis,
                request_id: "r",
            }
            .bytes()
        };
        assert!(v(999) < v(1000));
    }
}
