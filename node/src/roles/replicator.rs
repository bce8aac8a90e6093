//! The one owner of this node's status lists and trust records. It holds them decoded in memory
//! (a [`Replica`]), is the only writer of both in the store, and answers the verification
//! pipeline's status and trust lookups from memory: nothing is re-read or re-decoded per check.
//!
//! Writers — gossip, sync answers, the issuer's own revocations and new shards — are serialised
//! by one writer lock: each decides against the state in memory (signature checks and list
//! inflation run while verifiers keep reading), persists the change in one RocksDB batch, and
//! only then commits it to memory. A delta computed from a stale read cannot overwrite a newer
//! version, and memory is never ahead of disk.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard};

use chrono::{DateTime, Utc};
use credentials::did::KeyResolver;
use credentials::jose::CompactJws;
use credentials::replication::{verdict_of, BeatState, Replica, TrustState, Update, Verdict};
use credentials::status::{Bitstring, StatusList, StatusPurpose};
use credentials::trust::{Accreditation, TrustEntry, Withdrawal};
use credentials::verify::{StatusBit, StatusLookupError, StatusSource, TrustSource};
use credentials::wire::{beat_key, list_key, trust_key, GossipMessage};
use credentials::Identity;

use super::NodeError;
use crate::store::{Store, StoreError, StoredList, TrustRecord};

/// See the module documentation.
pub struct Replicator {
    store: Arc<Store>,
    /// This node's own DID: its own lists are always current to it.
    own: Option<String>,
    state: RwLock<Replica>,
    writer: Mutex<()>,
}

/// The stored form of a list at its current version, confirmed current at `confirmed`.
pub(crate) fn stored(list: &StatusList, confirmed: Option<DateTime<Utc>>) -> StoredList {
    StoredList {
        confirmed_ms: confirmed.map(|t| t.timestamp_millis()),
        id: list.id.clone(),
        purpose: list.purpose,
        issuer: list.issuer.clone(),
        version: list.version,
        bits: list.bits.encode(),
        stored_at_ms: Utc::now().timestamp_millis(),
        message: list.message.clone(),
    }
}

/// A stored list, decoded.
pub(crate) fn load(s: &StoredList) -> Result<StatusList, String> {
    Ok(StatusList {
        id: s.id.clone(),
        purpose: s.purpose,
        issuer: s.issuer.clone(),
        version: s.version,
        bits: Bitstring::decode(&s.bits).map_err(|e| format!("list {}: {e}", s.id))?,
        message: s.message.clone(),
    })
}

fn payload<T: serde::de::DeserializeOwned>(jws: &str) -> Option<T> {
    CompactJws::parse(jws).ok()?.payload_json().ok()
}

/// A stored trust record, decoded (only validated messages are ever stored).
fn trust_state(rec: &TrustRecord) -> Option<TrustState> {
    Some(TrustState {
        accreditation: payload::<Accreditation>(&rec.accreditation)?,
        accreditation_jws: rec.accreditation.clone(),
        withdrawal: rec
            .withdrawal
            .as_ref()
            .and_then(|w| Some((payload::<Withdrawal>(w)?, w.clone()))),
    })
}

/// A stored heartbeat, decoded (only validated messages are ever stored).
fn beat_state(jws: &str) -> Option<BeatState> {
    let heartbeat = payload::<credentials::status::Heartbeat>(jws)?;
    Some(BeatState {
        at: heartbeat.issued_at().ok()?,
        heartbeat,
        jws: jws.to_owned(),
        matched: false,
    })
}

impl Replicator {
    /// Loads every held list and trust record from `store`, decoding each once. A list or
    /// record that cannot be read is left out with a warning (a sync brings it back).
    pub fn load(store: Arc<Store>, root: Option<String>) -> Result<Self, StoreError> {
        let mut replica = Replica::new(root);
        for s in store.status_lists()? {
            match load(&s) {
                Ok(l) => {
                    replica.insert_list(l, s.confirmed_ms.and_then(DateTime::from_timestamp_millis))
                }
                Err(e) => tracing::warn!(error = %e, "held status list unreadable; left out"),
            }
        }
        for jws in store.heartbeats()? {
            match beat_state(&jws) {
                Some(b) => replica.insert_beat(b),
                None => tracing::warn!("stored heartbeat unreadable; left out"),
            }
        }
        for rec in store.trust_all()? {
            match trust_state(&rec) {
                Some(t) => replica.insert_trust(t),
                None => tracing::warn!(issuer = %rec.issuer, "trust record unreadable; left out"),
            }
        }
        let own = store.node_did()?;
        Ok(Self {
            store,
            own,
            state: RwLock::new(replica),
            writer: Mutex::new(()),
        })
    }

