//! Status lists and trust on the network: the issuer's own lists (open a shard, revoke,
//! suspend, reinstate), validation of every gossiped status and trust message before it is
//! stored or forwarded, and sync with peers for what a node missed.

use credentials::status::{SignedSnapshot, StatusList, StatusPurpose};
use libp2p::PeerId;

use super::{Node, NodeError};
use crate::net::protocols::{StatusSyncRequest, StatusSyncResponse};
use crate::net::{Validation, STATUS_TOPIC, TRUST_TOPIC};

pub use credentials::replication::Verdict;
pub use credentials::wire::GossipMessage;

/// The longest reason an operator may give for a status change.
pub const MAX_REASON_CHARS: usize = 500;

/// A reason is at most [`MAX_REASON_CHARS`] characters.
fn check_reason(reason: &str) -> Result<(), NodeError> {
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(NodeError::invalid(
            "reason",
            format!("longer than {MAX_REASON_CHARS} characters"),
        ));
    }
    Ok(())
}

/// What a status change writes with the list, given the list's new version: the issued
/// credential's entry with the change appended to its history (the last
/// [`crate::store::MAX_STATUS_CHANGES`] kept).
fn with_change(
    issued: crate::store::IssuedEntry,
    action: &str,
    reason: &str,
) -> impl FnOnce(u64) -> Option<crate::store::IssuedEntry> {
    let change = crate::store::StatusChange {
        action: action.to_owned(),
        reason: reason.trim().to_owned(),
        at: credentials::time::format(chrono::Utc::now()),
        version: 0,
    };
    move |version| {
        let mut entry = issued;
        entry
            .status_changes
            .push(crate::store::StatusChange { version, ..change });
        let over = entry
            .status_changes
            .len()
            .saturating_sub(crate::store::MAX_STATUS_CHANGES);
        entry.status_changes.drain(..over);
        Some(entry)
    }
}

impl Node {
    /// The revocation and suspension lists of a new shard, all clear at version 0 (stored by
    /// the issuance that opens the shard, in its own batch).
    pub(super) fn shard_lists(&self, shard: u32) -> Vec<StatusList> {
        [StatusPurpose::Revocation, StatusPurpose::Suspension]
            .into_iter()
            .filter_map(|purpose| {
                StatusList::new(
                    &self.list_url(purpose, shard),
                    purpose,
                    self.identity.did(),
                    super::issuer::SHARD_SIZE as usize,
                )
                .map_err(|e| tracing::error!(error = %e, "creating status list"))
                .ok()
            })
            .collect()
    }

    /// Announces a new shard's lists (signed snapshots of version 0).
    pub(super) async fn announce_shard(&self, shard: u32) {
        for purpose in [StatusPurpose::Revocation, StatusPurpose::Suspension] {
            self.announce_list(&self.list_url(purpose, shard)).await;
        }
    }

    /// Announces one new list of this issuer (a signed snapshot of version 0).
    pub(super) async fn announce_list(&self, url: &str) {
        let snap = self.replicator.with_list(url, |l| {
            SignedSnapshot::sign(l.snapshot(chrono::Utc::now()), &self.identity).jws
        });
        if let Some(jws) = snap {
            self.publish(STATUS_TOPIC, GossipMessage::Snapshot(jws))
                .await;
        }
    }

    async fn publish(&self, topic: &'static str, msg: GossipMessage) {
        let data = match serde_json::to_vec(&msg) {
            Ok(d) => d,
            Err(e) => {
                tracing::error!(topic, error = %e, "a gossip message did not encode; not published");
                return;
            }
        };
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
    ) -> Result<(String, u64), NodeError> {
        self.change_status_because(credential_id, purpose, set, "")
            .await
    }

