//! A hostile libp2p peer for the adversarial corpus: a real swarm with its own fresh key, which
//! connects to a node over TCP + Noise + Yamux like any peer, then sends raw bytes on vcnet's
//! request-response protocols and publishes arbitrary payloads on its gossip topics. Nothing it
//! sends is checked on its side: the node under test must do all the checking.

use std::io;
use std::time::Duration;

use futures::{AsyncReadExt, AsyncWriteExt, StreamExt};
use libp2p::request_response::{self, ProtocolSupport};
use libp2p::swarm::{NetworkBehaviour, SwarmEvent};
use libp2p::{gossipsub, identify, noise, tcp, yamux, Multiaddr, PeerId, StreamProtocol, Swarm};
use node::net::protocols::{ISSUE_PROTOCOL, PRESENT_PROTOCOL, STATUS_SYNC_PROTOCOL};
use node::net::{PROTOCOL_VERSION, STATUS_TOPIC, TRUST_TOPIC};

/// Reads and writes whole streams of bytes, unchecked (the node's codec reads to the end of
/// the stream, as this one writes).
#[derive(Clone, Default)]
pub struct RawCodec;

/// Largest answer read; far above what the node may send, so the node's bound is what is tested.
const READ_LIMIT: u64 = 4 << 20;

async fn read_all<T: futures::AsyncRead + Unpin + Send>(io: &mut T) -> io::Result<Vec<u8>> {
    let mut v = Vec::new();
    io.take(READ_LIMIT).read_to_end(&mut v).await?;
    Ok(v)
}

async fn write_all<T: futures::AsyncWrite + Unpin + Send>(io: &mut T, b: &[u8]) -> io::Result<()> {
    io.write_all(b).await?;
    io.close().await
}

impl request_response::Codec for RawCodec {
    type Protocol = StreamProtocol;
    type Request = Vec<u8>;
    type Response = Vec<u8>;

    async fn read_request<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<Vec<u8>>
    where
        T: futures::AsyncRead + Unpin + Send,
    {
        read_all(io).await
    }

    async fn read_response<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<Vec<u8>>
    where
        T: futures::AsyncRead + Unpin + Send,
    {
        read_all(io).await
    }

    async fn write_request<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        req: Vec<u8>,
    ) -> io::Result<()>
    where
        T: futures::AsyncWrite + Unpin + Send,
    {
        write_all(io, &req).await
    }

    async fn write_response<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        res: Vec<u8>,
    ) -> io::Result<()>
    where
        T: futures::AsyncWrite + Unpin + Send,
    {
        write_all(io, &res).await
    }
}

/// Which vcnet request-response protocol a raw request goes out on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proto {
    Issue,
    Present,
    Sync,
}

#[derive(NetworkBehaviour)]
pub struct HostileBehaviour {
    identify: identify::Behaviour,
    gossipsub: gossipsub::Behaviour,
    issue: request_response::Behaviour<RawCodec>,
    present: request_response::Behaviour<RawCodec>,
    sync: request_response::Behaviour<RawCodec>,
}

fn raw(p: StreamProtocol) -> request_response::Behaviour<RawCodec> {
    request_response::Behaviour::new(
        [(p, ProtocolSupport::Outbound)],
        request_response::Config::default().with_request_timeout(Duration::from_secs(20)),
    )
}

/// The hostile peer.
pub struct Hostile {
    pub swarm: Swarm<HostileBehaviour>,
}

/// What came back for a raw request.
#[derive(Debug)]
pub enum RawAnswer {
    /// The node answered these bytes.
    Bytes(Vec<u8>),
    /// The node closed or reset the stream, or never answered (the text says which).
    Failed(String),
}

