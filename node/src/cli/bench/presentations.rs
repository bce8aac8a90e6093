//! `vcnode bench presentations`: one verifier node asking N holder nodes for presentations over
//! libp2p, all at once, for a fixed time: verified presentations per second and latency
//! (p50, p99, max) of the whole round trip (request with a fresh challenge → holder's consent
//! policy and SD-JWT presentation with key binding → the verifier's full pipeline with status and
//! trust from its RocksDB store → verifier log write).
//!
//! Every node is a real node (RocksDB store, encrypted wallet, libp2p over loopback TCP) started
//! in this process: a root authority, an identity agency, the verifier and the holders. The
//! holders get their SD-JWT identity credentials from the agency directly (the claim protocol
//! is measured elsewhere). All share this machine's cores, as holders at a counter would not:
//! the holders' presentation work is included in what the machine sustains.

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Args;
use credentials::issue::Format;
use credentials::status::StatusPurpose;
use credentials::CredentialKind;

use crate::config::{Config, Role};
use crate::local_net;
use crate::runtime::RunningNode;
use libp2p::Multiaddr;

const PASSPHRASE: &str = "bench wallet passphrase";

#[derive(Args)]
pub struct PresentationsArgs {
    /// Holder nodes presenting at the same time.
    #[arg(long, default_value_t = 50)]
    holders: usize,
    /// Seconds of measurement (after a warm-up round).
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Presentation requests each holder has in flight at a time.
    #[arg(long, default_value_t = 1)]
    in_flight: usize,
}

fn cfg(name: &str, roles: &[Role], root: &str, boot: Vec<Multiaddr>) -> Config {
    Config {
        // The agency's credentials share one shard: the verifier waits for those lists below.
        status_shards: 1,
        ..local_net::config(name, roles, Some(root), boot, &[CredentialKind::Identity])
    }
}

/// How long bringing the network up may take.
const SETUP: Duration = Duration::from_secs(30);

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

