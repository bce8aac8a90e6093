//! OpenID4VP between real nodes (issue 18, items 2, 3 and 5): the clinic's desk makes a signed
//! request by reference (DCQL for an identity SD-JWT VC and two claims), the citizen's node
//! answers it as a wallet (`direct_post.jwt`, encrypted to the request's own key, and
//! `direct_post`), and the clinic verifies the answer offline: key binding to this request,
//! only the asked claims disclosed, status from gossip. A request is answered once; a wrong
//! state, a plain answer to an encrypted request and an unknown request are refused.

use credentials::status::StatusPurpose;
use credentials::CredentialKind;
use node::roles::oid4vp::ResponseMode;
use vcnet_tests::http::{get, send};
use vcnet_tests::{clinic_holds_lists_of, first_offer, list_version, network, wait_until};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_desk_asks_a_wallet_and_sees_only_the_asked_claims_then_the_revocation() {
    let net = network().await;
    let (agency, citizen, clinic) = (&net.agency.node, &net.citizen.node, &net.clinic.node);
    let offer = first_offer(&net);
    let held = citizen.receive_offer(&offer, None).await.unwrap();
    let issued = agency.issued(&held.id).unwrap().unwrap();
    let lists = clinic_holds_lists_of(&net, &issued).await;
    let asked = vec!["fullName".to_owned(), "dateOfBirth".to_owned()];

    for mode in [ResponseMode::DirectPostJwt, ResponseMode::DirectPost] {
        let req = clinic
            .oid4vp_request(CredentialKind::Identity, asked.clone(), mode)
            .unwrap();
        assert!(req
            .link
            .starts_with("openid4vp://?client_id=decentralized_identifier%3Adid%3Akey%3A"));
        assert_eq!(clinic.oid4vp_outcome(&req.id).unwrap()["status"], "waiting");
        let sent = citizen.present_oid4vp(&req.link).await.unwrap();
        assert_eq!(sent.credential_id, held.id);
        assert_eq!(sent.response_mode, mode.as_str());
        assert_eq!(sent.verifier, clinic.oid4vp_client_id());
        let out = clinic.oid4vp_outcome(&req.id).unwrap();
        assert_eq!(out["status"], "answered", "{out}");
        assert_eq!(out["valid"], true, "{out}");
        assert_eq!(out["format"], "dc+sd-jwt");
        assert_eq!(out["kind"], "identity");
        assert_eq!(out["claims"]["fullName"], "Nguyễn Văn An", "{out}");
        assert!(out["claims"]["dateOfBirth"].is_string(), "{out}");
        // Nothing else of the record was disclosed.
        assert!(out["claims"].get("placeOfResidence").is_none(), "{out}");
        assert!(
            out["claims"].get("personalIdentificationNumber").is_none(),
            "{out}"
        );
        // Answered once: the request object is gone, a second answer is refused.
        assert!(clinic.oid4vp_request_object(&req.id).is_none());
        let e = citizen.present_oid4vp(&req.link).await.unwrap_err();
        assert!(e.to_string().contains("request_uri"), "{e}");
        // In the verifier log, without the claims.
        let log = clinic.verifications().unwrap();
        let entry = log.iter().find(|e| e.request_id == req.id).unwrap();
        assert!(entry.valid);
        assert_eq!(entry.peer, "openid4vp");
        assert!(!serde_json::to_string(entry).unwrap().contains("Nguyễn"));
    }

    // A presentation bound to another audience, or to another nonce, is verified and refused
    // by the named check (a holder's answer made for someone else, or replayed).
    let holder = citizen.identity.clone();
    for (what, wrong_aud, check) in [("audience", true, "domain"), ("nonce", false, "challenge")] {
        let req = clinic
            .oid4vp_request(
                CredentialKind::Identity,
                asked.clone(),
                ResponseMode::DirectPost,
            )
            .unwrap();
        let addr = net.clinic.http;
        let host = addr.to_string();
        let jwt = get(addr, &host, &format!("/oid4vp/request/{}", req.id), None)
            .unwrap()
            .body;
        let claims = credentials::oid4vp::verify_request_object(
            jwt.trim(),
            &clinic.oid4vp_client_id(),
            &req.request_uri,
            chrono::Utc::now().timestamp(),
        )
        .unwrap();
        let nonce = claims["nonce"].as_str().unwrap().to_owned();
        let audience = credentials::present::Audience {
            challenge: Some(if wrong_aud {
                nonce
            } else {
                "an-old-nonce".into()
            }),
            domain: Some(if wrong_aud {
                "decentralized_identifier:did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
                    .into()
            } else {
                clinic.oid4vp_client_id()
            }),
            expires: None,
        };
        let p = credentials::present::present_sd_jwt_vc(
            &held.credential,
            &asked,
            &holder,
            &audience,
            chrono::Utc::now(),
        )
        .unwrap();
        let vp_token = serde_json::json!({"credential": [p]}).to_string();
        let mut f = form_urlencoded::Serializer::new(String::new());
        f.append_pair("vp_token", &vp_token)
            .append_pair("state", claims["state"].as_str().unwrap());
        let a = send(
            addr,
            "POST",
            &format!("/oid4vp/response/{}", req.id),
            &[("Content-Type", "application/x-www-form-urlencoded")],
            f.finish().as_bytes(),
        )
        .unwrap();
        assert_eq!(a.status, 200, "{}", a.body);
        let out = clinic.oid4vp_outcome(&req.id).unwrap();
        assert_eq!(out["valid"], false, "{what}: {out}");
        assert!(
            out["problems"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["check"] == check),
            "{what}: {out}"
        );
    }

    // A kind the wallet does not hold.
    let req = clinic
        .oid4vp_request(
            CredentialKind::HealthRecord,
            vec![],
            ResponseMode::DirectPost,
        )
        .unwrap();
    let e = citizen.present_oid4vp(&req.link).await.unwrap_err();
    assert!(e.to_string().contains("no SD-JWT VC"), "{e}");

    // Revoked by the agency: the next answer shows it.
    let before = list_version(clinic, &lists[0]).unwrap();
    agency
        .change_status(&held.id, StatusPurpose::Revocation, true)
        .await
        .unwrap();
    wait_until("the clinic applies the revocation", || {
        list_version(clinic, &lists[0]).is_some_and(|v| v > before)
    })
    .await;
    let req = clinic
        .oid4vp_request(CredentialKind::Identity, asked, ResponseMode::DirectPostJwt)
        .unwrap();
    citizen.present_oid4vp(&req.link).await.unwrap();
    let out = clinic.oid4vp_outcome(&req.id).unwrap();
    assert_eq!(out["valid"], false, "{out}");
    assert!(out["problems"].to_string().contains("revoked"), "{out}");
}