impl Hostile {
    /// A fresh hostile peer (new Ed25519 key) on loopback; its gossip accepts sending messages
    /// of up to 4 MiB, so that the receiver's limit is the one tested.
    pub fn new() -> Self {
        let swarm = libp2p::SwarmBuilder::with_new_identity()
            .with_tokio()
            .with_tcp(
                tcp::Config::default().nodelay(true),
                noise::Config::new,
                yamux::Config::default,
            )
            .expect("tcp transport")
            .with_behaviour(|key| {
                let cfg = gossipsub::ConfigBuilder::default()
                    .validation_mode(gossipsub::ValidationMode::Permissive)
                    .max_transmit_size(4 << 20)
                    .heartbeat_interval(Duration::from_millis(100))
                    .build()
                    .expect("gossipsub config");
                let gossipsub = gossipsub::Behaviour::new(
                    gossipsub::MessageAuthenticity::Signed(key.clone()),
                    cfg,
                )
                .expect("gossipsub");
                HostileBehaviour {
                    identify: identify::Behaviour::new(
                        identify::Config::new(PROTOCOL_VERSION.into(), key.public())
                            .with_agent_version(
                                "vcnet/0 {\"name\":\"Mallory\",\"roles\":[]}".into(),
                            ),
                    ),
                    gossipsub,
                    issue: raw(ISSUE_PROTOCOL),
                    present: raw(PRESENT_PROTOCOL),
                    sync: raw(STATUS_SYNC_PROTOCOL),
                }
            })
            .expect("behaviour")
            .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(60)))
            .build();
        Self { swarm }
    }

    pub fn peer_id(&self) -> PeerId {
        *self.swarm.local_peer_id()
    }

    /// Dials `addr` and drives the swarm until `peer` is connected and subscribed to both
    /// vcnet topics (so that a publish reaches it).
    pub async fn connect(&mut self, addr: &str, peer: PeerId) -> Result<(), String> {
        for t in [STATUS_TOPIC, TRUST_TOPIC] {
            self.swarm
                .behaviour_mut()
                .gossipsub
                .subscribe(&gossipsub::IdentTopic::new(t))
                .map_err(|e| e.to_string())?;
        }
        let addr: Multiaddr = addr.parse().map_err(|e| format!("{addr}: {e}"))?;
        self.swarm.dial(addr).map_err(|e| e.to_string())?;
        let subscribed = |s: &Swarm<HostileBehaviour>| {
            let g = &s.behaviour().gossipsub;
            [STATUS_TOPIC, TRUST_TOPIC].iter().all(|t| {
                let h = gossipsub::IdentTopic::new(*t).hash();
                g.all_peers()
                    .any(|(p, topics)| *p == peer && topics.contains(&&h))
            })
        };
        self.drive_until(Duration::from_secs(20), subscribed)
            .await
            .map_err(|_| format!("peer {peer} did not connect and subscribe within 20 s"))
    }

    /// Polls the swarm until `done` holds, or fails after `limit`.
    pub async fn drive_until(
        &mut self,
        limit: Duration,
        mut done: impl FnMut(&Swarm<HostileBehaviour>) -> bool,
    ) -> Result<(), ()> {
        let deadline = tokio::time::Instant::now() + limit;
        while !done(&self.swarm) {
            tokio::select! {
                _ = self.swarm.select_next_some() => {}
                _ = tokio::time::sleep_until(deadline) => return Err(()),
                _ = tokio::time::sleep(Duration::from_millis(20)) => {}
            }
        }
        Ok(())
    }

    /// Drives the swarm for `d` (e.g. while the node under test does something).
    pub async fn drive_for(&mut self, d: Duration) {
        let _ = self.drive_until(d, |_| false).await;
    }

    /// Sends `bytes` as a request on `proto` and waits for what comes back.
    pub async fn ask(&mut self, peer: PeerId, proto: Proto, bytes: Vec<u8>) -> RawAnswer {
        let (mut answers, mut failures) = self.flood(peer, proto, bytes, 1).await;
        match (answers.pop(), failures.pop()) {
            (Some(b), _) => RawAnswer::Bytes(b),
            (None, Some(f)) => RawAnswer::Failed(f),
            (None, None) => RawAnswer::Failed("no answer".into()),
        }
    }

    /// Sends `n` copies of `bytes` as requests on `proto` at once and drives the swarm until
    /// each has an answer or failed (or 30 s pass); returns the answers and failures.
    pub async fn flood(
        &mut self,
        peer: PeerId,
        proto: Proto,
        bytes: Vec<u8>,
        n: usize,
    ) -> (Vec<Vec<u8>>, Vec<String>) {
        let mut waiting = std::collections::HashSet::new();
        for _ in 0..n {
            let b = self.swarm.behaviour_mut();
            waiting.insert(match proto {
                Proto::Issue => b.issue.send_request(&peer, bytes.clone()),
                Proto::Present => b.present.send_request(&peer, bytes.clone()),
                Proto::Sync => b.sync.send_request(&peer, bytes.clone()),
            });
        }
        let (mut answers, mut failures) = (Vec::new(), Vec::new());
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while !waiting.is_empty() {
            let ev = tokio::select! {
                ev = self.swarm.select_next_some() => ev,
                _ = tokio::time::sleep_until(deadline) => break,
            };
            let rr = match ev {
                SwarmEvent::Behaviour(HostileBehaviourEvent::Issue(e))
                | SwarmEvent::Behaviour(HostileBehaviourEvent::Present(e))
                | SwarmEvent::Behaviour(HostileBehaviourEvent::Sync(e)) => e,
                _ => continue,
            };
            match rr {
                request_response::Event::Message {
                    message:
                        request_response::Message::Response {
                            request_id,
                            response,
                        },
                    ..
                } if waiting.remove(&request_id) => answers.push(response),
                request_response::Event::OutboundFailure {
                    request_id, error, ..
                } if waiting.remove(&request_id) => failures.push(error.to_string()),
                _ => {}
            }
        }
        failures.extend(waiting.iter().map(|_| "no answer within 30 s".to_owned()));
        (answers, failures)
    }

    /// Publishes `data` on `topic` to every subscribed peer.
    pub fn publish(&mut self, topic: &str, data: Vec<u8>) -> Result<(), String> {
        self.swarm
            .behaviour_mut()
            .gossipsub
            .publish(gossipsub::IdentTopic::new(topic), data)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

impl Default for Hostile {
    fn default() -> Self {
        Self::new()
    }
}
