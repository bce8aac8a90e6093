use super::*;
use credentials::status::StatusPurpose;
use credentials::{CredentialKind, Format};

fn rec(id: &str) -> RecordEntry {
    RecordEntry {
        id: id.into(),
        kind: CredentialKind::Identity,
        subject: serde_json::json!({"fullName": "A"}),
        claimed_by: None,
        code_digest: None,
        tx_code_digest: None,
    }
}

fn cheap() -> KdfParams {
    KdfParams {
        m_kib: 256,
        t: 1,
        p: 1,
    }
}

/// A sample wallet credential (also used by the backup tests).
pub(super) fn wallet_entry(id: &str) -> WalletEntry {
    WalletEntry {
        id: id.into(),
        kind: CredentialKind::Identity,
        format: Format::SdJwt,
        issuer: "did:key:z6Mkissuer".into(),
        issuer_name: Some("National Identity Agency".into()),
        credential: "eyJ.SECRET-CREDENTIAL-TEXT.sig~".into(),
        received_at: "2026-11-26T08:00:00.000Z".into(),
        staple: None,
    }
}

#[test]
fn verifier_log_expires_old_entries() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    let day = 86_400_000i64;
    // Retention: 30 days. An entry at day 41 removes the one from day 10, keeps day 20.
    for (at, id) in [(10, "a"), (20, "b"), (41, "c")] {
        s.log_verification(&log_entry(at * day, id), 30 * day)
            .unwrap();
    }
    let ids: Vec<String> = s
        .verifications()
        .unwrap()
        .into_iter()
        .map(|e| e.request_id)
        .collect();
    assert_eq!(ids, ["b", "c"]);
    let stored = s.verifications().unwrap();
    assert_eq!(stored[0].kind, Some(CredentialKind::Identity));
}

fn log_entry(at: i64, id: &str) -> VerificationLogEntry {
    VerificationLogEntry {
        at_millis: at,
        request_id: id.into(),
        peer: "peer".into(),
        valid: true,
        kind: Some(CredentialKind::Identity),
        format: None,
        credential_id: None,
        issuer: None,
        claims_digest: None,
        failures: vec![],
    }
}

/// A store as schema version 1 left it: allocation bitmaps of every shard under one key, a
/// verifier log entry with the disclosed claims, kinds by short name. Opening it migrates it
/// once, in one batch; a second open changes nothing.
#[test]
fn a_version_1_store_is_migrated_once_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let base = "http://x/status";
    {
        let s = Store::open(dir.path()).unwrap();
        s.set_schema_version_for_test(1).unwrap();
        let status = s.cf(Column::Status).unwrap();
        let v1 = migrate::AllocationV1 {
            base: base.into(),
            shards: vec!["AAAA".into(), "BBBB".into(), "CCCC".into()],
        };
        s.db.put_cf(
            status,
            format!("alloc/{base}"),
            serde_json::to_vec(&v1).unwrap(),
        )
        .unwrap();
        // Shard 1 already under its own key (newer than the old layout's copy): it stays.
        s.db.put_cf(
            status,
            format!("alloc/{base}/{:010}", 1),
            serde_json::to_vec(&AllocationEntry {
                base: base.into(),
                shard: 1,
                bitmap: "NEWER".into(),
            })
            .unwrap(),
        )
        .unwrap();
        let mut legacy = serde_json::to_value(log_entry(5, "old")).unwrap();
        legacy["kind"] = serde_json::json!("identity");
        legacy["report"] = serde_json::json!({"claims": {"fullName": "Nguyễn Văn A"}});
        s.db.put_cf(
            s.cf(Column::VerifierLog).unwrap(),
            format!("{:020}-old", 5).as_bytes(),
            serde_json::to_vec(&legacy).unwrap(),
        )
        .unwrap();
        s.db.put_cf(
            s.cf(Column::VerifierLog).unwrap(),
            format!("{:020}-junk", 6).as_bytes(),
            b"not json",
        )
        .unwrap();
    }
    let s = Store::open(dir.path()).unwrap();
    assert_eq!(s.schema_version().unwrap(), Some(CURRENT_SCHEMA_VERSION));
    let shards: Vec<(u32, String)> = s
        .allocation(base)
        .unwrap()
        .into_iter()
        .map(|a| (a.shard, a.bitmap))
        .collect();
    assert_eq!(
        shards,
        [
            (0, "AAAA".to_owned()),
            (1, "NEWER".to_owned()),
            (2, "CCCC".to_owned())
        ]
    );
    assert!(
        s.db.get_cf(s.cf(Column::Status).unwrap(), format!("alloc/{base}"))
            .unwrap()
            .is_none(),
        "the old layout's key is gone"
    );
    let log = s.verifications().unwrap();
    assert_eq!(log.len(), 1, "the unreadable entry is dropped");
    assert_eq!(log[0].request_id, "old");
    assert_eq!(log[0].kind, Some(CredentialKind::Identity));
    let raw = s
        .get_raw(&Key::Verification {
            at_millis: 5,
            request_id: "old",
        })
        .unwrap()
        .unwrap();
    assert!(!String::from_utf8_lossy(&raw).contains("Nguyễn"));
    drop(s);
    // Opened again: already current, nothing to do; read-only opens see the same.
    let s = Store::open_read_only(dir.path()).unwrap();
    assert_eq!(s.schema_version().unwrap(), Some(CURRENT_SCHEMA_VERSION));
    assert_eq!(s.allocation(base).unwrap().len(), 3);
}

