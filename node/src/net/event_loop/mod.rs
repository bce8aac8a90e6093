//! The task that owns the `Swarm`: runs commands from [`super::NetHandle`], matches responses to
//! callers by request id, and hands inbound requests and gossip to the node service. The three
//! request-response protocols share one handler (`rr.rs`).

mod rr;

use std::collections::HashMap;

use futures::StreamExt;
use libp2p::request_response::OutboundRequestId;
use libp2p::swarm::SwarmEvent;
use libp2p::{gossipsub, identify, kad, mdns, Multiaddr, PeerId, Swarm};
use tokio::sync::{mpsc, oneshot, watch};

use super::behaviour::VcnetBehaviour;
use super::behaviour::{VcnetBehaviourEvent, STATUS_TOPIC};
use super::handle::{NetError, NetHandle};
use super::messages::{Agent, Command, Inbound, NetStats, PeerInfo, Validation};
use super::protocols::*;
use super::rate_limit::{Kind, PeerLimiter, Struck};
use super::swarm::{did_of_peer_key, NetConfig};

/// Commands queued to the event loop. Bounded: callers wait when the loop is busy.
pub const COMMAND_CAP: usize = 256;
/// Inbound events queued to the node service. The loop never waits on it: when full, requests
/// are refused as busy and gossip is ignored, and the drop is counted.
pub const INBOUND_CAP: usize = 1024;

/// Seconds before the first redial of a peer that is not connected.
pub const REDIAL_SECS: u64 = 5;
/// Longest wait between redials of one peer: a partition that heals is noticed within this
/// (both sides redial, so usually sooner); a peer gone for good costs one dial per interval.
pub const MAX_REDIAL_SECS: u64 = 30;
/// Redials started per housekeeping round, at most.
pub const MAX_REDIALS_PER_ROUND: usize = 16;

/// Owns the swarm.
pub struct EventLoop {
    swarm: Swarm<VcnetBehaviour>,
    commands: mpsc::Receiver<Command>,
    inbound: mpsc::Sender<Inbound>,
    shutdown: watch::Receiver<bool>,
    pending_claim: HashMap<OutboundRequestId, oneshot::Sender<Result<ClaimResponse, NetError>>>,
    pending_present:
        HashMap<OutboundRequestId, oneshot::Sender<Result<PresentationResponse, NetError>>>,
    pending_sync: HashMap<OutboundRequestId, oneshot::Sender<Result<StatusSyncResponse, NetError>>>,
    peers: HashMap<PeerId, PeerInfo>,
    /// Payload bytes of status gossip received (for the propagation benchmark).
    status_gossip_bytes: u64,
    /// Requests to peers with no known address, waiting for a Kademlia lookup.
    awaiting_lookup: HashMap<PeerId, Vec<Outbound>>,
    dropped_inbound: u64,
    /// Gossip verdicts reported (accepted, rejected, ignored).
    verdicts: [u64; 3],
    /// Per-peer rate limits, strikes and bans.
    limiter: PeerLimiter,
    /// Bootstrap addresses, redialed while not connected.
    bootstrap: Vec<Multiaddr>,
    /// When each peer (or bootstrap address) was last dialed by the redial loop, and how many
    /// times in a row (the wait doubles each time, up to [`MAX_REDIAL_SECS`]).
    last_redial: HashMap<String, (std::time::Instant, u32)>,
    rate_limited: u64,
    peers_banned: u64,
    /// Requests and gossip messages received.
    received: [u64; 2],
}

/// A request held until its peer's address is known.
enum Outbound {
    Claim(
        ClaimRequest,
        oneshot::Sender<Result<ClaimResponse, NetError>>,
    ),
    Present(
        PresentationRequest,
        oneshot::Sender<Result<PresentationResponse, NetError>>,
    ),
    Sync(
        StatusSyncRequest,
        oneshot::Sender<Result<StatusSyncResponse, NetError>>,
    ),
}

