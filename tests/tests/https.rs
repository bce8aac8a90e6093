//! HTTPS (issue 15, item 4): a node configured with a certificate serves its HTTP API over TLS
//! only; its status list URLs are `https://`; the CLI's client trusts exactly the node's own
//! certificate (a node presenting another is refused); plain HTTP gets no answer.

use credentials::Identity;
use node::cli::client::Client;
use node::config::{DataDir, Role};
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_api_is_served_over_tls_and_lists_are_https() {
    let dir = tempfile::tempdir().unwrap();
    let certs = tempfile::tempdir().unwrap();
    let (cert, key) = node::tls::default_paths(certs.path());
    node::tls::make_self_signed(&cert, &key, &["127.0.0.1".into(), "localhost".into()]).unwrap();
    let root = Identity::from_seed(&[1; 32]).did().to_owned();
    let mut cfg = vcnet_tests::cfg("TLS Agency", &[Role::Issuer, Role::Verifier], &root, vec![]);
    cfg.tls = true;
    cfg.tls_cert = Some(cert.clone());
    cfg.tls_key = Some(key.clone());
    let agency = vcnet_tests::start(dir.path(), cfg).await;
    assert_eq!(
        agency.info.tls_cert.as_deref(),
        Some(cert.to_str().unwrap())
    );

    // The CLI's client, pinned to the node's certificate, issues over HTTPS (blocking client:
    // off the runtime's threads).
    let d = dir.path().to_owned();
    let did = agency.node.identity.did().to_owned();
    let vc: Value = tokio::task::spawn_blocking(move || {
        let c = Client::for_data_dir(&d).unwrap();
        c.post(
            "/credentials/issue",
            &json!({"credential": {
                "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
                "type": ["VerifiableCredential", "ExampleAlumniCredential"],
                "issuer": did,
                "credentialSubject": {"id": "did:example:abc", "alumniOf": "Example University"}
            }}),
        )
        .unwrap()
    })
    .await
    .unwrap();
    let vc = &vc["verifiableCredential"];
    let entries = vc["credentialStatus"].as_array().expect("status entries");
    let http = agency.http.to_string();
    for e in entries {
        let url = e["statusListCredential"].as_str().unwrap();
        assert!(
            url.starts_with(&format!("https://{http}/status/")),
            "status list URL over TLS: {url}"
        );
    }
    // The list itself is served at that URL, over TLS.
    let url = entries[0]["statusListCredential"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = url[format!("https://{http}").len()..].to_owned();
    let d = dir.path().to_owned();
    let list = tokio::task::spawn_blocking(move || Client::for_data_dir(&d).unwrap().get(&path))
        .await
        .unwrap()
        .unwrap();
    assert!(list.to_string().contains("BitstringStatusList"), "{list}");

    // Plain HTTP on the same port gets no HTTP answer.
    let addr = agency.http;
    let plain = tokio::task::spawn_blocking(move || {
        vcnet_tests::http::get(addr, "127.0.0.1", "/health", None)
    })
    .await
    .unwrap();
    assert!(
        plain.as_ref().map_or(true, |a| a.status != 200),
        "plain HTTP must not be served: {plain:?}"
    );

    // A client that trusts another certificate refuses this node.
    let other = tempfile::tempdir().unwrap();
    let (other_cert, other_key) = node::tls::default_paths(other.path());
    node::tls::make_self_signed(&other_cert, &other_key, &["127.0.0.1".into()]).unwrap();
    let run_file = DataDir(dir.path().to_owned()).run_file();
    let mut run: Value =
        serde_json::from_str(&std::fs::read_to_string(&run_file).unwrap()).unwrap();
    run["tlsCert"] = json!(other_cert.to_str().unwrap());
    std::fs::write(&run_file, run.to_string()).unwrap();
    let d = dir.path().to_owned();
    let e = tokio::task::spawn_blocking(move || Client::for_data_dir(&d).unwrap().get("/health"))
        .await
        .unwrap()
        .unwrap_err();
    assert!(
        format!("{e:#}").to_lowercase().contains("certificate"),
        "{e:#}"
    );
    agency.stop().await;
    // Stopped, the node lets go of its HTTPS port.
    vcnet_tests::wait_until("the HTTPS port is closed after stop", || {
        std::net::TcpStream::connect(addr).is_err()
    })
    .await;
}
