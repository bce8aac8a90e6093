//! `vcnode bench flood`: honest presentations verified per second with and without a flooding
//! peer, on the same run. The network is the presentations benchmark's (root authority,
//! agency, a clinic verifier, N holders, all real nodes over loopback). First the holders
//! present for `--seconds` undisturbed; then a flooder — another real node, with its own key
//! — hammers the clinic at `--rate` messages per second, spread over every inbound path a
//! peer can use (status sync requests, claims, presentation requests, invalid gossip and
//! validly signed gossip of an issuer nobody accredited), while the holders present for
//! another `--seconds`. The clinic's per-peer limits refuse what is over the flooder's share,
//! its strikes ban the flooder (connections closed and refused), and the ratio of the two
//! figures says what the flood cost honest users. Goal: at least 80%.
//!
//! The flooder runs in this process, on the same cores as everything else: what it spends
//! making its flood is taken from the honest holders too, so the ratio is a lower bound.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::bail;
use clap::Args;
use credentials::status::{SignedDelta, StatusList, StatusPurpose};
use credentials::wire::{ClaimRequest, GossipMessage, PresentationRequest, StatusSyncRequest};
use credentials::Identity;

use super::presentations::World;
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

/// What the flooder sent and what came of it.
#[derive(Default)]
struct Sent {
    sent: AtomicU64,
    answered: AtomicU64,
    failed: AtomicU64,
}

async fn bench(a: FloodArgs) -> anyhow::Result<i32> {
    let w = World::start(a.holders).await?;
    eprintln!("unflooded: {} holders for {} s…", a.holders, a.seconds);
    let calm = w.measure(a.seconds, 1).await?;
    calm.print("unflooded");

    // The flooder: a real node with its own key, connected to the clinic.
    let tmp = tempfile::tempdir()?;
    let flooder = local_net::start(
        tmp.path(),
        local_net::config(
            "Flooder",
            &["verifier"],
            Some(&w.root_did),
            vec![w.root_addr.clone()],
            &[],
        ),
        "flooder passphrase",
    )
    .await?;
    let clinic = w.verifier.node.net.local_peer_id();
    for addr in &w.verifier.info.listen {
        if let Ok(a) = addr.parse() {
            let _ = flooder.node.net.dial(a).await;
        }
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let before = w.verifier.node.net.stats().await?;

    let sent = Arc::new(Sent::default());
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let junk = junk_gossip();
    let flood = {
        let (net, sent, stop) = (flooder.node.net.clone(), sent.clone(), stop.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(10));
            let per_tick = (a.rate / 100).max(1);
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
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
                                        kinds: vec!["identity".into()],
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
        })
    };
    eprintln!(
        "flooded: {} holders for {} s while a peer sends {} messages/s…",
        a.holders, a.seconds, a.rate
    );
    let flooded = w.measure(a.seconds, 1).await?;
    stop.store(true, Ordering::Relaxed);
    let _ = flood.await;
    flooded.print("flooded");
    let after = w.verifier.node.net.stats().await?;
    let ratio = flooded.per_sec() / calm.per_sec().max(1e-9);
    println!(
        "flooder: {} messages sent ({} answered or published, {} refused or failed)",
        sent.sent.load(Ordering::Relaxed),
        sent.answered.load(Ordering::Relaxed),
        sent.failed.load(Ordering::Relaxed)
    );
    println!(
        "clinic: {} refused over a peer's rate limit, {} peer(s) banned, {} gossip rejected, {} inbound dropped as busy",
        after.rate_limited - before.rate_limited,
        after.peers_banned - before.peers_banned,
        after.gossip_rejected - before.gossip_rejected,
        after.dropped_inbound - before.dropped_inbound,
    );
    println!(
        "honest throughput under flood: {:.0}% of unflooded ({:.0} vs {:.0} verified presentations/s; goal ≥ 80%)",
        ratio * 100.0,
        flooded.per_sec(),
        calm.per_sec()
    );
    flooder.stop().await;
    w.stop().await;
    Ok(if flooded.invalid == 0 && calm.invalid == 0 {
        0
    } else {
        1
    })
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
