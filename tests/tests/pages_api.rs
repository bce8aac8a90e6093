//! The wallet's and the console's server side (issue 16, items 2–4): the wallet opens with
//! the holder's passphrase; pages that change things redirect to sign-in; the sign-in page
//! speaks the browser's language; the console's reads (issued search with status and reasons,
//! lists with the peers holding them, accreditations, claim letters) and their bounds.

use serde_json::json;
use vcnet_tests::http::{send, Answer};
use vcnet_tests::{citizen_holds_identity, network, PASSPHRASE};

fn token(net: &vcnet_tests::Net, i: usize) -> String {
    std::fs::read_to_string(node::config::DataDir(net.dirs[i].path().to_owned()).token())
        .unwrap()
        .trim()
        .to_owned()
}

fn call(addr: std::net::SocketAddr, method: &str, path: &str, token: &str, body: &str) -> Answer {
    let bearer = format!("Bearer {token}");
    send(
        addr,
        method,
        path,
        &[
            ("Authorization", &bearer),
            ("Content-Type", "application/json"),
        ],
        body.as_bytes(),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_wallet_opens_with_the_passphrase_and_the_console_reads_are_bounded() {
    let net = network().await;
    let (_, entry, _, _) = citizen_holds_identity(&net).await;
    let citizen = net.citizen.http;
    let agency = net.agency.http;
    let form = [("Content-Type", "application/x-www-form-urlencoded")];

    // Pages that change things send a stranger to sign in first.
    let a = send(citizen, "GET", "/wallet", &[], b"").unwrap();
    assert_eq!(a.status, 303, "{}", a.head);
    assert_eq!(a.header("location"), Some("/login?next=/wallet"));
    let a = send(agency, "GET", "/console", &[], b"").unwrap();
    assert_eq!(a.header("location"), Some("/login?next=/console"));
    // A page on a node without its role is not there.
    let a = send(citizen, "GET", "/console", &[], b"").unwrap();
    assert_eq!(a.status, 404, "{}", a.body);
    assert_eq!(a.json()["code"], "not_found", "{}", a.body);
    let a = send(agency, "GET", "/wallet", &[], b"").unwrap();
    assert_eq!(a.status, 404, "{}", a.body);

    // The sign-in page asks for what the page needs, in the browser's language.
    let a = send(citizen, "GET", "/login?next=/wallet", &[], b"").unwrap();
    assert!(a.body.contains("Wallet passphrase"), "{}", a.body);
    assert!(a.body.contains("value=\"/wallet\""), "{}", a.body);
    let vi = [("Accept-Language", "vi-VN,vi;q=0.9,en;q=0.5")];
    let a = send(citizen, "GET", "/login?next=/wallet", &vi, b"").unwrap();
    assert!(a.body.contains("<html lang=\"vi\">"), "{}", a.body);
    assert!(a.body.contains("Mật khẩu của ví"), "{}", a.body);
    let a = send(agency, "GET", "/login", &[], b"").unwrap();
    assert!(a.body.contains("Admin token"), "{}", a.body);
    // `next` is escaped, never markup.
    let a = send(citizen, "GET", "/login?next=/%22%3E%3Cscript%3E", &[], b"").unwrap();
    assert!(!a.body.contains("\"><script>"), "{}", a.body);

    // The holder's passphrase opens the wallet; a wrong one does not; it opens nothing on a
    // node that holds no wallet.
    let a = send(
        citizen,
        "POST",
        "/login",
        &form,
        b"token=not+the+passphrase&next=/wallet",
    )
    .unwrap();
    assert_eq!(a.status, 401, "{}", a.body);
    let body = format!("token={}&next=/wallet", PASSPHRASE.replace(' ', "+"));
    let a = send(citizen, "POST", "/login", &form, body.as_bytes()).unwrap();
    assert_eq!(a.status, 303, "{}", a.body);
    assert_eq!(a.header("location"), Some("/wallet"));
    let cookie = a
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let a = send(citizen, "GET", "/wallet", &[("Cookie", &cookie)], b"").unwrap();
    assert_eq!(a.status, 200, "{}", a.head);
    assert!(a.body.contains("/wallet/wallet.js"));
    let a = send(citizen, "GET", "/admin/wallet", &[("Cookie", &cookie)], b"").unwrap();
    assert_eq!(a.json()[0]["id"], entry.id.as_str(), "{}", a.body);
    let a = send(agency, "POST", "/login", &form, body.as_bytes()).unwrap();
    assert_eq!(
        a.status, 401,
        "an issuer's pages open with its token only: {}",
        a.body
    );

    // The wallet's QR for one chosen card, with its picture.
    let t = token(&net, 2);
    let ask = json!({"kinds": ["identity"], "claims": ["fullName"], "validFor": 60, "credentialId": entry.id});
    let a = call(citizen, "POST", "/admin/wallet/qr", &t, &ask.to_string());
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(
        a.json()["svg"].as_str().unwrap().starts_with("<?xml"),
        "{}",
        a.body
    );
    assert_eq!(a.json()["credentialId"], entry.id.as_str());
    let ask = json!({"claims": ["fullName"], "validFor": 60, "credentialId": "urn:uuid:not-held"});
    let a = call(citizen, "POST", "/admin/wallet/qr", &t, &ask.to_string());
    assert_eq!(a.status, 404, "{}", a.body);
    // Reading a QR code needs a picture.
    let a = call(citizen, "POST", "/admin/read-qr", &t, "VC1:not a picture");
    assert_eq!(a.status, 400, "{}", a.body);
    let png = node::qr::Qr::new("VCCLAIM:peer/code")
        .unwrap()
        .png()
        .unwrap();
    let bearer = format!("Bearer {t}");
    let a = send(
        citizen,
        "POST",
        "/admin/read-qr",
        &[("Authorization", &bearer), ("Content-Type", "image/png")],
        &png,
    )
    .unwrap();
    assert_eq!(a.json()["text"], "VCCLAIM:peer/code", "{}", a.body);

    // The console: a status change keeps its reason; the search shows it.
    let t = token(&net, 1);
    let long = "x".repeat(501);
    let change = json!({"credential_id": entry.id, "action": "suspend", "reason": long});
    let a = call(agency, "POST", "/admin/revoke", &t, &change.to_string());
    assert_eq!(a.status, 400, "{}", a.body);
    assert!(a.body.contains("reason"), "{}", a.body);
    let change = json!({"credential_id": entry.id, "action": "suspend", "reason": "lost, reported by phone"});
    let a = call(agency, "POST", "/admin/revoke", &t, &change.to_string());
    assert_eq!(a.status, 200, "{}", a.body);
    let a = call(agency, "GET", "/admin/issued?q=001090012345", &t, "");
    let found = a.json();
    assert_eq!(found["items"].as_array().unwrap().len(), 1, "{}", a.body);
    let item = &found["items"][0];
    assert_eq!(item["status"], "suspended");
    assert_eq!(item["statusChanges"][0]["action"], "suspend");
    assert_eq!(
        item["statusChanges"][0]["reason"],
        "lost, reported by phone"
    );
    let change = json!({"credential_id": entry.id, "action": "reinstate", "reason": "found"});
    assert_eq!(
        call(agency, "POST", "/admin/revoke", &t, &change.to_string()).status,
        200
    );
    let a = call(agency, "GET", "/admin/issued?q=001090012345", &t, "");
    assert_eq!(a.json()["items"][0]["status"], "active", "{}", a.body);
    assert_eq!(
        a.json()["items"][0]["statusChanges"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let a = call(agency, "GET", "/admin/issued?q=nothing-like-this", &t, "");
    assert_eq!(a.json()["items"], json!([]), "{}", a.body);
    let a = call(
        agency,
        "GET",
        &format!("/admin/issued?q={}", "q".repeat(300)),
        &t,
        "",
    );
    assert_eq!(a.status, 400, "{}", a.body);

    // Lists with the peers that hold them; accreditations.
    let a = call(agency, "GET", "/admin/lists", &t, "");
    let lists = a.json();
    assert_eq!(lists["lists"].as_array().unwrap().len(), 2, "{}", a.body);
    assert!(lists["peersAnswered"].as_u64().unwrap() >= 1, "{}", a.body);
    assert!(lists["lists"][0]["version"].as_u64().is_some());
    let a = call(agency, "GET", "/admin/accreditations", &t, "");
    assert_eq!(
        a.json()[0]["name"],
        "National Identity Agency",
        "{}",
        a.body
    );
    assert_eq!(a.json()[0]["withdrawn"], serde_json::Value::Null);

    // Claim letters: the issuer's peer id and the code, as text and a QR code; bounded.
    let a = call(
        agency,
        "POST",
        "/admin/claim-letters",
        &t,
        &json!({"codes": [{"record": "r1", "code": "AbCd-1234"}]}).to_string(),
    );
    let letter = &a.json()["letters"][0];
    let peer = net.agency.node.net.local_peer_id().to_string();
    assert_eq!(
        letter["text"],
        format!("VCCLAIM:{peer}/AbCd-1234"),
        "{}",
        a.body
    );
    assert!(letter["svg"].as_str().unwrap().contains("<svg"));
    // A code this issuer holds unclaimed is also printed as an OpenID4VCI offer; a made-up
    // one is not.
    assert!(letter.get("offer").is_none(), "{letter}");
    let report = net
        .agency
        .node
        .import_records_resuming(
            credentials::CredentialKind::Identity,
            &vcnet_tests::first_record(),
            true,
        )
        .unwrap();
    let code = &report.codes[0].1;
    let a = call(
        agency,
        "POST",
        "/admin/claim-letters",
        &t,
        &json!({"codes": [{"record": "r1", "code": code}]}).to_string(),
    );
    let letter = &a.json()["letters"][0];
    let offer = letter["offer"].as_str().unwrap();
    assert!(
        offer.starts_with("openid-credential-offer://?credential_offer="),
        "{offer}"
    );
    assert!(offer.contains(&form_urlencoded::byte_serialize(code.as_bytes()).collect::<String>()));
    assert!(letter["offerSvg"].as_str().unwrap().contains("<svg"));
    let many: Vec<_> = (0..501)
        .map(|i| json!({"record": i.to_string(), "code": "c"}))
        .collect();
    let a = call(
        agency,
        "POST",
        "/admin/claim-letters",
        &t,
        &json!({"codes": many}).to_string(),
    );
    assert_eq!(a.status, 400, "{}", a.body);
    assert!(a.body.contains("at most 500"), "{}", a.body);

    for n in [net.clinic, net.citizen, net.agency, net.root] {
        n.stop().await;
    }
}
