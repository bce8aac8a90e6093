use super::*;

#[test]
fn one_sync_in_flight_per_peer() {
    let set = std::sync::Mutex::new(std::collections::HashSet::new());
    let (a, b) = (PeerId::random(), PeerId::random());
    let first = SyncInFlight::take(&set, a).expect("first sync with a");
    // A second sync with the same peer is refused, and refusing it leaves the mark.
    assert!(SyncInFlight::take(&set, a).is_none());
    assert!(set.lock().unwrap().contains(&a));
    let other = SyncInFlight::take(&set, b).expect("another peer is independent");
    drop(first);
    assert!(!set.lock().unwrap().contains(&a));
    assert!(SyncInFlight::take(&set, a).is_some());
    drop(other);
    assert!(set.lock().unwrap().is_empty());
}

#[test]
fn fetch_batches_respect_count_and_bytes_and_cover_everything_in_order() {
    let wanted: Vec<(String, Option<u64>)> = (0..2_000)
        .map(|i| {
            // Every 100th key is as long as a key may be.
            let len = if i % 100 == 0 { 512 } else { 110 };
            (format!("{i:06}{}", "x".repeat(len - 6)), None)
        })
        .collect();
    let batches = fetch_batches(&wanted);
    let mut seen = 0;
    for b in &batches {
        assert!(!b.is_empty() && b.len() <= FETCH_BATCH_ITEMS);
        let bytes: usize = b.iter().map(|(k, _)| k.len() + 16).sum();
        assert!(bytes <= FETCH_BATCH_BYTES, "{bytes}");
        assert_eq!(b[0].0, wanted[seen].0);
        seen += b.len();
    }
    assert_eq!(seen, wanted.len());
    assert!(batches.len() >= wanted.len().div_ceil(FETCH_BATCH_ITEMS));
    assert!(fetch_batches(&[]).is_empty());
}

#[test]
fn sync_pace_stays_under_a_peers_limits() {
    let t0 = std::time::Instant::now();
    let mut pace = SyncPace::starting(t0);
    let mut at = t0;
    for _ in 0..48 {
        assert!(pace.take(at).is_zero(), "the burst goes at once");
    }
    for _ in 0..120 {
        at += pace.take(at);
    }
    // 120 more at 12 a second: ten seconds, under the peer's 16 a second.
    let secs = at.duration_since(t0).as_secs_f64();
    assert!((9.9..10.1).contains(&secs), "{secs}");
    // After a pause the bucket refills, up to the burst only.
    let later = at + std::time::Duration::from_secs(60);
    let waits: Vec<_> = (0..49).map(|_| pace.take(later)).collect();
    assert!(waits[..48].iter().all(|w| w.is_zero()));
    assert!(!waits[48].is_zero());
}
