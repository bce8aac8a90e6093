//! The admin API's statuses (issue 12): each class of failure gets its own status and a
//! message that says what is wrong — asked of the real nodes of a four-node network over HTTP
//! with their admin tokens, one row per failure.

use std::net::SocketAddr;

use node::config::DataDir;
use serde_json::{json, Value};
use vcnet_tests::http::post;
use vcnet_tests::{citizen_holds_identity, network};

struct Row {
    name: &'static str,
    to: (SocketAddr, String),
    path: String,
    body: Value,
    status: u16,
    says: &'static str,
}

fn token(dir: &tempfile::TempDir) -> String {
    std::fs::read_to_string(DataDir(dir.path().to_owned()).token())
        .unwrap()
        .trim()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn each_failure_class_has_its_status() {
    let net = network().await;
    let (_, entry, _, _) = citizen_holds_identity(&net).await;
    let agency = (net.agency.http, token(&net.dirs[1]));
    let citizen = (net.citizen.http, token(&net.dirs[2]));
    let clinic = (net.clinic.http, token(&net.dirs[3]));
    let agency_peer = net.agency.node.net.local_peer_id().to_string();
    let stranger = libp2p::PeerId::random().to_string();
    // Revoked once, so that revoking again conflicts.
    net.agency
        .node
        .change_status(
            &entry.id,
            credentials::status::StatusPurpose::Revocation,
            true,
        )
        .await
        .unwrap();

    let rows = vec![
        Row {
            name: "a field that is not a peer id",
            to: citizen.clone(),
            path: "/admin/claim".into(),
            body: json!({"issuer": "not-a-peer", "code": "x"}),
            status: 400,
            says: "issuer: not a peer id",
        },
        Row {
            name: "an unknown revocation action",
            to: agency.clone(),
            path: "/admin/revoke".into(),
            body: json!({"credential_id": entry.id, "action": "forget"}),
            status: 400,
            says: "action: `forget`",
        },
        Row {
            name: "a claim on a node that is not a holder",
            to: clinic.clone(),
            path: "/admin/claim".into(),
            body: json!({"issuer": agency_peer, "code": "x"}),
            status: 403,
            says: "this node is not a holder",
        },
        Row {
            name: "an accreditation by a node that is not the root",
            to: clinic.clone(),
            path: "/admin/accredit".into(),
            body: json!({"issuer": net.clinic.node.identity.did(), "name": "x", "kinds": ["identity"]}),
            status: 403,
            says: "not the root authority",
        },
        Row {
            name: "revoking a credential never issued",
            to: agency.clone(),
            path: "/admin/revoke".into(),
            body: json!({"credential_id": "urn:uuid:none"}),
            status: 404,
            says: "no credential urn:uuid:none was issued",
        },
        Row {
            name: "a staple for a credential not in the wallet",
            to: citizen.clone(),
            path: "/admin/wallet/staple".into(),
            body: json!({"id": "urn:uuid:none"}),
            status: 404,
            says: "no credential urn:uuid:none in the wallet",
        },
        Row {
            name: "a consent nobody asked for",
            to: citizen.clone(),
            path: "/admin/consents/decide".into(),
            body: json!({"request_id": "nope", "approve": true}),
            status: 404,
            says: "no pending request nope",
        },
        Row {
            name: "revoking twice",
            to: agency.clone(),
            path: "/admin/revoke".into(),
            body: json!({"credential_id": entry.id}),
            status: 409,
            says: "already revoked",
        },
        Row {
            name: "records that fail the kind's schema",
            to: agency.clone(),
            path: "/admin/records/import?kind=identity".into(),
            body: json!({"fullName": 7}),
            status: 422,
            says: "line 1",
        },
        Row {
            name: "a code the issuer refuses",
            to: citizen.clone(),
            path: "/admin/claim".into(),
            body: json!({"issuer": agency_peer, "code": "0000-0000"}),
            status: 422,
            says: "the issuer refused: unknown or already used claim code",
        },
        Row {
            name: "a claim from a peer nobody can reach",
            to: citizen.clone(),
            path: "/admin/claim".into(),
            body: json!({"issuer": stranger, "code": "x"}),
            status: 502,
            says: "peer",
        },
    ];
    for row in rows {
        let (addr, token) = &row.to;
        let body = if row.path.starts_with("/admin/records/import") {
            row.body.to_string().into_bytes()
        } else {
            serde_json::to_vec(&row.body).unwrap()
        };
        let a = post(*addr, &addr.to_string(), &row.path, Some(token), &body)
            .unwrap_or_else(|e| panic!("{}: no answer: {e}", row.name));
        assert_eq!(a.status, row.status, "{}: {}", row.name, a.body);
        let error = a.json()["error"].as_str().unwrap_or_default().to_owned();
        assert!(
            error.contains(row.says),
            "{}: the error does not say `{}`: {}",
            row.name,
            row.says,
            a.body
        );
        // Every error has a stable code and the same words as its message.
        let v = a.json();
        let code = v["code"].as_str().unwrap_or_default();
        assert!(
            !code.is_empty() && code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
            "{}: code {code:?} in {}",
            row.name,
            a.body
        );
        assert_eq!(v["message"], v["error"], "{}", row.name);
    }
    // What the web framework refuses itself gets the same shape: a body that is not JSON, an
    // unknown path.
    let (addr, _) = &clinic;
    let a = post(
        *addr,
        &addr.to_string(),
        "/credentials/verify",
        None,
        b"{not json",
    )
    .unwrap();
    assert_eq!(a.status, 400, "{}", a.body);
    assert_eq!(a.json()["code"], "bad_request", "{}", a.body);
    assert!(
        a.json()["message"].as_str().unwrap().contains("JSON"),
        "{}",
        a.body
    );
    let a = vcnet_tests::http::get(*addr, &addr.to_string(), "/no/such/path", None).unwrap();
    assert_eq!(
        (a.status, a.json()["code"].clone()),
        (404, json!("not_found")),
        "{}",
        a.body
    );
    // A node error's code is finer than its status: a verifier asked to revoke is not an issuer.
    let (caddr, ctoken) = &clinic;
    let body = json!({"credential_id": entry.id}).to_string();
    let a = post(
        *caddr,
        &caddr.to_string(),
        "/admin/revoke",
        Some(ctoken),
        body.as_bytes(),
    )
    .unwrap();
    assert_eq!(
        (a.status, a.json()["code"].clone()),
        (403, json!("not_role")),
        "{}",
        a.body
    );
    for n in [net.clinic, net.citizen, net.agency, net.root] {
        n.stop().await;
    }
}
