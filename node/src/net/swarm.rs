//! Building the swarm: TCP (Noise, Yamux) and QUIC transports, the behaviours, the gossip
//! topics, listening and the first dials; and the mapping between peer ids and did:keys (a
//! node's peer key is its DID key).

use libp2p::{gossipsub, identity, noise, tcp, yamux, Multiaddr, PeerId, Swarm};

use super::behaviour::{VcnetBehaviour, STATUS_TOPIC, TRUST_TOPIC};
use super::messages::Agent;
use super::rate_limit::Limits;

/// How to start the network.
#[derive(Clone)]
pub struct NetConfig {
    /// The node key (also its did:key).
    pub key: identity::Keypair,
    /// Listen addresses (TCP and QUIC).
    pub listen: Vec<Multiaddr>,
    /// Peers to dial at start.
    pub bootstrap: Vec<Multiaddr>,
    /// Find LAN peers by mDNS.
    pub mdns: bool,
    /// Display name to announce.
    pub name: String,
    /// Roles to announce.
    pub roles: Vec<String>,
    /// Per-peer rate limits and bans.
    pub limits: Limits,
}

/// The swarm of `cfg`, subscribed to the gossip topics, listening, and dialing the bootstrap
/// peers.
pub(super) fn build(cfg: &NetConfig) -> Result<Swarm<VcnetBehaviour>, String> {
    let agent = format!(
        "vcnet/{} {}",
        env!("CARGO_PKG_VERSION"),
        serde_json::to_string(&Agent {
            name: cfg.name.clone(),
            roles: cfg.roles.clone()
        })
        .unwrap_or_default()
    );
    let mdns_on = cfg.mdns;
    let mut swarm = libp2p::SwarmBuilder::with_existing_identity(cfg.key.clone())
        .with_tokio()
        .with_tcp(
            tcp::Config::default().nodelay(true),
            noise::Config::new,
            yamux::Config::default,
        )
        .map_err(|e| format!("tcp transport: {e}"))?
        .with_quic()
        .with_behaviour(|key| {
            VcnetBehaviour::new(key, agent.clone(), mdns_on).map_err(|e| e.into())
        })
        .map_err(|e| format!("behaviour: {e}"))?
        .with_swarm_config(|c| c.with_idle_connection_timeout(std::time::Duration::from_secs(300)))
        .build();
    for topic in [STATUS_TOPIC, TRUST_TOPIC] {
        swarm
            .behaviour_mut()
            .gossipsub
            .subscribe(&gossipsub::IdentTopic::new(topic))
            .map_err(|e| format!("subscribe {topic}: {e}"))?;
    }
    for addr in &cfg.listen {
        swarm
            .listen_on(addr.clone())
            .map_err(|e| format!("listen on {addr}: {e}"))?;
    }
    for addr in &cfg.bootstrap {
        if let Err(e) = swarm.dial(addr.clone()) {
            tracing::warn!(%addr, error = %e, "bootstrap dial failed");
        }
    }
    Ok(swarm)
}

/// The did:key of a libp2p Ed25519 public key.
pub fn did_of_peer_key(key: &identity::PublicKey) -> Option<String> {
    let ed = key.clone().try_into_ed25519().ok()?;
    let vk = ed25519_dalek::VerifyingKey::from_bytes(&ed.to_bytes()).ok()?;
    Some(credentials::did::did_key_from_public(&vk))
}

/// The peer id of a did:key (its Ed25519 key is the peer's key).
pub fn peer_id_of_did(did: &str) -> Option<PeerId> {
    let vk = credentials::did::resolve_key(did).ok()?;
    let ed = identity::ed25519::PublicKey::try_from_bytes(&vk.to_bytes()).ok()?;
    Some(PeerId::from_public_key(&identity::PublicKey::from(ed)))
}

/// The did:key of a peer, from the Ed25519 key inlined in its peer id.
pub fn did_of_peer_id(peer: &PeerId) -> Option<String> {
    let mh: &libp2p::multihash::Multihash<64> = peer.as_ref();
    if mh.code() != 0 {
        return None;
    }
    let key = identity::PublicKey::try_decode_protobuf(mh.digest()).ok()?;
    did_of_peer_key(&key)
}
