//! The IETF Token Status List an issuer serves for SD-JWT VC holders outside vcnet (issue 18
//! groundwork): `GET {status_base}/tsl/{shard}` on a real issuer node answers a
//! `statuslist+jwt` signed by the issuer, whose two-bit entries follow the shard's revocation
//! and suspension lists as they change.

use credentials::jose::CompactJws;
use credentials::status::token_list::{
    TokenStatusList, INVALID, STATUS_LIST_TOKEN_MEDIA_TYPE, STATUS_LIST_TOKEN_TYP, SUSPENDED, VALID,
};
use serde_json::{json, Value};
use vcnet_tests::http::{get, post};
use vcnet_tests::network;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_token_status_list_follows_revocation_and_suspension() {
    let net = network().await;
    let agency = &net.agency;
    let addr = agency.http;
    let host = addr.to_string();
    let token = net.admin_token(1);
    let did = agency.node.identity.did().to_owned();
    let send = |path: &str, body: Value| {
        post(addr, &host, path, Some(&token), body.to_string().as_bytes()).unwrap()
    };
    // Two credentials issued over the VC-API, each with a revocation and a suspension entry.
    let mut ids = Vec::new();
    for n in 0..2 {
        let credential = json!({
            "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
            "type": ["VerifiableCredential", "ExampleAlumniCredential"],
            "issuer": did,
            "validFrom": "2026-01-01T00:00:00Z",
            "credentialSubject": {"id": format!("did:example:{n}"), "alumniOf": {"name": "Example University"}}
        });
        let a = send("/credentials/issue", json!({"credential": credential}));
        assert_eq!(a.status, 201, "{}", a.body);
        ids.push(
            a.json()["verifiableCredential"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let revoked = agency.node.issued(&ids[0]).unwrap().unwrap();
    let suspended = agency.node.issued(&ids[1]).unwrap().unwrap();
    // Indexes are spread at random over the issuer's shards: each credential's own list.
    let path_of = |shard: u32| {
        let url = agency.node.token_status_list_url(shard);
        let path = format!("/status/{}", url.split_once("/status/").unwrap().1);
        (url, path)
    };

    // Reads shard `shard`'s token: checks the answer's media type, the signature (the
    // agency's key), `typ` and `sub`, and returns the list.
    let fetch = |shard: u32| {
        let (url, path) = path_of(shard);
        let a = get(addr, &host, &path, Some(STATUS_LIST_TOKEN_MEDIA_TYPE)).unwrap();
        assert_eq!(a.status, 200, "{}", a.body);
        assert_eq!(a.header("content-type"), Some(STATUS_LIST_TOKEN_MEDIA_TYPE));
        assert_eq!(a.header("access-control-allow-origin"), Some("*"));
        assert!(a.header("cache-control").unwrap().starts_with("max-age="));
        let jws = CompactJws::parse(&a.body).unwrap();
        assert!(
            jws.verify_with(&agency.node.identity.verifying_key()),
            "signed by the issuer"
        );
        assert_eq!(jws.header.typ.as_deref(), Some(STATUS_LIST_TOKEN_TYP));
        assert_eq!(
            jws.header.kid.as_deref(),
            Some(agency.node.identity.verification_method())
        );
        let claims: Value = serde_json::from_slice(&jws.payload).unwrap();
        assert_eq!(claims["sub"], json!(url), "sub is the URL it is served at");
        assert!(claims["exp"].as_i64().unwrap() > claims["iat"].as_i64().unwrap());
        let list = TokenStatusList::from_json(&claims["status_list"]).unwrap();
        assert_eq!(list.bits(), 2);
        list
    };
    assert_eq!(fetch(revoked.shard).get(revoked.index).unwrap(), VALID);
    assert_eq!(fetch(suspended.shard).get(suspended.index).unwrap(), VALID);

    let status = |id: &str, purpose: &str, value: &str| {
        let a = send(
            "/credentials/status",
            json!({"credentialId": id, "statusPurpose": purpose, "credentialStatus": [{"status": value}]}),
        );
        assert_eq!(a.status, 200, "{}", a.body);
    };
    status(&ids[0], "revocation", "1");
    status(&ids[1], "suspension", "1");
    assert_eq!(fetch(revoked.shard).get(revoked.index).unwrap(), INVALID);
    assert_eq!(
        fetch(suspended.shard).get(suspended.index).unwrap(),
        SUSPENDED
    );
    // Nothing else moved (the two may share a shard).
    let changed = [
        (revoked.shard, revoked.index),
        (suspended.shard, suspended.index),
    ];
    for (shard, _) in changed {
        let list = fetch(shard);
        let moved: Vec<u64> = (0..list.len())
            .filter(|&i| list.get(i).unwrap() != VALID)
            .collect();
        let mut expected: Vec<u64> = changed
            .iter()
            .filter(|(s, _)| *s == shard)
            .map(|&(_, i)| i)
            .collect();
        expected.sort_unstable();
        assert_eq!(moved, expected, "shard {shard}");
    }

    // Reinstated: valid again.
    status(&ids[1], "suspension", "0");
    assert_eq!(fetch(suspended.shard).get(suspended.index).unwrap(), VALID);

    // A shard never opened, and the same path on a node that is not its issuer: not found.
    let (_, unopened) = path_of(100_000);
    assert_eq!(get(addr, &host, &unopened, None).unwrap().status, 404);
    // Only the URL a credential names: the same shard spelt otherwise is not a token list.
    let (_, canonical) = path_of(revoked.shard);
    let (base, shard) = canonical.rsplit_once('/').unwrap();
    for other in [format!("{base}/0{shard}"), format!("{base}/+{shard}")] {
        let a = get(addr, &host, &other, None).unwrap();
        assert_eq!(a.status, 404, "{other}: {}", a.body);
    }
    let clinic = net.clinic.http;
    let (_, path) = path_of(revoked.shard);
    let a = get(clinic, &clinic.to_string(), &path, None).unwrap();
    assert_eq!(a.status, 404, "{}", a.body);
}