/// Builds the swarm, starts listening and dialing, and returns the handle, the inbound event
/// receiver and the loop to spawn.
pub fn start(
    cfg: NetConfig,
    shutdown: watch::Receiver<bool>,
) -> Result<(NetHandle, mpsc::Receiver<Inbound>, EventLoop), String> {
    let swarm = super::swarm::build(&cfg)?;
    let (tx, commands) = mpsc::channel(COMMAND_CAP);
    let (inbound, inbound_rx) = mpsc::channel(INBOUND_CAP);
    let handle = NetHandle {
        tx,
        local_peer_id: *swarm.local_peer_id(),
    };
    let el = EventLoop {
        swarm,
        commands,
        inbound,
        shutdown,
        pending_claim: HashMap::new(),
        pending_present: HashMap::new(),
        pending_sync: HashMap::new(),
        peers: HashMap::new(),
        awaiting_lookup: HashMap::new(),
        status_gossip_bytes: 0,
        dropped_inbound: 0,
        verdicts: [0; 3],
        limiter: PeerLimiter::new(cfg.limits.clone()),
        bootstrap: cfg.bootstrap.clone(),
        last_redial: HashMap::new(),
        rate_limited: 0,
        peers_banned: 0,
        received: [0; 2],
    };
    Ok((handle, inbound_rx, el))
}

impl EventLoop {
    /// Runs until shutdown is signalled or every handle is dropped.
    pub async fn run(mut self) {
        let mut housekeeping = tokio::time::interval(std::time::Duration::from_secs(5));
        loop {
            tokio::select! {
                ev = self.swarm.select_next_some() => self.on_swarm_event(ev),
                _ = housekeeping.tick() => {
                    for peer in self.limiter.expire(std::time::Instant::now()) {
                        tracing::info!(%peer, "ban ended");
                        self.swarm.behaviour_mut().blocked.unblock_peer(peer);
                    }
                    self.redial();
                }
                cmd = self.commands.recv() => match cmd {
                    Some(c) => self.on_command(c),
                    None => break,
                },
                _ = self.shutdown.changed() => break,
            }
        }
        tracing::info!(dropped_inbound = self.dropped_inbound, "network stopped");
    }

    /// Hands an event to the node service without waiting; a full queue gives it back (boxed:
    /// it is large) so the caller can answer "busy". The drop is counted.
    fn forward(&mut self, ev: Inbound) -> Result<(), Box<Inbound>> {
        self.inbound.try_send(ev).map_err(|e| {
            self.dropped_inbound += 1;
            match e {
                mpsc::error::TrySendError::Full(ev) | mpsc::error::TrySendError::Closed(ev) => {
                    Box::new(ev)
                }
            }
        })
    }

    /// Drops a gossip message unvalidated and without penalty (its sender over its limit, or
    /// the node service too busy to look at it).
    fn ignore_gossip(&mut self, id: &gossipsub::MessageId, source: &PeerId) {
        self.swarm
            .behaviour_mut()
            .gossipsub
            .report_message_validation_result(id, source, gossipsub::MessageAcceptance::Ignore);
    }

    /// Dials again the bootstrap peers and the identified peers this node is not connected to
    /// (a link that went down and came back, a peer that restarted): first after
    /// [`REDIAL_SECS`], then waiting twice as long each time up to [`MAX_REDIAL_SECS`], so
    /// that a healed partition is noticed within seconds and a peer gone for good costs little.
    fn redial(&mut self) {
        let now = std::time::Instant::now();
        let due = |last: &HashMap<String, (std::time::Instant, u32)>, key: &str| {
            last.get(key).is_none_or(|(t, n)| {
                now.duration_since(*t).as_secs()
                    >= (REDIAL_SECS << (*n).min(8)).min(MAX_REDIAL_SECS)
            })
        };
        let mut dials: Vec<(String, libp2p::swarm::dial_opts::DialOpts)> = Vec::new();
        for addr in &self.bootstrap {
            let peer = addr.iter().find_map(|p| match p {
                libp2p::multiaddr::Protocol::P2p(id) => Some(id),
                _ => None,
            });
            let connected = peer.is_some_and(|p| self.swarm.is_connected(&p));
            let key = addr.to_string();
            if !connected && due(&self.last_redial, &key) {
                dials.push((key, addr.clone().into()));
            }
        }
        for (id, p) in &self.peers {
            let key = id.to_string();
            if self.swarm.is_connected(id)
                || p.addrs.is_empty()
                || self.limiter.is_banned(id, now)
                || !due(&self.last_redial, &key)
            {
                continue;
            }
            let addrs: Vec<Multiaddr> = p.addrs.iter().filter_map(|a| a.parse().ok()).collect();
            dials.push((
                key,
                libp2p::swarm::dial_opts::DialOpts::peer_id(*id)
                    .addresses(addrs)
                    .build(),
            ));
        }
        for (key, opts) in dials.into_iter().take(MAX_REDIALS_PER_ROUND) {
            let n = self.last_redial.get(&key).map_or(0, |(_, n)| n + 1);
            self.last_redial.insert(key, (now, n));
            if let Err(e) = self.swarm.dial(opts) {
                tracing::trace!(error = %e, "redial");
            }
        }
    }

