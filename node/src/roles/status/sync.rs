//! Sync with peers for what a node missed: answering a peer's summary and fetch requests
//! within the response budget, and fetching from a peer in paced, bounded batches.

use credentials::status::SignedSnapshot;
use libp2p::PeerId;

use super::{GossipMessage, Verdict};
use crate::net::protocols::{StatusSyncRequest, StatusSyncResponse};
use crate::roles::Node;

impl Node {
    /// Answers a peer's sync request: a page of the summary, or the asked items up to the
    /// response budget.
    pub(in crate::roles) fn handle_sync(
        &self,
        _peer: PeerId,
        req: StatusSyncRequest,
    ) -> StatusSyncResponse {
        match req {
            StatusSyncRequest::Summary { after } => {
                let all = self.replicator.summary();
                let start = after.map_or(0, |a| {
                    all.partition_point(|(k, _)| k.as_str() <= a.as_str())
                });
                // A page is cut by count and by bytes (keys are up to 512 characters), so it
                // always fits one response.
                let mut bytes = 0;
                let items: Vec<(String, u64)> = all
                    .get(start..)
                    .unwrap_or_default()
                    .iter()
                    .take(SUMMARY_PAGE_ITEMS)
                    .take_while(|(k, _)| {
                        bytes += k.len() + 16;
                        bytes <= SUMMARY_PAGE_BYTES
                    })
                    .cloned()
                    .collect();
                let next = (start + items.len() < all.len())
                    .then(|| items.last().map(|(k, _)| k.clone()))
                    .flatten();
                StatusSyncResponse::Summary { items, next }
            }
            StatusSyncRequest::Fetch { items } => {
                let mut out = Fetched::default();
                for (key, have) in items.iter().take(FETCH_BATCH_ITEMS) {
                    let part = self.sync_part(key, *have);
                    if out.bytes + part.bytes > RESPONSE_BUDGET {
                        if out.answered == 0 {
                            // One list's backlog alone passes the budget: send what fits, in
                            // order, so the requester progresses and asks again.
                            out.take_prefix(part);
                        }
                        break;
                    }
                    out.append(part);
                    out.answered += 1;
                }
                StatusSyncResponse::Fetched {
                    trust: out.trust,
                    snapshots: out.snapshots,
                    deltas: out.deltas,
                    answered: out.answered,
                    heartbeats: out.heartbeats,
                }
            }
        }
    }

    /// What this node can send for one sync key, given the version the requester holds.
    fn sync_part(&self, key: &str, have: Option<u64>) -> Fetched {
        let mut part = Fetched::default();
        let held = self.replicator.version_of(key);
        if held.is_none_or(|v| have.is_some_and(|h| h >= v)) {
            return part;
        }
        if let Some(issuer) = key.strip_prefix("trust:") {
            part.trust = self.replicator.trust_of(issuer);
        } else if let Some(issuer) = key.strip_prefix("beat:") {
            part.heartbeats.extend(self.replicator.heartbeat_of(issuer));
        } else if let Some(id) = key.strip_prefix("list:") {
            let Some((version, owner)) = self
                .replicator
                .with_list(id, |l| (l.version, l.issuer.clone()))
            else {
                return part;
            };
            let deltas = match have {
                Some(v) if v < version => self.store.deltas_after(id, v).unwrap_or_default(),
                _ => vec![],
            };
            let complete = have.is_some_and(|v| deltas.len() as u64 == version - v);
            if complete {
                part.deltas = deltas;
            } else if owner == self.identity.did() {
                // Only the owner can sign a snapshot; relays send the owner's latest snapshot
                // and the deltas after it.
                if let Some(jws) = self.replicator.with_list(id, |l| {
                    SignedSnapshot::sign(l.snapshot(chrono::Utc::now()), &self.identity).jws
                }) {
                    part.snapshots.push(jws);
                }
            } else if let Ok(Some((snap_version, snap))) = self.store.latest_snapshot(id) {
                part.snapshots.push(snap);
                part.deltas = self
                    .store
                    .deltas_after(id, snap_version)
                    .unwrap_or_default();
            }
        }
        part.bytes = part
            .trust
            .iter()
            .chain(&part.snapshots)
            .chain(&part.deltas)
            .chain(&part.heartbeats)
            .map(String::len)
            .sum();
        part
    }