    /// [`Node::change_status`] with the operator's reason, kept in the credential's status
    /// history (in the same batch as the list change) and logged.
    pub async fn change_status_because(
        &self,
        credential_id: &str,
        purpose: StatusPurpose,
        set: bool,
        reason: &str,
    ) -> Result<(String, u64), NodeError> {
        let action = match (purpose, set) {
            (StatusPurpose::Revocation, _) => "revoke",
            (StatusPurpose::Suspension, true) => "suspend",
            (StatusPurpose::Suspension, false) => "reinstate",
            (StatusPurpose::Message, _) => {
                return Err(NodeError::invalid(
                    "statusPurpose",
                    "a message entry takes a value (`0x…`): set it with its status",
                ))
            }
        };
        check_reason(reason)?;
        let (_guard, issued) = self.issued_locked(credential_id).await?;
        let url = issued.list_url(purpose);
        let replicator = self.replicator.clone();
        let identity = self.identity.clone();
        let list = url.clone();
        let index = issued.index;
        let record = with_change(issued, action, reason);
        let (version, delta) = tokio::task::spawn_blocking(move || {
            replicator.change_own(&list, index, set, &identity, record)
        })
        .await
        .map_err(NodeError::task)??;
        tracing::info!(credential_id, list = %url, version, action, reason, "status changed");
        self.metrics.status_change(purpose, set);
        self.publish(STATUS_TOPIC, GossipMessage::Delta(delta))
            .await;
        Ok((url, version))
    }

    /// This issuer's record of `credential_id`, with the issuer lock held (status changes of
    /// one issuer are made one at a time).
    async fn issued_locked(
        &self,
        credential_id: &str,
    ) -> Result<(tokio::sync::MutexGuard<'_, ()>, crate::store::IssuedEntry), NodeError> {
        if !self.cfg.has_role(crate::config::Role::Issuer) {
            return Err(NodeError::NotRole(crate::config::Role::Issuer));
        }
        let guard = self.issuer_lock.lock().await;
        let issued = self.store.issued(credential_id)?.ok_or_else(|| {
            NodeError::NotFound(format!(
                "no credential {credential_id} was issued by this node"
            ))
        })?;
        Ok((guard, issued))
    }

    /// Sets an issued credential's entry on its `message` list to `value` (`0x…`), with the
    /// operator's reason in its status history (one batch with the list change); gossips the
    /// delta. Returns the list and its new version.
    pub async fn change_message(
        &self,
        credential_id: &str,
        value: u64,
        reason: &str,
    ) -> Result<(String, u64), NodeError> {
        check_reason(reason)?;
        let (_guard, issued) = self.issued_locked(credential_id).await?;
        let url = issued.message_list.clone().ok_or_else(|| {
            NodeError::Conflict(format!(
                "credential {credential_id} was issued without a message status entry"
            ))
        })?;
        let (replicator, identity, list) =
            (self.replicator.clone(), self.identity.clone(), url.clone());
        let index = issued.index;
        let record = with_change(issued, &format!("message {value:#x}"), reason);
        let (version, delta) = tokio::task::spawn_blocking(move || {
            replicator.change_own_value(&list, index, value, &identity, record)
        })
        .await
        .map_err(NodeError::task)??;
        tracing::info!(credential_id, list = %url, version, value, reason, "status message changed");
        self.metrics
            .status_change(StatusPurpose::Message, value != 0);
        self.publish(STATUS_TOPIC, GossipMessage::Delta(delta))
            .await;
        Ok((url, version))
    }

    /// Publishes a signed snapshot of each of this issuer's lists (on a timer and on request).
    pub async fn publish_snapshots(&self) {
        for list in self.replicator.owned_by(self.identity.did()) {
            let snap = SignedSnapshot::sign(list.snapshot(chrono::Utc::now()), &self.identity);
            self.publish(STATUS_TOPIC, GossipMessage::Snapshot(snap.jws))
                .await;
        }
    }