#[test]
fn secrets_are_encrypted_at_rest_and_need_the_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let seed = [42u8; 32];
    {
        let s = Store::open(dir.path()).unwrap();
        s.create_vault("correct horse battery", cheap()).unwrap();
        s.init_node_seed(&seed, "did:key:z6Mknode").unwrap();
        s.put_wallet(&wallet_entry("urn:uuid:1")).unwrap();
        // Stored bytes hold neither the credential nor the seed in the clear.
        let raw = s.wallet_raw_for_test("urn:uuid:1").unwrap().unwrap();
        assert!(!raw.windows(6).any(|w| w == b"SECRET"));
        assert!(!raw.windows(8).any(|w| w == b"National"));
    }
    // Reopened: locked until unlocked; the DID is public.
    let s = Store::open(dir.path()).unwrap();
    assert!(s.is_encrypted());
    assert_eq!(s.node_did().unwrap().as_deref(), Some("did:key:z6Mknode"));
    assert!(matches!(s.wallet(), Err(StoreError::SecretsLocked { .. })));
    assert!(matches!(
        s.node_seed(),
        Err(StoreError::SecretsLocked { .. })
    ));
    assert!(matches!(
        s.put_wallet(&wallet_entry("urn:uuid:2")),
        Err(StoreError::SecretsLocked { .. })
    ));
    // A wrong passphrase is a clear error and changes nothing.
    let e = s.unlock("wrong horse battery").unwrap_err();
    assert!(e.to_string().contains("wrong passphrase"), "{e}");
    assert!(matches!(s.wallet(), Err(StoreError::SecretsLocked { .. })));
    s.unlock("correct horse battery").unwrap();
    assert_eq!(*s.node_seed().unwrap().unwrap(), seed);
    assert_eq!(s.wallet().unwrap(), vec![wallet_entry("urn:uuid:1")]);
    // Passphrase change re-wraps the key: the old one stops working, data stays readable.
    assert!(s
        .change_passphrase("wrong horse battery", "new passphrase!")
        .is_err());
    s.change_passphrase("correct horse battery", "new passphrase!")
        .unwrap();
    assert!(s.check_passphrase("correct horse battery").is_err());
    s.check_passphrase("new passphrase!").unwrap();
    // Delete: gone; deleting again names the id.
    s.delete_wallet("urn:uuid:1").unwrap();
    assert!(matches!(
        s.delete_wallet("urn:uuid:1"),
        Err(StoreError::NotInWallet { .. })
    ));
}

