//! The node service: the glue between store, network and the credential rules. It is the only
//! writer of the store and the only holder of the node key; HTTP handlers and inbound network
//! requests ask it.

mod bulk;
pub mod console;
mod error;
mod holder;
mod issue_any;
mod issuer;
pub mod oid4vci;
mod oid4vci_wallet;
pub mod oid4vp;
mod oid4vp_wallet;
mod records;
pub mod replicator;
pub mod status;
mod token_status;
mod verifier;
mod verify_queue;
pub mod views;
pub mod wallet;

pub use bulk::MAX_BULK_RECORDS;
pub use error::NodeError;
pub use holder::{PendingConsent, DECLINED};
pub use issue_any::StatusAsk;
pub use issuer::{
    credential_id_of, parse_records, record_id, ImportReport, IssuerError, SHARD_SIZE,
};
pub use oid4vci::OAuthError;
pub use replicator::Replicator;
pub use token_status::TOKEN_TTL_SECONDS;
pub use verifier::{answers_request, record_kind_asked};
pub use verify_queue::{VerifyQueue, VERIFY_QUEUE_CAP};

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use credentials::Identity;
use tracing::Instrument;

use crate::config::Config;
use crate::net::{Inbound, NetHandle};
use crate::store::Store;

/// Everything a running node is.
pub struct Node {
    /// The configuration in force.
    pub cfg: Config,
    /// The node key and DID (also its libp2p identity).
    pub identity: Arc<Identity>,
    /// The database: private, the node is its one writer (callers ask the node's read
    /// models, [`views`]).
    store: Arc<Store>,
    /// The network.
    pub net: NetHandle,
    /// Shared verifier caches.
    pub verifier: Arc<credentials::Verifier>,
    /// The one owner and writer of status lists and trust records (decoded, in memory).
    pub replicator: Arc<Replicator>,
    /// The verification thread (presentations and VC-API verifications against the store).
    verify_queue: VerifyQueue,
    /// Base URL of this node's own status lists.
    pub status_base: String,
    /// The node's public base URL (its OpenID4VCI issuer identifier, its OpenID4VP base).
    pub public_url: String,
    /// OpenID4VCI's short-lived state: nonces, access tokens, codes being exchanged.
    pub(crate) oid4vci: oid4vci::Oid4vciState,
    /// OpenID4VP requests waiting for (or holding) a wallet's answer.
    pub(crate) oid4vp: oid4vp::Oid4vpState,
    /// Serialises issuance and revocation (allocation + one WriteBatch each).
    issuer_lock: tokio::sync::Mutex<()>,
    /// Presentation requests waiting for the holder's consent.
    consents: Mutex<HashMap<String, PendingConsent>>,
    /// Peers a sync with is in flight (at most one per peer).
    syncing: Mutex<std::collections::HashSet<libp2p::PeerId>>,
    /// A weak reference to itself, for tasks a handler starts (e.g. a sync after a gap).
    me: std::sync::OnceLock<std::sync::Weak<Node>>,
    /// Operations metrics (`/metrics`).
    pub metrics: Arc<crate::metrics::Metrics>,
}

/// Inbound requests (claims, presentation requests, syncs) handled at once, at most.
pub const MAX_REQUESTS_IN_PROGRESS: usize = 256;

impl Node {
    /// Assembles a node from its parts.
    pub fn new(
        cfg: Config,
        identity: Identity,
        store: Store,
        net: NetHandle,
        status_base: String,
        public_url: String,
    ) -> Result<Arc<Self>, crate::store::StoreError> {
        let store = Arc::new(store);
        let replicator = Arc::new(Replicator::load(store.clone(), cfg.root_did.clone())?);
        let verifier = Arc::new(credentials::Verifier::new());
        let node = Arc::new(Self {
            verify_queue: VerifyQueue::start(verifier.clone(), replicator.clone()),
            replicator,
            cfg,
            identity: Arc::new(identity),
            store,
            net,
            verifier,
            status_base,
            public_url,
            oid4vci: oid4vci::Oid4vciState::default(),
            oid4vp: oid4vp::Oid4vpState::default(),
            issuer_lock: tokio::sync::Mutex::new(()),
            consents: Mutex::new(HashMap::new()),
            syncing: Mutex::new(std::collections::HashSet::new()),
            me: std::sync::OnceLock::new(),
            metrics: Arc::new(crate::metrics::Metrics::new()),
        });
        let _ = node.me.set(Arc::downgrade(&node));
        Ok(node)
    }

