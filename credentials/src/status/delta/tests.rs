use super::*;

fn at() -> DateTime<Utc> {
    crate::time::parse("2026-01-01T00:00:00Z").unwrap()
}

#[test]
fn delta_chain_applies_and_checks() {
    let issuer = Identity::from_seed(&[1; 32]);
    let keys = KeyResolver::new();
    let mut master = StatusList::new(
        "https://s/r/0",
        StatusPurpose::Suspension,
        issuer.did(),
        131_072,
    )
    .unwrap();
    let mut replica = master.clone();
    let d1 = SignedDelta::sign(master.change(&[5, 77], &[], at()).unwrap(), &issuer);
    let d2 = SignedDelta::sign(master.change(&[], &[5], at()).unwrap(), &issuer);
    let got2 = SignedDelta::open(&d2.jws, &keys).unwrap();
    assert_eq!(
        replica.check(&got2.delta),
        DeltaCheck::Gap { have: 0, got: 2 }
    );
    let got1 = SignedDelta::open(&d1.jws, &keys).unwrap();
    assert_eq!(replica.check(&got1.delta), DeltaCheck::Next);
    replica.apply(&got1.delta).unwrap();
    assert_eq!(replica.check(&got1.delta), DeltaCheck::Duplicate);
    replica.apply(&got2.delta).unwrap();
    assert_eq!(replica, master);
    assert_eq!(replica.check(&got1.delta), DeltaCheck::Old);
    assert!(!replica.bits.get(5).unwrap() && replica.bits.get(77).unwrap());
}

#[test]
fn revocation_deltas_never_clear_and_snapshots_are_bounded() {
    let issuer = Identity::from_seed(&[1; 32]);
    let keys = KeyResolver::new();
    let mut list = StatusList::new(
        "https://s/r/0",
        StatusPurpose::Revocation,
        issuer.did(),
        SHARD_BITS,
    )
    .unwrap();
    list.change(&[5], &[], at()).unwrap();
    let clear = SignedDelta::sign(list.change(&[], &[5], at()).unwrap(), &issuer);
    let e = SignedDelta::open(&clear.jws, &keys)
        .unwrap_err()
        .to_string();
    assert!(e.contains("revocation is permanent"), "{e}");
    // A snapshot of an honest shard opens; one inflating past a shard does not, and one
    // whose encodedList is longer than a shard can need is refused before decoding.
    let snap = SignedSnapshot::sign(list.snapshot(at()), &issuer);
    assert!(StatusSnapshot::peek(&snap.jws).is_ok());
    assert!(SignedSnapshot::open(&snap.jws, &keys).is_ok());
    let big = StatusList::new(
        "https://s/r/1",
        StatusPurpose::Revocation,
        issuer.did(),
        SHARD_BITS * 8,
    )
    .unwrap();
    let big = SignedSnapshot::sign(big.snapshot(at()), &issuer);
    let e = SignedSnapshot::open(&big.jws, &keys)
        .unwrap_err()
        .to_string();
    assert!(e.contains("inflates to more than"), "{e}");
    let mut long = list.snapshot(at());
    long.encoded_list = format!("u{}", "A".repeat(MAX_ENCODED_LIST_CHARS));
    let long = SignedSnapshot::sign(long, &issuer);
    for e in [
        StatusSnapshot::peek(&long.jws).unwrap_err().to_string(),
        SignedSnapshot::open(&long.jws, &keys)
            .unwrap_err()
            .to_string(),
    ] {
        assert!(e.contains("needs at most"), "{e}");
    }
}

