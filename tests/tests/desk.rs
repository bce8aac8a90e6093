//! The verifier desk (issue 16, item 1) on real nodes: the page is served with its security
//! headers on verifier nodes only; a picture of a citizen's QR code, or its text, gets a
//! verdict with the issuer's accredited name and the disclosed claims; after revocation the
//! same code is refused with the failed check named; a picture without a code is "not found".

use credentials::status::StatusPurpose;
use credentials::CredentialKind;
use serde_json::json;
use vcnet_tests::http::{get, post};
use vcnet_tests::{citizen_holds_identity, list_version, network, wait_until};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_desk_reads_a_qr_picture_and_says_valid_then_refused() {
    let net = network().await;
    let (_, entry, issued, lists) = citizen_holds_identity(&net).await;
    let clinic = &net.clinic;
    let (addr, host) = (clinic.http, clinic.http.to_string());

    let page = get(addr, &host, "/desk", None).unwrap();
    assert_eq!(page.status, 200);
    assert!(page.content_type.starts_with("text/html"));
    assert!(page.body.contains("/desk/desk.js"));
    for asset in ["/desk/desk.js", "/pages/vcnet.css"] {
        assert_eq!(
            get(addr, &host, asset, None).unwrap().status,
            200,
            "{asset}"
        );
    }
    // Only verifiers have a desk.
    let citizen = &net.citizen;
    let none = get(citizen.http, &citizen.http.to_string(), "/desk", None).unwrap();
    assert_eq!(none.status, 404, "{}", none.body);

    let shown = citizen
        .node
        .present_qr(node::roles::wallet::QrAsk {
            kinds: vec![CredentialKind::Identity],
            claims: vec!["fullName".into(), "dateOfBirth".into()],
            verifier: None,
            valid_for: 300,
            request: None,
            no_staple: false,
            credential_id: None,
        })
        .await
        .unwrap();
    let png = node::qr::Qr::new(&shown.compact).unwrap().png().unwrap();
    let a = post(addr, &host, "/desk/scan", None, &png).unwrap();
    assert_eq!(a.status, 200, "{}", a.body);
    let v = a.json();
    assert_eq!(v["found"], json!(true), "{v}");
    assert_eq!(v["verdict"], "valid", "{v}");
    assert_eq!(v["issuerName"], "National Identity Agency");
    assert_eq!(v["kind"], "identity");
    assert!(v["claims"]["fullName"].is_string(), "{v}");
    assert!(
        v["claims"].get("personalIdentificationNumber").is_none(),
        "only what was disclosed: {v}"
    );
    assert_eq!(v["problems"], json!([]));
    // The text of the code works the same.
    let a = post(addr, &host, "/desk/scan", None, shown.compact.as_bytes()).unwrap();
    assert_eq!(a.json()["verdict"], "valid", "{}", a.body);
    // A picture with no code in it: not found, not an error (the camera keeps looking).
    let blank = {
        let img = image::GrayImage::from_pixel(64, 64, image::Luma([255]));
        let mut out = Vec::new();
        image::DynamicImage::ImageLuma8(img)
            .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    };
    let a = post(addr, &host, "/desk/scan", None, &blank).unwrap();
    assert_eq!(
        (a.status, a.json()["found"].clone()),
        (200, json!(false)),
        "{}",
        a.body
    );
    let a = post(addr, &host, "/desk/scan", None, b"").unwrap();
    assert_eq!(a.status, 400, "{}", a.body);

    // The desk asks: its signed request as a QR code; the holder's answer to it passes, read
    // against another of its requests it does not, and a request not the desk's is refused.
    let ask = |claims: &[&str]| {
        let body = json!({"kind": "identity", "claims": claims}).to_string();
        let a = post(addr, &host, "/desk/request", None, body.as_bytes()).unwrap();
        assert_eq!(a.status, 200, "{}", a.body);
        let v = a.json();
        assert!(
            v["svg"].as_str().unwrap().starts_with("<?xml")
                || v["svg"].as_str().unwrap().contains("<svg")
        );
        v["request"].as_str().unwrap().to_owned()
    };
    let answer = |request: &str, claims: &[&str]| {
        let citizen = citizen.node.clone();
        let request = request.to_owned();
        let claims: Vec<String> = claims.iter().map(|c| c.to_string()).collect();
        async move {
            citizen
                .present_qr(node::roles::wallet::QrAsk {
                    kinds: vec![],
                    claims,
                    verifier: None,
                    valid_for: 300,
                    request: Some(request),
                    no_staple: false,
                    credential_id: None,
                })
                .await
        }
    };
    let scan_for = |request: &str, qr_text: &str| {
        let path = format!("/desk/scan?request={}", pct(request));
        post(addr, &host, &path, None, qr_text.as_bytes()).unwrap()
    };
    let req = ask(&["fullName", "ageOver18"]);
    let shown = answer(&req, &[]).await.unwrap();
    let a = scan_for(&req, &shown.compact);
    assert_eq!(a.json()["verdict"], "valid", "{}", a.body);
    assert!(a.json()["claims"]["ageOver18"].is_boolean(), "{}", a.body);
    // The same answer read against another of the desk's requests: not its nonce.
    let other = ask(&["fullName", "ageOver18"]);
    let a = scan_for(&other, &shown.compact);
    assert_eq!(a.json()["verdict"], "invalid", "{}", a.body);
    assert!(a.body.contains("challenge"), "{}", a.body);
    // A request this desk did not make is refused as such.
    let a = scan_for("VC1:NOT-A-REQUEST", &shown.compact);
    assert_eq!(a.status, 400, "{}", a.body);
    assert!(a.body.contains("request"), "{}", a.body);

    // Revoked: the same picture is refused, the status check named.
    let agency = &net.agency.node;
    agency
        .change_status(&entry.id, StatusPurpose::Revocation, true)
        .await
        .unwrap();
    let _ = issued;
    wait_until("the clinic holds the revocation", || {
        list_version(&clinic.node, &lists[0]).is_some_and(|v| v >= 1)
    })
    .await;
    let a = post(addr, &host, "/desk/scan", None, &png).unwrap();
    let v = a.json();
    assert_eq!(v["verdict"], "invalid", "{v}");
    let checks: Vec<&str> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["check"].as_str())
        .collect();
    assert!(checks.contains(&"status"), "{v}");
    for n in [net.clinic, net.citizen, net.agency, net.root] {
        n.stop().await;
    }
}

/// Percent-encodes `s` for a query string (RFC 3986 unreserved characters kept).
fn pct(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
