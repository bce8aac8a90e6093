//! What the network task and the node service say to each other: inbound requests and gossip,
//! commands, what peers announced, and the task's counters.

use libp2p::request_response::ResponseChannel;
use libp2p::{gossipsub, Multiaddr, PeerId};
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

use super::handle::NetError;
use super::protocols::*;

/// The refusal a peer over its rate limit gets.
pub const RATE_LIMITED: &str = "rate limited: too many requests from this peer; slow down";

/// A gossip validation verdict (gossipsub's three outcomes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validation {
    /// Valid and stored: forward it.
    Accept,
    /// Invalid (bad signature, not the owner, bad digest, malformed): drop and score the sender down.
    Reject,
    /// Duplicate, old or not yet applicable: drop without penalty.
    Ignore,
}

/// What the network tells the node service.
pub enum Inbound {
    /// A holder claims a credential.
    Claim {
        peer: PeerId,
        req: ClaimRequest,
        channel: ResponseChannel<ClaimResponse>,
    },
    /// A verifier asks for a presentation.
    Present {
        peer: PeerId,
        req: PresentationRequest,
        channel: ResponseChannel<PresentationResponse>,
    },
    /// A peer asks for status updates.
    Sync {
        peer: PeerId,
        req: StatusSyncRequest,
        channel: ResponseChannel<StatusSyncResponse>,
    },
    /// A gossip message awaiting validation.
    Gossip {
        topic: String,
        data: Vec<u8>,
        id: gossipsub::MessageId,
        source: PeerId,
    },
    /// A peer identified itself.
    Identified(PeerInfo),
}

/// What a peer announced about itself.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PeerInfo {
    /// libp2p peer id.
    pub peer_id: String,
    /// did:key of its peer key (proven by the Noise handshake).
    pub did: String,
    /// Display name it announced.
    pub name: String,
    /// Roles it announced.
    pub roles: Vec<String>,
    /// Addresses it listens on.
    pub addrs: Vec<String>,
    /// Whether a connection is open now.
    pub connected: bool,
    /// Its gossipsub score as this node sees it (negative after invalid messages; below
    /// the graylist threshold everything it sends is dropped unread).
    #[serde(default)]
    pub gossip_score: Option<f64>,
}

/// The identify agent string: `vcnet/<version> {"name":…,"roles":[…]}`.
#[derive(Serialize, Deserialize)]
pub(super) struct Agent {
    pub name: String,
    pub roles: Vec<String>,
}

pub(super) enum Command {
    Dial {
        addr: Multiaddr,
        reply: oneshot::Sender<Result<(), NetError>>,
    },
    Claim {
        peer: PeerId,
        req: ClaimRequest,
        reply: oneshot::Sender<Result<ClaimResponse, NetError>>,
    },
    Present {
        peer: PeerId,
        req: PresentationRequest,
        reply: oneshot::Sender<Result<PresentationResponse, NetError>>,
    },
    Sync {
        peer: PeerId,
        req: StatusSyncRequest,
        reply: oneshot::Sender<Result<StatusSyncResponse, NetError>>,
    },
    RespondClaim {
        channel: ResponseChannel<ClaimResponse>,
        resp: ClaimResponse,
    },
    RespondPresent {
        channel: ResponseChannel<PresentationResponse>,
        resp: PresentationResponse,
    },
    RespondSync {
        channel: ResponseChannel<StatusSyncResponse>,
        resp: StatusSyncResponse,
    },
    Publish {
        topic: &'static str,
        data: Vec<u8>,
        reply: oneshot::Sender<Result<(), NetError>>,
    },
    Report {
        id: gossipsub::MessageId,
        source: PeerId,
        validation: Validation,
    },
    Peers {
        reply: oneshot::Sender<Vec<PeerInfo>>,
    },
    Stats {
        reply: oneshot::Sender<NetStats>,
    },
    Listeners {
        reply: oneshot::Sender<Vec<Multiaddr>>,
    },
}

/// Counters of the network task.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct NetStats {
    /// Payload bytes of status gossip messages received.
    pub status_gossip_bytes: u64,
    /// Inbound events dropped because the node service was busy.
    pub dropped_inbound: u64,
    /// Gossip messages validated and forwarded.
    pub gossip_accepted: u64,
    /// Gossip messages refused as invalid (their senders' scores drop).
    pub gossip_rejected: u64,
    /// Gossip messages dropped without penalty (old, duplicate, not yet applicable).
    pub gossip_ignored: u64,
    /// Inbound requests (claims, presentation requests, syncs) received.
    #[serde(default)]
    pub requests_received: u64,
    /// Gossip messages received (before validation).
    #[serde(default)]
    pub gossip_received: u64,
    /// Inbound requests and gossip refused because their peer was over its rate limit.
    #[serde(default)]
    pub rate_limited: u64,
    /// Peers banned for flooding (since start).
    #[serde(default)]
    pub peers_banned: u64,
    /// Peers banned now.
    #[serde(default)]
    pub peers_banned_now: u64,
    /// New inbound connections refused before the handshake (too many from one IP).
    #[serde(default)]
    pub connections_refused: u64,
}