    /// Whether to take on one more piece of `kind` work from `peer`. Over its limit, the
    /// refusal counts as a strike; enough strikes ban the peer (connections closed, new ones
    /// refused) for a while.
    fn admit(&mut self, peer: PeerId, kind: Kind) -> bool {
        let now = std::time::Instant::now();
        self.received[usize::from(kind == Kind::Gossip)] += 1;
        if self.limiter.allow(peer, kind, now) {
            return true;
        }
        self.rate_limited += 1;
        // Gossip over the limit is dropped unread but is no offence: an honest relay bursts
        // when an agency revokes in bulk (what it drops, a sync brings).
        if kind != Kind::Gossip {
            self.strike(peer, now);
        }
        false
    }

    fn strike(&mut self, peer: PeerId, now: std::time::Instant) {
        if self.limiter.strike(peer, now) == Struck::Ban {
            self.peers_banned += 1;
            tracing::warn!(%peer, "peer banned for flooding: connections closed and refused");
            self.swarm.behaviour_mut().blocked.block_peer(peer);
        }
    }

    fn on_command(&mut self, c: Command) {
        let b = self.swarm.behaviour_mut();
        match c {
            Command::Dial { addr, reply } => {
                let r = self.swarm.dial(addr.clone()).map_err(|e| NetError::Dial {
                    addr: addr.to_string(),
                    reason: e.to_string(),
                });
                let _ = reply.send(r);
            }
            Command::Claim { peer, req, reply } => {
                self.send_or_lookup(peer, Outbound::Claim(req, reply))
            }
            Command::Present { peer, req, reply } => {
                self.send_or_lookup(peer, Outbound::Present(req, reply))
            }
            Command::Sync { peer, req, reply } => {
                self.send_or_lookup(peer, Outbound::Sync(req, reply))
            }
            Command::RespondClaim { channel, resp } => {
                let _ = b.issue.send_response(channel, resp);
            }
            Command::RespondPresent { channel, resp } => {
                let _ = b.present.send_response(channel, resp);
            }
            Command::RespondSync { channel, resp } => {
                let _ = b.status_sync.send_response(channel, resp);
            }
            Command::Publish { topic, data, reply } => {
                let r = b
                    .gossipsub
                    .publish(gossipsub::IdentTopic::new(topic), data)
                    .map(|_| ())
                    .or_else(|e| match e {
                        // Alone on the network: nothing to send to, which is not an error for
                        // the caller (peers will sync when they connect).
                        gossipsub::PublishError::NoPeersSubscribedToTopic => Ok(()),
                        other => Err(NetError::Publish(other.to_string())),
                    });
                let _ = reply.send(r);
            }
            Command::Report {
                id,
                source,
                validation,
            } => {
                let (acc, slot) = match validation {
                    Validation::Accept => (gossipsub::MessageAcceptance::Accept, 0),
                    Validation::Reject => (gossipsub::MessageAcceptance::Reject, 1),
                    Validation::Ignore => (gossipsub::MessageAcceptance::Ignore, 2),
                };
                if let Some(n) = self.verdicts.get_mut(slot) {
                    *n += 1;
                }
                b.gossipsub
                    .report_message_validation_result(&id, &source, acc);
                if validation == Validation::Reject {
                    self.strike(source, std::time::Instant::now());
                }
            }
            Command::Stats { reply } => {
                let _ = reply.send(NetStats {
                    status_gossip_bytes: self.status_gossip_bytes,
                    dropped_inbound: self.dropped_inbound,
                    gossip_accepted: self.verdicts[0],
                    gossip_rejected: self.verdicts[1],
                    gossip_ignored: self.verdicts[2],
                    requests_received: self.received[0],
                    gossip_received: self.received[1],
                    rate_limited: self.rate_limited,
                    peers_banned: self.peers_banned,
                    connections_refused: self.swarm.behaviour().ip_limit.refused,
                    peers_banned_now: self.limiter.banned_count(std::time::Instant::now()) as u64,
                });
            }
            Command::Peers { reply } => {
                let gossip = &self.swarm.behaviour().gossipsub;
                let peers = self
                    .peers
                    .iter()
                    .map(|(id, p)| PeerInfo {
                        gossip_score: gossip.peer_score(id),
                        ..p.clone()
                    })
                    .collect();
                let _ = reply.send(peers);
            }
            Command::Listeners { reply } => {
                let _ = reply.send(self.swarm.listeners().cloned().collect());
            }
        }
    }