pub fn run(a: PresentationsArgs) -> anyhow::Result<i32> {
    if a.holders == 0 || a.in_flight == 0 {
        bail!("--holders and --in-flight must be at least 1");
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(bench(a))
}

/// A running bench network: root authority, agency, the verifier and the holders, each
/// holder with one SD-JWT identity credential, the verifier holding the agency's lists.
pub(super) struct World {
    _tmp: tempfile::TempDir,
    root: RunningNode,
    agency: RunningNode,
    pub verifier: RunningNode,
    holders: Vec<RunningNode>,
    peers: Vec<libp2p::PeerId>,
}

/// What one measurement saw.
pub(super) struct Stats {
    pub elapsed: f64,
    pub valid: u64,
    pub invalid: u64,
    pub errors: u64,
    pub latencies: Vec<Duration>,
}

impl Stats {
    pub fn per_sec(&self) -> f64 {
        self.valid as f64 / self.elapsed.max(1e-9)
    }

    pub fn print(&self, label: &str) {
        println!(
            "{label}: {} valid, {} invalid, {} errors in {:.1} s → {:.0} verified presentations/s; latency ms p50 {:.1}  p99 {:.1}  max {:.1}",
            self.valid,
            self.invalid,
            self.errors,
            self.elapsed,
            self.per_sec(),
            percentile(&self.latencies, 0.50).as_secs_f64() * 1e3,
            percentile(&self.latencies, 0.99).as_secs_f64() * 1e3,
            self.latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        );
    }
}

impl World {
    pub async fn start(holders_n: usize) -> anyhow::Result<Self> {
        let tmp = tempfile::tempdir().context("temp dir")?;
        let dir = |n: &str| tmp.path().join(n);
        let (root, root_did) =
            local_net::start_root(&dir("root"), "Root Authority", PASSPHRASE).await?;
        let boot: Vec<Multiaddr> = vec![root.info.listen[0]
            .parse()
            .context("the root's listen address")?];
        let start = |name: &str, roles: &[Role], n: &str| {
            let c = cfg(name, roles, &root_did, boot.clone());
            let d = dir(n);
            async move { local_net::start(&d, c, PASSPHRASE).await }
        };
        let agency = start("Identity Agency", &[Role::Issuer], "agency").await?;
        let verifier = start("Clinic", &[Role::Verifier], "verifier").await?;
        eprintln!("starting {holders_n} holder nodes…");
        let mut holders = Vec::with_capacity(holders_n);
        for i in 0..holders_n {
            holders.push(
                start(
                    &format!("Citizen {i}"),
                    &[Role::Holder],
                    &format!("holder{i}"),
                )
                .await?,
            );
        }
        // Accredit the agency once the gossip mesh has formed.
        local_net::wait_connected(&[&agency, &verifier], SETUP).await?;
        tokio::time::sleep(Duration::from_secs(2)).await;
        local_net::accredit(
            &root,
            &agency,
            "Identity Agency",
            &[CredentialKind::Identity],
            &[&verifier],
            SETUP,
        )
        .await?;
        let vn = verifier.node.clone();

        // One identity credential per holder, stored in its (encrypted) wallet.
        let records: Vec<serde_json::Value> =
            include_str!("../../../../schemas/records/citizens.jsonl")
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(serde_json::from_str)
                .collect::<Result<_, _>>()?;
        for (i, h) in holders.iter().enumerate() {
            let (_, credential) = agency
                .node
                .issue_direct(
                    CredentialKind::Identity,
                    records[i % records.len()].clone(),
                    Some(h.node.identity.did().to_owned()),
                    Format::SdJwt,
                )
                .await?;
            h.node
                .keep_credential(credential, Format::SdJwt, Some("Identity Agency".into()))
                .await?;
        }
        let rev = agency.node.list_url(StatusPurpose::Revocation, 0);
        let sus = agency.node.list_url(StatusPurpose::Suspension, 0);
        local_net::wait_until(
            "the verifier to hold the agency's status lists",
            Duration::from_secs(60),
            || {
                vn.held_list(&rev).ok().flatten().is_some()
                    && vn.held_list(&sus).ok().flatten().is_some()
            },
        )
        .await?;
        let peers = holders.iter().map(|h| h.node.net.local_peer_id()).collect();
        let w = Self {
            _tmp: tmp,
            root,
            agency,
            verifier,
            holders,
            peers,
        };
        w.warm_up().await?;
        Ok(w)
    }

    /// Every holder once (connections, Kademlia lookups, caches); all must be valid.
    async fn warm_up(&self) -> anyhow::Result<()> {
        let vn = self.verifier.node.clone();
        let mut warm = Vec::new();
        for p in &self.peers {
            let (v, p) = (vn.clone(), *p);
            warm.push(tokio::spawn(async move {
                v.request_presentation(p, kinds(), claims()).await
            }));
        }
        for w in warm {
            let r = w.await?.map_err(|e| anyhow::anyhow!("warm-up: {e}"))?;
            if !r.valid {
                bail!("warm-up presentation invalid:\n{r}");
            }
        }
        Ok(())
    }

    /// Every holder presents, `in_flight` at a time each, for `seconds`.
    pub async fn measure(&self, seconds: u64, in_flight: usize) -> anyhow::Result<Stats> {
        let vn = self.verifier.node.clone();
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let started = Instant::now();
        let mut tasks = Vec::new();
        for p in &self.peers {
            for _ in 0..in_flight {
                let (v, p) = (vn.clone(), *p);
                tasks.push(tokio::spawn(async move {
                    let mut lat = Vec::new();
                    let (mut valid, mut invalid, mut errors) = (0u64, 0u64, 0u64);
                    while Instant::now() < deadline {
                        let t0 = Instant::now();
                        match v.request_presentation(p, kinds(), claims()).await {
                            Ok(r) if r.valid => valid += 1,
                            Ok(_) => invalid += 1,
                            Err(_) => errors += 1,
                        }
                        lat.push(t0.elapsed());
                    }
                    (lat, valid, invalid, errors)
                }));
            }
        }
        let mut st = Stats {
            elapsed: 0.0,
            valid: 0,
            invalid: 0,
            errors: 0,
            latencies: Vec::new(),
        };
        for t in tasks {
            let (l, v, i, e) = t.await?;
            st.latencies.extend(l);
            st.valid += v;
            st.invalid += i;
            st.errors += e;
        }
        st.elapsed = started.elapsed().as_secs_f64();
        st.latencies.sort();
        Ok(st)
    }

    pub async fn stop(self) {
        for h in self.holders {
            h.stop().await;
        }
        self.verifier.stop().await;
        self.agency.stop().await;
        self.root.stop().await;
    }
}

fn kinds() -> Vec<CredentialKind> {
    vec![CredentialKind::Identity]
}

fn claims() -> Vec<String> {
    vec!["fullName".to_owned(), "dateOfBirth".to_owned()]
}

async fn bench(a: PresentationsArgs) -> anyhow::Result<i32> {
    let w = World::start(a.holders).await?;
    eprintln!(
        "measuring {} s: {} holders × {} in flight…",
        a.seconds, a.holders, a.in_flight
    );
    let st = w.measure(a.seconds, a.in_flight).await?;
    println!(
        "holders {}  in-flight/holder {}  seconds {:.1}\nverified presentations: {} valid, {} invalid, {} errors\nthroughput: {:.0} verified presentations/s\nlatency ms: p50 {:.1}  p99 {:.1}  max {:.1}",
        a.holders,
        a.in_flight,
        st.elapsed,
        st.valid,
        st.invalid,
        st.errors,
        st.per_sec(),
        percentile(&st.latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&st.latencies, 0.99).as_secs_f64() * 1e3,
        st.latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
    w.stop().await;
    Ok(if st.invalid + st.errors == 0 { 0 } else { 1 })
}
