//! Issue 14, staleness: a verifier cut off from an issuer does not keep answering "valid" on
//! lists it can no longer confirm. The agency heartbeats every second; the clinic accepts a
//! list confirmed at most 4 s ago. With the agency stopped, the clinic's answer becomes
//! "cannot be sure", saying how old its copy is; once the agency is back, the next heartbeat
//! makes it "valid" again. A revocation seen on a stale copy stays a plain failure.

use std::time::Duration;

use credentials::CredentialKind;

use credentials::status::StatusPurpose;
use credentials::verify::{CheckName, Outcome, Verdict};
use vcnet_tests::{citizen_holds_identity, network_with, start, Net};

const MAX_AGE: u32 = 4;

async fn verdict_of(
    clinic: &node::roles::Node,
    credential: &str,
) -> credentials::VerificationReport {
    clinic
        .verify_text(credential.to_owned(), None, None)
        .await
        .unwrap()
}

async fn wait_for_verdict(
    clinic: &node::roles::Node,
    credential: &str,
    want: Verdict,
) -> credentials::VerificationReport {
    let deadline = tokio::time::Instant::now() + vcnet_tests::WAIT;
    loop {
        let r = verdict_of(clinic, credential).await;
        if r.verdict == want {
            return r;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "waited for {want:?}, still {:?}: {r}",
            r.verdict
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_off_verifier_says_it_cannot_be_sure_and_recovers_on_the_next_heartbeat() {
    let net = network_with(|c| {
        c.heartbeat_secs = 1;
        c.max_status_age_secs = MAX_AGE;
    })
    .await;
    let (_, entry, _, lists) = citizen_holds_identity(&net).await;
    let clinic = net.clinic.node.clone();
    // Connected: the agency's heartbeats keep the clinic's copies confirmed.
    let r = wait_for_verdict(&clinic, &entry.credential, Verdict::Valid).await;
    assert!(r.valid, "{r}");
    for l in &lists {
        let age = chrono::Utc::now() - clinic.replicator.confirmed(l).unwrap();
        assert!(age.num_seconds() <= i64::from(MAX_AGE), "{l}: {age}");
    }

    // The agency goes away: no more heartbeats reach the clinic.
    let agency_dir = net.dirs[1].path().to_owned();
    let agency_cfg = node::config::Config::load(&agency_dir).unwrap();
    let root_addr = net.root.info.listen[0].clone();
    let agency_did = net.agency.node.identity.did().to_owned();
    let Net {
        dirs,
        root,
        agency,
        citizen,
        clinic: clinic_node,
    } = net;
    agency.stop().await;
    tokio::time::sleep(Duration::from_secs(u64::from(MAX_AGE) + 2)).await;
    let r = verdict_of(&clinic, &entry.credential).await;
    assert_eq!(r.verdict, Verdict::CannotBeSure, "{r}");
    assert!(!r.valid, "a stale list must not give a silent valid");
    match r.outcome(CheckName::Status) {
        Some(Outcome::Unsure { reason }) => {
            assert!(reason.contains("last confirmed"), "{reason}");
            assert!(reason.contains("at most 4 s"), "{reason}");
        }
        other => panic!("status: {other:?}"),
    }
    assert!(
        r.problems()
            .iter()
            .any(|p| p.starts_with("status: cannot be sure")),
        "{:?}",
        r.problems()
    );
    // Every other check still passed: the verdict is not a failure.
    assert!(r.checks.iter().all(|c| !c.outcome.is_fail()), "{r}");

    // The agency comes back: its next heartbeat confirms the clinic's copies again.
    let agency = start(
        &agency_dir,
        node::config::Config {
            bootstrap: vec![root_addr.parse().unwrap()],
            listen: vec![node::local_net::loopback_tcp()],
            ..agency_cfg
        },
    )
    .await;
    assert_eq!(agency.node.identity.did(), agency_did);
    let r = wait_for_verdict(&clinic, &entry.credential, Verdict::Valid).await;
    assert!(r.valid, "{r}");

    // A revocation the clinic received is final, however old its copy becomes.
    agency
        .node
        .change_status(&entry.id, StatusPurpose::Revocation, true)
        .await
        .unwrap();
    let r = wait_for_verdict(&clinic, &entry.credential, Verdict::Invalid).await;
    agency.stop().await;
    tokio::time::sleep(Duration::from_secs(u64::from(MAX_AGE) + 2)).await;
    let r2 = verdict_of(&clinic, &entry.credential).await;
    assert_eq!(r2.verdict, Verdict::Invalid, "{r2}");
    assert!(
        matches!(r.outcome(CheckName::Status), Some(Outcome::Fail { reason }) if reason.starts_with("revoked")),
        "{r}"
    );
    drop((dirs, root, citizen, clinic_node));
}

/// Issue 14, status stapling: a clinic whose copies of the agency's lists are too old to be
/// sure of still decides when the citizen's presentation carries a fresh staple from the
/// agency; without one it cannot be sure; a revoked credential gets no staple.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_status_staple_lets_a_cut_off_verifier_decide() {
    let net = network_with(|c| {
        c.heartbeat_secs = 1;
        c.max_status_age_secs = MAX_AGE;
    })
    .await;
    let (_, entry, _, _) = citizen_holds_identity(&net).await;
    let clinic_dir = net.dirs[3].path().to_owned();
    let clinic_cfg = node::config::Config::load(&clinic_dir).unwrap();
    let Net {
        dirs,
        root,
        agency,
        citizen,
        clinic,
    } = net;
    // The clinic goes offline; its copies age past the maximum.
    let clinic_did = clinic.node.identity.did().to_owned();
    clinic.stop().await;
    tokio::time::sleep(Duration::from_secs(u64::from(MAX_AGE) + 2)).await;
    // The citizen, still online, gets a fresh staple from the agency.
    let staple = citizen.node.fetch_staple(&entry.id).await.unwrap();
    let s = credentials::status::Staple::open(&staple, citizen.node.verifier.keys()).unwrap();
    assert_eq!(s.sub, entry.id);
    // The clinic comes back with no peers at all: it verifies offline at the counter.
    let clinic = start(
        &clinic_dir,
        node::config::Config {
            bootstrap: vec![],
            listen: vec![node::local_net::loopback_tcp()],
            ..clinic_cfg
        },
    )
    .await;
    let ask = || node::roles::wallet::QrAsk {
        kinds: vec![CredentialKind::Identity],
        claims: vec!["fullName".into()],
        verifier: Some(clinic_did.clone()),
        valid_for: 120,
        request: None,
        no_staple: false,
        credential_id: None,
    };
    let shown = citizen.node.present_qr(ask()).await.unwrap();
    let r = clinic
        .node
        .verify_presentation_text(shown.presentation.clone(), None, Some(clinic_did.clone()))
        .await
        .unwrap();
    assert!(r.valid, "{r}");
    match r.outcome(CheckName::Status) {
        Some(Outcome::Pass { detail: Some(d) }) => {
            assert!(d.contains("status staple"), "{d}");
            assert!(d.contains("last confirmed"), "{d}");
        }
        other => panic!("status: {other:?}"),
    }
    // The staple costs little in the QR code.
    let bare = citizen
        .node
        .present_qr(node::roles::wallet::QrAsk {
            no_staple: true,
            ..ask()
        })
        .await
        .unwrap();
    let extra = shown.compact.len() as i64 - bare.compact.len() as i64;
    eprintln!("a staple adds {extra} characters to the QR text");
    assert!(
        (0..200).contains(&extra),
        "a staple adds {extra} characters"
    );
    // Without it, the clinic cannot be sure.
    let r = clinic
        .node
        .verify_presentation_text(bare.presentation, None, Some(clinic_did.clone()))
        .await
        .unwrap();
    assert_eq!(r.verdict, Verdict::CannotBeSure, "{r}");
    // A revoked credential gets no staple.
    agency
        .node
        .change_status(&entry.id, StatusPurpose::Revocation, true)
        .await
        .unwrap();
    let err = citizen.node.fetch_staple(&entry.id).await.unwrap_err();
    assert!(
        matches!(err, node::roles::NodeError::PeerRefused { ref reason, .. } if reason.contains("revoked")),
        "{err}"
    );
    drop((dirs, root));
}
