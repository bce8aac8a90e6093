//! Bitstring Status List v1.0 (and, derived from it for SD-JWT VCs, the IETF Token Status
//! List in [`token_list`]): the bit vector, random index allocation, the status entries a
//! credential carries, the `BitstringStatusListCredential`, and vcnet's signed snapshots and
//! deltas (version n → n+1, chained by the blake3 digest of the resulting list) that gossip
//! carries between nodes.

mod allocate;
mod bitstring;
mod delta;
mod entry;
mod heartbeat;
mod message;
mod staple;
pub mod token_list;

pub use allocate::{allocate_across, Allocation, IndexAllocator};
pub use bitstring::{Bitstring, MAX_BITS, MIN_BITS};
pub use delta::{
    entry_bits, max_encoded_chars, DeltaCheck, SignedDelta, SignedSnapshot, StatusDelta,
    StatusList, StatusSnapshot, MAX_ENCODED_LIST_CHARS, SHARD_BITS,
};
pub use entry::{check_reference, list_credential_unsigned, StatusEntry};
pub use heartbeat::{lists_digest, Heartbeat, SignedHeartbeat, HEARTBEAT_TYP};
pub use message::{parse_hex, MessageScheme, StatusMessage, MAX_STATUS_SIZE};
pub use staple::{Carried, Staple, StapleError, STAPLE_CLAIM, STAPLE_TYP};
pub use token_list::{TokenListError, TokenStatusList};

use serde::{Deserialize, Serialize};

/// Why a status list operation failed.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum StatusError {
    #[error("status list index {index} is out of range (the list has {size} entries)")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("a status list must have a multiple of 8 and at least 131072 entries (at most 2^30); got {bits}")]
    BadLength { bits: usize },
    #[error("encodedList: {reason}")]
    BadEncoding { reason: String },
    #[error("credentialStatus{at}: {reason}")]
    BadEntry { at: String, reason: String },
    #[error("status message: {reason}")]
    BadMessage { reason: String },
    #[error("status message signature: {reason}")]
    BadSignature { reason: String },
}

/// What a status entry means (`statusPurpose`): revocation, suspension and message (the
/// specification's fourth, `refresh`, is not kept).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    PartialOrd,
    Ord,
    strum::EnumIter,
    strum::EnumString,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum StatusPurpose {
    /// Set means permanently revoked.
    Revocation,
    /// Set means suspended; clearing it reinstates.
    Suspension,
    /// Entries of `statusSize` bits whose values name status messages.
    Message,
}

impl StatusPurpose {
    /// The `statusPurpose` string.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// "revoked" / "suspended".
    pub fn past_tense(self) -> &'static str {
        match self {
            Self::Revocation => "revoked",
            Self::Suspension => "suspended",
            Self::Message => "messaged",
        }
    }

    /// Parses a `statusPurpose` string.
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}

impl std::fmt::Display for StatusPurpose {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
