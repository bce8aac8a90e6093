//! Status lists and trust on the network: the issuer's own lists (open a shard, revoke,
//! suspend, reinstate), validation of every gossiped status and trust message before it is
//! stored or forwarded, and sync with peers for what a node missed.

use credentials::did::did_fragment;
use credentials::status::{
    DeltaCheck, SignedDelta, SignedSnapshot, StatusList, StatusPurpose, StatusSnapshot,
};
use credentials::trust::{supersedes, Accreditation, Withdrawal};
use credentials::verify::TrustSource;
use libp2p::PeerId;

use super::sources::held_versions;
use super::Node;
use crate::net::protocols::{StatusSyncRequest, StatusSyncResponse};
use crate::net::{Validation, STATUS_TOPIC, TRUST_TOPIC};
use crate::store::{StoredList, TrustRecord};

pub use credentials::wire::GossipMessage;

fn stored(list: &StatusList) -> StoredList {
    StoredList {
        id: list.id.clone(),
        purpose: list.purpose.as_str().into(),
        issuer: list.issuer.clone(),
        version: list.version,
        bits: list.bits.encode(),
        stored_at_ms: chrono::Utc::now().timestamp_millis(),
    }
}

fn load(s: &StoredList) -> Result<StatusList, String> {
    Ok(StatusList {
        id: s.id.clone(),
        purpose: StatusPurpose::parse(&s.purpose).ok_or("bad purpose")?,
        issuer: s.issuer.clone(),
        version: s.version,
        bits: credentials::status::Bitstring::decode(&s.bits).map_err(|e| e.to_string())?,
    })
}

/// Why a newer copy of a revocation list may not replace the held one: it clears an entry
/// the held copy has revoked (revocation is permanent, so only a forger or a broken issuer
/// sends that). `None` when it is acceptable.
fn clears_revocations(held: &StatusList, new: &StatusList) -> Option<String> {
    if held.purpose != StatusPurpose::Revocation {
        return None;
    }
    let (old, now) = (held.bits.as_bytes(), new.bits.as_bytes());
    if old.len() != now.len() {
        return Some(format!(
            "snapshot resizes revocation list {} from {} to {} entries",
            held.id,
            old.len() * 8,
            now.len() * 8
        ));
    }
    let cleared = old
        .iter()
        .zip(now)
        .map(|(o, n)| (o & !n).count_ones())
        .sum::<u32>();
    (cleared > 0).then(|| {
        format!(
            "snapshot clears {cleared} revoked entr{} of list {}: revocation is permanent",
            if cleared == 1 { "y" } else { "ies" },
            held.id
        )
    })
}

/// Outcome of checking a status or trust message against this node's state. Gossip maps it
/// to gossipsub's verdicts: `Stored` → Accept, `Reject` → Reject (sender scored down),
/// `Ignore` → Ignore, `Gap` → Ignore and sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Valid and stored.
    Stored,
    /// Valid but not applied: duplicate, old, or not applicable yet.
    Ignore(&'static str),
    /// Versions are missing before it (or the list is unknown): sync first.
    Gap,
    /// Invalid: bad signature, not the owner, bad digest, malformed.
    Reject(String),
}

impl Node {
    /// Creates the revocation and suspension lists of a new shard and announces them.
    pub(super) async fn open_shard(&self, shard: u32) {
        for purpose in [StatusPurpose::Revocation, StatusPurpose::Suspension] {
            let url = self.list_url(purpose, shard);
            let list = match StatusList::new(
                &url,
                purpose,
                self.identity.did(),
                super::issuer::SHARD_SIZE as usize,
            ) {
                Ok(l) => l,
                Err(e) => {
                    tracing::error!(error = %e, "creating status list");
                    continue;
                }
            };
            let snap = SignedSnapshot::sign(list.snapshot(chrono::Utc::now()), &self.identity);
            if let Err(e) = self.store.put_status_list(&stored(&list), None) {
                tracing::error!(error = %e, "storing status list");
                continue;
            }
            self.publish(STATUS_TOPIC, GossipMessage::Snapshot(snap.jws))
                .await;
        }
    }

    async fn publish(&self, topic: &'static str, msg: GossipMessage) {
        let data = serde_json::to_vec(&msg).unwrap_or_default();
        if let Err(e) = self.net.publish(topic, data).await {
            tracing::warn!(topic, error = %e, "publish failed");
        }
    }

