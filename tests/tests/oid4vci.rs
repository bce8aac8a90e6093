//! OpenID4VCI between real nodes (issue 18): the agency's claim code becomes a pre-authorized
//! offer with a transaction code; the citizen's node, as a wallet, receives an SD-JWT VC bound
//! to its key over HTTP; the clinic verifies it offline and sees its revocation through gossip.
//! The issuer's endpoints refuse, by OAuth error code, what a hostile wallet sends.

use credentials::oid4vci::{sign_proof, OfferRef};
use credentials::pubkey::{Alg, SecretKey};
use credentials::status::StatusPurpose;
use credentials::{CredentialKind, Format};
use serde_json::{json, Value};
use vcnet_tests::http::{get, send};
use vcnet_tests::{clinic_holds_lists_of, first_record, list_version, network, wait_until};

fn offer_code(offer: &str) -> String {
    match credentials::oid4vci::parse_offer(offer).unwrap() {
        OfferRef::Value(o) => o.pre_authorized_grant().unwrap().code.clone(),
        OfferRef::Uri(u) => panic!("by value expected, got {u}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_wallet_receives_an_sd_jwt_vc_that_the_clinic_verifies_and_sees_revoked() {
    let net = network().await;
    let (agency, citizen, clinic) = (&net.agency.node, &net.citizen.node, &net.clinic.node);
    let report = agency
        .import_records_with(CredentialKind::Identity, &first_record(), false, Some(6))
        .unwrap();
    assert_eq!(report.tx_codes.len(), report.codes.len());
    let (record, code) = &report.codes[0];
    let tx = &report.tx_codes.iter().find(|(r, _)| r == record).unwrap().1;
    assert!(
        tx.len() == 6 && tx.bytes().all(|b| b.is_ascii_digit()),
        "{tx}"
    );

    let offer = agency.credential_offer(code).unwrap().unwrap();
    assert!(offer.starts_with("openid-credential-offer://?credential_offer="));
    let parsed = match credentials::oid4vci::parse_offer(&offer).unwrap() {
        OfferRef::Value(o) => o,
        OfferRef::Uri(u) => panic!("{u}"),
    };
    assert_eq!(parsed.credential_issuer, agency.public_url);
    assert_eq!(
        parsed.credential_configuration_ids,
        ["identity_dc_sd_jwt", "identity_jwt_vc_json"]
    );
    assert!(parsed.pre_authorized_grant().unwrap().tx_code.is_some());

    // Without the transaction code the wallet does not even try; a wrong one is refused.
    let e = citizen.receive_offer(&offer, None).await.unwrap_err();
    assert!(e.to_string().contains("transaction code"), "{e}");
    let wrong = if tx == "000000" { "111111" } else { "000000" };
    let e = citizen
        .receive_offer(&offer, Some(wrong))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("invalid_grant"), "{e}");
    // A vcnet peer cannot claim it over libp2p without the transaction code either.
    let e = citizen
        .claim_from(agency.net.local_peer_id(), code, Some(Format::SdJwt))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("transaction code"), "{e}");

    let entry = citizen.receive_offer(&offer, Some(tx)).await.unwrap();
    assert_eq!(entry.format, Format::SdJwtVc);
    assert_eq!(entry.kind, CredentialKind::Identity);
    assert_eq!(entry.issuer, agency.identity.did());
    assert_eq!(
        entry.issuer_name.as_deref(),
        Some("National Identity Agency")
    );
    let jws = entry.credential.split('~').next().unwrap();
    let header = credentials::jose::CompactJws::parse(jws).unwrap();
    assert_eq!(header.header.typ.as_deref(), Some("dc+sd-jwt"));
    let payload: Value = header.payload_json().unwrap();
    assert_eq!(payload["vct"], "https://vcnet.id/vct/identity/v1");
    assert_eq!(payload["iss"], agency.identity.did());
    // Bound to the citizen node's own key, named by no id a verifier could correlate.
    assert_eq!(
        credentials::pubkey::PublicKey::from_jwk(&payload["cnf"]["jwk"])
            .unwrap()
            .did_key(),
        citizen.identity.did()
    );
    assert!(payload.get("jti").is_none() && payload.get("id").is_none());
    // The issuer's index has it under the id both sides derive, with its status entries.
    let issued = agency.issued(&entry.id).unwrap().unwrap();
    assert_eq!(issued.format, Format::SdJwtVc);
    assert_eq!(issued.holder.as_deref(), Some(citizen.identity.did()));
    assert_eq!(
        payload["status"]["status_list"]["uri"],
        agency.token_status_list_url(issued.shard)
    );
    assert_eq!(payload["status"]["status_list"]["idx"], issued.index);

    // Five wrong transaction codes lock a code: then even the right one is refused.
    let (record2, code2) = &report.codes[1];
    let tx2 = &report
        .tx_codes
        .iter()
        .find(|(r, _)| r == record2)
        .unwrap()
        .1;
    let offer2 = agency.credential_offer(code2).unwrap().unwrap();
    let wrong2 = if tx2 == "000000" { "111111" } else { "000000" };
    for _ in 0..node::roles::oid4vci::MAX_TX_FAILURES {
        let e = citizen
            .receive_offer(&offer2, Some(wrong2))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("wrong transaction code"), "{e}");
    }
    let e = citizen.receive_offer(&offer2, Some(tx2)).await.unwrap_err();
    assert!(e.to_string().contains("too many"), "{e}");

    // The code is spent: the same offer again is refused.
    let e = citizen.receive_offer(&offer, Some(tx)).await.unwrap_err();
    assert!(e.to_string().contains("invalid_grant"), "{e}");

    // The clinic verifies it offline, with the agency's gossiped lists, and then sees it
    // revoked when the agency revokes it.
    let lists = clinic_holds_lists_of(&net, &issued).await;
    let r = clinic
        .verify_text(entry.credential.clone(), None, None)
        .await
        .unwrap();
    assert!(r.valid, "{r}");
    assert_eq!(r.format.as_deref(), Some("dc+sd-jwt"));
    assert_eq!(r.kind, Some(CredentialKind::Identity));
    let before = list_version(clinic, &lists[0]).unwrap();
    agency
        .change_status(&entry.id, StatusPurpose::Revocation, true)
        .await
        .unwrap();
    wait_until("the clinic applies the revocation", || {
        list_version(clinic, &lists[0]).is_some_and(|v| v > before)
    })
    .await;
    let r = clinic
        .verify_text(entry.credential.clone(), None, None)
        .await
        .unwrap();
    assert!(!r.valid, "{r}");
    assert!(r.to_string().contains("revoked"), "{r}");
}