    /// Brings this node up to date with a peer: pages through the peer's summary, then fetches
    /// every trust record and list it lacks or is behind on (trust first: it decides whose
    /// lists are kept), a batch at a time, each answer applied off the async threads.
    pub async fn sync_from(&self, peer: &str) {
        let Ok(peer) = peer.parse::<PeerId>() else {
            return;
        };
        let Some(_in_flight) = SyncInFlight::take(&self.syncing, peer) else {
            tracing::debug!(%peer, "a sync with this peer is already in flight");
            return;
        };
        let mut theirs: Vec<(String, u64)> = Vec::new();
        let mut after: Option<String> = None;
        let mut pace = SyncPace::new();
        for _ in 0..MAX_SUMMARY_PAGES {
            let req = StatusSyncRequest::Summary {
                after: after.clone(),
            };
            pace.wait().await;
            match self.net.status_sync(peer, req).await {
                Ok(StatusSyncResponse::Summary { items, next }) => {
                    theirs.extend(items.into_iter().take(SUMMARY_PAGE_ITEMS));
                    // The cursor must move forward, or a hostile peer could page forever.
                    match next {
                        Some(n) if after.as_ref().is_none_or(|a| n > *a) => after = Some(n),
                        _ => break,
                    }
                }
                Ok(_) => {
                    tracing::debug!(%peer, "sync: peer answered a summary with something else");
                    return;
                }
                Err(e) => {
                    tracing::debug!(%peer, error = %e, "sync failed");
                    return;
                }
            }
        }
        let mut wanted: Vec<(String, Option<u64>)> = theirs
            .into_iter()
            .filter_map(|(key, v)| {
                let mine = self.replicator.version_of(&key);
                mine.is_none_or(|m| m < v).then_some((key, mine))
            })
            .collect();
        // Trust first (it decides whose lists are kept), heartbeats last (they confirm lists).
        wanted.sort_by_key(|(k, _)| match k.split_once(':').map(|(p, _)| p) {
            Some("trust") => 0,
            Some("beat") => 2,
            _ => 1,
        });
        let mut stored = 0;
        for batch in fetch_batches(&wanted) {
            let mut rest = batch.to_vec();
            for _ in 0..MAX_FETCH_ROUNDS {
                if rest.is_empty() {
                    break;
                }
                for item in rest.iter_mut() {
                    item.1 = self.replicator.version_of(&item.0);
                }
                let req = StatusSyncRequest::Fetch {
                    items: rest.clone(),
                };
                pace.wait().await;
                let (answered, n) = match self.net.status_sync(peer, req).await {
                    Ok(StatusSyncResponse::Fetched {
                        trust,
                        snapshots,
                        deltas,
                        answered,
                        heartbeats,
                    }) => {
                        let bytes: usize = [&trust, &snapshots, &deltas, &heartbeats]
                            .iter()
                            .flat_map(|v| v.iter())
                            .map(String::len)
                            .sum();
                        self.metrics.sync_received(bytes as u64);
                        let msgs = fetched_messages(trust, snapshots, deltas, heartbeats);
                        let n = match self.self_arc() {
                            Some(me) => tokio::task::spawn_blocking(move || me.apply_all(&msgs))
                                .await
                                .unwrap_or(0),
                            None => self.apply_all(&msgs),
                        };
                        (answered as usize, n)
                    }
                    Ok(_) | Err(_) => {
                        tracing::debug!(%peer, "sync: fetch failed");
                        return;
                    }
                };
                stored += n;
                if answered == 0 && n == 0 {
                    break; // no progress: the peer cannot serve the rest
                }
                rest.drain(..answered.min(rest.len()));
            }
        }
        if stored > 0 {
            tracing::info!(%peer, stored, "synced status and trust");
        }
    }

    /// Applies messages in order; returns how many were stored.
    fn apply_all(&self, msgs: &[GossipMessage]) -> usize {
        msgs.iter()
            .filter(|msg| matches!(self.apply(msg), Verdict::Stored | Verdict::Behind))
            .count()
    }
}

/// Items per summary page at most (a node holding 100 issuers' 1,500 lists each pages through
/// 150,000 keys in a few dozen pages).
pub const SUMMARY_PAGE_ITEMS: usize = 8_192;
/// Key bytes per summary page at most, under the protocol's 1 MiB response cap.
pub const SUMMARY_PAGE_BYTES: usize = 768 * 1024;
/// Summary pages a sync reads at most (over a million keys).
pub(super) const MAX_SUMMARY_PAGES: usize = 1_024;
/// Items per fetch request at most.
pub const FETCH_BATCH_ITEMS: usize = 512;
/// Key bytes per fetch request at most, under the protocol's 64 KiB request cap.
pub(super) const FETCH_BATCH_BYTES: usize = 48 * 1024;