    /// Stores and spreads a signed accreditation or withdrawal (root authority, or any node
    /// relaying one it was given).
    pub async fn submit_trust(&self, msg: GossipMessage) -> Result<(), NodeError> {
        match self.apply(&msg) {
            Verdict::Stored => {
                self.publish(TRUST_TOPIC, msg).await;
                Ok(())
            }
            Verdict::Ignore(why) => Err(NodeError::Conflict(why.to_owned())),
            Verdict::Gap | Verdict::Behind => Err(NodeError::Conflict(
                "not applicable yet (an earlier message is missing)".into(),
            )),
            Verdict::Reject(why) => Err(NodeError::Unprocessable(why)),
        }
    }

    /// Checks one status or trust message and stores it if valid: the single place gossip,
    /// sync and local submissions apply (through the replicator, the one writer of status and
    /// trust). Blocking.
    pub fn apply(&self, msg: &GossipMessage) -> Verdict {
        self.replicator.apply(msg, self.verifier.keys())
    }

    /// Validates a gossip message and says whether to forward it (counted in the metrics).
    pub(super) async fn handle_gossip(
        &self,
        topic: &str,
        data: &[u8],
        source: PeerId,
    ) -> Validation {
        let v = self.validate_gossip(topic, data, source).await;
        let verdict = match v {
            Validation::Accept => "accept",
            Validation::Ignore => "ignore",
            Validation::Reject => "reject",
        };
        // A topic outside the two this node subscribes to is counted under one name.
        let topic = if topic == STATUS_TOPIC || topic == TRUST_TOPIC {
            topic
        } else {
            "other"
        };
        self.metrics.gossip(topic, verdict);
        v
    }