#[test]
fn a_message_list_replicates_with_its_scheme_and_is_bounded_by_it() {
    let issuer = Identity::from_seed(&[7; 32]);
    let keys = KeyResolver::new();
    let scheme = MessageScheme::parse(
        Some(&serde_json::json!(2)),
        Some(&serde_json::json!([
            {"status": "0x0", "message": "pending"}, {"status": "0x1", "message": "accepted"},
            {"status": "0x2", "message": "rejected"}, {"status": "0x3", "message": "undefined"}
        ])),
        "",
    )
    .unwrap();
    let mut list =
        StatusList::new_message("https://s/m/0", issuer.did(), scheme.clone(), SHARD_BITS).unwrap();
    assert_eq!(list.entries(), SHARD_BITS as u64);
    let (set, cleared) = scheme.write(9, 2);
    let delta = list.change(&set, &cleared, at()).unwrap();
    assert_eq!(list.value(9).unwrap(), 2);
    // A replica applies the delta to the snapshot of version 0 and reads the same value.
    let mut replica = list.clone();
    replica.version = 0;
    replica.bits = Bitstring::new(SHARD_BITS * 2).unwrap();
    replica.apply(&delta).unwrap();
    assert_eq!(replica.value(9).unwrap(), 2);
    let snap = SignedSnapshot::sign(list.snapshot(at()), &issuer);
    let (_, opened) = SignedSnapshot::open(&snap.jws, &keys).unwrap();
    assert_eq!(opened.message, Some(scheme.clone()));
    assert_eq!(opened.value(9).unwrap(), 2);
    // A message snapshot without its scheme, or a scheme on a revocation list, is refused;
    // a list larger than a shard of its entries does not inflate.
    let mut bare = list.snapshot(at());
    bare.message = None;
    let e = SignedSnapshot::open(&SignedSnapshot::sign(bare, &issuer).jws, &keys)
        .unwrap_err()
        .to_string();
    assert!(e.contains("statusSize"), "{e}");
    let mut odd = StatusList::new(
        "https://s/r/0",
        StatusPurpose::Revocation,
        issuer.did(),
        SHARD_BITS,
    )
    .unwrap()
    .snapshot(at());
    odd.message = Some(scheme.clone());
    assert!(SignedSnapshot::open(&SignedSnapshot::sign(odd, &issuer).jws, &keys).is_err());
    let big =
        StatusList::new_message("https://s/m/1", issuer.did(), scheme, SHARD_BITS * 2).unwrap();
    let e = SignedSnapshot::open(
        &SignedSnapshot::sign(big.snapshot(at()), &issuer).jws,
        &keys,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("inflates to more than"), "{e}");
}

/// A shard dense with random bits does not compress; its honest snapshot still opens.
#[test]
fn an_incompressible_shard_is_accepted() {
    use rand::{Rng, SeedableRng};
    let issuer = Identity::from_seed(&[4; 32]);
    let keys = KeyResolver::new();
    let mut list = StatusList::new(
        "https://s/r/0",
        StatusPurpose::Suspension,
        issuer.did(),
        SHARD_BITS,
    )
    .unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
    let set: Vec<u64> = (0..SHARD_BITS as u64)
        .filter(|_| rng.gen_bool(0.5))
        .collect();
    list.change(&set, &[], at()).unwrap();
    let snap = SignedSnapshot::sign(list.snapshot(at()), &issuer);
    assert!(snap.snapshot.encoded_list.len() > SHARD_BITS / 8 * 4 / 3);
    let (_, opened) = SignedSnapshot::open(&snap.jws, &keys).expect("an honest dense shard");
    assert!(opened.bits == list.bits);
}

#[test]
fn forged_and_corrupt_deltas_rejected() {
    let issuer = Identity::from_seed(&[1; 32]);
    let mallory = Identity::from_seed(&[2; 32]);
    let keys = KeyResolver::new();
    let mut list = StatusList::new(
        "https://s/r/0",
        StatusPurpose::Revocation,
        issuer.did(),
        131_072,
    )
    .unwrap();
    let replica = list.clone();
    let d = list.change(&[9], &[], at()).unwrap();
    // Signed by someone else while naming the owner.
    let forged = SignedDelta::sign(d.clone(), &mallory);
    assert!(matches!(
        SignedDelta::open(&forged.jws, &keys),
        Err(StatusError::BadSignature { .. })
    ));
    // Names mallory as issuer: signature fine, but the list's owner differs.
    let mut theirs = d.clone();
    theirs.issuer = mallory.did().to_owned();
    let signed = SignedDelta::sign(theirs, &mallory);
    let opened = SignedDelta::open(&signed.jws, &keys).unwrap();
    assert!(replica.clone().apply(&opened.delta).is_err());
    // Wrong digest.
    let mut wrong = d.clone();
    wrong.digest = "00".repeat(32);
    let mut r = replica.clone();
    assert!(r
        .apply(
            &SignedDelta::open(&SignedDelta::sign(wrong, &issuer).jws, &keys)
                .unwrap()
                .delta
        )
        .is_err());
    assert_eq!(r, replica, "a rejected delta leaves the list unchanged");
    // Out-of-range index.
    let mut oob = d;
    oob.set = vec![1 << 20];
    assert!(r.apply(&oob).is_err());
    assert_eq!(r, replica);
}

#[test]
fn snapshot_round_trip() {
    let issuer = Identity::from_seed(&[1; 32]);
    let keys = KeyResolver::new();
    let mut list = StatusList::new(
        "https://s/s/0",
        StatusPurpose::Suspension,
        issuer.did(),
        131_072,
    )
    .unwrap();
    list.change(&[3], &[], at()).unwrap();
    let snap = SignedSnapshot::sign(list.snapshot(at()), &issuer);
    let (_, back) = SignedSnapshot::open(&snap.jws, &keys).unwrap();
    assert_eq!(back, list);
    let mut bad = list.snapshot(at());
    bad.digest = "ff".repeat(32);
    assert!(SignedSnapshot::open(&SignedSnapshot::sign(bad, &issuer).jws, &keys).is_err());
}