    /// Sends now if the peer is connected or its address is known; otherwise asks the DHT
    /// where it is first.
    fn send_or_lookup(&mut self, peer: PeerId, req: Outbound) {
        let known = self.swarm.is_connected(&peer)
            || self.peers.get(&peer).is_some_and(|p| !p.addrs.is_empty())
            || self.kad_knows(&peer);
        if known {
            self.send(peer, req);
        } else {
            let first = !self.awaiting_lookup.contains_key(&peer);
            self.awaiting_lookup.entry(peer).or_default().push(req);
            if first {
                self.swarm.behaviour_mut().kad.get_closest_peers(peer);
            }
        }
    }

    fn kad_knows(&mut self, peer: &PeerId) -> bool {
        self.swarm
            .behaviour_mut()
            .kad
            .kbucket(*peer)
            .is_some_and(|b| b.iter().any(|e| e.node.key.preimage() == peer))
    }

    fn send(&mut self, peer: PeerId, req: Outbound) {
        let b = self.swarm.behaviour_mut();
        match req {
            Outbound::Claim(r, reply) => {
                let id = b.issue.send_request(&peer, r);
                self.pending_claim.insert(id, reply);
            }
            Outbound::Present(r, reply) => {
                let id = b.present.send_request(&peer, r);
                self.pending_present.insert(id, reply);
            }
            Outbound::Sync(r, reply) => {
                let id = b.status_sync.send_request(&peer, r);
                self.pending_sync.insert(id, reply);
            }
        }
    }

    fn on_lookup_done(&mut self, found: Vec<kad::PeerInfo>) {
        for p in &found {
            for a in &p.addrs {
                self.swarm.add_peer_address(p.peer_id, a.clone());
            }
        }
        // Release every waiting request whose peer was found; the rest wait for their own
        // lookup (one per peer), which finishes with or without it.
        let ready: Vec<PeerId> = self
            .awaiting_lookup
            .keys()
            .filter(|k| found.iter().any(|p| &p.peer_id == *k))
            .copied()
            .collect();
        for peer in ready {
            for req in self.awaiting_lookup.remove(&peer).unwrap_or_default() {
                self.send(peer, req);
            }
        }
    }

    fn on_lookup_finished(&mut self, key: Vec<u8>, found: Vec<kad::PeerInfo>) {
        self.on_lookup_done(found);
        if let Ok(peer) = PeerId::from_bytes(&key) {
            // Not found: send anyway so the caller gets the dial error rather than silence.
            for req in self.awaiting_lookup.remove(&peer).unwrap_or_default() {
                self.send(peer, req);
            }
        }
    }