    /// Revokes, suspends or reinstates an issued credential: one WriteBatch flips the bit, bumps
    /// the version and appends the signed delta to the status log; then the delta is gossiped.
    /// Returns the new list version.
    pub async fn change_status(
        &self,
        credential_id: &str,
        purpose: StatusPurpose,
        set: bool,
    ) -> Result<(String, u64), String> {
        let _guard = self.issuer_lock.lock().await;
        let issued = self
            .store
            .issued(credential_id)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("no credential {credential_id} was issued by this node"))?;
        let url = format!("{}/{}/{}", issued.list_base, purpose.as_str(), issued.shard);
        let mut list = load(
            &self
                .store
                .status_list(&url)
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("status list {url} missing"))?,
        )?;
        if purpose == StatusPurpose::Revocation && !set {
            return Err("revocation is permanent; suspend instead if it may be reinstated".into());
        }
        if list.bits.get(issued.index).map_err(|e| e.to_string())? == set {
            return Err(format!(
                "credential is already {}",
                if set { purpose_word(purpose) } else { "active" }
            ));
        }
        let (s, c): (Vec<u64>, Vec<u64>) = if set {
            (vec![issued.index], vec![])
        } else {
            (vec![], vec![issued.index])
        };
        let delta = list
            .change(&s, &c, chrono::Utc::now())
            .map_err(|e| e.to_string())?;
        let signed = SignedDelta::sign(delta, &self.identity);
        self.store
            .put_status_list(&stored(&list), Some(&signed.jws))
            .map_err(|e| e.to_string())?;
        tracing::info!(credential_id, list = %url, version = list.version, "status changed");
        self.publish(STATUS_TOPIC, GossipMessage::Delta(signed.jws))
            .await;
        Ok((url, list.version))
    }

    /// Publishes a signed snapshot of each of this issuer's lists (on a timer and on request).
    pub async fn publish_snapshots(&self) {
        let Ok(lists) = self.store.status_lists() else {
            return;
        };
        for s in lists
            .into_iter()
            .filter(|l| l.issuer == self.identity.did())
        {
            if let Ok(list) = load(&s) {
                let snap = SignedSnapshot::sign(list.snapshot(chrono::Utc::now()), &self.identity);
                self.publish(STATUS_TOPIC, GossipMessage::Snapshot(snap.jws))
                    .await;
            }
        }
    }

    /// Stores and spreads a signed accreditation or withdrawal (root authority, or any node
    /// relaying one it was given).
    pub async fn submit_trust(&self, msg: GossipMessage) -> Result<(), String> {
        match self.apply(&msg) {
            Verdict::Stored => {
                self.publish(TRUST_TOPIC, msg).await;
                Ok(())
            }
            Verdict::Ignore(why) => Err(why.to_owned()),
            Verdict::Gap => Err("not applicable yet".into()),
            Verdict::Reject(why) => Err(why),
        }
    }

    /// Whether `issuer`'s accreditation is in force now (not withdrawn, within its period):
    /// only then are its status lists replicated.
    fn issuer_accredited(&self, issuer: &str) -> bool {
        if self.cfg.root_did.is_none() {
            return true;
        }
        super::StoreTrust::new(self.store.clone())
            .accreditation(issuer)
            .is_some_and(|e| e.active_at(chrono::Utc::now()).is_ok())
    }

    /// Checks one message and stores it if valid. The single place gossip and sync apply.
    /// Checks one status or trust message and stores it if valid: the single place gossip,
    /// sync and local submissions apply. Nothing is stored unless the verdict is `Stored`.
    pub fn apply(&self, msg: &GossipMessage) -> Verdict {
        let keys = self.verifier.keys();
        match msg {
            GossipMessage::Snapshot(jws) => {
                // Cheap checks first, on the unverified body: nothing is verified, hashed or
                // inflated for a list not under its issuer's DID, of an issuer not accredited,
                // not newer than the one held, or larger than one shard.
                let peek = match StatusSnapshot::peek(jws) {
                    Ok(p) => p,
                    Err(e) => return Verdict::Reject(e.to_string()),
                };
                if !peek.list.contains(did_fragment(&peek.issuer)) {
                    return Verdict::Reject(format!(
                        "list {} is not under its issuer's DID",
                        peek.list
                    ));
                }
                if !self.issuer_accredited(&peek.issuer) {
                    return Verdict::Ignore("issuer not accredited (yet)");
                }
                let held = match self.store.status_list(&peek.list) {
                    Ok(h) => h,
                    Err(_) => return Verdict::Ignore("store error"),
                };
                match &held {
                    Some(h) if h.issuer != peek.issuer => {
                        return Verdict::Reject(format!("list belongs to {}", h.issuer))
                    }
                    Some(h) if h.version >= peek.version => {
                        return Verdict::Ignore("old or duplicate snapshot")
                    }
                    _ => {}
                }
                // The same bytes, now checked: signature, size, digest.
                let (_, list) = match SignedSnapshot::open(jws, keys) {
                    Ok(x) => x,
                    Err(e) => return Verdict::Reject(e.to_string()),
                };
                // Only a held revocation list is decoded for this check (suspension lists may
                // clear bits, and decoding costs an inflate per snapshot).
                if let Some(reason) = held
                    .as_ref()
                    .filter(|h| StatusPurpose::parse(&h.purpose) == Some(StatusPurpose::Revocation))
                    .and_then(|h| load(h).ok())
                    .and_then(|h| clears_revocations(&h, &list))
                {
                    return Verdict::Reject(reason);
                }
                match self
                    .store
                    .put_status_list_with_snapshot(&stored(&list), jws)
                {
                    Ok(()) => Verdict::Stored,
                    Err(_) => Verdict::Ignore("store error"),
                }
            }
            GossipMessage::Delta(jws) => {
                let signed = match SignedDelta::open(jws, keys) {
                    Ok(d) => d,
                    Err(e) => return Verdict::Reject(e.to_string()),
                };
                let d = &signed.delta;
                if !d.list.contains(did_fragment(&d.issuer)) {
                    return Verdict::Reject(format!(
                        "list {} is not under its issuer's DID",
                        d.list
                    ));
                }
                // A delta of an issuer not accredited is never applied, and must not start a
                // sync with its sender either.
                if !self.issuer_accredited(&d.issuer) {
                    return Verdict::Ignore("issuer not accredited (yet)");
                }
                let held = match self.store.status_list(&d.list) {
                    Ok(Some(h)) => h,
                    Ok(None) => return Verdict::Gap,
                    Err(_) => return Verdict::Ignore("store error"),
                };
                let mut list = match load(&held) {
                    Ok(l) => l,
                    Err(_) => return Verdict::Ignore("held list unreadable"),
                };
                match list.check(d) {
                    DeltaCheck::Duplicate | DeltaCheck::Old => {
                        Verdict::Ignore("old or duplicate delta")
                    }
                    DeltaCheck::Gap { .. } | DeltaCheck::Unknown => Verdict::Gap,
                    DeltaCheck::Next => match list.apply(d) {
                        Err(e) => Verdict::Reject(e.to_string()),
                        Ok(()) => match self.store.put_status_list(&stored(&list), Some(jws)) {
                            Ok(()) => Verdict::Stored,
                            Err(_) => Verdict::Ignore("store error"),
                        },
                    },
                }
            }
            GossipMessage::Accreditation(jws) => {
                let Some(root) = &self.cfg.root_did else {
                    return Verdict::Ignore("no root authority pinned");
                };
                let a = match Accreditation::open(jws, root, keys) {
                    Ok(a) => a,
                    Err(e) => return Verdict::Reject(e.to_string()),
                };
                match self.store.trust(&a.issuer) {
                    Ok(Some(cur)) => {
                        let (acc_v, wd_v) = held_versions(&cur);
                        if !supersedes(a.version, acc_v, wd_v) {
                            return Verdict::Ignore("old or duplicate accreditation");
                        }
                    }
                    Ok(None) => {}
                    Err(_) => return Verdict::Ignore("store error"),
                }
                match self.store.put_trust(&TrustRecord {
                    issuer: a.issuer.clone(),
                    accreditation: jws.clone(),
                    withdrawal: None,
                }) {
                    Ok(()) => Verdict::Stored,
                    Err(_) => Verdict::Ignore("store error"),
                }
            }
            GossipMessage::Withdrawal(jws) => {
                let Some(root) = &self.cfg.root_did else {
                    return Verdict::Ignore("no root authority pinned");
                };
                let w = match Withdrawal::open(jws, root, keys) {
                    Ok(w) => w,
                    Err(e) => return Verdict::Reject(e.to_string()),
                };
                match self.store.trust(&w.issuer) {
                    Ok(Some(rec))
                        if {
                            let (acc_v, wd_v) = held_versions(&rec);
                            !supersedes(w.version, acc_v, wd_v)
                        } =>
                    {
                        Verdict::Ignore("old or duplicate withdrawal")
                    }
                    Ok(Some(mut rec)) => {
                        rec.withdrawal = Some(jws.clone());
                        match self.store.put_trust(&rec) {
                            Ok(()) => Verdict::Stored,
                            Err(_) => Verdict::Ignore("store error"),
                        }
                    }
                    Ok(None) => Verdict::Gap,
                    Err(_) => Verdict::Ignore("store error"),
                }
            }
        }
    }

    /// Validates a gossip message and says whether to forward it. A gap starts a sync.
    pub(super) async fn handle_gossip(
        &self,
        topic: &str,
        data: &[u8],
        source: PeerId,
    ) -> Validation {
        let msg: GossipMessage = match serde_json::from_slice(data) {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(peer = %source, topic, error = %e, "malformed gossip rejected");
                return Validation::Reject;
            }
        };
        let expected_topic = match msg {
            GossipMessage::Snapshot(_) | GossipMessage::Delta(_) => STATUS_TOPIC,
            _ => TRUST_TOPIC,
        };
        if topic != expected_topic {
            return Validation::Reject;
        }
        // Signature checks and list decoding are CPU work: off the async threads. Messages are
        // still applied one at a time, in arrival order (a delta needs its predecessor).
        let verdict = match self.self_arc() {
            Some(me) => tokio::task::spawn_blocking(move || me.apply(&msg))
                .await
                .unwrap_or_else(|e| {
                    Verdict::Ignore(if e.is_panic() {
                        "validation panicked"
                    } else {
                        "validation cancelled"
                    })
                }),
            None => self.apply(&msg),
        };
        match verdict {
            Verdict::Stored => Validation::Accept,
            Verdict::Ignore(why) => {
                tracing::debug!(peer = %source, why, "gossip ignored");
                Validation::Ignore
            }
            Verdict::Gap => {
                tracing::debug!(peer = %source, "gap in status updates; syncing");
                let peer = source.to_string();
                let me = self.self_arc();
                if let Some(me) = me {
                    tokio::spawn(async move { me.sync_from(&peer).await });
                }
                Validation::Ignore
            }
            Verdict::Reject(why) => {
                tracing::warn!(peer = %source, %why, "gossip rejected");
                Validation::Reject
            }
        }
    }

    fn self_arc(&self) -> Option<std::sync::Arc<Node>> {
        self.me.get().and_then(|w| w.upgrade())
    }

    /// Answers a peer's sync request from this node's store.
    pub(super) fn handle_sync(&self, _peer: PeerId, req: StatusSyncRequest) -> StatusSyncResponse {
        let mut resp = StatusSyncResponse::default();
        let held = self.store.status_lists().unwrap_or_default();
        let mut wanted: Vec<(String, Option<u64>)> = req.lists.clone();
        if req.discover {
            for l in &held {
                if !wanted.iter().any(|(id, _)| id == &l.id) {
                    wanted.push((l.id.clone(), None));
                }
            }
        }
        for (id, have) in wanted.into_iter().take(10_000) {
            let Some(list) = held.iter().find(|l| l.id == id) else {
                continue;
            };
            let deltas = match have {
                Some(v) if v < list.version => self.store.deltas_after(&id, v).unwrap_or_default(),
                _ => vec![],
            };
            // A requester ahead of this node (v > version) gets nothing for this list.
            let complete =
                have.is_some_and(|v| v <= list.version && deltas.len() as u64 == list.version - v);
            if complete {
                resp.deltas.extend(deltas);
            } else if have.is_none_or(|v| v < list.version) {
                // Only the owner can sign a snapshot; relays send the owner's deltas from 0.
                if list.issuer == self.identity.did() {
                    if let Ok(l) = load(list) {
                        resp.snapshots.push(
                            SignedSnapshot::sign(l.snapshot(chrono::Utc::now()), &self.identity)
                                .jws,
                        );
                    }
                } else if let Ok(Some((snap_version, snap))) = self.store.latest_snapshot(&list.id)
                {
                    resp.snapshots.push(snap);
                    resp.deltas.extend(
                        self.store
                            .deltas_after(&id, snap_version)
                            .unwrap_or_default(),
                    );
                }
            }
        }
        for t in self.store.trust_all().unwrap_or_default() {
            resp.trust.push(t.accreditation.clone());
            if let Some(w) = t.withdrawal {
                resp.trust.push(w);
            }
        }
        resp
    }

    /// Asks a peer for every list and accreditation it has that this node lacks or is behind on.
    pub async fn sync_from(&self, peer: &str) {
        let Ok(peer) = peer.parse::<PeerId>() else {
            return;
        };
        let Some(_in_flight) = SyncInFlight::take(&self.syncing, peer) else {
            tracing::debug!(%peer, "a sync with this peer is already in flight");
            return;
        };
        let lists = self
            .store
            .status_lists()
            .unwrap_or_default()
            .into_iter()
            .map(|l| (l.id, Some(l.version)))
            .collect();
        let resp = match self
            .net
            .status_sync(
                peer,
                StatusSyncRequest {
                    lists,
                    discover: true,
                },
            )
            .await
        {
            Ok(r) => r,
            Err(e) => {
                tracing::debug!(%peer, error = %e, "sync failed");
                return;
            }
        };
        // Checking what came back (signatures, list inflation) is CPU work: off the async
        // threads, in arrival order.
        let stored = match self.self_arc() {
            Some(me) => tokio::task::spawn_blocking(move || me.apply_sync(resp))
                .await
                .unwrap_or(0),
            None => self.apply_sync(resp),
        };
        if stored > 0 {
            tracing::info!(%peer, stored, "synced status and trust");
        }
    }

    /// Applies a sync answer: trust first (it decides whose lists are kept), then snapshots,
    /// then deltas. Returns how many messages were stored.
    fn apply_sync(&self, resp: StatusSyncResponse) -> usize {
        let trust = resp.trust.into_iter().map(|jws| {
            if jws_typ(&jws).as_deref() == Some(credentials::trust::WITHDRAWAL_TYP) {
                GossipMessage::Withdrawal(jws)
            } else {
                GossipMessage::Accreditation(jws)
            }
        });
        let lists = resp
            .snapshots
            .into_iter()
            .map(GossipMessage::Snapshot)
            .chain(resp.deltas.into_iter().map(GossipMessage::Delta));
        trust
            .chain(lists)
            .filter(|msg| matches!(self.apply(msg), Verdict::Stored))
            .count()
    }
}

