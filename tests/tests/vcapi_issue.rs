//! `POST /credentials/issue` with credentials of any type (issue 15, item 1): a real issuer
//! node keeps every field the caller sends, signs as itself, gives the credential an entry on
//! each of its status lists (which then revoke it), answers 201 — and refuses broken input
//! with 400 naming the field, another issuer's DID with 422.

use credentials::status::StatusPurpose;
use credentials::verify::{CheckName, Nothing, Outcome};
use credentials::VerifyOptions;
use serde_json::{json, Value};
use vcnet_tests::http::post;
use vcnet_tests::{list_version, network, wait_until};

fn alumni() -> Value {
    json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2"
        ],
        "type": ["VerifiableCredential", "ExampleAlumniCredential"],
        "name": "Alumni of Example University",
        "description": "Sent whole by a VC-API client.",
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
            "alumniOf": {"name": "Example University"}
        },
        "evidence": [{"id": "https://example.edu/evidence/f2aeec97", "type": ["Evidence"]}]
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn any_credential_is_issued_as_sent_and_can_be_revoked() {
    let net = network().await;
    let agency = &net.agency;
    let addr = agency.http;
    let host = addr.to_string();
    let token = net.admin_token(1);
    let did = agency.node.identity.did().to_owned();
    let issue_raw = |credential: Value, options: Value| {
        let body = json!({"credential": credential, "options": options}).to_string();
        post(
            addr,
            &host,
            "/credentials/issue",
            Some(&token),
            body.as_bytes(),
        )
        .unwrap()
    };
    // The VC-API caller names the issuer: this node, unless a row says otherwise.
    let issue = |mut credential: Value, options: Value| {
        if credential.get("issuer").is_none() {
            credential["issuer"] = json!(did);
        }
        issue_raw(credential, options)
    };

    // Data Integrity (the default); an unknown option is ignored.
    let a = issue(alumni(), json!({"mandatoryPointers": ["/issuer"]}));
    assert_eq!(a.status, 201, "{}", a.body);
    let vc = a.json()["verifiableCredential"].clone();
    for (k, v) in alumni().as_object().unwrap() {
        assert_eq!(&vc[k], v, "{k} kept as sent");
    }
    assert_eq!(vc["issuer"], json!(did));
    assert_eq!(vc["proof"]["type"], "DataIntegrityProof");
    assert_eq!(vc["proof"]["cryptosuite"], "eddsa-rdfc-2022");
    let status = vc["credentialStatus"].as_array().unwrap().clone();
    let purposes: Vec<&str> = status
        .iter()
        .map(|s| s["statusPurpose"].as_str().unwrap())
        .collect();
    assert_eq!(purposes, ["revocation", "suspension"]);
    assert!(status
        .iter()
        .all(|s| s["type"] == "BitstringStatusListEntry"));
    // Its proof verifies (the whole pipeline: only vcnet-kind checks may complain).
    let text = vc.to_string();
    let mut opts = VerifyOptions::at(chrono::Utc::now());
    opts.skip_status = true;
    opts.skip_trust = true;
    let report = agency
        .node
        .verifier
        .verify(&text, &opts, &Nothing, &Nothing);
    assert!(
        matches!(
            report.outcome(CheckName::Signature),
            Some(Outcome::Pass { .. })
        ),
        "{report}"
    );
    // At a clinic over the VC-API: its whole policy reports the issuer as not accredited for
    // this type (vcnet accredits its three kinds) and says no schema it holds applies; asked
    // for the proof only, the credential verifies.
    let clinic_at = net.clinic.http;
    let verify = |credential: &Value, options: Value| {
        let body = json!({"verifiableCredential": credential, "options": options}).to_string();
        post(
            clinic_at,
            &clinic_at.to_string(),
            "/credentials/verify",
            None,
            body.as_bytes(),
        )
        .unwrap()
    };
    let a = verify(&vc, json!({}));
    assert_eq!(a.status, 422, "{}", a.body);
    let errors = a.json()["errors"].to_string();
    assert!(
        errors.contains("issuer_accredited: issuer not accredited"),
        "{errors}"
    );
    assert!(
        !errors.contains("schema"),
        "no held schema applies, which is not a failure: {errors}"
    );
    let a = verify(&vc, json!({"checks": ["proof"]}));
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["verified"], json!(true));
    let a = verify(&vc, json!({"checks": ["proof", "bogus"]}));
    assert_eq!(a.status, 400, "{}", a.body);
    assert!(a.body.contains("options.checks: `bogus`"), "{}", a.body);
    // Tampered with, it does not.
    let mut forged = vc.clone();
    forged["credentialSubject"]["alumniOf"]["name"] = json!("Another University");
    let report = agency
        .node
        .verifier
        .verify(&forged.to_string(), &opts, &Nothing, &Nothing);
    assert!(
        matches!(
            report.outcome(CheckName::Signature),
            Some(Outcome::Fail { .. })
        ),
        "{report}"
    );
    let a = verify(&forged, json!({"checks": ["proof"]}));
    assert_eq!(a.status, 422, "{}", a.body);
    assert!(
        a.json()["errors"].to_string().contains("signature"),
        "{}",
        a.body
    );

    // Recorded like every issuance: revoking it flips its bit on the list it names.
    let id = vc["id"].as_str().unwrap().to_owned();
    let issued = agency.node.issued(&id).unwrap().expect("recorded");
    assert_eq!(issued.kind, None);
    let rev = agency
        .node
        .list_url(StatusPurpose::Revocation, issued.shard);
    assert_eq!(status[0]["statusListCredential"], json!(rev));
    assert_eq!(
        status[0]["statusListIndex"],
        json!(issued.index.to_string())
    );
    let before = list_version(&agency.node, &rev).unwrap();
    let status_update = |body: Value| {
        post(
            addr,
            &host,
            "/credentials/status",
            Some(&token),
            body.to_string().as_bytes(),
        )
        .unwrap()
    };
    let revoke = json!({"credentialId": id, "credentialStatus": [{"type": "BitstringStatusListEntry", "status": "1"}]});
    let a = status_update(revoke.clone());
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["statusListCredential"], json!(rev));
    assert_eq!(list_version(&agency.node, &rev), Some(before + 1));
    for (body, status, says) in [
        (revoke.clone(), 409, "already revoked"),
        (
            json!({"credentialId": id, "credentialStatus": [{"status": "0"}]}),
            409,
            "revocation is permanent",
        ),
        (
            json!({"credentialId": "urn:uuid:never", "credentialStatus": [{"status": "1"}]}),
            404,
            "no credential urn:uuid:never",
        ),
        (
            json!({"credentialId": id, "credentialStatus": [{"status": "maybe"}]}),
            400,
            "credentialStatus[0].status",
        ),
        (
            json!({"credentialId": id, "statusPurpose": "message", "credentialStatus": [{"status": "0x1"}]}),
            409,
            "without a message status entry",
        ),
        (
            json!({"credentialId": id, "credentialStatus": []}),
            400,
            "exactly one",
        ),
    ] {
        let a = status_update(body);
        assert_eq!(a.status, status, "{says}: {}", a.body);
        assert!(
            a.json()["error"]
                .as_str()
                .unwrap_or_default()
                .contains(says),
            "{says}: {}",
            a.body
        );
    }
    // Suspended, then reinstated, through the same route.
    for status in ["1", "0"] {
        let a = status_update(
            json!({"credentialId": id, "statusPurpose": "suspension", "credentialStatus": [{"status": status}]}),
        );
        assert_eq!(a.status, 200, "{}", a.body);
    }
    let clinic = net.clinic.node.clone();
    wait_until("the clinic holds the revocation", || {
        list_version(&clinic, &rev) == Some(before + 1)
    })
    .await;
    let a = verify(&vc, json!({"checks": ["proof", "status"]}));
    assert_eq!(a.status, 422, "{}", a.body);
    assert!(
        a.json()["errors"].to_string().contains("status: revoked"),
        "{}",
        a.body
    );

    // The citizen proves a presentation of it for a verifier's challenge and domain.
    let citizen_token = net.admin_token(2);
    let citizen_did = net.citizen.node.identity.did().to_owned();
    let vp = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [vc.clone()],
    });
    let prove = |body: Value, token: &str| {
        let at = net.citizen.http;
        post(
            at,
            &at.to_string(),
            "/presentations/prove",
            Some(token),
            body.to_string().as_bytes(),
        )
        .unwrap()
    };
    let a = prove(
        json!({"presentation": vp, "options": {"challenge": "c-3f9a1b", "domain": "https://clinic.example"}}),
        &citizen_token,
    );
    assert_eq!(a.status, 201, "{}", a.body);
    let proven = a.json()["verifiablePresentation"].clone();
    assert_eq!(proven["holder"], json!(citizen_did));
    assert_eq!(proven["proof"]["proofPurpose"], "authentication");
    assert_eq!(proven["proof"]["challenge"], "c-3f9a1b");
    let report = agency.node.verifier.verify(
        &proven.to_string(),
        &VerifyOptions {
            challenge: Some("c-3f9a1b".into()),
            domain: Some("https://clinic.example".into()),
            ..opts.clone()
        },
        &Nothing,
        &Nothing,
    );
    for check in [
        CheckName::Signature,
        CheckName::Challenge,
        CheckName::Domain,
    ] {
        assert!(
            matches!(report.outcome(check), Some(Outcome::Pass { .. })),
            "{check:?}: {report}"
        );
    }
    // A presentation may carry no credential: the holder's proof is what is checked.
    let a = prove(
        json!({"presentation": {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": "VerifiablePresentation"},
               "options": {"challenge": "c-77", "domain": "https://clinic.example"}}),
        &citizen_token,
    );
    assert_eq!(a.status, 201, "{}", a.body);
    let empty = a.json()["verifiablePresentation"].clone();
    let verify_vp = |vp: &Value, options: Value| {
        let body = json!({"verifiablePresentation": vp, "options": options}).to_string();
        post(
            clinic_at,
            &clinic_at.to_string(),
            "/presentations/verify",
            None,
            body.as_bytes(),
        )
        .unwrap()
    };
    let a = verify_vp(
        &empty,
        json!({"challenge": "c-77", "domain": "https://clinic.example"}),
    );
    assert_eq!(a.status, 200, "{}", a.body);
    let a = verify_vp(
        &empty,
        json!({"challenge": "another", "domain": "https://clinic.example"}),
    );
    assert_eq!(a.status, 422, "{}", a.body);
    assert!(
        a.json()["errors"].to_string().contains("challenge"),
        "{}",
        a.body
    );
    // As the answer to a request for a credential, it is refused.
    let mut report = net
        .clinic
        .node
        .verify_presentation_text(
            empty.to_string(),
            Some("c-77".into()),
            Some("https://clinic.example".into()),
        )
        .await
        .unwrap();
    assert!(report.valid, "{report}");
    node::roles::record_kind_asked(&mut report, &[]);
    let report = report.finish();
    assert!(!report.valid, "{report}");

    let mut other = vp.clone();
    other["holder"] = json!("did:example:someone-else");
    let a = prove(json!({"presentation": other}), &citizen_token);
    assert_eq!(a.status, 422, "{}", a.body);
    // Only a holder proves presentations.
    let a = prove(json!({"presentation": vp}), &token);
    assert_eq!(
        a.status, 401,
        "the agency's token is not the citizen's: {}",
        a.body
    );

    // As vc+jwt: an enveloped credential whose claims set keeps the fields.
    let a = issue(alumni(), json!({"format": "jwt"}));
    assert_eq!(a.status, 201, "{}", a.body);
    let env = a.json()["verifiableCredential"].clone();
    assert_eq!(env["type"], "EnvelopedVerifiableCredential");
    let jwt = env["id"]
        .as_str()
        .unwrap()
        .strip_prefix("data:application/vc+jwt,")
        .unwrap();
    let claims: Value = credentials::jose::CompactJws::parse(jwt)
        .unwrap()
        .payload_json()
        .unwrap();
    assert_eq!(claims["evidence"], alumni()["evidence"]);
    assert_eq!(claims["issuer"], json!(did));

    // As vc+cose: a COSE_Sign1 in a data: URL, whose payload keeps the fields and verifies
    // at the clinic over the VC-API.
    let a = issue(alumni(), json!({"format": "vc+cose"}));
    assert_eq!(a.status, 201, "{}", a.body);
    let env = a.json()["verifiableCredential"].clone();
    assert_eq!(env["type"], "EnvelopedVerifiableCredential");
    let url = env["id"].as_str().unwrap();
    let cose = credentials::cose::parse(&credentials::cose::from_data_url(url).unwrap()).unwrap();
    assert_eq!(cose.typ.as_deref(), Some("application/vc+cose"));
    let payload: Value = serde_json::from_slice(&cose.payload).unwrap();
    assert_eq!(payload["evidence"], alumni()["evidence"]);
    assert_eq!(payload["issuer"], json!(did));
    let a = verify(&env, json!({"checks": ["proof"]}));
    assert_eq!(a.status, 200, "{}", a.body);

    // VC Data Model 1.1, as Data Integrity: the contexts its proof (and, when asked, its
    // status entries) need are added; without `options.credentialStatus` it gets no entries.
    let v1_alumni = json!({
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            "https://www.w3.org/2018/credentials/examples/v1"
        ],
        "type": ["VerifiableCredential", "AlumniCredential"],
        "issuer": did,
        "issuanceDate": "2020-03-16T22:37:26.544Z",
        "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"}
    });
    let a = issue(v1_alumni.clone(), json!({}));
    assert_eq!(a.status, 201, "{}", a.body);
    let vc = a.json()["verifiableCredential"].clone();
    assert_eq!(vc["issuanceDate"], v1_alumni["issuanceDate"]);
    assert_eq!(
        vc["@context"][2],
        json!("https://w3id.org/security/data-integrity/v2")
    );
    assert!(vc.get("credentialStatus").is_none(), "{vc}");
    let a = verify(&vc, json!({"checks": ["proof"]}));
    assert_eq!(a.status, 200, "{}", a.body);
    let a = issue(
        v1_alumni.clone(),
        json!({"credentialStatus": {"type": "BitstringStatusListEntry"}}),
    );
    assert_eq!(a.status, 201, "{}", a.body);
    let vc = a.json()["verifiableCredential"].clone();
    assert_eq!(
        vc["@context"][3],
        json!("https://www.w3.org/ns/credentials/status/v1")
    );
    assert_eq!(
        vc["credentialStatus"][0]["type"],
        "BitstringStatusListEntry"
    );
    let a = verify(&vc, json!({"checks": ["proof", "status"]}));
    assert_eq!(a.status, 200, "{}", a.body);

    // Refusals: the field named, nothing issued.
    let mut no_issuer = alumni();
    no_issuer.as_object_mut().unwrap().remove("issuer");
    let a = issue_raw(no_issuer, json!({}));
    assert_eq!(a.status, 400, "{}", a.body);
    assert!(
        a.body.contains("credential.issuer: is missing"),
        "{}",
        a.body
    );
    let issued_before = agency.node.holdings().unwrap().issued;
    let mut no_subject = alumni();
    no_subject
        .as_object_mut()
        .unwrap()
        .remove("credentialSubject");
    let mut foreign = alumni();
    foreign["issuer"] = json!("did:example:another-university");
    let mut unknown_context = alumni();
    unknown_context["@context"][1] = json!("https://contexts.example/never-bundled/v1");
    let rows = [
        (
            no_subject,
            json!({}),
            400,
            "credential.credentialSubject: is missing",
        ),
        (
            v1_alumni.clone(),
            json!({"format": "jwt"}),
            400,
            "options.format",
        ),
        (
            alumni(),
            json!({"credentialStatus": {"type": "StatusList2021Entry"}}),
            400,
            "options.credentialStatus.type",
        ),
        (
            alumni(),
            json!({"credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "refresh"}}),
            400,
            "options.credentialStatus.statusPurpose",
        ),
        (foreign, json!({}), 422, "is not this node"),
        (
            alumni(),
            json!({"format": "cbor-ld"}),
            400,
            "options.format",
        ),
        (unknown_context, json!({}), 400, "never-bundled"),
    ];
    for (credential, options, status, says) in rows {
        let a = issue(credential, options);
        assert_eq!(a.status, status, "{says}: {}", a.body);
        let error = a.json()["error"].as_str().unwrap_or_default().to_owned();
        assert!(error.contains(says), "{says}: {}", a.body);
    }
    assert_eq!(
        agency.node.holdings().unwrap().issued,
        issued_before,
        "a refused credential spends no status index"
    );
    for n in [net.clinic, net.citizen, net.agency, net.root] {
        n.stop().await;
    }
}

/// The `message` status purpose (Bitstring Status List v1.0 §2.1): asked for at issuance with a
/// `statusSize` and its `statusMessage`s, the credential gets a third entry on the shard's list
/// of that scheme (same index); the list credential names the size and messages; a status
/// update sets the entry's value; the verifier reports the value's message, here and at a
/// clinic that received the list by gossip.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_message_status_is_issued_set_and_reported() {
    let net = network().await;
    let agency = &net.agency;
    let addr = agency.http;
    let host = addr.to_string();
    let token = net.admin_token(1);
    let call = |path: &str, body: Value| {
        post(addr, &host, path, Some(&token), body.to_string().as_bytes()).unwrap()
    };
    let messages = json!([
        {"status": "0x0", "message": "pending_review"},
        {"status": "0x1", "message": "accepted"},
        {"status": "0x2", "message": "rejected"},
        {"status": "0x3", "message": "undefined"}
    ]);
    let mut credential = alumni();
    credential["issuer"] = json!(agency.node.identity.did());
    let ask = json!({"type": "BitstringStatusListEntry", "statusPurpose": "message", "statusSize": 2,
        "statusMessage": messages, "statusReference": "https://example.org/status-dictionary/"});

    // Bad asks name the field.
    for (bad, says) in [
        (
            json!({"type": "BitstringStatusListEntry", "statusPurpose": "message", "statusSize": 2}),
            "statusMessage is missing",
        ),
        (
            json!({"type": "BitstringStatusListEntry", "statusPurpose": "message", "statusSize": 3, "statusMessage": messages}),
            "needs 8",
        ),
        (
            json!({"type": "BitstringStatusListEntry", "statusPurpose": "message", "statusSize": 9, "statusMessage": messages}),
            "statusSize 9",
        ),
        (json!([ask, ask]), "one message entry per credential"),
    ] {
        let a = call(
            "/credentials/issue",
            json!({"credential": credential, "options": {"credentialStatus": bad}}),
        );
        assert_eq!(a.status, 400, "{}", a.body);
        assert!(
            a.body.contains("options.credentialStatus") && a.body.contains(says),
            "{says}: {}",
            a.body
        );
    }

    let a = call(
        "/credentials/issue",
        json!({"credential": credential, "options": {"credentialStatus": ask}}),
    );
    assert_eq!(a.status, 201, "{}", a.body);
    let vc = a.json()["verifiableCredential"].clone();
    let entries = vc["credentialStatus"].as_array().unwrap().clone();
    assert_eq!(entries.len(), 3, "{entries:?}");
    let entry = &entries[2];
    assert_eq!(entry["statusPurpose"], "message");
    assert_eq!(entry["statusSize"], 2);
    assert_eq!(entry["statusMessage"], messages);
    assert_eq!(
        entry["statusReference"],
        "https://example.org/status-dictionary/"
    );
    assert_eq!(
        entry["statusListIndex"], entries[0]["statusListIndex"],
        "the shard's index"
    );
    let list = entry["statusListCredential"].as_str().unwrap().to_owned();
    assert!(list.contains("/message-2-"), "{list}");
    let index: u64 = entry["statusListIndex"].as_str().unwrap().parse().unwrap();

    // The list credential (served by its issuer) names the size and the messages.
    let path = list.split_once(&host).unwrap().1.to_owned();
    let served = vcnet_tests::http::get(addr, &host, &path, None).unwrap();
    assert_eq!(served.status, 200, "{}", served.body);
    let subject = served.json()["credentialSubject"].clone();
    assert_eq!(subject["statusPurpose"], "message");
    assert_eq!(subject["statusSize"], 2);
    assert_eq!(subject["statusMessages"], messages);
    let bits =
        credentials::status::Bitstring::decode(subject["encodedList"].as_str().unwrap()).unwrap();
    assert_eq!(bits.len(), 2 * 131_072, "131,072 entries of 2 bits");
    // Its proof holds (the inline context defines the two subject terms for JSON-LD).
    let clinic_at = net.clinic.http;
    let body = json!({"verifiableCredential": served.json(), "options": {"checks": ["proof"]}})
        .to_string();
    let a = post(
        clinic_at,
        &clinic_at.to_string(),
        "/credentials/verify",
        None,
        body.as_bytes(),
    )
    .unwrap();
    assert_eq!(a.status, 200, "the list credential verifies: {}", a.body);

    // The value is set over the VC-API; the list and the verifier say so.
    let id = vc["id"].as_str().unwrap().to_owned();
    let set = |value: &str| {
        call(
            "/credentials/status",
            json!({"credentialId": id, "credentialStatus": [{"type": "BitstringStatusListEntry", "statusPurpose": "message", "status": value}]}),
        )
    };
    let a = set("0x2");
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["status"], "0x2");
    assert_eq!(a.json()["statusListCredential"], json!(list));
    assert_eq!(set("0x2").status, 409, "already 0x2");
    let a = set("0x4");
    assert_eq!(a.status, 400, "{}", a.body);
    assert!(a.body.contains("2-bit"), "{}", a.body);
    assert_eq!(set("two").status, 400);
    let held = agency
        .node
        .replicator
        .with_list(&list, Clone::clone)
        .unwrap();
    assert_eq!(held.value(index).unwrap(), 2);
    assert!(
        held.bits.get(index * 2).unwrap() && !held.bits.get(index * 2 + 1).unwrap(),
        "MSB first"
    );
    wait_until("the clinic holds the message list's change", || {
        list_version(&net.clinic.node, &list).is_some_and(|v| v >= 1)
    })
    .await;
    let clinic_at = net.clinic.http;
    let body =
        json!({"verifiableCredential": vc, "options": {"checks": ["proof", "credentialStatus"]}})
            .to_string();
    let a = post(
        clinic_at,
        &clinic_at.to_string(),
        "/credentials/verify",
        None,
        body.as_bytes(),
    )
    .unwrap();
    assert_eq!(
        a.status, 200,
        "a status message is not a failure: {}",
        a.body
    );
    assert!(
        a.body.contains("status message 0x2: rejected"),
        "{}",
        a.body
    );

    for n in [net.clinic, net.citizen, net.agency, net.root] {
        n.stop().await;
    }
}
