//! The one composed libp2p behaviour of a vcnet node.

use libp2p::request_response::{self, cbor, ProtocolSupport};
use libp2p::swarm::NetworkBehaviour;
use libp2p::{gossipsub, identify, identity, kad, mdns, ping, PeerId};

use super::protocols::*;

/// Gossip topic of signed status list snapshots and deltas.
pub const STATUS_TOPIC: &str = "/vcnet/status/1";
/// Gossip topic of signed accreditations and withdrawals.
pub const TRUST_TOPIC: &str = "/vcnet/trust/1";
/// Largest gossip message: a full snapshot of a 131,072-entry list compresses to a few KiB
/// at most when sparse, 16 KiB + base64 when dense; 256 KiB bounds every honest message.
pub const MAX_GOSSIP_BYTES: usize = 256 * 1024;
/// identify protocol version: peers on another protocol family are ignored.
pub const PROTOCOL_VERSION: &str = "/vcnet/1";

/// Score lost per invalid message (squared: one `Reject` costs 25, two cost 100).
const INVALID_MESSAGE_WEIGHT: f64 = -25.0;

/// Gossipsub peer scoring, so that a `Reject` costs its sender: only invalid messages (P4) and
/// protocol misbehaviour (P7) count against a peer. The delivery-rate penalties (P3, P3b) stay
/// off, because vcnet's topics are quiet by nature (a revocation now and then) and would punish
/// honest peers for silence; the IP colocation penalty (P6) stays off, because a local testnet
/// or a clinic's LAN runs many honest nodes behind one address.
///
/// Thresholds: one invalid message takes a peer below the gossip threshold (no IHAVE/IWANT
/// with it), two below the publish threshold, four below the graylist threshold (everything
/// it sends is dropped unread). The counter decays by 10% a second (the decay interval), so a
/// peer that made an honest mistake recovers within minutes.
fn peer_scoring() -> (gossipsub::PeerScoreParams, gossipsub::PeerScoreThresholds) {
    let mut params = gossipsub::PeerScoreParams {
        ip_colocation_factor_weight: 0.0,
        ..Default::default()
    };
    let topic = gossipsub::TopicScoreParams {
        topic_weight: 1.0,
        time_in_mesh_weight: 0.0,
        first_message_deliveries_weight: 0.0,
        mesh_message_deliveries_weight: 0.0,
        mesh_failure_penalty_weight: 0.0,
        invalid_message_deliveries_weight: INVALID_MESSAGE_WEIGHT,
        invalid_message_deliveries_decay: 0.9,
        ..Default::default()
    };
    for t in [STATUS_TOPIC, TRUST_TOPIC] {
        params
            .topics
            .insert(gossipsub::IdentTopic::new(t).hash(), topic.clone());
    }
    let thresholds = gossipsub::PeerScoreThresholds {
        gossip_threshold: -20.0,
        publish_threshold: -90.0,
        graylist_threshold: -390.0,
        accept_px_threshold: 10.0,
        opportunistic_graft_threshold: 5.0,
    };
    (params, thresholds)
}

/// Everything a vcnet node speaks.
#[derive(NetworkBehaviour)]
pub struct VcnetBehaviour {
    /// New inbound connections admitted per remote IP, before any handshake.
    pub ip_limit: super::ip_limit::Behaviour,
    /// Peers banned for flooding: their connections are closed and refused.
    pub blocked: libp2p::allow_block_list::Behaviour<libp2p::allow_block_list::BlockedPeers>,
    /// Caps on connections, so no one peer or crowd of half-open dials exhausts the node.
    pub limits: libp2p::connection_limits::Behaviour,
    pub identify: identify::Behaviour,
    pub ping: ping::Behaviour,
    pub kad: kad::Behaviour<kad::store::MemoryStore>,
    pub mdns: libp2p::swarm::behaviour::toggle::Toggle<mdns::tokio::Behaviour>,
    pub gossipsub: gossipsub::Behaviour,
    pub issue: cbor::Behaviour<ClaimRequest, ClaimResponse>,
    pub present: cbor::Behaviour<PresentationRequest, PresentationResponse>,
    pub status_sync: cbor::Behaviour<StatusSyncRequest, StatusSyncResponse>,
}