    /// Validates a gossip message and says whether to forward it. A gap starts a sync.
    async fn validate_gossip(&self, topic: &str, data: &[u8], source: PeerId) -> Validation {
        let msg: GossipMessage = match serde_json::from_slice(data) {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(peer = %source, topic, error = %e, "malformed gossip rejected");
                return Validation::Reject;
            }
        };
        let expected_topic = match msg {
            GossipMessage::Snapshot(_) | GossipMessage::Delta(_) | GossipMessage::Heartbeat(_) => {
                STATUS_TOPIC
            }
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
                self.sync_in_background(source);
                Validation::Ignore
            }
            Verdict::Behind => {
                tracing::debug!(peer = %source, "behind an owner's heartbeat; syncing");
                self.sync_in_background(source);
                Validation::Accept
            }
            Verdict::Reject(why) => {
                tracing::warn!(peer = %source, %why, "gossip rejected");
                Validation::Reject
            }
        }
    }

    fn sync_in_background(&self, peer: PeerId) {
        if let Some(me) = self.self_arc() {
            let peer = peer.to_string();
            tokio::spawn(async move { me.sync_from(&peer).await });
        }
    }

    /// Signs and gossips a heartbeat of this issuer's lists ("current at these versions, as
    /// of now"), so verifiers can tell how fresh their copies are.
    pub async fn publish_heartbeat(&self) {
        let replicator = self.replicator.clone();
        let identity = self.identity.clone();
        match tokio::task::spawn_blocking(move || replicator.beat_own(&identity)).await {
            Ok(Ok(Some(jws))) => {
                self.publish(STATUS_TOPIC, GossipMessage::Heartbeat(jws))
                    .await
            }
            Ok(Ok(None)) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "storing a heartbeat"),
            Err(e) => tracing::error!(error = %e, "signing a heartbeat"),
        }
    }

    pub(super) fn self_arc(&self) -> Option<std::sync::Arc<Node>> {
        self.me.get().and_then(|w| w.upgrade())
    }

    /// Answers a peer's sync request: a page of the summary, or the asked items up to the
    /// response budget.
    pub(super) fn handle_sync(&self, _peer: PeerId, req: StatusSyncRequest) -> StatusSyncResponse {
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
const MAX_SUMMARY_PAGES: usize = 1_024;
/// Items per fetch request at most.
pub const FETCH_BATCH_ITEMS: usize = 512;
/// Key bytes per fetch request at most, under the protocol's 64 KiB request cap.
const FETCH_BATCH_BYTES: usize = 48 * 1024;

/// The wanted items cut into fetch requests, each within [`FETCH_BATCH_ITEMS`] and
/// [`FETCH_BATCH_BYTES`].
fn fetch_batches(wanted: &[(String, Option<u64>)]) -> Vec<&[(String, Option<u64>)]> {
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
struct SyncPace {
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
const MAX_FETCH_ROUNDS: usize = 256;
/// Payload bytes per fetch answer, under the protocol's 1 MiB response cap.
pub const RESPONSE_BUDGET: usize = 900 * 1024;

/// A fetch answer being assembled.
#[derive(Default)]
struct Fetched {
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
fn fetched_messages(
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

impl Node {
    /// This issuer's list at `url` as a signed W3C `BitstringStatusListCredential`.
    pub async fn status_list_credential(&self, url: &str) -> Result<serde_json::Value, NodeError> {
        let list = self
            .replicator
            .with_list(url, Clone::clone)
            .ok_or_else(|| NodeError::NotFound(format!("no status list {url}")))?;
        if list.issuer != self.identity.did() {
            return Err(NodeError::NotFound(format!(
                "status list {url} is not this issuer's (only its issuer serves it)"
            )));
        }
        let id = self.identity.clone();
        tokio::task::spawn_blocking(move || {
            let now = chrono::Utc::now();
            let vc = credentials::status::list_credential_unsigned(
                &list.id,
                &list.issuer,
                list.purpose,
                &list.bits,
                list.message.as_ref(),
                now,
                None,
            );
            credentials::data_integrity::sign(&vc, &id, now, "assertionMethod", None, None)
                .map_err(|e| NodeError::Internal(format!("signing the list credential: {e}")))
        })
        .await
        .map_err(NodeError::task)?
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

#[cfg(test)]
mod sync_batch_tests {
    use super::*;

    #[test]
    fn fetch_batches_respect_count_and_bytes_and_cover_everything_in_order() {
        let wanted: Vec<(String, Option<u64>)> = (0..2_000)
            .map(|i| {
                // Every 100th key is as long as a key may be.
                let len = if i % 100 == 0 { 512 } else { 110 };
                (format!("{i:06}{}", "x".repeat(len - 6)), None)
            })
            .collect();
        let batches = fetch_batches(&wanted);
        let mut seen = 0;
        for b in &batches {
            assert!(!b.is_empty() && b.len() <= FETCH_BATCH_ITEMS);
            let bytes: usize = b.iter().map(|(k, _)| k.len() + 16).sum();
            assert!(bytes <= FETCH_BATCH_BYTES, "{bytes}");
            assert_eq!(b[0].0, wanted[seen].0);
            seen += b.len();
        }
        assert_eq!(seen, wanted.len());
        assert!(batches.len() >= wanted.len().div_ceil(FETCH_BATCH_ITEMS));
        assert!(fetch_batches(&[]).is_empty());
    }

    #[test]
    fn sync_pace_stays_under_a_peers_limits() {
        let t0 = std::time::Instant::now();
        let mut pace = SyncPace::starting(t0);
        let mut at = t0;
        for _ in 0..48 {
            assert!(pace.take(at).is_zero(), "the burst goes at once");
        }
        for _ in 0..120 {
            at += pace.take(at);
        }
        // 120 more at 12 a second: ten seconds, under the peer's 16 a second.
        let secs = at.duration_since(t0).as_secs_f64();
        assert!((9.9..10.1).contains(&secs), "{secs}");
        // After a pause the bucket refills, up to the burst only.
        let later = at + std::time::Duration::from_secs(60);
        let waits: Vec<_> = (0..49).map(|_| pace.take(later)).collect();
        assert!(waits[..48].iter().all(|w| w.is_zero()));
        assert!(!waits[48].is_zero());
    }
}
