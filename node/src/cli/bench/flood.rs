//! `vcnode bench flood`: honest presentations verified per second with and without a flooding
//! peer, on the same run. The network is the presentations benchmark's (root authority,
//! agency, a clinic verifier, N holders, all real nodes over loopback, in this process). First
//! the holders present for `--seconds` undisturbed; then a flooder — another `vcnode` process,
//! a real node with its own key — hammers the clinic at `--rate` messages per second, spread
//! over every inbound path a peer can use (status sync requests, claims, presentation
//! requests, invalid gossip, and validly signed gossip of an issuer nobody accredited), while
//! the holders present for another `--seconds`. The clinic's per-peer limits refuse what is
//! over the flooder's share, its strikes ban the flooder (connections closed and refused), and
//! the ratio of the two figures says what the flood cost honest users. Goal: at least 80%.
//!
//! The flooder runs at the lowest CPU priority (`nice 19`, `--flooder-nice`): on a machine of
//! its own an attacker
//! spends its own cores, and here it must not simply take the honest nodes' cores. What the
//! clinic spends on it (handshakes, refusals, validation) is paid on the same cores. The
//! figures say what reached the clinic, so the flood's real strength is on record.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Args;
use credentials::status::{SignedDelta, StatusList, StatusPurpose};
use credentials::wire::{ClaimRequest, GossipMessage, PresentationRequest, StatusSyncRequest};
use credentials::{CredentialKind, Identity};

use super::presentations::World;
use crate::config::Role;
use crate::local_net;
use crate::net::STATUS_TOPIC;

#[derive(Args)]
pub struct FloodArgs {
    /// Honest holder nodes presenting.
    #[arg(long, default_value_t = 20)]
    holders: usize,
    /// Seconds of each measurement (unflooded, then flooded).
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Messages per second the flooder sends, over all paths.
    #[arg(long, default_value_t = 2000)]
    rate: u64,
    /// CPU priority of the flooder process (`nice`, 0 to 19): 19 leaves the cores to the
    /// honest nodes as an attacker's own machine would; 0 lets it take its share of them.
    #[arg(long, default_value_t = 19, value_parser = clap::value_parser!(u8).range(0..=19))]
    flooder_nice: u8,
}

/// The flooder process (started by `bench flood`).
#[derive(Args)]
pub struct FloodPeerArgs {
    /// The node to flood (a multiaddr ending in /p2p/<peer id>).
    #[arg(long)]
    target: String,
    /// Messages per second.
    #[arg(long)]
    rate: u64,
    /// How long to flood, in seconds.
    #[arg(long)]
    seconds: u64,
}

pub fn run(a: FloodArgs) -> anyhow::Result<i32> {
    if a.holders == 0 || a.seconds == 0 || a.rate == 0 {
        bail!("--holders, --seconds and --rate must be at least 1");
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(bench(a))
}

pub fn run_peer(a: FloodPeerArgs) -> anyhow::Result<i32> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(flood_peer(a))
}