fn rr<Req, Resp>(
    protocol: libp2p::StreamProtocol,
    timeout: std::time::Duration,
    max_request: u64,
) -> cbor::Behaviour<Req, Resp>
where
    Req: Send + Clone + serde::Serialize + serde::de::DeserializeOwned + 'static,
    Resp: Send + Clone + serde::Serialize + serde::de::DeserializeOwned + 'static,
{
    let codec = cbor::codec::Codec::default()
        .set_request_size_maximum(max_request)
        .set_response_size_maximum(MAX_RESPONSE_BYTES);
    request_response::Behaviour::with_codec(
        codec,
        [(protocol, ProtocolSupport::Full)],
        request_response::Config::default().with_request_timeout(timeout),
    )
}

impl VcnetBehaviour {
    /// Builds the behaviour for a node key; `agent` is the identify agent string carrying the
    /// display name and roles.
    pub fn new(key: &identity::Keypair, agent: String, mdns_enabled: bool) -> Result<Self, String> {
        let peer_id = PeerId::from(key.public());
        let gossip_cfg = gossipsub::ConfigBuilder::default()
            .validation_mode(gossipsub::ValidationMode::Strict)
            .validate_messages()
            .max_transmit_size(MAX_GOSSIP_BYTES)
            .heartbeat_interval(std::time::Duration::from_millis(100))
            .build()
            .map_err(|e| format!("gossipsub config: {e}"))?;
        let mut gossipsub = gossipsub::Behaviour::new(
            gossipsub::MessageAuthenticity::Signed(key.clone()),
            gossip_cfg,
        )
        .map_err(|e| format!("gossipsub: {e}"))?;
        let (params, thresholds) = peer_scoring();
        gossipsub
            .with_peer_score(params, thresholds)
            .map_err(|e| format!("gossipsub peer scoring: {e}"))?;
        let mdns = if mdns_enabled {
            Some(
                mdns::tokio::Behaviour::new(mdns::Config::default(), peer_id)
                    .map_err(|e| format!("mdns: {e}"))?,
            )
        } else {
            None
        };
        let mut kad_cfg = kad::Config::new(libp2p::StreamProtocol::new("/vcnet/kad/1"));
        kad_cfg.set_query_timeout(std::time::Duration::from_secs(30));
        let mut kad =
            kad::Behaviour::with_config(peer_id, kad::store::MemoryStore::new(peer_id), kad_cfg);
        kad.set_mode(Some(kad::Mode::Server));
        Ok(Self {
            ip_limit: Default::default(),
            blocked: Default::default(),
            limits: libp2p::connection_limits::Behaviour::new(
                libp2p::connection_limits::ConnectionLimits::default()
                    .with_max_pending_incoming(Some(MAX_PENDING_INCOMING))
                    .with_max_established_incoming(Some(MAX_ESTABLISHED_INCOMING))
                    .with_max_established_per_peer(Some(MAX_CONNECTIONS_PER_PEER)),
            ),
            identify: identify::Behaviour::new(
                identify::Config::new(PROTOCOL_VERSION.into(), key.public())
                    .with_agent_version(agent),
            ),
            ping: ping::Behaviour::new(
                ping::Config::new()
                    .with_interval(PING_INTERVAL)
                    .with_timeout(PING_TIMEOUT),
            ),
            kad,
            mdns: mdns.into(),
            gossipsub,
            issue: rr(ISSUE_PROTOCOL, REQUEST_TIMEOUT, MAX_REQUEST_BYTES),
            present: rr(PRESENT_PROTOCOL, PRESENT_TIMEOUT, MAX_REQUEST_BYTES),
            status_sync: rr(
                STATUS_SYNC_PROTOCOL,
                REQUEST_TIMEOUT,
                MAX_SYNC_REQUEST_BYTES,
            ),
        })
    }
}

/// How often a connection is checked alive.
pub const PING_INTERVAL: std::time::Duration = std::time::Duration::from_secs(3);
/// A ping unanswered this long means the link is gone: the connection is closed (a TCP
/// connection over a cut link would otherwise wait out its retransmission backoff, tens of
/// seconds after the link is back) and the peer redialed.
pub const PING_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(6);

/// Incoming connections still in their handshake, at most.
pub const MAX_PENDING_INCOMING: u32 = 128;
/// Incoming connections established, at most.
pub const MAX_ESTABLISHED_INCOMING: u32 = 4096;
/// Connections with one peer, at most (TCP and QUIC, both directions).
pub const MAX_CONNECTIONS_PER_PEER: u32 = 4;

/// Presentation requests wait for the holder's consent when its policy is "ask".
pub const PRESENT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);