/// The wanted items cut into fetch requests, each within [`FETCH_BATCH_ITEMS`] and
/// [`FETCH_BATCH_BYTES`].
pub(super) fn fetch_batches(wanted: &[(String, Option<u64>)]) -> Vec<&[(String, Option<u64>)]> {
    let mut out = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, (key, _)) in wanted.iter().enumerate() {
        let size = key.len() + 16;
        if i > start && (i - start >= FETCH_BATCH_ITEMS || bytes + size > FETCH_BATCH_BYTES) {
            out.push(&wanted[start..i]);
            (start, bytes) = (i, 0);
        }
        bytes += size;
    }
    if start < wanted.len() {
        out.push(&wanted[start..]);
    }
    out
}

/// The pace of one sync's requests to one peer: a burst, then a steady rate, both under what
/// a peer allows one requester ([`crate::net::rate_limit::Limits`]: 64 at once, 16 a second),
/// so that a node catching up on many lists is never refused (or struck) for asking too fast.
pub(super) struct SyncPace {
    tokens: f64,
    last: std::time::Instant,
}

impl SyncPace {
    const BURST: f64 = 48.0;
    const PER_SEC: f64 = 12.0;

    fn new() -> Self {
        Self::starting(std::time::Instant::now())
    }

    fn starting(now: std::time::Instant) -> Self {
        Self {
            tokens: Self::BURST,
            last: now,
        }
    }

    /// Takes one request's token at `now`; returns how long to wait before sending it.
    fn take(&mut self, now: std::time::Instant) -> std::time::Duration {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * Self::PER_SEC).min(Self::BURST);
        self.last = now;
        self.tokens -= 1.0;
        if self.tokens >= 0.0 {
            return std::time::Duration::ZERO;
        }
        // Owed: the token arrives later; the clock of the bucket moves to then.
        let wait = std::time::Duration::from_secs_f64(-self.tokens / Self::PER_SEC);
        self.tokens = 0.0;
        self.last = now + wait;
        wait
    }

    async fn wait(&mut self) {
        let wait = self.take(std::time::Instant::now());
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}
/// Fetch requests per batch at most (each answer makes progress or the batch ends).
pub(super) const MAX_FETCH_ROUNDS: usize = 256;
/// Payload bytes per fetch answer, under the protocol's 1 MiB response cap.
pub const RESPONSE_BUDGET: usize = 900 * 1024;

/// A fetch answer being assembled.
#[derive(Default)]
pub(super) struct Fetched {
    trust: Vec<String>,
    snapshots: Vec<String>,
    deltas: Vec<String>,
    heartbeats: Vec<String>,
    answered: u32,
    bytes: usize,
}

impl Fetched {
    fn append(&mut self, part: Fetched) {
        self.trust.extend(part.trust);
        self.snapshots.extend(part.snapshots);
        self.deltas.extend(part.deltas);
        self.heartbeats.extend(part.heartbeats);
        self.bytes += part.bytes;
    }

    /// As much of `part` as fits the budget, keeping its order (snapshot before deltas).
    fn take_prefix(&mut self, part: Fetched) {
        for (src, dst) in [
            (part.trust, &mut self.trust),
            (part.snapshots, &mut self.snapshots),
            (part.deltas, &mut self.deltas),
            (part.heartbeats, &mut self.heartbeats),
        ] {
            for m in src {
                if self.bytes + m.len() > RESPONSE_BUDGET {
                    return;
                }
                self.bytes += m.len();
                dst.push(m);
            }
        }
    }
}

/// A fetch answer as messages, in the order they must be applied (heartbeats last, so they
/// find the lists they confirm).
pub(super) fn fetched_messages(
    trust: Vec<String>,
    snapshots: Vec<String>,
    deltas: Vec<String>,
    heartbeats: Vec<String>,
) -> Vec<GossipMessage> {
    trust
        .into_iter()
        .map(|jws| {
            if jws_typ(&jws).as_deref() == Some(credentials::trust::WITHDRAWAL_TYP) {
                GossipMessage::Withdrawal(jws)
            } else {
                GossipMessage::Accreditation(jws)
            }
        })
        .chain(snapshots.into_iter().map(GossipMessage::Snapshot))
        .chain(deltas.into_iter().map(GossipMessage::Delta))
        .chain(heartbeats.into_iter().map(GossipMessage::Heartbeat))
        .collect()
}

/// Marks a sync with one peer as in flight; dropping it clears the mark. At most one sync per
/// peer runs at a time, so a peer that gossips deltas of lists this node lacks cannot make it
/// start an unbounded number of syncs.
pub(super) struct SyncInFlight<'a> {
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

pub(super) fn jws_typ(jws: &str) -> Option<String> {
    credentials::jose::CompactJws::parse(jws).ok()?.header.typ
}

#[cfg(test)]
mod tests;