#[test]
fn a_restored_node_gets_key_and_wallet_together_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    s.create_vault("correct horse battery", cheap()).unwrap();
    let wallet = [wallet_entry("urn:uuid:1"), wallet_entry("urn:uuid:2")];
    s.init_node(&[5; 32], "did:key:z6Mkrestored", &wallet)
        .unwrap();
    assert_eq!(s.wallet().unwrap(), wallet.to_vec());
    assert_eq!(*s.node_seed().unwrap().unwrap(), [5; 32]);
    // A second restore over it is refused and changes nothing.
    let e = s
        .init_node(&[6; 32], "did:key:z6Mkother", &[wallet_entry("urn:uuid:3")])
        .unwrap_err();
    assert!(e.to_string().contains("already has a node key"), "{e}");
    assert_eq!(s.wallet().unwrap(), wallet.to_vec());
    assert_eq!(
        s.node_did().unwrap().as_deref(),
        Some("did:key:z6Mkrestored")
    );
}

#[test]
fn a_store_without_passphrase_can_be_encrypted_later() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = Store::open(dir.path()).unwrap();
        s.init_node_seed(&[8; 32], "did:key:z6Mkplain").unwrap();
        s.put_wallet(&wallet_entry("urn:uuid:1")).unwrap();
        assert!(s
            .wallet_raw_for_test("urn:uuid:1")
            .unwrap()
            .unwrap()
            .windows(6)
            .any(|w| w == b"SECRET"));
        assert!(
            s.encrypt_existing("x", cheap()).is_err(),
            "weak passphrase refused"
        );
        assert_eq!(
            s.encrypt_existing("correct horse battery", cheap())
                .unwrap(),
            1
        );
        let raw = s.wallet_raw_for_test("urn:uuid:1").unwrap().unwrap();
        assert!(!raw.windows(6).any(|w| w == b"SECRET"));
        assert!(s
            .encrypt_existing("correct horse battery", cheap())
            .is_err());
    }
    let s = Store::open(dir.path()).unwrap();
    assert!(matches!(s.wallet(), Err(StoreError::SecretsLocked { .. })));
    s.unlock("correct horse battery").unwrap();
    assert_eq!(*s.node_seed().unwrap().unwrap(), [8; 32]);
    assert_eq!(s.wallet().unwrap(), vec![wallet_entry("urn:uuid:1")]);
}

#[test]
fn a_moved_ciphertext_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    s.create_vault("correct horse battery", cheap()).unwrap();
    s.put_wallet(&wallet_entry("urn:uuid:a")).unwrap();
    // Copy a's ciphertext under b's key: authentication binds it to its key.
    let raw = s.wallet_raw_for_test("urn:uuid:a").unwrap().unwrap();
    s.db.put_cf(s.cf(Column::Wallet).unwrap(), b"urn:uuid:b", raw)
        .unwrap();
    let e = s.wallet_entry("urn:uuid:b").unwrap_err();
    assert!(e.to_string().contains("failed authentication"), "{e}");
}

#[test]
fn read_only_open_works_beside_a_running_writer() {
    let dir = tempfile::tempdir().unwrap();
    let w = Store::open(dir.path()).unwrap();
    w.init_node_seed(&[1; 32], "did:key:z6Mkro").unwrap();
    let r = Store::open_read_only(dir.path()).unwrap();
    assert_eq!(r.node_did().unwrap().as_deref(), Some("did:key:z6Mkro"));
    let empty = tempfile::tempdir().unwrap();
    assert!(Store::open_read_only(empty.path()).is_err());
}

#[test]
fn second_open_is_refused_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let _a = Store::open(dir.path()).unwrap();
    let e = Store::open(dir.path())
        .err()
        .expect("second open must fail");
    assert!(matches!(e, StoreError::Locked { .. }), "{e}");
    assert!(e.to_string().contains("in use"));
}

#[test]
fn too_new_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = Store::open(dir.path()).unwrap();
        s.set_schema_version_for_test(CURRENT_SCHEMA_VERSION + 1)
            .unwrap();
    }
    let e = Store::open(dir.path()).err().expect("too new must fail");
    assert!(matches!(e, StoreError::TooNew { .. }), "{e}");
}

#[test]
fn corrupted_store_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = Store::open(dir.path()).unwrap();
        s.init_node_seed(&[1; 32], "did:key:z6Mkx").unwrap();
    }
    // Destroy the manifest pointer.
    std::fs::write(dir.path().join("CURRENT"), b"MANIFEST-999999\n").unwrap();
    let e = Store::open(dir.path()).err().expect("corrupt must fail");
    assert!(
        e.to_string().contains(&dir.path().display().to_string()),
        "{e}"
    );
}

