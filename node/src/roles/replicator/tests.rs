use super::*;
use credentials::status::{SignedDelta, SignedSnapshot};
use rand::seq::SliceRandom;
use rand::SeedableRng;

/// Issue 14, "lost revocations": gossip and syncs apply concurrently. Four threads apply
/// one issuer's deltas and snapshots in four different orders to one replicator over a real
/// store; whatever the interleaving, no write may replace a newer version with an older
/// one, and store and memory end at the owner's last version with its bits.
#[test]
fn concurrent_writers_never_lose_a_revocation() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(dir.path()).unwrap());
    let owner = Identity::from_seed(&[3; 32]);
    let url = format!(
        "https://agency.example/{}/revocation/0",
        credentials::did::did_fragment(owner.did())
    );
    let mut list = StatusList::new(
        &url,
        StatusPurpose::Revocation,
        owner.did(),
        credentials::status::MIN_BITS,
    )
    .unwrap();
    let now = Utc::now();
    let mut msgs = vec![GossipMessage::Snapshot(
        SignedSnapshot::sign(list.snapshot(now), &owner).jws,
    )];
    for i in 0..60u64 {
        let d = list.change(&[i * 97], &[], now).unwrap();
        msgs.push(GossipMessage::Delta(SignedDelta::sign(d, &owner).jws));
        if i % 10 == 9 && i < 50 {
            msgs.push(GossipMessage::Snapshot(
                SignedSnapshot::sign(list.snapshot(now), &owner).jws,
            ));
        }
    }
    let replicator = Arc::new(Replicator::load(store.clone(), None).unwrap());
    let keys = Arc::new(KeyResolver::new());
    let threads: Vec<_> = (0..4u64)
        .map(|t| {
            let (r, keys) = (replicator.clone(), keys.clone());
            let mut order = msgs.clone();
            order.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(t));
            std::thread::spawn(move || {
                let mut last = 0;
                for _ in 0..200 {
                    for m in &order {
                        r.apply(m, &keys);
                        let v = r.with_list(&url_of(m), |l| l.version).unwrap_or(0);
                        assert!(v >= last, "version went back from {last} to {v}");
                        last = v;
                    }
                    if last == 60 {
                        break;
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("a writer thread failed");
    }
    let held = replicator.with_list(&url, Clone::clone).unwrap();
    assert_eq!(held.version, 60);
    assert!(held.bits == list.bits, "memory lost a revocation");
    let stored = store.status_list(&url).unwrap().unwrap();
    assert_eq!(stored.version, 60);
    assert!(
        load(&stored).unwrap().bits == list.bits,
        "the store lost a revocation"
    );
    // A fresh load from the store sees the same.
    let again = Replicator::load(store, None).unwrap();
    assert_eq!(again.with_list(&url, |l| l.version), Some(60));
}

fn url_of(m: &GossipMessage) -> String {
    match m {
        GossipMessage::Snapshot(j) => credentials::status::StatusSnapshot::peek(j)
            .map(|s| s.list)
            .unwrap_or_default(),
        GossipMessage::Delta(j) => credentials::jose::CompactJws::parse(j)
            .ok()
            .and_then(|p| p.payload_json::<credentials::status::StatusDelta>().ok())
            .map(|d| d.list)
            .unwrap_or_default(),
        _ => String::new(),
    }
}