    fn read(&self) -> RwLockReadGuard<'_, Replica> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write_lock(&self) -> MutexGuard<'_, ()> {
        self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn commit(&self, update: Update) {
        self.state
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .commit(update);
    }

    /// Applies a message from a peer (gossip, a sync answer) or a local submission. Blocking:
    /// call it off the async threads.
    pub fn apply(&self, msg: &GossipMessage, keys: &KeyResolver) -> Verdict {
        let _writer = self.write_lock();
        let checked = self.read().check(msg, keys, Utc::now());
        let update = match checked {
            Ok(u) => u,
            Err(v) => return v,
        };
        if let Err(e) = self.persist(&update) {
            tracing::error!(error = %e, "storing a replicated update");
            return Verdict::Ignore("store error");
        }
        let verdict = verdict_of(&update);
        self.commit(update);
        verdict
    }

    fn persist(&self, update: &Update) -> Result<(), StoreError> {
        match update {
            Update::List {
                list,
                confirmed,
                snapshot: Some(jws),
                ..
            } => self
                .store
                .put_status_list_with_snapshot(&stored(list, *confirmed), jws),
            Update::List {
                list,
                confirmed,
                delta,
                ..
            } => self
                .store
                .put_status_list(&stored(list, *confirmed), delta.as_deref()),
            Update::Heartbeat(b) => self.store.put_heartbeat(&b.heartbeat.issuer, &b.jws),
            Update::Trust(t) => self.store.put_trust(&TrustRecord {
                issuer: t.accreditation.issuer.clone(),
                accreditation: t.accreditation_jws.clone(),
                withdrawal: t.withdrawal.as_ref().map(|(_, jws)| jws.clone()),
            }),
        }
    }

    /// The owner's change of one of its own lists (revoke, suspend, reinstate `index`): the
    /// delta is made from the list in memory under the writer lock, signed, stored with the
    /// list in one batch, and committed. `record` is given the new version and may return the
    /// issued credential's updated entry (its status history), written in that same batch.
    /// Returns the list's new version and the signed delta.
    pub fn change_own(
        &self,
        url: &str,
        index: u64,
        set: bool,
        owner: &Identity,
        record: impl FnOnce(u64) -> Option<crate::store::IssuedEntry>,
    ) -> Result<(u64, String), NodeError> {
        let _writer = self.write_lock();
        let list = self.own_list(url, owner)?;
        if list.purpose == StatusPurpose::Message {
            return Err(NodeError::invalid(
                "statusPurpose",
                "a message list's entries take a value (`0x…`), not set or clear",
            ));
        }
        if list.purpose == StatusPurpose::Revocation && !set {
            return Err(NodeError::Conflict(
                "revocation is permanent; suspend instead if it may be reinstated".into(),
            ));
        }
        let held = list
            .bits
            .get(index)
            .map_err(|e| NodeError::Internal(format!("list {url}: {e}")))?;
        if held == set {
            return Err(NodeError::Conflict(format!(
                "credential is already {}",
                match (set, list.purpose) {
                    (false, _) => "active",
                    (true, StatusPurpose::Revocation) => "revoked",
                    (true, StatusPurpose::Suspension) => "suspended",
                    (true, StatusPurpose::Message) => "set",
                }
            )));
        }
        let (s, c) = if set {
            (vec![index], vec![])
        } else {
            (vec![], vec![index])
        };
        self.commit_own_change(list, &s, &c, owner, record)
    }

    /// The owner's change of entry `index` of one of its own `message` lists to `value`
    /// (its `statusSize` bits, the first most significant), as [`Replicator::change_own`].
    pub fn change_own_value(
        &self,
        url: &str,
        index: u64,
        value: u64,
        owner: &Identity,
        record: impl FnOnce(u64) -> Option<crate::store::IssuedEntry>,
    ) -> Result<(u64, String), NodeError> {
        let _writer = self.write_lock();
        let list = self.own_list(url, owner)?;
        let Some(scheme) = list.message.clone() else {
            return Err(NodeError::Internal(format!(
                "status list {url} is not a message list"
            )));
        };
        if value >> scheme.status_size != 0 {
            return Err(NodeError::invalid(
                "status",
                format_args!(
                    "{value:#x} does not fit the list's {}-bit entries",
                    scheme.status_size
                ),
            ));
        }
        let held = list
            .value(index)
            .map_err(|e| NodeError::Internal(format!("list {url}: {e}")))?;
        if held == value {
            return Err(NodeError::Conflict(format!(
                "the credential's status is already {value:#x} ({})",
                scheme.message_of(value).unwrap_or("undefined")
            )));
        }
        let (s, c) = scheme.write(index, value);
        self.commit_own_change(list, &s, &c, owner, record)
    }

    /// A copy of `owner`'s list at `url`, to change under the writer lock.
    fn own_list(&self, url: &str, owner: &Identity) -> Result<StatusList, NodeError> {
        let list = self
            .read()
            .list(url)
            .cloned()
            .ok_or_else(|| NodeError::Internal(format!("status list {url} missing")))?;
        if list.issuer != owner.did() {
            return Err(NodeError::Forbidden(format!(
                "status list {url} is not this issuer's"
            )));
        }
        Ok(list)
    }

    /// Makes, signs, stores (with `record`'s entry, in one batch) and commits a change of an
    /// own list; called under the writer lock.
    fn commit_own_change(
        &self,
        mut list: StatusList,
        s: &[u64],
        c: &[u64],
        owner: &Identity,
        record: impl FnOnce(u64) -> Option<crate::store::IssuedEntry>,
    ) -> Result<(u64, String), NodeError> {
        let url = list.id.clone();
        let delta = list
            .change(s, c, Utc::now())
            .map_err(|e| NodeError::Internal(format!("list {url}: {e}")))?;
        let signed = credentials::status::SignedDelta::sign(delta, owner);
        let now = Some(Utc::now());
        let entry = record(list.version);
        self.store
            .put_own_status_list(&stored(&list, now), &signed.jws, entry.as_ref())?;
        let version = list.version;
        self.commit(Update::List {
            list,
            confirmed: now,
            snapshot: None,
            delta: None,
        });
        Ok((version, signed.jws))
    }

    /// New lists of this owner (a shard's revocation and suspension lists), written by
    /// `write` in the caller's own batch (with the allocation that opened the shard, so no
    /// crash can leave an index handed out on a list that does not exist), then committed.
    pub fn create_own<E>(
        &self,
        lists: Vec<StatusList>,
        write: impl FnOnce(&[StoredList]) -> Result<(), E>,
    ) -> Result<(), E> {
        let _writer = self.write_lock();
        let fresh: Vec<StatusList> = {
            let st = self.read();
            lists
                .into_iter()
                .filter(|l| st.list(&l.id).is_none())
                .collect()
        };
        let now = Some(Utc::now());
        let rows: Vec<StoredList> = fresh.iter().map(|l| stored(l, now)).collect();
        write(&rows)?;
        for list in fresh {
            self.commit(Update::List {
                list,
                confirmed: now,
                snapshot: None,
                delta: None,
            });
        }
        Ok(())
    }

    /// Signs, stores and commits a heartbeat of `owner`'s own lists at their current
    /// versions; returns it to gossip. `None` when the owner has no list yet.
    pub fn beat_own(&self, owner: &Identity) -> Result<Option<String>, StoreError> {
        let _writer = self.write_lock();
        let now = Utc::now();
        let heartbeat = {
            let st = self.read();
            let mut own = st.lists().filter(|l| l.issuer == owner.did()).peekable();
            if own.peek().is_none() {
                return Ok(None);
            }
            credentials::status::Heartbeat::of(owner.did(), own, now)
        };
        let signed = credentials::status::SignedHeartbeat::sign(heartbeat, owner);
        self.store.put_heartbeat(owner.did(), &signed.jws)?;
        self.commit(Update::Heartbeat(BeatState {
            heartbeat: signed.heartbeat,
            jws: signed.jws.clone(),
            at: now,
            matched: true,
        }));
        Ok(Some(signed.jws))
    }

    /// An owner's latest heartbeat (signed), to relay.
    pub fn heartbeat_of(&self, issuer: &str) -> Option<String> {
        self.read().beat(issuer).map(|b| b.jws.clone())
    }

    /// When a held list was last confirmed current by its owner (now, for this node's own).
    pub fn confirmed(&self, id: &str) -> Option<DateTime<Utc>> {
        self.confirmed_in(&self.read(), id)
    }

    fn confirmed_in(&self, st: &Replica, id: &str) -> Option<DateTime<Utc>> {
        match st.list(id) {
            Some(l) if Some(&l.issuer) == self.own.as_ref() => Some(Utc::now()),
            _ => st.confirmed(id),
        }
    }

    /// Per issuer: how many lists are held, the sum of their versions and the age in seconds
    /// of the oldest confirmation among them (`None` when one was never confirmed), at `now`.
    pub fn per_issuer(&self, now: DateTime<Utc>) -> Vec<(String, u64, u64, Option<i64>)> {
        let st = self.read();
        let mut by: std::collections::BTreeMap<String, (u64, u64, Option<i64>, bool)> =
            std::collections::BTreeMap::new();
        for l in st.lists() {
            let e = by.entry(l.issuer.clone()).or_insert((0, 0, None, false));
            e.0 += 1;
            e.1 += l.version;
            match self.confirmed_in(&st, &l.id) {
                Some(at) => {
                    let age = (now - at).num_seconds().max(0);
                    e.2 = Some(e.2.map_or(age, |a: i64| a.max(age)));
                }
                None => e.3 = true,
            }
        }
        by.into_iter()
            .map(|(issuer, (n, v, age, never))| (issuer, n, v, if never { None } else { age }))
            .collect()
    }

    /// Bytes of memory the held lists' entries take, and how many lists are held sparse.
    pub fn bits_footprint(&self) -> (u64, usize) {
        self.read().lists().fold((0, 0), |(bytes, sparse), l| {
            (
                bytes + l.bits.heap_bytes() as u64,
                sparse + usize::from(l.bits.is_sparse()),
            )
        })
    }

    /// Calls `f` with a held list.
    pub fn with_list<R>(&self, id: &str, f: impl FnOnce(&StatusList) -> R) -> Option<R> {
        self.read().list(id).map(f)
    }

    /// The id, purpose and version of each list owned by `owner` (without the bits).
    pub fn owned_heads(&self, owner: &str) -> Vec<(String, StatusPurpose, u64)> {
        self.read()
            .lists()
            .filter(|l| l.issuer == owner)
            .map(|l| (l.id.clone(), l.purpose, l.version))
            .collect()
    }

    /// Lists owned by `owner`, cloned (to sign snapshots of).
    pub fn owned_by(&self, owner: &str) -> Vec<StatusList> {
        self.read()
            .lists()
            .filter(|l| l.issuer == owner)
            .cloned()
            .collect()
    }

    /// The sync summary: every held trust record and list as `(key, version)`, in key order
    /// (see [`credentials::wire::StatusSyncRequest`]).
    pub fn summary(&self) -> Vec<(String, u64)> {
        let st = self.read();
        let mut out: Vec<(String, u64)> = st
            .trust_all()
            .map(|t| {
                let (a, w) = t.versions();
                (trust_key(&t.accreditation.issuer), a.max(w.unwrap_or(0)))
            })
            .chain(st.lists().map(|l| (list_key(&l.id), l.version)))
            .chain(st.beats().map(|b| {
                (
                    beat_key(&b.heartbeat.issuer),
                    b.at.timestamp().max(0) as u64,
                )
            }))
            .collect();
        out.sort_unstable();
        out
    }

    /// The version held under a sync key.
    pub fn version_of(&self, key: &str) -> Option<u64> {
        let st = self.read();
        if let Some(issuer) = key.strip_prefix("trust:") {
            let (a, w) = st.trust(issuer)?.versions();
            Some(a.max(w.unwrap_or(0)))
        } else if let Some(issuer) = key.strip_prefix("beat:") {
            st.beat(issuer).map(|b| b.at.timestamp().max(0) as u64)
        } else {
            st.list(key.strip_prefix("list:")?).map(|l| l.version)
        }
    }

    /// An issuer's signed trust messages (accreditation, then the withdrawal if any).
    pub fn trust_of(&self, issuer: &str) -> Vec<String> {
        self.read()
            .trust(issuer)
            .map(|t| {
                std::iter::once(t.accreditation_jws.clone())
                    .chain(t.withdrawal.as_ref().map(|(_, jws)| jws.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every accreditation held, with its withdrawal if any (as validated and decoded when
    /// stored).
    pub fn accreditations(
        &self,
    ) -> Vec<(
        credentials::trust::Accreditation,
        Option<credentials::trust::Withdrawal>,
    )> {
        self.read()
            .trust_all()
            .map(|t| {
                (
                    t.accreditation.clone(),
                    t.withdrawal.as_ref().map(|(w, _)| w.clone()),
                )
            })
            .collect()
    }
}

impl StatusSource for Replicator {
    fn status_bit(&self, list: &str, index: u64) -> Result<StatusBit, StatusLookupError> {
        let st = self.read();
        let confirmed = self.confirmed_in(&st, list);
        credentials::verify::status_bit_of(st.list(list), list, index, confirmed)
    }
}

impl TrustSource for Replicator {
    fn accreditation(&self, issuer: &str) -> Option<TrustEntry> {
        self.read().trust(issuer).map(TrustState::entry)
    }
}

#[cfg(test)]
mod tests;
