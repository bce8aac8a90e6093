//! Networking: one task ([`EventLoop`]) owns the libp2p `Swarm`; everything else talks to it
//! through a cloneable [`NetHandle`] (commands over a bounded channel, replies over oneshots).
//! Inbound requests and gossip go out to the node service as [`Inbound`] events.

mod behaviour;
mod event_loop;
mod handle;
pub mod ip_limit;
mod messages;
pub mod protocols;
pub mod rate_limit;
mod swarm;

pub use behaviour::{MAX_GOSSIP_BYTES, PROTOCOL_VERSION, STATUS_TOPIC, TRUST_TOPIC};
pub use event_loop::{start, EventLoop};
pub use handle::{NetError, NetHandle};
pub use messages::{Inbound, NetStats, PeerInfo, Validation, RATE_LIMITED};
pub use swarm::{did_of_peer_id, did_of_peer_key, peer_id_of_did, NetConfig};