#[test]
fn import_is_all_or_nothing_and_codes_work_once() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    s.import_records(&[(rec("r1"), "d1".into())], false)
        .unwrap();
    // A batch containing a duplicate is refused entirely.
    assert!(s
        .import_records(&[(rec("r2"), "d2".into()), (rec("r1"), "d3".into())], false)
        .is_err());
    assert!(s.record_for_code("d2").unwrap().is_none());
    assert_eq!(s.records().unwrap().len(), 1);
    let r = s.record_for_code("d1").unwrap().unwrap();
    let issued = IssuedEntry {
        credential_id: "urn:uuid:1".into(),
        kind: Some(CredentialKind::Identity),
        holder: Some("did:key:x".into()),
        format: Format::SdJwt,
        list_base: "http://x/status".into(),
        shard: 0,
        index: 5,
        record_id: Some("r1".into()),
        message_list: None,
        issued_at: "2026-01-01T00:00:00Z".into(),
        status_changes: Vec::new(),
    };
    let alloc = AllocationEntry {
        base: "http://x/status".into(),
        shard: 3,
        bitmap: "AAAA".into(),
    };
    let mut claimed = r.clone();
    claimed.claimed_by = Some("urn:uuid:1".into());
    let delivered = ClaimedCode {
        holder: "did:key:z6Mkholder".into(),
        credential_id: "urn:uuid:1".into(),
        kind: CredentialKind::Identity,
        format: Format::SdJwt,
        credential: "credential text".into(),
    };
    s.commit_issuance("d1", &delivered, &claimed, &issued, &alloc, &[])
        .unwrap();
    assert_eq!(s.claimed_code("d1").unwrap(), Some(delivered));
    assert!(
        s.record_for_code("d1").unwrap().is_none(),
        "code works once"
    );
    assert_eq!(s.issued("urn:uuid:1").unwrap().unwrap().index, 5);
    assert_eq!(s.allocation("http://x/status").unwrap(), vec![alloc]);
}

#[test]
fn status_log_orders_versions() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    for v in 1..=12u64 {
        let l = StoredList {
            id: "L".into(),
            purpose: StatusPurpose::Revocation,
            issuer: "did:key:x".into(),
            version: v,
            bits: String::new(),
            stored_at_ms: 0,
            confirmed_ms: None,
            message: None,
        };
        s.put_status_list(&l, Some(&format!("jws{v}"))).unwrap();
    }
    assert_eq!(
        s.deltas_after("L", 9).unwrap(),
        vec!["jws10", "jws11", "jws12"]
    );
    assert_eq!(s.status_list("L").unwrap().unwrap().version, 12);
}

#[test]
fn counts_are_exact_up_to_the_cap_and_estimated_past_it() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    let entry = |i: usize| IssuedEntry {
        credential_id: format!("urn:uuid:{i:08}"),
        kind: None,
        holder: None,
        format: credentials::Format::SdJwt,
        list_base: "https://s".into(),
        shard: 0,
        index: i as u64,
        record_id: None,
        message_list: None,
        issued_at: "2026-01-01T00:00:00Z".into(),
        status_changes: Vec::new(),
    };
    let put = |from: usize, to: usize| {
        let mut batch = rocksdb::WriteBatch::default();
        for i in from..to {
            s.put(
                &mut batch,
                &Key::Issued(&format!("urn:uuid:{i:08}")),
                &entry(i),
            )
            .unwrap();
        }
        s.db.write(batch).unwrap();
    };
    put(0, 10);
    let c = s.counts().unwrap();
    assert_eq!((c.issued, c.issued_exact), (10, true));
    put(10, EXACT_COUNT_CAP + 50);
    s.db.flush_cf(s.cf(Column::Issued).unwrap()).unwrap();
    let c = s.counts().unwrap();
    assert!(!c.issued_exact);
    assert!(c.issued > EXACT_COUNT_CAP, "{}", c.issued);
}
