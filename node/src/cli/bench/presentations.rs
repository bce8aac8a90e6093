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

use crate::config::Config;
use crate::local_net;
use crate::store::WalletEntry;

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

fn cfg(name: &str, roles: &[&str], root: &str, boot: Vec<String>) -> Config {
    Config {
        // The agency's credentials share one shard: the verifier waits for those lists below.
        status_shards: 1,
        ..local_net::config(name, roles, Some(root), boot, &["identity"])
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

async fn bench(a: PresentationsArgs) -> anyhow::Result<i32> {
    let tmp = tempfile::tempdir().context("temp dir")?;
    let dir = |n: &str| tmp.path().join(n);
    let (root, root_did) =
        local_net::start_root(&dir("root"), "Root Authority", PASSPHRASE).await?;
    let boot = vec![root.info.listen[0].clone()];
    let start = |name: &str, roles: &[&str], n: &str| {
        let c = cfg(name, roles, &root_did, boot.clone());
        let d = dir(n);
        async move { local_net::start(&d, c, PASSPHRASE).await }
    };
    let agency = start("Identity Agency", &["issuer"], "agency").await?;
    let verifier = start("Clinic", &["verifier"], "verifier").await?;
    eprintln!("starting {} holder nodes…", a.holders);
    let mut holders = Vec::with_capacity(a.holders);
    for i in 0..a.holders {
        holders.push(start(&format!("Citizen {i}"), &["holder"], &format!("holder{i}")).await?);
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
        let (id, credential) = agency
            .node
            .issue_direct(
                CredentialKind::Identity,
                records[i % records.len()].clone(),
                Some(h.node.identity.did().to_owned()),
                Format::SdJwt,
            )
            .await?;
        h.node.store.put_wallet(&WalletEntry {
            id,
            kind: "identity".into(),
            format: "sd-jwt".into(),
            issuer: agency.node.identity.did().to_owned(),
            issuer_name: Some("Identity Agency".into()),
            credential,
            received_at: chrono::Utc::now().to_rfc3339(),
        })?;
    }
    let rev = agency.node.list_url(StatusPurpose::Revocation, 0);
    let sus = agency.node.list_url(StatusPurpose::Suspension, 0);
    local_net::wait_until(
        "the verifier to hold the agency's status lists",
        Duration::from_secs(60),
        || {
            vn.store.status_list(&rev).ok().flatten().is_some()
                && vn.store.status_list(&sus).ok().flatten().is_some()
        },
    )
    .await?;

    // Warm-up: every holder once (connections, Kademlia lookups, caches); all must be valid.
    let peers: Vec<libp2p::PeerId> = holders.iter().map(|h| h.node.net.local_peer_id()).collect();
    let kinds = vec!["identity".to_owned()];
    let claims = vec!["fullName".to_owned(), "dateOfBirth".to_owned()];
    let mut warm = Vec::new();
    for p in &peers {
        let (v, p, k, c) = (vn.clone(), *p, kinds.clone(), claims.clone());
        warm.push(tokio::spawn(async move {
            v.request_presentation(p, k, c).await
        }));
    }
    for w in warm {
        let r = w.await?.map_err(|e| anyhow::anyhow!("warm-up: {e}"))?;
        if !r.valid {
            bail!("warm-up presentation invalid:\n{r}");
        }
    }

    eprintln!(
        "measuring {} s: {} holders × {} in flight…",
        a.seconds, a.holders, a.in_flight
    );
    let deadline = Instant::now() + Duration::from_secs(a.seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for p in &peers {
        for _ in 0..a.in_flight {
            let (v, p, k, c) = (vn.clone(), *p, kinds.clone(), claims.clone());
            tasks.push(tokio::spawn(async move {
                let mut lat = Vec::new();
                let (mut valid, mut invalid, mut errors) = (0u64, 0u64, 0u64);
                while Instant::now() < deadline {
                    let t0 = Instant::now();
                    match v.request_presentation(p, k.clone(), c.clone()).await {
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
    let mut lat = Vec::new();
    let (mut valid, mut invalid, mut errors) = (0u64, 0u64, 0u64);
    for t in tasks {
        let (l, v, i, e) = t.await?;
        lat.extend(l);
        valid += v;
        invalid += i;
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    lat.sort();
    println!(
        "holders {}  in-flight/holder {}  seconds {:.1}\nverified presentations: {} valid, {} invalid, {} errors\nthroughput: {:.0} verified presentations/s\nlatency ms: p50 {:.1}  p99 {:.1}  max {:.1}",
        a.holders,
        a.in_flight,
        elapsed,
        valid,
        invalid,
        errors,
        valid as f64 / elapsed,
        percentile(&lat, 0.50).as_secs_f64() * 1e3,
        percentile(&lat, 0.99).as_secs_f64() * 1e3,
        lat.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
    for h in holders {
        h.stop().await;
    }
    verifier.stop().await;
    agency.stop().await;
    root.stop().await;
    Ok(if invalid + errors == 0 { 0 } else { 1 })
}
