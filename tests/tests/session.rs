//! Signing in to a node's pages (issue 16, item 4): the admin token at `/login` starts a
//! session cookie (HttpOnly, SameSite=Strict); admin paths accept it like the bearer token; a
//! state-changing request with it must come from the node's own pages; logging out ends it.

use vcnet_tests::http::send;
use vcnet_tests::network;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_token_signs_in_and_the_cookie_works_only_from_the_nodes_pages() {
    let net = network().await;
    let agency = &net.agency;
    let addr = agency.http;
    let token =
        std::fs::read_to_string(node::config::DataDir(net.dirs[1].path().to_owned()).token())
            .unwrap()
            .trim()
            .to_owned();
    let form = [("Content-Type", "application/x-www-form-urlencoded")];

    let page = send(addr, "GET", "/login", &[], b"").unwrap();
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<form"), "{}", page.body);

    let a = send(addr, "POST", "/login", &form, b"token=wrong&next=%2F").unwrap();
    assert_eq!(a.status, 401, "{}", a.body);
    assert!(a.header("set-cookie").is_none());

    let body = format!("token={token}&next=%2Fdesk");
    let a = send(addr, "POST", "/login", &form, body.as_bytes()).unwrap();
    assert_eq!(a.status, 303, "{}", a.head);
    assert_eq!(a.header("location"), Some("/desk"));
    let set = a.header("set-cookie").unwrap().to_owned();
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set.contains(attr), "{set}");
    }
    let cookie = set.split(';').next().unwrap().to_owned();
    // Another site as `next` is not followed.
    let body = format!("token={token}&next=https%3A%2F%2Fevil.example");
    let a = send(addr, "POST", "/login", &form, body.as_bytes()).unwrap();
    assert_eq!(a.header("location"), Some("/"));

    // The cookie opens admin paths…
    let a = send(addr, "GET", "/admin/status", &[("Cookie", &cookie)], b"").unwrap();
    assert_eq!(a.status, 200, "{}", a.body);
    // …but a change with it from another site (or no Origin at all) is refused,
    let json = ("Content-Type", "application/json");
    let revoke = br#"{"credential_id": "urn:uuid:none"}"#;
    let a = send(
        addr,
        "POST",
        "/admin/revoke",
        &[("Cookie", &cookie), json],
        revoke,
    )
    .unwrap();
    assert_eq!(a.status, 403, "{}", a.body);
    assert!(a.body.contains("cross-site"), "{}", a.body);
    let a = send(
        addr,
        "POST",
        "/admin/revoke",
        &[
            ("Cookie", &cookie),
            json,
            ("Origin", "https://evil.example"),
        ],
        revoke,
    )
    .unwrap();
    assert_eq!(a.status, 403, "{}", a.body);
    // while from the node's own origin it reaches the handler (no such credential: 404).
    let origin = format!("http://{addr}");
    let a = send(
        addr,
        "POST",
        "/admin/revoke",
        &[("Cookie", &cookie), json, ("Origin", &origin)],
        revoke,
    )
    .unwrap();
    assert_eq!(a.status, 404, "{}", a.body);

    // Logged out, the cookie opens nothing.
    let a = send(
        addr,
        "POST",
        "/logout",
        &[("Cookie", &cookie), ("Origin", &origin)],
        b"",
    )
    .unwrap();
    assert_eq!(a.status, 303);
    let a = send(addr, "GET", "/admin/status", &[("Cookie", &cookie)], b"").unwrap();
    assert_eq!(a.status, 401, "{}", a.body);
    // The bearer token works as before.
    let bearer = format!("Bearer {token}");
    let a = send(
        addr,
        "GET",
        "/admin/status",
        &[("Authorization", &bearer)],
        b"",
    )
    .unwrap();
    assert_eq!(a.status, 200);
    for n in [net.clinic, net.citizen, net.agency, net.root] {
        n.stop().await;
    }
}