    fn on_swarm_event(&mut self, ev: SwarmEvent<VcnetBehaviourEvent>) {
        match ev {
            SwarmEvent::NewListenAddr { address, .. } => tracing::info!(%address, "listening"),
            SwarmEvent::ConnectionEstablished {
                peer_id, endpoint, ..
            } => {
                tracing::debug!(peer = %peer_id, addr = %endpoint.get_remote_address(), "connected");
                if endpoint.is_dialer() {
                    self.swarm
                        .behaviour_mut()
                        .kad
                        .add_address(&peer_id, endpoint.get_remote_address().clone());
                }
                if let Some(p) = self.peers.get_mut(&peer_id) {
                    p.connected = true;
                }
                let id = peer_id.to_string();
                self.last_redial.retain(|k, _| !k.contains(&id));
            }
            SwarmEvent::ConnectionClosed {
                peer_id,
                num_established: 0,
                ..
            } => {
                if let Some(p) = self.peers.get_mut(&peer_id) {
                    p.connected = false;
                }
            }
            SwarmEvent::Behaviour(VcnetBehaviourEvent::Identify(identify::Event::Received {
                peer_id,
                info,
                ..
            })) => {
                self.on_identify(peer_id, info);
            }
            SwarmEvent::Behaviour(VcnetBehaviourEvent::Mdns(mdns::Event::Discovered(list))) => {
                for (peer, addr) in list {
                    self.swarm.add_peer_address(peer, addr.clone());
                    self.swarm
                        .behaviour_mut()
                        .kad
                        .add_address(&peer, addr.clone());
                    if !self.swarm.is_connected(&peer) {
                        let _ = self.swarm.dial(addr);
                    }
                }
            }
            SwarmEvent::Behaviour(VcnetBehaviourEvent::Gossipsub(gossipsub::Event::Message {
                propagation_source,
                message_id,
                message,
            })) => {
                if message.topic.as_str() == STATUS_TOPIC {
                    self.status_gossip_bytes += message.data.len() as u64;
                }
                if !self.admit(propagation_source, Kind::Gossip) {
                    self.ignore_gossip(&message_id, &propagation_source);
                    return;
                }
                let ev = Inbound::Gossip {
                    topic: message.topic.to_string(),
                    data: message.data,
                    id: message_id.clone(),
                    source: propagation_source,
                };
                if self.forward(ev).is_err() {
                    self.ignore_gossip(&message_id, &propagation_source);
                }
            }
            SwarmEvent::Behaviour(VcnetBehaviourEvent::Issue(e)) => self.on_rr::<rr::Claims>(e),
            SwarmEvent::Behaviour(VcnetBehaviourEvent::Present(e)) => {
                self.on_rr::<rr::Presentations>(e)
            }
            SwarmEvent::Behaviour(VcnetBehaviourEvent::StatusSync(e)) => self.on_rr::<rr::Syncs>(e),
            SwarmEvent::Behaviour(VcnetBehaviourEvent::Kad(
                kad::Event::OutboundQueryProgressed {
                    result: kad::QueryResult::GetClosestPeers(r),
                    step,
                    ..
                },
            )) => match r {
                Ok(ok) if step.last => self.on_lookup_finished(ok.key, ok.peers),
                Ok(ok) => self.on_lookup_done(ok.peers),
                Err(kad::GetClosestPeersError::Timeout { key, peers }) => {
                    self.on_lookup_finished(key, peers)
                }
            },
            SwarmEvent::Behaviour(VcnetBehaviourEvent::Kad(kad::Event::RoutingUpdated {
                peer,
                ..
            })) => {
                tracing::trace!(%peer, "kademlia routing updated");
            }
            // A ping that times out or fails on the stream means the link is gone; a peer
            // that does not speak ping (`Unsupported`) is not a dead link.
            SwarmEvent::Behaviour(VcnetBehaviourEvent::Ping(libp2p::ping::Event {
                peer,
                connection,
                result: Err(e),
            })) if !matches!(e, libp2p::ping::Failure::Unsupported) => {
                tracing::debug!(%peer, error = %e, "ping failed; closing the connection");
                self.swarm.close_connection(connection);
            }
            SwarmEvent::OutgoingConnectionError { peer_id, error, .. } => {
                tracing::debug!(peer = ?peer_id, %error, "outgoing connection failed");
            }
            _ => {}
        }
    }

    fn on_identify(&mut self, peer_id: PeerId, info: identify::Info) {
        if info.protocol_version != super::PROTOCOL_VERSION {
            return;
        }
        let Some(did) = did_of_peer_key(&info.public_key) else {
            tracing::warn!(peer = %peer_id, "peer key is not Ed25519; ignoring");
            return;
        };
        let agent: Option<Agent> = info
            .agent_version
            .split_once(' ')
            .and_then(|(_, j)| serde_json::from_str(j).ok());
        let (name, roles) = agent.map(|a| (a.name, a.roles)).unwrap_or_default();
        for addr in &info.listen_addrs {
            self.swarm.add_peer_address(peer_id, addr.clone());
            self.swarm
                .behaviour_mut()
                .kad
                .add_address(&peer_id, addr.clone());
        }
        let p = PeerInfo {
            peer_id: peer_id.to_string(),
            did,
            name,
            roles,
            addrs: info.listen_addrs.iter().map(|a| a.to_string()).collect(),
            connected: true,
            gossip_score: None,
        };
        let first = self.peers.insert(peer_id, p.clone()).is_none();
        if first {
            tracing::info!(peer = %peer_id, name = %p.name, did = %p.did, "peer identified");
        }
        let _ = self.forward(Inbound::Identified(p));
    }
}