/// One step of the flow by hand: a form or JSON POST to the agency, as a wallet would send it.
fn post(
    addr: std::net::SocketAddr,
    path: &str,
    ctype: &str,
    bearer: Option<&str>,
    body: &str,
) -> vcnet_tests::http::Answer {
    let auth = bearer.map(|b| format!("Bearer {b}"));
    let mut headers = vec![("Content-Type", ctype)];
    if let Some(a) = &auth {
        headers.push(("Authorization", a.as_str()));
    }
    send(addr, "POST", path, &headers, body.as_bytes()).unwrap()
}

fn form(pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_issuer_refuses_what_a_hostile_wallet_sends_by_oauth_error_code() {
    let net = network().await;
    let agency = &net.agency.node;
    let addr = net.agency.http;
    let host = addr.to_string();
    let issuer = agency.public_url.clone();
    let report = agency
        .import_records(CredentialKind::Identity, &first_record())
        .unwrap();
    let code = offer_code(
        &agency
            .credential_offer(&report.codes[1].1)
            .unwrap()
            .unwrap(),
    );

    // Metadata, as a wallet reads it.
    let meta = get(addr, &host, "/.well-known/openid-credential-issuer", None).unwrap();
    assert_eq!(meta.status, 200, "{}", meta.body);
    let meta = meta.json();
    assert_eq!(meta["credential_issuer"], issuer);
    let conf = &meta["credential_configurations_supported"]["identity_dc_sd_jwt"];
    assert_eq!(conf["format"], "dc+sd-jwt");
    assert_eq!(conf["vct"], "https://vcnet.id/vct/identity/v1");
    let asm = get(addr, &host, "/.well-known/oauth-authorization-server", None)
        .unwrap()
        .json();
    assert_eq!(asm["token_endpoint"], format!("{issuer}/oid4vci/token"));

    let ctype = "application/x-www-form-urlencoded";
    let grant = credentials::oid4vci::PRE_AUTHORIZED_GRANT;
    let err = |a: &vcnet_tests::http::Answer| a.json()["error"].as_str().unwrap_or("").to_owned();
    // A request the issuer must refuse with `status` and OAuth error `code`.
    let refused =
        |path: &str, ctype: &str, bearer: Option<&str>, body: &str, status: u16, code: &str| {
            let a = post(addr, path, ctype, bearer, body);
            assert_eq!((a.status, err(&a).as_str()), (status, code), "{}", a.body);
            a
        };
    // Token endpoint: wrong grant type, unknown code, a transaction code not asked for, a
    // parameter given twice.
    refused(
        "/oid4vci/token",
        ctype,
        None,
        &form(&[
            ("grant_type", "authorization_code"),
            ("pre-authorized_code", &code),
        ]),
        400,
        "unsupported_grant_type",
    );
    refused(
        "/oid4vci/token",
        ctype,
        None,
        &form(&[("grant_type", grant), ("pre-authorized_code", "nope")]),
        400,
        "invalid_grant",
    );
    refused(
        "/oid4vci/token",
        ctype,
        None,
        &form(&[
            ("grant_type", grant),
            ("pre-authorized_code", &code),
            ("tx_code", "1234"),
        ]),
        400,
        "invalid_request",
    );
    refused(
        "/oid4vci/token",
        ctype,
        None,
        &form(&[
            ("grant_type", grant),
            ("grant_type", grant),
            ("pre-authorized_code", &code),
        ]),
        400,
        "invalid_request",
    );
    // The real exchange, with the members a wallet library adds (ignored); then the same code
    // again while its token lives is refused.
    let a = post(
        addr,
        "/oid4vci/token",
        ctype,
        None,
        &form(&[
            ("grant_type", grant),
            ("pre-authorized_code", &code),
            ("resource", &issuer),
            ("user_pin", ""),
        ]),
    );
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.header("cache-control"), Some("no-store"));
    let token = a.json()["access_token"].as_str().unwrap().to_owned();
    refused(
        "/oid4vci/token",
        ctype,
        None,
        &form(&[("grant_type", grant), ("pre-authorized_code", &code)]),
        400,
        "invalid_grant",
    );

    let nonce = || {
        post(addr, "/oid4vci/nonce", "", None, "").json()["c_nonce"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let wallet = SecretKey::generate(Alg::ES256, &mut rand::rngs::OsRng);
    let did = wallet.public().did_key();
    let kid = format!("{did}#{}", &did[8..]);
    let now = chrono::Utc::now().timestamp();
    let request = |proof: &str| {
        json!({"credential_configuration_id": "identity_dc_sd_jwt", "proofs": {"jwt": [proof]}})
            .to_string()
    };
    let json_type = "application/json";
    // Credential endpoint: no token, a proof for another issuer, a nonce never handed out,
    // two proofs, an unknown configuration.
    let n = nonce();
    let good = sign_proof(&wallet, &kid, &issuer, Some(&n), now);
    let a = refused(
        "/oid4vci/credential",
        json_type,
        None,
        &request(&good),
        401,
        "invalid_token",
    );
    assert!(a
        .header("www-authenticate")
        .is_some_and(|h| h.starts_with("Bearer")));
    let other_aud = sign_proof(&wallet, &kid, "https://elsewhere.example", Some(&n), now);
    refused(
        "/oid4vci/credential",
        json_type,
        Some(&token),
        &request(&other_aud),
        400,
        "invalid_proof",
    );
    let made_up = sign_proof(&wallet, &kid, &issuer, Some("made-up"), now);
    refused(
        "/oid4vci/credential",
        json_type,
        Some(&token),
        &request(&made_up),
        400,
        "invalid_nonce",
    );
    let two = json!({"credential_configuration_id": "identity_dc_sd_jwt", "proofs": {"jwt": [good, good]}}).to_string();
    refused(
        "/oid4vci/credential",
        json_type,
        Some(&token),
        &two,
        400,
        "invalid_credential_request",
    );
    let unknown =
        json!({"credential_configuration_id": "study_dc_sd_jwt", "proofs": {"jwt": [good]}})
            .to_string();
    refused(
        "/oid4vci/credential",
        json_type,
        Some(&token),
        &unknown,
        400,
        "unknown_credential_configuration",
    );
    // A kind this issuer issues, but not the one offered.
    let other_kind =
        json!({"credential_configuration_id": "health_dc_sd_jwt", "proofs": {"jwt": [good]}})
            .to_string();
    refused(
        "/oid4vci/credential",
        json_type,
        Some(&token),
        &other_kind,
        400,
        "invalid_credential_request",
    );
    // The good proof (an ES256 wallet key) gets the credential, bound to that key.
    let a = post(
        addr,
        "/oid4vci/credential",
        json_type,
        Some(&token),
        &request(&good),
    );
    assert_eq!(a.status, 200, "{}", a.body);
    let credential = a.json()["credentials"][0]["credential"]
        .as_str()
        .unwrap()
        .to_owned();
    let payload: Value =
        credentials::jose::CompactJws::parse(credential.split('~').next().unwrap())
            .unwrap()
            .payload_json()
            .unwrap();
    assert_eq!(payload["cnf"]["jwk"], wallet.public().to_jwk());
    // The same issuer as a jwt_vc_json (VCDM 1.1 JWT), to the wallet key's did:key.
    let code2 = offer_code(
        &agency
            .credential_offer(&report.codes[2].1)
            .unwrap()
            .unwrap(),
    );
    let a = post(
        addr,
        "/oid4vci/token",
        ctype,
        None,
        &form(&[("grant_type", grant), ("pre-authorized_code", &code2)]),
    );
    let token2 = a.json()["access_token"].as_str().unwrap().to_owned();
    let proof2 = sign_proof(&wallet, &kid, &issuer, Some(&nonce()), now);
    let body =
        json!({"credential_configuration_id": "identity_jwt_vc_json", "proofs": {"jwt": [proof2]}})
            .to_string();
    let a = post(addr, "/oid4vci/credential", json_type, Some(&token2), &body);
    assert_eq!(a.status, 200, "{}", a.body);
    let jwt = a.json()["credentials"][0]["credential"]
        .as_str()
        .unwrap()
        .to_owned();
    let jws = credentials::jose::CompactJws::parse(&jwt).unwrap();
    assert_eq!(jws.header.typ.as_deref(), Some("JWT"));
    let claims: Value = jws.payload_json().unwrap();
    assert_eq!(claims["sub"], did);
    assert_eq!(
        claims["vc"]["@context"][0],
        "https://www.w3.org/2018/credentials/v1"
    );
    let r = net
        .clinic
        .node
        .verify_text(jwt.clone(), None, None)
        .await
        .unwrap();
    assert_eq!(r.format.as_deref(), Some("jwt_vc_json"), "{r}");
    assert_eq!(r.kind, Some(CredentialKind::Identity), "{r}");
    assert_eq!(r.holder.as_deref(), Some(did.as_str()), "{r}");
    let issued = agency
        .issued(r.credential_id.as_deref().unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(issued.format, Format::JwtVcJson);

    // Its nonce is spent, and so is the token.
    let again = sign_proof(&wallet, &kid, &issuer, Some(&n), now);
    refused(
        "/oid4vci/credential",
        json_type,
        Some(&token),
        &request(&again),
        401,
        "invalid_token",
    );
}
