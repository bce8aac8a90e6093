//! Index allocation state for an issuer that runs without a node (`vcnode issue --key`): which
//! status list indexes it has handed out, kept in a file beside its key so that an index is never
//! reused across runs. Written atomically (temp file + rename).

use std::path::{Path, PathBuf};

use base64::Engine;
use credentials::status::IndexAllocator;
use serde::{Deserialize, Serialize};

use crate::roles::SHARD_SIZE;

/// Why the allocation file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum IssuerStateError {
    #[error("{path}: {reason}")]
    File { path: String, reason: String },
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StateFile {
    list_base: String,
    shards: Vec<String>,
}

/// The allocation state of one status list base URL, sharded into lists of [`SHARD_SIZE`].
pub struct IssuerState {
    path: PathBuf,
    list_base: String,
    shards: Vec<IndexAllocator>,
}

impl IssuerState {
    /// The state file for a key file (`KEY.status.json`).
    pub fn path_for_key(key: &Path) -> PathBuf {
        let mut p = key.as_os_str().to_owned();
        p.push(".status.json");
        PathBuf::from(p)
    }

    /// Loads the state, or starts empty for `list_base` if there is none.
    pub fn load(path: &Path, list_base: &str) -> Result<Self, IssuerStateError> {
        let err = |reason: String| IssuerStateError::File {
            path: path.display().to_string(),
            reason,
        };
        if !path.exists() {
            return Ok(Self {
                path: path.to_owned(),
                list_base: list_base.to_owned(),
                shards: vec![],
            });
        }
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        let f: StateFile =
            serde_json::from_str(&text).map_err(|e| err(format!("not an allocation file: {e}")))?;
        if f.list_base != list_base {
            return Err(err(format!(
                "allocations here are for status list base {}, not {list_base}; use another key or --status-list-url {}",
                f.list_base, f.list_base
            )));
        }
        let shards = f
            .shards
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(s)
                    .map_err(|e| err(format!("shard {i}: {e}")))?;
                IndexAllocator::from_bytes(bytes, SHARD_SIZE)
                    .map_err(|e| err(format!("shard {i}: {e}")))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            path: path.to_owned(),
            list_base: list_base.to_owned(),
            shards,
        })
    }

    /// Allocates an unused index at random across a pool of `pool` shards (as a node does,
    /// see `status_shards` in its config). Returns the shard number and index.
    pub fn allocate(&mut self, pool: usize, rng: &mut impl rand::Rng) -> (usize, u64) {
        let a = credentials::status::allocate_across(&mut self.shards, pool, SHARD_SIZE, rng);
        (a.shard, a.index)
    }

    /// Writes the state atomically.
    pub fn save(&self) -> Result<(), IssuerStateError> {
        let err = |reason: String| IssuerStateError::File {
            path: self.path.display().to_string(),
            reason,
        };
        let f = StateFile {
            list_base: self.list_base.clone(),
            shards: self
                .shards
                .iter()
                .map(|s| base64::engine::general_purpose::STANDARD.encode(s.as_bytes()))
                .collect(),
        };
        let tmp = self.path.with_extension("tmp");
        let text = serde_json::to_vec(&f).map_err(|e| err(e.to_string()))?;
        std::fs::write(&tmp, text).map_err(|e| err(e.to_string()))?;
        std::fs::rename(&tmp, &self.path).map_err(|e| err(e.to_string()))
    }
}
