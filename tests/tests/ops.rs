//! `/metrics`, `/healthz` and `/readyz` on real nodes (issue 16, item 6): what a node does shows
//! up in its metrics (issuance, verification, a revocation, the gossip that carries it to
//! another node, HTTP latencies by route template), and readiness says why a node is not ready.

use credentials::status::StatusPurpose;
use node::config::DataDir;
use serde_json::json;
use vcnet_tests::http::{get, post};
use vcnet_tests::{network, wait_until};

fn metric(text: &str, line_start: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(line_start))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn what_a_node_does_shows_in_its_metrics() {
    let net = network().await;
    let agency = &net.agency;
    let (addr, host) = (agency.http, agency.http.to_string());
    let token = std::fs::read_to_string(DataDir(net.dirs[1].path().to_owned()).token())
        .unwrap()
        .trim()
        .to_owned();
    let did = agency.node.identity.did().to_owned();
    let credential = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "type": ["VerifiableCredential", "ExampleAlumniCredential"],
        "issuer": did,
        "credentialSubject": {"id": "did:example:abc", "alumniOf": "Example University"}
    });
    let body = json!({"credential": credential}).to_string();
    let a = post(
        addr,
        &host,
        "/credentials/issue",
        Some(&token),
        body.as_bytes(),
    )
    .unwrap();
    assert_eq!(a.status, 201, "{}", a.body);
    let vc = a.json()["verifiableCredential"].clone();
    let verify = json!({"verifiableCredential": vc, "options": {"checks": ["proof"]}}).to_string();
    let a = post(addr, &host, "/credentials/verify", None, verify.as_bytes()).unwrap();
    assert_eq!(a.status, 200, "{}", a.body);
    let id = vc["id"].as_str().unwrap();
    let (list, _) = agency
        .node
        .change_status(id, StatusPurpose::Revocation, true)
        .await
        .unwrap();

    let m = get(addr, &host, "/metrics", None).unwrap();
    assert_eq!(m.status, 200);
    assert!(
        m.content_type.starts_with("application/openmetrics-text"),
        "{}",
        m.content_type
    );
    let t = &m.body;
    for (line, at_least) in [
        ("vcnet_credentials_issued_total{format=\"di\"}", 1.0),
        ("vcnet_verifications_total{verdict=\"valid\"}", 1.0),
        ("vcnet_status_changes_total{purpose=\"revocation\",change=\"set\"}", 1.0),
        (
            "vcnet_http_request_duration_seconds_count{method=\"POST\",route=\"/credentials/verify\",status=\"200\"}",
            1.0,
        ),
        (&format!("vcnet_status_lists{{issuer=\"{did}\"}}") as &str, 2.0),
        ("vcnet_peers", 1.0),
    ] {
        let v = metric(t, line).unwrap_or_else(|| panic!("no {line} in\n{t}"));
        assert!(v >= at_least, "{line} is {v}");
    }
    // The revocation reached the clinic by gossip, validated and accepted there.
    let clinic = &net.clinic;
    let (caddr, chost) = (clinic.http, clinic.http.to_string());
    wait_until("the clinic holds the revocation", || {
        vcnet_tests::list_version(&clinic.node, &list).is_some_and(|v| v >= 1)
    })
    .await;
    let t = get(caddr, &chost, "/metrics", None).unwrap().body;
    let accepted = metric(
        &t,
        "vcnet_gossip_messages_total{topic=\"/vcnet/status/1\",verdict=\"accept\"}",
    )
    .unwrap_or_else(|| panic!("no status gossip counted in\n{t}"));
    assert!(accepted >= 1.0, "{t}");
    assert!(
        t.contains(&format!(
            "vcnet_status_list_oldest_confirmation_age_seconds{{issuer=\"{did}\"}}"
        )),
        "{t}"
    );

    let h = get(caddr, &chost, "/healthz", None).unwrap();
    assert_eq!((h.status, h.body.trim()), (200, "ok"));
    let r = get(caddr, &chost, "/readyz", None).unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["ready"], json!(true));
    for n in [net.clinic, net.citizen, net.agency, net.root] {
        n.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_that_reaches_none_of_its_bootstrap_peers_is_not_ready() {
    let dir = tempfile::tempdir().unwrap();
    let nowhere = format!("/ip4/127.0.0.1/tcp/9/p2p/{}", libp2p::PeerId::random());
    let n = vcnet_tests::start(
        dir.path(),
        vcnet_tests::cfg(
            "Lonely Clinic",
            &[node::config::Role::Verifier],
            "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
            vec![nowhere],
        ),
    )
    .await;
    let r = get(n.http, &n.http.to_string(), "/readyz", None).unwrap();
    assert_eq!(r.status, 503, "{}", r.body);
    assert_eq!(r.json()["ready"], json!(false));
    assert!(r.body.contains("bootstrap"), "{}", r.body);
    // Alive all the same.
    assert_eq!(
        get(n.http, &n.http.to_string(), "/healthz", None)
            .unwrap()
            .status,
        200
    );
    n.stop().await;
}
