//! Admission of new inbound connections by remote IP address, before any handshake: each IP
//! may open [`BURST`] connections at once and [`PER_SEC`] a second after that. A peer banned
//! for flooding (see [`super::rate_limit`]) that keeps reconnecting would otherwise make this
//! node run a Noise handshake for every attempt before its peer id is known and refused;
//! honest peers open a connection and keep it. Established connections are not affected.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::IpAddr;
use std::task::{Context, Poll};
use std::time::Instant;

use libp2p::core::transport::PortUse;
use libp2p::core::Endpoint;
use libp2p::multiaddr::Protocol;
use libp2p::swarm::{
    dummy, ConnectionDenied, ConnectionId, FromSwarm, NetworkBehaviour, THandler, THandlerInEvent,
    THandlerOutEvent, ToSwarm,
};
use libp2p::{Multiaddr, PeerId};

/// New inbound connections one IP may open at once.
pub const BURST: f64 = 64.0;
/// New inbound connections per second one IP may open, sustained.
pub const PER_SEC: f64 = 16.0;

/// Too many new connections from one address.
#[derive(Debug, thiserror::Error)]
#[error("too many new connections from {0}")]
pub struct TooMany(IpAddr);

/// See the module documentation.
#[derive(Default)]
pub struct Behaviour {
    buckets: HashMap<IpAddr, (f64, Instant)>,
    /// Connection attempts refused (for the node's counters).
    pub refused: u64,
}

fn ip_of(addr: &Multiaddr) -> Option<IpAddr> {
    addr.iter().find_map(|p| match p {
        Protocol::Ip4(ip) => Some(IpAddr::V4(ip)),
        Protocol::Ip6(ip) => Some(IpAddr::V6(ip)),
        _ => None,
    })
}

impl Behaviour {
    /// Takes a token for a new connection from `ip` at `now`.
    fn admit(&mut self, ip: IpAddr, now: Instant) -> bool {
        if self.buckets.len() > 100_000 {
            // Forget addresses whose buckets are full again (they carry no information).
            self.buckets.retain(|_, (tokens, last)| {
                *tokens + now.saturating_duration_since(*last).as_secs_f64() * PER_SEC < BURST
            });
        }
        let (tokens, last) = self.buckets.entry(ip).or_insert((BURST, now));
        *tokens =
            (*tokens + now.saturating_duration_since(*last).as_secs_f64() * PER_SEC).min(BURST);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

impl NetworkBehaviour for Behaviour {
    type ConnectionHandler = dummy::ConnectionHandler;
    type ToSwarm = Infallible;

    fn handle_pending_inbound_connection(
        &mut self,
        _: ConnectionId,
        _local: &Multiaddr,
        remote: &Multiaddr,
    ) -> Result<(), ConnectionDenied> {
        match ip_of(remote) {
            Some(ip) if !self.admit(ip, Instant::now()) => {
                self.refused += 1;
                Err(ConnectionDenied::new(TooMany(ip)))
            }
            _ => Ok(()),
        }
    }

    fn handle_established_inbound_connection(
        &mut self,
        _: ConnectionId,
        _: PeerId,
        _: &Multiaddr,
        _: &Multiaddr,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        Ok(dummy::ConnectionHandler)
    }

    fn handle_established_outbound_connection(
        &mut self,
        _: ConnectionId,
        _: PeerId,
        _: &Multiaddr,
        _: Endpoint,
        _: PortUse,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        Ok(dummy::ConnectionHandler)
    }

    fn on_swarm_event(&mut self, _: FromSwarm) {}

    fn on_connection_handler_event(
        &mut self,
        _: PeerId,
        _: ConnectionId,
        event: THandlerOutEvent<Self>,
    ) {
        libp2p::core::util::unreachable(event)
    }

    fn poll(&mut self, _: &mut Context<'_>) -> Poll<ToSwarm<Self::ToSwarm, THandlerInEvent<Self>>> {
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reconnect_storm_from_one_address_is_cut_to_the_rate() {
        let mut b = Behaviour::default();
        let (ip, other): (IpAddr, IpAddr) =
            ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let t = Instant::now();
        let admitted = (0..200).filter(|_| b.admit(ip, t)).count();
        assert_eq!(admitted, BURST as usize);
        assert!(b.admit(other, t), "another address has its own budget");
        assert!(b.admit(ip, t + std::time::Duration::from_secs(1)));
    }
}