    /// The last step of stopping: the verification thread ends and is joined, then the store
    /// syncs its log and stops its background work. Call once every task is done.
    pub async fn shutdown(&self) {
        self.verify_queue.stop().await;
        let store = self.store.clone();
        let _ = tokio::task::spawn_blocking(move || store.close()).await;
    }

    /// [`Node::shutdown`] without awaiting, for a destructor: the verification thread is
    /// stopped and joined, then the store syncs its log and stops its background work.
    pub fn shutdown_now(&self) {
        self.verify_queue.stop_now();
        self.store.close();
    }

    /// Handles inbound network events until the network stops.
    pub async fn serve_inbound(self: Arc<Self>, mut rx: tokio::sync::mpsc::Receiver<Inbound>) {
        // Requests in progress at once, at most: past it this loop waits, the inbound queue
        // fills, and the network task answers "busy" — memory stays bounded under a flood.
        let in_progress = Arc::new(tokio::sync::Semaphore::new(MAX_REQUESTS_IN_PROGRESS));
        while let Some(ev) = rx.recv().await {
            let node = self.clone();
            let permit = match &ev {
                Inbound::Claim { .. } | Inbound::Present { .. } | Inbound::Sync { .. } => {
                    match in_progress.clone().acquire_owned().await {
                        Ok(p) => Some(p),
                        Err(_) => break,
                    }
                }
                _ => None,
            };
            match ev {
                Inbound::Claim { peer, req, channel } => {
                    let span = tracing::info_span!("claim", %peer);
                    tokio::spawn(
                        async move {
                            let resp = node.handle_claim(peer, req).await;
                            let _ = node.net.respond_claim(channel, resp).await;
                            drop(permit);
                        }
                        .instrument(span),
                    );
                }
                Inbound::Present { peer, req, channel } => {
                    let span = tracing::info_span!("presentation_request", %peer);
                    tokio::spawn(
                        async move {
                            let resp = node.handle_presentation_request(peer, req).await;
                            let _ = node.net.respond_present(channel, resp).await;
                            drop(permit);
                        }
                        .instrument(span),
                    );
                }
                Inbound::Sync { peer, req, channel } => {
                    let span = tracing::debug_span!("sync_request", %peer);
                    tokio::spawn(
                        async move {
                            // Store reads and (for an owner) snapshot signing: off the async threads.
                            let n2 = node.clone();
                            let resp = match tokio::task::spawn_blocking(move || {
                                n2.handle_sync(peer, req)
                            })
                            .await
                            {
                                Ok(r) => r,
                                Err(e) => {
                                    tracing::error!(error = %e, "answering a sync request");
                                    return;
                                }
                            };
                            let _ = node.net.respond_sync(channel, resp).await;
                            drop(permit);
                        }
                        .instrument(span),
                    );
                }
                Inbound::Gossip {
                    topic,
                    data,
                    id,
                    source,
                } => {
                    let span = tracing::debug_span!("gossip", %topic, %source, bytes = data.len());
                    async {
                        let v = node.handle_gossip(&topic, &data, source).await;
                        tracing::debug!(verdict = ?v, "validated");
                        let _ = node.net.report(id, source, v).await;
                    }
                    .instrument(span)
                    .await;
                }
                Inbound::Identified(p) => {
                    let entry = crate::store::PeerEntry {
                        peer_id: p.peer_id.clone(),
                        did: p.did.clone(),
                        name: p.name.clone(),
                        roles: p.roles.clone(),
                        addrs: p.addrs.clone(),
                    };
                    if let Err(e) = node.store.put_peer(&entry) {
                        tracing::warn!(error = %e, "storing peer");
                    }
                    tokio::spawn(async move { node.sync_from(&p.peer_id).await });
                }
            }
        }
    }
}
