//! `GET /1.0/identifiers/{did}` on a real node (issue 15, item 3): DID resolution results, the
//! document in either representation as `Accept` asks, a DID URL's verification method, and
//! the standard errors with their statuses.

use serde_json::json;
use vcnet_tests::http::get;
use vcnet_tests::network;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dids_resolve_with_content_negotiation_and_standard_errors() {
    let net = network().await;
    let addr = net.clinic.http;
    let host = addr.to_string();
    let did = net.agency.node.identity.did().to_owned();
    let path = |d: &str| format!("/1.0/identifiers/{d}");

    let a = get(addr, &host, &path(&did), None).unwrap();
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.content_type, "application/did-resolution");
    let r = a.json();
    assert_eq!(r["didDocument"]["id"], json!(did));
    assert_eq!(
        r["didResolutionMetadata"]["contentType"],
        "application/did+ld+json"
    );
    assert!(r["didDocumentMetadata"].is_object());

    let a = get(addr, &host, &path(&did), Some("application/did+ld+json")).unwrap();
    assert_eq!(
        (a.status, a.content_type.as_str()),
        (200, "application/did+ld+json")
    );
    assert!(a.json()["@context"].is_array(), "{}", a.body);

    let a = get(addr, &host, &path(&did), Some("application/did+json")).unwrap();
    assert_eq!(
        (a.status, a.content_type.as_str()),
        (200, "application/did+json")
    );
    assert!(a.json().get("@context").is_none(), "{}", a.body);
    assert_eq!(a.json()["id"], json!(did));

    let fragment = &did[8..];
    let a = get(addr, &host, &path(&format!("{did}%23{fragment}")), None).unwrap();
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        a.json()["didDocument"]["id"],
        json!(format!("{did}#{fragment}"))
    );

    let p256 = "did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169";
    let a = get(addr, &host, &path(p256), None).unwrap();
    assert_eq!(a.status, 200, "{}", a.body);

    for (d, accept, status, error) in [
        ("did:web:example.com", None, 501, "methodNotSupported"),
        ("did:key:6Mkabc", None, 400, "invalidDid"),
        ("notadid", None, 400, "invalidDid"),
        (
            &did as &str,
            Some("text/html"),
            406,
            "representationNotSupported",
        ),
    ] {
        let a = get(addr, &host, &path(d), accept).unwrap();
        assert_eq!(a.status, status, "{d}: {}", a.body);
        let r = a.json();
        assert_eq!(
            r["didResolutionMetadata"]["error"],
            json!(error),
            "{d}: {}",
            a.body
        );
        assert!(r["didDocument"].is_null());
    }
    // A DID URL's failures are dereferencing errors; the did:key options come in the query.
    for (d, status, meta, error) in [
        (
            format!("{did}%23nope"),
            404,
            "didDereferencingMetadata",
            "notFound",
        ),
        (
            format!("{did}%2F%5Ebar%5E%23x"),
            400,
            "didDereferencingMetadata",
            "invalidDidUrl",
        ),
        (
            format!("{did}?publicKeyFormat=unknown"),
            400,
            "didResolutionMetadata",
            "unsupportedPublicKeyType",
        ),
        (
            format!("{did}%23{fragment}?publicKeyFormat=Ed25519VerificationKey2018"),
            400,
            "didDereferencingMetadata",
            "invalidPublicKeyType",
        ),
    ] {
        let a = get(addr, &host, &path(&d), None).unwrap();
        assert_eq!(a.status, status, "{d}: {}", a.body);
        assert_eq!(a.json()[meta]["error"], json!(error), "{d}: {}", a.body);
    }
    let a = get(
        addr,
        &host,
        &path(&format!(
            "{did}?publicKeyFormat=JsonWebKey2020&enableEncryptionKeyDerivation=true"
        )),
        None,
    )
    .unwrap();
    assert_eq!(a.status, 200, "{}", a.body);
    let doc = &a.json()["didDocument"];
    assert_eq!(doc["verificationMethod"][0]["type"], "JsonWebKey2020");
    assert_eq!(
        doc["verificationMethod"][1]["publicKeyJwk"]["crv"],
        "X25519"
    );
    assert_eq!(doc["keyAgreement"][0], doc["verificationMethod"][1]["id"]);
    for n in [net.clinic, net.citizen, net.agency, net.root] {
        n.stop().await;
    }
}
