//! Issue 14, "sync that stops working": a sync used to list every held list in one 16 KiB
//! request and get everything back in one 1 MiB answer, so past about 150 lists every sync
//! failed silently. Here a clinic holds 400 dense status lists (about 10 MiB of snapshots) of
//! the accredited agency that no other node holds; a newcomer that knows only the clinic must
//! get every one of them, and the agency's accreditation first, through the paged sync
//! (summary pages, then fetches cut to the response budget).

use credentials::status::{SignedSnapshot, StatusList, StatusPurpose, MIN_BITS};
use node::roles::status::{GossipMessage, Verdict};
use rand::{Rng, SeedableRng};
use vcnet_tests::{cfg, list_version, network, start, wait_until};

const LISTS: u32 = 400;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newcomer_syncs_hundreds_of_lists_from_one_peer() {
    let net = network().await;
    let (agency, clinic) = (&net.agency.node, &net.clinic.node);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(14);
    let now = chrono::Utc::now();
    let mut ids = Vec::new();
    for shard in 1000..1000 + LISTS {
        let id = agency.list_url(StatusPurpose::Suspension, shard);
        let mut list = StatusList::new(
            &id,
            StatusPurpose::Suspension,
            agency.identity.did(),
            MIN_BITS,
        )
        .unwrap();
        // Dense lists compress badly: each snapshot is about 22 KiB.
        let set: Vec<u64> = (0..MIN_BITS as u64).filter(|_| rng.gen_bool(0.5)).collect();
        list.change(&set, &[], now).unwrap();
        let snap = SignedSnapshot::sign(list.snapshot(now), &agency.identity).jws;
        assert_eq!(
            clinic.apply(&GossipMessage::Snapshot(snap)),
            Verdict::Stored
        );
        ids.push(id);
    }
    let root_did = net.root.node.identity.did().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let t0 = std::time::Instant::now();
    let newcomer = start(
        dir.path(),
        cfg(
            "Newcomer",
            &[node::config::Role::Verifier],
            &root_did,
            vec![net.clinic.info.listen[0].clone()],
        ),
    )
    .await;
    let n = &newcomer.node;
    wait_until("the newcomer holds all 400 lists", || {
        ids.iter().all(|id| list_version(n, id) == Some(1))
    })
    .await;
    eprintln!(
        "newcomer start to all {LISTS} lists held: {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    for (a, b) in ids.iter().take(3).map(|id| {
        (
            n.replicator.with_list(id, |l| l.bits.clone()),
            clinic.replicator.with_list(id, |l| l.bits.clone()),
        )
    }) {
        assert!(
            a.is_some() && a == b,
            "a synced list differs from the clinic's"
        );
    }
    newcomer.stop().await;
    for node in [net.clinic, net.citizen, net.agency, net.root] {
        node.stop().await;
    }
}
