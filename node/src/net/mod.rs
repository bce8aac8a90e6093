//! Networking: one task ([`EventLoop`]) owns the libp2p `Swarm`; everything else talks to it
//! through a cloneable [`NetHandle`] (commands over a bounded channel, replies over oneshots).
//! Inbound requests and gossip go out to the node service as [`Inbound`] events.

mod behaviour;
mod event_loop;
mod handle;
pub mod ip_limit;
pub mod protocols;
pub mod rate_limit;

pub use behaviour::{MAX_GOSSIP_BYTES, PROTOCOL_VERSION, STATUS_TOPIC, TRUST_TOPIC};
pub use event_loop::{
    did_of_peer_id, did_of_peer_key, peer_id_of_did, start, EventLoop, Inbound, NetConfig,
    NetStats, PeerInfo, Validation,
};
pub use handle::{NetError, NetHandle};