fn form(pairs: &[(&str, &str)]) -> Vec<u8> {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish().into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_response_uri_refuses_what_is_not_this_requests_answer() {
    let net = network().await;
    let clinic = &net.clinic.node;
    let addr = net.clinic.http;
    let host = addr.to_string();
    let post = |path: &str, body: Vec<u8>| {
        send(
            addr,
            "POST",
            path,
            &[("Content-Type", "application/x-www-form-urlencoded")],
            &body,
        )
        .unwrap()
    };
    let err = |a: &vcnet_tests::http::Answer| a.json()["error"].as_str().unwrap_or("").to_owned();
    let enc = clinic
        .oid4vp_request(
            CredentialKind::Identity,
            vec!["fullName".into()],
            ResponseMode::DirectPostJwt,
        )
        .unwrap();
    // The request object: signed by the clinic's DID, served as a request object.
    let path = format!("/oid4vp/request/{}", enc.id);
    let a = get(addr, &host, &path, None).unwrap();
    assert_eq!(a.status, 200);
    assert_eq!(
        a.header("content-type"),
        Some("application/oauth-authz-req+jwt")
    );
    let claims = credentials::oid4vp::verify_request_object(
        a.body.trim(),
        &clinic.oid4vp_client_id(),
        &enc.request_uri,
        chrono::Utc::now().timestamp(),
    )
    .unwrap();
    assert_eq!(claims["response_mode"], "direct_post.jwt");
    assert_eq!(claims["client_metadata"]["jwks"]["keys"][0]["crv"], "P-256");
    let state = claims["state"].as_str().unwrap().to_owned();
    // A plain answer to a request that asked for encryption; garbage as the JWE.
    let response = format!("/oid4vp/response/{}", enc.id);
    let a = post(&response, form(&[("vp_token", "{}"), ("state", &state)]));
    assert_eq!(
        (a.status, err(&a).as_str()),
        (400, "invalid_request"),
        "{}",
        a.body
    );
    assert!(a.body.contains("response: missing"), "{}", a.body);
    let a = post(&response, form(&[("response", "a.b.c.d.e")]));
    assert_eq!(
        (a.status, err(&a).as_str()),
        (400, "invalid_request"),
        "{}",
        a.body
    );
    // A form giving a field twice, and an unknown request.
    let a = post(&response, form(&[("response", "x"), ("response", "y")]));
    assert_eq!(a.status, 400, "{}", a.body);
    let a = post("/oid4vp/response/nope", form(&[("vp_token", "{}")]));
    assert_eq!(
        (a.status, err(&a).as_str()),
        (400, "invalid_request"),
        "{}",
        a.body
    );
    // An unencrypted request: the wrong state is refused before anything is verified.
    let plain = clinic
        .oid4vp_request(CredentialKind::Identity, vec![], ResponseMode::DirectPost)
        .unwrap();
    let a = post(
        &format!("/oid4vp/response/{}", plain.id),
        form(&[
            ("vp_token", r#"{"credential":["x~"]}"#),
            ("state", "not-it"),
        ]),
    );
    assert_eq!(
        (a.status, err(&a).as_str()),
        (400, "invalid_request"),
        "{}",
        a.body
    );
    assert!(a.body.contains("state"), "{}", a.body);
    // Neither request was answered by any of this.
    for id in [&enc.id, &plain.id] {
        assert_eq!(clinic.oid4vp_outcome(id).unwrap()["status"], "waiting");
    }
}
