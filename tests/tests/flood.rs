//! Issue 14, floods: a peer that floods a node with requests is refused over its per-peer
//! limit, then banned (its connection closed, a new one refused), and the node keeps serving
//! honest peers all along. The throughput figure under flood is `vcnode bench flood`'s.

use std::time::Duration;

use credentials::wire::{ClaimRequest, ClaimResponse, StatusSyncRequest};
use node::net::rate_limit::Limits;
use vcnet_tests::hostile::{Hostile, Proto};
use vcnet_tests::{citizen_holds_identity, network};

fn cbor<T: serde::Serialize>(v: &T) -> Vec<u8> {
    cbor4ii::serde::to_vec(Vec::new(), v).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flooding_peer_is_limited_then_banned_and_honest_peers_are_served() {
    let net = network().await;
    let (report, ..) = citizen_holds_identity(&net).await;
    let (agency, clinic) = (&net.agency.node, &net.clinic.node);
    let limits = Limits::default();

    // Claims flooded at the agency: past the burst, refused by name, without touching the
    // store (junk codes would otherwise each cost a lookup).
    let mut h = Hostile::new();
    h.connect(&net.agency.info.listen[0], agency.net.local_peer_id())
        .await
        .unwrap();
    let junk = cbor(&ClaimRequest {
        code: "not-a-code".into(),
        format: None,
        staple: None,
    });
    let (answers, _) = h
        .flood(agency.net.local_peer_id(), Proto::Issue, junk, 40)
        .await;
    let limited = answers
        .iter()
        .filter_map(|b| cbor4ii::serde::from_slice::<ClaimResponse>(b).ok())
        .filter(|r| matches!(r, ClaimResponse::Refused { reason } if reason.starts_with("rate limited")))
        .count();
    assert!(
        limited >= 40 - limits.claim.burst as usize - 2,
        "only {limited} of 40 claims were refused as rate limited"
    );

    // Sync requests flooded at the clinic: over the limit they are dropped, each a strike;
    // enough strikes ban the peer.
    let mut h = Hostile::new();
    let clinic_peer = clinic.net.local_peer_id();
    h.connect(&net.clinic.info.listen[0], clinic_peer)
        .await
        .unwrap();
    let before = clinic.net.stats().await.unwrap();
    let summary = cbor(&StatusSyncRequest::Summary { after: None });
    let n = limits.sync.burst as usize + 40;
    let t0 = std::time::Instant::now();
    let (answers, failures) = h.flood(clinic_peer, Proto::Sync, summary.clone(), n).await;
    // At most the burst and what refilled while the flood lasted got an answer; the rest saw
    // their stream closed unanswered (the raw codec reads that as an empty answer).
    let answered = answers.iter().filter(|a| !a.is_empty()).count();
    let allowed = limits.sync.burst + limits.sync.per_sec * t0.elapsed().as_secs_f64() + 1.0;
    assert!(
        answered as f64 <= allowed,
        "{answered} of {n} flooded sync requests were answered (at most {allowed:.0} allowed)"
    );
    assert!(answered > 0, "no sync request was answered at all");
    eprintln!(
        "{n} sync requests: {answered} answered, {} closed unanswered, {} failed",
        answers.len() - answered,
        failures.len()
    );
    assert!(answered < n, "every flooded request was answered");
    // The peer keeps flooding: each refusal is a strike, and enough of them ban it.
    for _ in 0..10 {
        if clinic.net.stats().await.unwrap().peers_banned > before.peers_banned {
            break;
        }
        h.flood(clinic_peer, Proto::Sync, summary.clone(), 40).await;
    }
    let after = clinic.net.stats().await.unwrap();
    assert!(
        after.rate_limited - before.rate_limited >= u64::from(limits.strikes_to_ban),
        "{} refused",
        after.rate_limited - before.rate_limited
    );
    assert_eq!(after.peers_banned - before.peers_banned, 1);
    assert_eq!(after.peers_banned_now, 1);
    // The ban closed the connection, and a new one is refused.
    h.drive_until(Duration::from_secs(10), |s| !s.is_connected(&clinic_peer))
        .await
        .expect("the banned peer is still connected");
    h.swarm
        .dial(
            net.clinic.info.listen[0]
                .parse::<libp2p::Multiaddr>()
                .unwrap(),
        )
        .unwrap();
    h.drive_for(Duration::from_secs(2)).await;
    assert!(
        !h.swarm.is_connected(&clinic_peer),
        "a banned peer could connect again"
    );

    // Honest peers are served throughout: the citizen presents to the clinic, and claims a
    // second credential from the agency.
    let r = clinic
        .request_presentation(
            net.citizen.node.net.local_peer_id(),
            vec![credentials::CredentialKind::Identity],
            vec!["fullName".into()],
        )
        .await
        .unwrap();
    assert!(r.valid, "{r}");
    net.citizen
        .node
        .claim_from(agency.net.local_peer_id(), &report.codes[1].1, None)
        .await
        .expect("an honest claim after the flood");
}