/// Marks a sync with one peer as in flight; dropping it clears the mark. At most one sync per
/// peer runs at a time, so a peer that gossips deltas of lists this node lacks cannot make it
/// start an unbounded number of syncs.
struct SyncInFlight<'a> {
    set: &'a std::sync::Mutex<std::collections::HashSet<PeerId>>,
    peer: PeerId,
}

impl<'a> SyncInFlight<'a> {
    fn take(
        set: &'a std::sync::Mutex<std::collections::HashSet<PeerId>>,
        peer: PeerId,
    ) -> Option<Self> {
        let fresh = set
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(peer);
        // Built only when the mark was set: a guard made and dropped here would clear
        // another sync's mark (and its `Drop` would lock the set).
        if fresh {
            Some(Self { set, peer })
        } else {
            None
        }
    }
}

impl Drop for SyncInFlight<'_> {
    fn drop(&mut self) {
        self.set
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&self.peer);
    }
}

fn jws_typ(jws: &str) -> Option<String> {
    credentials::jose::CompactJws::parse(jws).ok()?.header.typ
}

fn purpose_word(p: StatusPurpose) -> &'static str {
    match p {
        StatusPurpose::Revocation => "revoked",
        StatusPurpose::Suspension => "suspended",
    }
}

impl Node {
    /// This issuer's list at `url` as a signed W3C `BitstringStatusListCredential`.
    pub async fn status_list_credential(&self, url: &str) -> Result<serde_json::Value, String> {
        let s = self
            .store
            .status_list(url)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("no status list {url}"))?;
        if s.issuer != self.identity.did() {
            return Err(format!("status list {url} is not this issuer's"));
        }
        let list = load(&s)?;
        let id = self.identity.clone();
        tokio::task::spawn_blocking(move || {
            let now = chrono::Utc::now();
            let vc = credentials::status::list_credential_unsigned(
                &list.id,
                &list.issuer,
                list.purpose,
                &list.bits,
                now,
                None,
            );
            credentials::data_integrity::sign(&vc, &id, now, "assertionMethod", None, None)
                .map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| e.to_string())?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_sync_in_flight_per_peer() {
        let set = std::sync::Mutex::new(std::collections::HashSet::new());
        let (a, b) = (PeerId::random(), PeerId::random());
        let first = SyncInFlight::take(&set, a).expect("first sync with a");
        // A second sync with the same peer is refused, and refusing it leaves the mark.
        assert!(SyncInFlight::take(&set, a).is_none());
        assert!(set.lock().unwrap().contains(&a));
        let other = SyncInFlight::take(&set, b).expect("another peer is independent");
        drop(first);
        assert!(!set.lock().unwrap().contains(&a));
        assert!(SyncInFlight::take(&set, a).is_some());
        drop(other);
        assert!(set.lock().unwrap().is_empty());
    }
}
