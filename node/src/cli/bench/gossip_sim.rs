//! `vcnode bench gossip-sim`: revocation propagation through thousands of nodes, simulated in
//! one process. Each node keeps its own replica and validates every revocation it receives
//! with the node's real rules (`credentials::replication`: the owner's Ed25519 signature, the
//! version, the digest of the list after the change), timed; the network between them is
//! simulated as gossipsub carries a message in vcnet's configuration: a mesh of degree about 6
//! (`mesh_n`), each node forwarding a validated message to its mesh peers but the sender,
//! duplicates dropped by message id, and every heartbeat (100 ms) an IHAVE of the message ids
//! seen in the last three heartbeats to 6 peers outside the mesh (`gossip_lazy`), answered by
//! an IWANT from a peer that lacks one. Links have log-normal latencies around a median and a
//! bandwidth. The figures: time from publication to each node's stored revocation (p50, p99,
//! max) and the bytes each node receives per revocation, against N.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::bail;
use clap::Args;
use credentials::did::KeyResolver;
use credentials::replication::{Replica, Verdict};
use credentials::status::{SignedDelta, SignedSnapshot, StatusList, StatusPurpose};
use credentials::wire::GossipMessage;
use credentials::Identity;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

use crate::roles::SHARD_SIZE;

#[derive(Args)]
pub struct GossipSimArgs {
    /// Network sizes to simulate, comma separated.
    #[arg(long, value_delimiter = ',', default_value = "10,50,200,1000,5000")]
    nodes: Vec<usize>,
    /// Revocations per size (one after another, each its own delta).
    #[arg(long, default_value_t = 5)]
    revocations: usize,
    /// Median one-way link latency, in milliseconds.
    #[arg(long, default_value_t = 100.0)]
    latency_ms: f64,
    /// Spread of link latencies (sigma of the log-normal; 0 for equal links).
    #[arg(long, default_value_t = 0.3)]
    latency_sigma: f64,
    /// Link bandwidth, in megabits per second.
    #[arg(long, default_value_t = 10.0)]
    bandwidth_mbit: f64,
    /// Mesh degree (gossipsub `mesh_n`).
    #[arg(long, default_value_t = 6)]
    degree: usize,
    /// Save a plot of the table here (PNG).
    #[arg(long)]
    plot: Option<PathBuf>,
    /// Seed of the topology and latencies.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// Gossipsub's heartbeat in vcnet (`heartbeat_interval`), microseconds.
const HEARTBEAT_US: u64 = 100_000;
/// Heartbeats a message id is advertised in IHAVE (`history_gossip`).
const HISTORY_GOSSIP: u64 = 3;
/// Peers outside the mesh an IHAVE goes to (`gossip_lazy`).
const GOSSIP_LAZY: usize = 6;
/// Bytes of an IHAVE or IWANT carrying one message id (id, topic, protobuf framing).
const CONTROL_BYTES: u64 = 64;
/// Bytes of gossipsub framing around a published message (topic, sequence number, signature
/// and key of the publishing peer).
const ENVELOPE_BYTES: u64 = 140;

/// The simulation's parameters.
#[derive(Clone)]
pub struct SimParams {
    pub nodes: usize,
    pub revocations: usize,
    pub latency_ms: f64,
    pub latency_sigma: f64,
    pub bandwidth_mbit: f64,
    pub degree: usize,
    pub seed: u64,
}

/// What a size gave.
#[derive(Debug, Clone)]
pub struct SimResult {
    pub nodes: usize,
    /// Milliseconds from publication to each node's stored revocation, sorted.
    pub latencies_ms: Vec<f64>,
    /// Bytes each node received per revocation (mean over nodes and revocations).
    pub bytes_per_node: f64,
    /// The most any node received for one revocation.
    pub max_bytes_per_node: u64,
    /// Nodes that never stored a revocation (0 unless the mesh is cut).
    pub missed: usize,
    /// CPU time of one validation (mean), microseconds.
    pub validate_us: f64,
}

pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let idx = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

/// A random connected mesh: each node links to `degree` others drawn at random (duplicate
/// links merged), re-drawn until every node is reachable from node 0.
fn mesh(n: usize, degree: usize, rng: &mut impl Rng) -> Vec<Vec<usize>> {
    loop {
        let mut adj: Vec<Vec<usize>> = vec![Vec::new(); n];
        let want = degree.div_ceil(2).min(n.saturating_sub(1));
        for a in 0..n {
            let mut picked = 0;
            while picked < want {
                let b = rng.gen_range(0..n);
                if b != a && !adj[a].contains(&b) {
                    adj[a].push(b);
                    adj[b].push(a);
                    picked += 1;
                }
            }
        }
        let mut seen = vec![false; n];
        let mut stack = vec![0];
        seen[0] = true;
        while let Some(a) = stack.pop() {
            for &b in &adj[a] {
                if !seen[b] {
                    seen[b] = true;
                    stack.push(b);
                }
            }
        }
        if seen.iter().all(|s| *s) {
            return adj;
        }
    }
}

/// A log-normal latency around `median_ms` (microseconds).
fn link_latency(median_ms: f64, sigma: f64, rng: &mut impl Rng) -> u64 {
    // Box–Muller.
    let (u1, u2): (f64, f64) = (rng.gen_range(1e-12..1.0), rng.gen_range(0.0..1.0));
    let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
    (median_ms * 1e3 * (sigma * z).exp()).max(1.0) as u64
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    /// The full message arrives at `to` from `from`.
    Message { to: usize, from: usize },
    /// `to` hears an IHAVE for the message from `from`.
    IHave { to: usize, from: usize },
    /// `node`'s heartbeat: IHAVE to peers outside its mesh while the id is in its history.
    Heartbeat { node: usize, round: u64 },
}

/// Simulates one network size.
pub fn simulate(p: &SimParams) -> anyhow::Result<SimResult> {
    if p.nodes < 2 {
        bail!("a network needs at least 2 nodes");
    }
    let mut rng = ChaCha20Rng::seed_from_u64(p.seed ^ p.nodes as u64);
    let issuer = Identity::generate(&mut rand::rngs::OsRng);
    let url = format!("https://status.example.org/{}/revocation/0", issuer.did());
    let mut list = StatusList::new(
        &url,
        StatusPurpose::Revocation,
        issuer.did(),
        SHARD_SIZE as usize,
    )?;
    let keys = KeyResolver::new();
    // Every node starts holding version 0 of the list (validated once, then copied).
    let mut start = Replica::new(None);
    let snap = SignedSnapshot::sign(list.snapshot(chrono::Utc::now()), &issuer).jws;
    match start.apply(&GossipMessage::Snapshot(snap), &keys, chrono::Utc::now()) {
        Verdict::Stored => {}
        v => bail!("the starting snapshot was not stored: {v:?}"),
    }
    let mut replicas: Vec<Replica> = vec![start; p.nodes];
    let adj = mesh(p.nodes, p.degree, &mut rng);
    // Latency of each directed link, drawn once.
    let mut latency: Vec<Vec<u64>> = adj
        .iter()
        .map(|peers| {
            peers
                .iter()
                .map(|_| link_latency(p.latency_ms, p.latency_sigma, &mut rng))
                .collect()
        })
        .collect();
    let heartbeat_phase: Vec<u64> = (0..p.nodes)
        .map(|_| rng.gen_range(0..HEARTBEAT_US))
        .collect();
    let per_byte_us = 8.0 / p.bandwidth_mbit;
    let mut latencies = Vec::new();
    let mut bytes_total = 0u64;
    let mut max_bytes = 0u64;
    let mut missed = 0;
    let mut validate_total = std::time::Duration::ZERO;
    let mut validations = 0u32;
    for k in 0..p.revocations {
        let index = rng.gen_range(0..SHARD_SIZE);
        let delta = list.change(&[index], &[], chrono::Utc::now())?;
        let jws = SignedDelta::sign(delta, &issuer).jws;
        let msg = GossipMessage::Delta(jws.clone());
        let size = jws.len() as u64 + ENVELOPE_BYTES;
        let transmit = |lat: u64, bytes: u64| lat + (bytes as f64 * per_byte_us) as u64;
        let mut stored_at: Vec<Option<u64>> = vec![None; p.nodes];
        let mut bytes: Vec<u64> = vec![0; p.nodes];
        let mut asked: Vec<bool> = vec![false; p.nodes];
        let mut queue: BinaryHeap<Reverse<(u64, Event)>> = BinaryHeap::new();
        // The issuer (node 0) publishes to every mesh peer (flood publishing).
        stored_at[0] = Some(0);
        for (j, &b) in adj[0].iter().enumerate() {
            queue.push(Reverse((
                transmit(latency[0][j], size),
                Event::Message { to: b, from: 0 },
            )));
        }
        let first_beat = |node: usize, t: u64| {
            let phase = heartbeat_phase[node];
            t + (phase + HEARTBEAT_US - t % HEARTBEAT_US) % HEARTBEAT_US
        };
        queue.push(Reverse((
            first_beat(0, 0),
            Event::Heartbeat { node: 0, round: 0 },
        )));
        while let Some(Reverse((t, ev))) = queue.pop() {
            match ev {
                Event::Message { to, from } => {
                    bytes[to] += size;
                    if stored_at[to].is_some() {
                        continue; // a duplicate: dropped by message id
                    }
                    let t0 = Instant::now();
                    let verdict = replicas[to].apply(&msg, &keys, chrono::Utc::now());
                    let took = t0.elapsed();
                    validate_total += took;
                    validations += 1;
                    if verdict != Verdict::Stored {
                        bail!("node {to} refused revocation {k}: {verdict:?}");
                    }
                    let done = t + took.as_micros() as u64;
                    stored_at[to] = Some(done);
                    for (j, &b) in adj[to].iter().enumerate() {
                        if b != from {
                            queue.push(Reverse((
                                done + transmit(latency[to][j], size),
                                Event::Message { to: b, from: to },
                            )));
                        }
                    }
                    queue.push(Reverse((
                        first_beat(to, done),
                        Event::Heartbeat { node: to, round: 0 },
                    )));
                }
                Event::Heartbeat { node, round } => {
                    // IHAVE to peers outside the mesh: a random sample of the network.
                    for _ in 0..GOSSIP_LAZY {
                        let to = rng.gen_range(0..p.nodes);
                        if to != node && !adj[node].contains(&to) {
                            let lat = link_latency(p.latency_ms, p.latency_sigma, &mut rng);
                            queue.push(Reverse((
                                t + transmit(lat, CONTROL_BYTES),
                                Event::IHave { to, from: node },
                            )));
                        }
                    }
                    if round + 1 < HISTORY_GOSSIP {
                        queue.push(Reverse((
                            t + HEARTBEAT_US,
                            Event::Heartbeat {
                                node,
                                round: round + 1,
                            },
                        )));
                    }
                }
                Event::IHave { to, from } => {
                    bytes[to] += CONTROL_BYTES;
                    if stored_at[to].is_none() && !asked[to] {
                        // IWANT back, then the message: two more trips.
                        asked[to] = true;
                        let lat = link_latency(p.latency_ms, p.latency_sigma, &mut rng);
                        bytes[from] += CONTROL_BYTES;
                        queue.push(Reverse((
                            t + transmit(lat, CONTROL_BYTES) + transmit(lat, size),
                            Event::Message { to, from },
                        )));
                    }
                }
            }
        }
        for (i, s) in stored_at.iter().enumerate().skip(1) {
            match s {
                Some(at) => latencies.push(*at as f64 / 1e3),
                None => missed += 1,
            }
            bytes_total += bytes[i];
            max_bytes = max_bytes.max(bytes[i]);
        }
        // Links change a little between revocations (as real paths do).
        for l in latency.iter_mut().flatten() {
            *l = (*l as f64 * rng.gen_range(0.95..1.05)) as u64;
        }
    }
    latencies.sort_by(|a, b| a.total_cmp(b));
    Ok(SimResult {
        nodes: p.nodes,
        latencies_ms: latencies,
        bytes_per_node: bytes_total as f64 / ((p.nodes - 1) * p.revocations) as f64,
        max_bytes_per_node: max_bytes,
        missed,
        validate_us: validate_total.as_secs_f64() * 1e6 / validations.max(1) as f64,
    })
}

pub fn run(a: GossipSimArgs) -> anyhow::Result<i32> {
    let mut results = Vec::new();
    println!("| nodes | revocations | link median | p50 ms | p99 ms | max ms | bytes / node / revocation (mean, max) | missed | validation µs |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for &n in &a.nodes {
        let r = simulate(&SimParams {
            nodes: n,
            revocations: a.revocations,
            latency_ms: a.latency_ms,
            latency_sigma: a.latency_sigma,
            bandwidth_mbit: a.bandwidth_mbit,
            degree: a.degree,
            seed: a.seed,
        })?;
        println!(
            "| {} | {} | {} ms | {:.0} | {:.0} | {:.0} | {:.0}, {} | {} | {:.0} |",
            r.nodes,
            a.revocations,
            a.latency_ms,
            percentile(&r.latencies_ms, 50.0),
            percentile(&r.latencies_ms, 99.0),
            r.latencies_ms.last().copied().unwrap_or(f64::NAN),
            r.bytes_per_node,
            r.max_bytes_per_node,
            r.missed,
            r.validate_us
        );
        results.push(r);
    }
    if let Some(path) = &a.plot {
        super::plot::propagation_png(path, &results, a.latency_ms)?;
        eprintln!("plot saved to {}", path.display());
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(nodes: usize) -> SimParams {
        SimParams {
            nodes,
            revocations: 2,
            latency_ms: 100.0,
            latency_sigma: 0.0,
            bandwidth_mbit: 10.0,
            degree: 6,
            seed: 7,
        }
    }

    #[test]
    fn every_node_stores_each_revocation_no_sooner_than_its_distance_allows() {
        let r = simulate(&params(60)).unwrap();
        assert_eq!(r.missed, 0);
        assert_eq!(r.latencies_ms.len(), 59 * 2);
        // Equal 100 ms links: nobody before one hop, and a degree-6 mesh of 60 is a few hops
        // deep, far under a second.
        // (links drift by up to 5% between revocations).
        assert!(r.latencies_ms[0] >= 95.0, "{:?}", &r.latencies_ms[..3]);
        let p99 = percentile(&r.latencies_ms, 99.0);
        assert!(p99 < 1_000.0, "p99 {p99}");
        // Each node hears a revocation from several mesh peers: more than one copy, but
        // bounded by its degree (plus control messages), whatever the network's size.
        assert!(r.bytes_per_node > 800.0, "{}", r.bytes_per_node);
        let bigger = simulate(&params(400)).unwrap();
        let ratio = bigger.bytes_per_node / r.bytes_per_node;
        assert!(
            (0.7..1.4).contains(&ratio),
            "bytes per node grew with N: {ratio}"
        );
    }

    #[test]
    fn the_mesh_is_connected_and_about_the_asked_degree() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let adj = mesh(500, 6, &mut rng);
        let mean = adj.iter().map(Vec::len).sum::<usize>() as f64 / 500.0;
        assert!((5.0..=7.0).contains(&mean), "{mean}");
        assert!(adj.iter().all(|p| !p.is_empty()));
    }
}
