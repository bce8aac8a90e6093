//! Status lists and trust on the network: the issuer's own lists (open a shard, revoke,
//! suspend, reinstate), validation of every gossiped status and trust message before it is
//! stored or forwarded, and sync with peers for what a node missed.

use credentials::status::{SignedSnapshot, StatusList, StatusPurpose};
use libp2p::PeerId;

use super::{Node, NodeError};
use crate::net::{Validation, STATUS_TOPIC, TRUST_TOPIC};

pub use credentials::replication::Verdict;
pub use credentials::wire::GossipMessage;
pub use sync::{FETCH_BATCH_ITEMS, RESPONSE_BUDGET, SUMMARY_PAGE_BYTES, SUMMARY_PAGE_ITEMS};

mod sync;

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
