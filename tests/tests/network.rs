//! Real nodes on loopback, in one process: four swarms (root authority, identity agency,
//! citizen, clinic) over real libp2p connections and real RocksDB stores in temp dirs.
//! Claim → wallet → present → verify; revocation, suspension and trust spread by gossip; a node
//! that was offline catches up by sync.

use credentials::status::StatusPurpose;
use credentials::verify::{CheckName, Outcome};
use credentials::CredentialKind;
use node::roles::status::GossipMessage;
use node::roles::NodeError;
use vcnet_tests::{first_record, list_version, network, start, wait_until};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claim_present_verify_revoke_suspend_across_nodes() {
    let net = network().await;
    let (agency, citizen, clinic) = (&net.agency.node, &net.citizen.node, &net.clinic.node);
    let report = agency
        .import_records(CredentialKind::Identity, &first_record())
        .unwrap();
    assert_eq!(report.codes.len(), 6);
    let agency_peer = agency.net.local_peer_id();
    let citizen_peer = citizen.net.local_peer_id();

    // A wrong code is refused with a message that says so.
    let e = citizen
        .claim_from(agency_peer, "WRONG-CODE", None)
        .await
        .unwrap_err();
    assert!(
        matches!(e, NodeError::PeerRefused { peer: "issuer", ref reason } if reason == "unknown or already used claim code"),
        "{e}"
    );

    let entry = citizen
        .claim_from(agency_peer, &report.codes[0].1, None)
        .await
        .unwrap();
    assert_eq!(entry.kind, CredentialKind::Identity);
    assert_eq!(
        entry.issuer_name.as_deref(),
        Some("National Identity Agency")
    );
    // A code issues once. Its holder claiming again (a lost reply) gets the same credential,
    // not a second one (issue 14: a lost reply used to burn the code); in another format, or
    // for anyone else (the adversarial p2p corpus), the code is spent.
    let issued_before = agency.holdings().unwrap().issued;
    let again = citizen
        .claim_from(agency_peer, &report.codes[0].1, None)
        .await
        .unwrap();
    assert_eq!(again.id, entry.id);
    assert_eq!(again.credential, entry.credential);
    assert_eq!(agency.holdings().unwrap().issued, issued_before);
    let e = citizen
        .claim_from(
            agency_peer,
            &report.codes[0].1,
            Some(credentials::Format::Jwt),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(e, NodeError::PeerRefused { ref reason, .. } if reason.contains("already used")),
        "{e}"
    );

    // The clinic needs the agency's status lists (gossiped at shard creation, or synced).
    let issued = agency.issued(&entry.id).unwrap().unwrap();
    let rev = agency.list_url(StatusPurpose::Revocation, issued.shard);
    let sus = agency.list_url(StatusPurpose::Suspension, issued.shard);
    wait_until("the clinic holds the agency's status lists", || {
        list_version(clinic, &rev).is_some() && list_version(clinic, &sus).is_some()
    })
    .await;

    let r = clinic
        .request_presentation(
            citizen_peer,
            vec![CredentialKind::Identity],
            vec!["fullName".into(), "dateOfBirth".into()],
        )
        .await
        .unwrap();
    assert!(r.valid, "{r}");
    let claims = r.claims.clone().unwrap();
    assert!(claims.get("fullName").is_some() && claims.get("dateOfBirth").is_some());
    assert!(
        claims.get("personalIdentificationNumber").is_none(),
        "disclosed more than asked: {claims}"
    );
    assert_eq!(r.issuer_name.as_deref(), Some("National Identity Agency"));
    let log = clinic.verifications().unwrap();
    assert_eq!(log.len(), 1, "verifier log");
    assert!(log[0].valid && log[0].claims_digest.is_some());
    let logged = serde_json::to_string(&log[0]).unwrap();
    let name = claims["fullName"].as_str().unwrap();
    assert!(
        !logged.contains(name),
        "the verifier log keeps claims: {logged}"
    );
    // Asked for a kind the wallet does not hold, the holder's answer is the same as a
    // refusal: nothing about the wallet's contents leaks.
    let e = clinic
        .request_presentation(
            citizen_peer,
            vec![CredentialKind::StudyRecord],
            vec!["degree".into()],
        )
        .await
        .unwrap_err();
    assert!(
        matches!(e, NodeError::PeerRefused { peer: "holder", ref reason } if reason == node::roles::DECLINED),
        "{e}"
    );

    // Suspend → refused as suspended; reinstate → valid again.
    let ask_name = || {
        clinic.request_presentation(
            citizen_peer,
            vec![CredentialKind::Identity],
            vec!["fullName".into()],
        )
    };
    agency
        .change_status(&entry.id, StatusPurpose::Suspension, true)
        .await
        .unwrap();
    wait_until("the clinic has suspension v1", || {
        list_version(clinic, &sus) == Some(1)
    })
    .await;
    let r = ask_name().await.unwrap();
    assert!(
        matches!(r.outcome(CheckName::Status), Some(Outcome::Fail { reason }) if reason.starts_with("suspended")),
        "{r}"
    );
    agency
        .change_status(&entry.id, StatusPurpose::Suspension, false)
        .await
        .unwrap();
    wait_until("the clinic has suspension v2", || {
        list_version(clinic, &sus) == Some(2)
    })
    .await;
    assert!(ask_name().await.unwrap().valid);

    // Revoke → refused as revoked.
    agency
        .change_status(&entry.id, StatusPurpose::Revocation, true)
        .await
        .unwrap();
    wait_until("the clinic has revocation v1", || {
        list_version(clinic, &rev) == Some(1)
    })
    .await;
    let r = ask_name().await.unwrap();
    assert!(
        matches!(r.outcome(CheckName::Status), Some(Outcome::Fail { reason }) if reason.starts_with("revoked")),
        "{r}"
    );
    assert!(
        agency
            .change_status(&entry.id, StatusPurpose::Revocation, false)
            .await
            .is_err(),
        "revocation is permanent"
    );

    // An issuer asked for a kind it does not issue.
    let e = agency
        .import_records(CredentialKind::StudyRecord, "{}")
        .unwrap_err()
        .to_string();
    assert!(e.contains("does not issue"), "{e}");

    for n in [net.clinic, net.citizen, net.agency, net.root] {
        n.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_node_converges_and_withdrawn_issuer_fails_trust() {
    let net = network().await;
    let agency = net.agency.node.clone();
    let report = agency
        .import_records(CredentialKind::Identity, &first_record())
        .unwrap();
    let agency_peer = agency.net.local_peer_id();
    let mut ids = Vec::new();
    for (_, code) in &report.codes {
        ids.push(
            net.citizen
                .node
                .claim_from(agency_peer, code, Some(credentials::Format::Jwt))
                .await
                .unwrap()
                .id,
        );
    }
    // 94 more credentials issued directly: 100 to revoke while the clinic is offline.
    let subject: serde_json::Value =
        serde_json::from_str(first_record().lines().next().unwrap()).unwrap();
    for _ in 0..94 {
        let (id, _) = agency
            .issue_direct(
                CredentialKind::Identity,
                subject.clone(),
                None,
                credentials::Format::Jwt,
            )
            .await
            .unwrap();
        ids.push(id);
    }
    assert_eq!(ids.len(), 100);
    // Indexes are spread over shards: the revocation lists these credentials use.
    let mut lists: Vec<String> = ids
        .iter()
        .map(|id| {
            let shard = agency.issued(id).unwrap().unwrap().shard;
            agency.list_url(StatusPurpose::Revocation, shard)
        })
        .collect();
    lists.sort();
    lists.dedup();
    let clinic_dir = net.dirs[3].path().to_owned();
    let clinic_cfg = node::config::Config::load(&clinic_dir).unwrap();
    let root_addr = net.root.info.listen[0].clone();
    // Clinic goes offline; the agency revokes all 100.
    let clinic_node = net.clinic.node.clone();
    wait_until("the clinic holds the revocation lists", || {
        lists
            .iter()
            .all(|l| list_version(&clinic_node, l).is_some())
    })
    .await;
    drop(clinic_node);
    net.clinic.stop().await;
    for id in &ids {
        agency
            .change_status(id, StatusPurpose::Revocation, true)
            .await
            .unwrap();
    }
    let versions: Vec<Option<u64>> = lists.iter().map(|l| list_version(&agency, l)).collect();
    assert_eq!(
        versions.iter().map(|v| v.unwrap()).sum::<u64>(),
        100,
        "100 revocations over {lists:?}"
    );
    // Back online: it syncs what it missed from its peers.
    let clinic = start(
        &clinic_dir,
        node::config::Config {
            bootstrap: vec![root_addr.parse().unwrap()],
            listen: vec![node::local_net::loopback_tcp()],
            consent: node::config::Consent::Auto,
            ..clinic_cfg
        },
    )
    .await;
    let cn = clinic.node.clone();
    wait_until(
        "the restarted clinic converges to the agency's versions",
        || {
            lists
                .iter()
                .zip(&versions)
                .all(|(l, v)| list_version(&cn, l) == *v)
        },
    )
    .await;
    // Each revoked credential now fails its status check at the restarted clinic.
    for id in &ids[..5] {
        let text = net.citizen.node.wallet_entry(id).unwrap().credential;
        let r = cn.verify_text(text, None, None).await.unwrap();
        assert!(
            matches!(r.outcome(CheckName::Status), Some(Outcome::Fail { reason }) if reason.starts_with("revoked")),
            "{r}"
        );
    }

    // Withdraw the agency's accreditation: its credentials fail the trust check.
    let w = credentials::trust::Withdrawal {
        issuer: agency.identity.did().into(),
        withdrawn: credentials::time::format(chrono::Utc::now()),
        version: 2,
    };
    net.root
        .node
        .submit_trust(GossipMessage::Withdrawal(w.sign(&net.root.node.identity)))
        .await
        .unwrap();
    let did = agency.identity.did().to_owned();
    wait_until("the clinic learns of the withdrawal", || {
        cn.trust_record(&did)
            .ok()
            .flatten()
            .is_some_and(|t| t.withdrawal.is_some())
    })
    .await;
    let text = net.citizen.node.wallet_entry(&ids[5]).unwrap().credential;
    let r = cn.verify_text(text, None, None).await.unwrap();
    assert!(
        matches!(r.outcome(CheckName::IssuerAccredited), Some(Outcome::Fail { reason }) if reason.contains("withdrawn")),
        "{r}"
    );

    clinic.stop().await;
    for n in [net.citizen, net.agency, net.root] {
        n.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_and_rolled_back_status_updates_are_rejected_and_not_stored() {
    use credentials::status::{SignedDelta, StatusDelta};
    use node::roles::status::Verdict;
    let net = network().await;
    let (agency, clinic) = (net.agency.node.clone(), net.clinic.node.clone());
    let report = agency
        .import_records(CredentialKind::Identity, &first_record())
        .unwrap();
    let entry = net
        .citizen
        .node
        .claim_from(agency.net.local_peer_id(), &report.codes[0].1, None)
        .await
        .unwrap();
    let issued = agency.issued(&entry.id).unwrap().unwrap();
    let rev = agency.list_url(StatusPurpose::Revocation, issued.shard);
    wait_until("the clinic holds the list", || {
        list_version(&clinic, &rev).is_some()
    })
    .await;
    let before = clinic.replicator.with_list(&rev, Clone::clone).unwrap();

    // Mallory signs a delta that claims to come from the agency.
    let mallory = credentials::Identity::from_seed(&[99; 32]);
    let mut list = credentials::status::StatusList {
        id: rev.clone(),
        purpose: StatusPurpose::Revocation,
        issuer: agency.identity.did().into(),
        version: before.version,
        bits: before.bits.clone(),
        message: None,
    };
    let forged: StatusDelta = list
        .change(&[issued.index], &[], chrono::Utc::now())
        .unwrap();
    let v = clinic.apply(&GossipMessage::Delta(
        SignedDelta::sign(forged.clone(), &mallory).jws,
    ));
    assert!(
        matches!(v, Verdict::Reject(ref r) if r.contains("signed by")),
        "{v:?}"
    );
    // Mallory names herself as issuer of the agency's list: not under her DID.
    let mut theirs = forged.clone();
    theirs.issuer = mallory.did().into();
    let v = clinic.apply(&GossipMessage::Delta(
        SignedDelta::sign(theirs, &mallory).jws,
    ));
    assert!(
        matches!(v, Verdict::Reject(ref r) if r.contains("not under its issuer")),
        "{v:?}"
    );
    // A delta by the agency with a wrong digest.
    let mut bad_digest = forged.clone();
    bad_digest.digest = "00".repeat(32);
    let v = clinic.apply(&GossipMessage::Delta(
        SignedDelta::sign(bad_digest, &agency.identity).jws,
    ));
    assert!(
        matches!(v, Verdict::Reject(ref r) if r.contains("digest")),
        "{v:?}"
    );
    assert_eq!(
        clinic.replicator.with_list(&rev, Clone::clone).unwrap(),
        before,
        "nothing applied"
    );
    assert_eq!(
        list_version(&clinic, &rev),
        Some(before.version),
        "nothing stored"
    );

    // Real changes v1, v2; then the old v1 again (a rollback) is ignored, not stored.
    agency
        .change_status(&entry.id, StatusPurpose::Revocation, true)
        .await
        .unwrap();
    wait_until("the clinic has v1", || {
        list_version(&clinic, &rev) == Some(1)
    })
    .await;
    let v1 = agency.deltas_after(&rev, 0).unwrap()[0].clone();
    assert_eq!(
        clinic.apply(&GossipMessage::Delta(v1.clone())),
        Verdict::Ignore("old or duplicate delta")
    );
    // A snapshot at an older version than held is ignored too.
    let old_snap = credentials::status::SignedSnapshot::sign(
        credentials::status::StatusList::new(
            &rev,
            StatusPurpose::Revocation,
            agency.identity.did(),
            131_072,
        )
        .unwrap()
        .snapshot(chrono::Utc::now()),
        &agency.identity,
    );
    assert!(matches!(
        clinic.apply(&GossipMessage::Snapshot(old_snap.jws)),
        Verdict::Ignore(_)
    ));
    assert_eq!(list_version(&clinic, &rev), Some(1));
    // Malformed gossip is rejected.
    assert!(matches!(
        clinic.apply(&GossipMessage::Delta("not-a-jws".into())),
        Verdict::Reject(_)
    ));

    for n in [net.clinic, net.citizen, net.agency, net.root] {
        n.stop().await;
    }
}