async fn bench(a: FloodArgs) -> anyhow::Result<i32> {
    let w = World::start(a.holders).await?;
    eprintln!("unflooded: {} holders for {} s…", a.holders, a.seconds);
    let calm = w.measure(a.seconds, 1).await?;
    calm.print("unflooded");

    let target = w
        .verifier
        .info
        .listen
        .first()
        .context("the clinic listens nowhere")?
        .clone();
    let exe = std::env::current_exe()?;
    let mut child = Command::new("nice")
        .args(["-n", &a.flooder_nice.to_string()])
        .arg(exe)
        .args(["bench", "flood-peer", "--target", &target])
        .args(["--rate", &a.rate.to_string()])
        .args(["--seconds", &(a.seconds + 2).to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .context("starting the flooder process (nice)")?;
    let mut out = BufReader::new(child.stdout.take().context("flooder stdout")?);
    let mut line = String::new();
    out.read_line(&mut line)?;
    if line.trim() != "flooding" {
        bail!("the flooder did not start: {line:?}");
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = w.verifier.node.net.stats().await?;
    eprintln!(
        "flooded: {} holders for {} s while a peer sends {} messages/s…",
        a.holders, a.seconds, a.rate
    );
    let flooded = w.measure(a.seconds, 1).await?;
    flooded.print("flooded");
    let after = w.verifier.node.net.stats().await?;
    line.clear();
    out.read_line(&mut line)?;
    let cpu = cpu_secs(child.id());
    let _ = child.wait();
    let ratio = flooded.per_sec() / calm.per_sec().max(1e-9);
    println!(
        "flooder: {} (it used {} of CPU on these same cores)",
        line.trim(),
        cpu.map_or("?".into(), |c| format!("{c:.1} s"))
    );
    let (reqs, gossip) = (
        after.requests_received - before.requests_received,
        after.gossip_received - before.gossip_received,
    );
    println!(
        "clinic received during the flooded run: {reqs} requests and {gossip} gossip messages ({:.0}/s, honest traffic included)",
        (reqs + gossip) as f64 / flooded.elapsed.max(1e-9)
    );
    println!(
        "clinic: {} refused over a peer's rate limit, {} peer(s) banned, {} new connections refused before the handshake, {} gossip rejected, {} inbound dropped as busy",
        after.rate_limited - before.rate_limited,
        after.peers_banned - before.peers_banned,
        after.connections_refused - before.connections_refused,
        after.gossip_rejected - before.gossip_rejected,
        after.dropped_inbound - before.dropped_inbound,
    );
    println!(
        "honest throughput under flood: {:.0}% of unflooded ({:.0} vs {:.0} verified presentations/s; goal ≥ 80%)",
        ratio * 100.0,
        flooded.per_sec(),
        calm.per_sec()
    );
    w.stop().await;
    Ok(if flooded.invalid == 0 && calm.invalid == 0 {
        0
    } else {
        1
    })
}

/// CPU seconds (user + system) a process has used so far, from `/proc/<pid>/stat`.
fn cpu_secs(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name (which may hold spaces) in parentheses.
    let rest = stat.rsplit_once(") ")?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// What the flooder sent and what came of it.
#[derive(Default)]
struct Sent {
    sent: AtomicU64,
    answered: AtomicU64,
    failed: AtomicU64,
}

async fn flood_peer(a: FloodPeerArgs) -> anyhow::Result<i32> {
    let tmp = tempfile::tempdir()?;
    let flooder = local_net::start(
        tmp.path(),
        local_net::config(
            "Flooder",
            &[Role::Verifier],
            None,
            vec![a.target.parse().context("--target is not a multiaddr")?],
            &[],
        ),
        "flooder passphrase",
    )
    .await?;
    let clinic = a
        .target
        .rsplit('/')
        .next()
        .and_then(|p| p.parse::<libp2p::PeerId>().ok())
        .context("--target must end in /p2p/<peer id>")?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    println!("flooding");
    let sent = Arc::new(Sent::default());
    let junk = junk_gossip();
    let net = flooder.node.net.clone();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(a.seconds);
    let mut tick = tokio::time::interval(Duration::from_millis(10));
    let per_tick = (a.rate / 100).max(1);
    let mut n = 0u64;
    while tokio::time::Instant::now() < deadline {
        tick.tick().await;
        for _ in 0..per_tick {
            n += 1;
            let (net, sent) = (net.clone(), sent.clone());
            let gossip = junk[(n % junk.len() as u64) as usize].clone();
            sent.sent.fetch_add(1, Ordering::Relaxed);
            tokio::spawn(async move {
                let ok = match n % 5 {
                    0 => net
                        .status_sync(clinic, StatusSyncRequest::Summary { after: None })
                        .await
                        .is_ok(),
                    1 => net
                        .claim(
                            clinic,
                            ClaimRequest {
                                code: format!("junk-{n}"),
                                format: None,
                                staple: None,
                            },
                        )
                        .await
                        .is_ok(),
                    2 => net
                        .request_presentation(
                            clinic,
                            PresentationRequest {
                                request_id: format!("junk-{n}"),
                                kinds: vec![CredentialKind::Identity],
                                claims: vec!["fullName".into()],
                                challenge: format!("c{n}"),
                                domain: "junk".into(),
                            },
                        )
                        .await
                        .is_ok(),
                    _ => net.publish(STATUS_TOPIC, gossip).await.is_ok(),
                };
                let slot = if ok { &sent.answered } else { &sent.failed };
                slot.fetch_add(1, Ordering::Relaxed);
            });
        }
    }
    println!(
        "{} messages sent ({} answered or published, {} refused or failed)",
        sent.sent.load(Ordering::Relaxed),
        sent.answered.load(Ordering::Relaxed),
        sent.failed.load(Ordering::Relaxed)
    );
    flooder.stop().await;
    Ok(0)
}

/// Gossip the flooder cycles through: malformed JSON, a delta of someone else's list signed
/// by the flooder (rejected), and validly signed deltas of the flooder's own list (it is not
/// accredited, so they are ignored, but each costs the receiver a signature check).
fn junk_gossip() -> Vec<Vec<u8>> {
    let me = Identity::generate(&mut rand::rngs::OsRng);
    let other = Identity::generate(&mut rand::rngs::OsRng);
    let mine = format!(
        "https://flood.example/{}/revocation/0",
        credentials::did::did_fragment(me.did())
    );
    let theirs = format!(
        "https://agency.example/{}/revocation/0",
        credentials::did::did_fragment(other.did())
    );
    let mut out = vec![b"{not json".to_vec()];
    for (url, owner) in [(&theirs, other.did()), (&mine, me.did())] {
        if let Ok(mut l) = StatusList::new(
            url,
            StatusPurpose::Revocation,
            owner,
            credentials::status::MIN_BITS,
        ) {
            for i in 0..50u64 {
                if let Ok(d) = l.change(&[i], &[], chrono::Utc::now()) {
                    let jws = SignedDelta::sign(d, &me).jws;
                    out.push(serde_json::to_vec(&GossipMessage::Delta(jws)).unwrap_or_default());
                }
            }
        }
    }
    out
}
