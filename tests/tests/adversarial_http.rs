//! The network rows of the adversarial corpus (issue 13): hostile HTTP requests sent to a real
//! clinic node of a real four-node network, one row per request, each with the status code and
//! the named check (or error text) it must get. After every row an honest citizen's
//! presentation, made for this clinic with a fresh challenge, must still verify: the node
//! refuses the attacker and keeps serving.

use credentials::present::{present_sd_jwt, Audience};
use serde_json::{json, Value};
use vcnet_tests::http::{post, Answer};
use vcnet_tests::{citizen_holds_identity, network};

/// One hostile request.
struct Row {
    name: &'static str,
    path: &'static str,
    host: String,
    body: Vec<u8>,
    status: u16,
    /// Text the answer must contain (an error message or a failed check's name).
    says: &'static str,
}

fn nested(depth: usize) -> String {
    format!("{}1{}", "[".repeat(depth), "]".repeat(depth))
}

/// Issue 13, reproduction 3, as an HTTP body: 100 disclosures each hiding the next one's
/// digest 120 levels deep, under an all-zero issuer signature.
fn disclosure_chain(issuer_did: &str) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    use base64::Engine;
    use rand::SeedableRng;
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
    let mut next: Option<String> = None;
    let mut encoded = Vec::new();
    for _ in 0..100 {
        let mut v = match &next {
            Some(d) => json!({ "_sd": [d] }),
            None => json!("end"),
        };
        for _ in 0..120 {
            v = json!({ "x": v });
        }
        let d = credentials::sd_jwt::Disclosure::new(&mut rng, Some("c"), v);
        next = Some(d.digest.clone());
        encoded.push(d.encoded);
    }
    encoded.reverse();
    let header = json!({"alg": "EdDSA", "typ": "vc+sd-jwt", "kid": format!("{issuer_did}#{}", &issuer_did[8..])});
    let payload = json!({
        "type": ["VerifiableCredential", "IdentityCredential"],
        "issuer": issuer_did,
        "credentialSubject": { "_sd": [next.unwrap()] },
        "_sd_alg": "sha-256",
    });
    format!(
        "{}.{}.{}~{}~",
        B64.encode(header.to_string()),
        B64.encode(payload.to_string()),
        B64.encode([0u8; 64]),
        encoded.join("~")
    )
}

/// An unsigned vc+jwt (`alg: none`, empty signature) claiming to be from `issuer_did`.
fn alg_none(issuer_did: &str) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    use base64::Engine;
    let header = json!({"alg": "none", "typ": "vc+jwt"});
    let payload = json!({"type": ["VerifiableCredential", "IdentityCredential"], "issuer": issuer_did,
        "credentialSubject": {"fullName": "Mallory"}});
    format!(
        "{}.{}.",
        B64.encode(header.to_string()),
        B64.encode(payload.to_string())
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_http_requests_are_refused_and_the_node_keeps_serving() {
    let net = network().await;
    let (agency, citizen, clinic) = (&net.agency.node, &net.citizen.node, &net.clinic.node);
    let (_, entry, _, _) = citizen_holds_identity(&net).await;

    let addr = net.clinic.http;
    let host = addr.to_string();
    let domain = clinic.verifier_domain();
    let present = |challenge: &str| {
        let aud = Audience {
            challenge: Some(challenge.into()),
            domain: Some(domain.clone()),
            expires: Some(chrono::Utc::now() + chrono::Duration::seconds(120)),
        };
        present_sd_jwt(
            &entry.credential,
            &["fullName".to_string()],
            &citizen.identity,
            &aud,
            chrono::Utc::now(),
        )
        .unwrap()
    };
    let verify_presentation = |vp: &str, challenge: &str| {
        json!({"verifiablePresentation": vp, "options": {"challenge": challenge, "domain": domain}})
            .to_string()
            .into_bytes()
    };
    let honest = |i: usize| -> Answer {
        let challenge = format!("honest-{i}");
        post(
            addr,
            &host,
            "/presentations/verify",
            None,
            &verify_presentation(&present(&challenge), &challenge),
        )
        .unwrap()
    };
    eprintln!("lists held; first honest presentation");
    let first = honest(0);
    assert_eq!(first.status, 200, "honest presentation: {}", first.body);

    let vp = present("row-challenge");
    let cut = format!("{}~", vp.rsplit_once('~').unwrap().0);
    let agency_did = agency.identity.did().to_owned();
    let rows = vec![
        Row {
            name: "enveloped id of multi-byte characters (issue 13 #1)",
            path: "/credentials/verify",
            host: host.clone(),
            body: json!({"verifiableCredential": {"type": "EnvelopedVerifiableCredential", "id": format!("a{}", "é".repeat(16))}}).to_string().into_bytes(),
            status: 422,
            says: "decode",
        },
        Row {
            name: "key binding JWT cut off, with a challenge (issue 13 #2)",
            path: "/presentations/verify",
            host: host.clone(),
            body: verify_presentation(&cut, "row-challenge"),
            status: 422,
            says: "holder_binding",
        },
        Row {
            name: "key binding JWT cut off, no challenge given (issue 13 #2)",
            path: "/presentations/verify",
            host: host.clone(),
            body: json!({"verifiablePresentation": cut}).to_string().into_bytes(),
            status: 422,
            says: "holder_binding",
        },
        Row {
            name: "disclosure chain 12,000 levels deep, zero signature (issue 13 #3)",
            path: "/credentials/verify",
            host: host.clone(),
            body: json!({"verifiableCredential": disclosure_chain(&agency_did)}).to_string().into_bytes(),
            status: 422,
            says: "nest deeper",
        },
        Row {
            name: "replayed presentation (the honest one, another challenge)",
            path: "/presentations/verify",
            host: host.clone(),
            body: verify_presentation(&vp, "a-new-challenge"),
            status: 422,
            says: "challenge",
        },
        Row {
            name: "2 MiB body on an open route",
            path: "/credentials/verify",
            host: host.clone(),
            body: format!("{{\"verifiableCredential\":\"{}\"}}", "x".repeat(2 << 20)).into_bytes(),
            status: 413,
            says: "",
        },
        Row {
            name: "DNS rebinding: a web page's host name",
            path: "/credentials/verify",
            host: "evil.example:80".into(),
            body: json!({"verifiableCredential": "x"}).to_string().into_bytes(),
            status: 421,
            says: "DNS rebinding",
        },
        Row {
            name: "DNS rebinding on an admin path",
            path: "/admin/revoke",
            host: "attacker.example".into(),
            body: b"{}".to_vec(),
            status: 421,
            says: "DNS rebinding",
        },
        Row {
            name: "invalid UTF-8 body",
            path: "/credentials/verify",
            host: host.clone(),
            body: b"{\"verifiableCredential\":\"\xff\xfe\xfd\"}".to_vec(),
            status: 400,
            says: "",
        },
        Row {
            name: "JSON nested 10,000 levels",
            path: "/credentials/verify",
            host: host.clone(),
            body: format!("{{\"verifiableCredential\":{}}}", nested(10_000)).into_bytes(),
            status: 400,
            says: "",
        },
        Row {
            name: "not JSON",
            path: "/presentations/verify",
            host: host.clone(),
            body: b"hello".to_vec(),
            status: 400,
            says: "",
        },
        Row {
            name: "admin path without a token",
            path: "/admin/revoke",
            host: host.clone(),
            body: b"{}".to_vec(),
            status: 401,
            says: "Bearer",
        },
        Row {
            name: "vc+jwt with alg none",
            path: "/credentials/verify",
            host: host.clone(),
            body: json!({"verifiableCredential": {"type": "EnvelopedVerifiableCredential",
                "id": format!("data:application/vc+jwt,{}", alg_none(&agency_did))}})
                .to_string().into_bytes(),
            status: 422,
            says: "decode",
        },
    ];
    for (i, row) in rows.iter().enumerate() {
        eprintln!("row {i}: {}", row.name);
        let a = post(addr, &row.host, row.path, None, &row.body)
            .unwrap_or_else(|e| panic!("{}: no answer: {e}", row.name));
        assert_eq!(a.status, row.status, "{}: {}", row.name, a.body);
        assert!(
            a.body.contains(row.says),
            "{}: answer does not say `{}`: {}",
            row.name,
            row.says,
            a.body
        );
        let h = honest(i + 1);
        assert_eq!(
            h.status, 200,
            "after `{}`, an honest presentation was refused: {}",
            row.name, h.body
        );
    }
    // The verifier log recorded no claims of the refused rows (the HTTP paths do not log), and
    // the node is still whole.
    let v: Value = post(
        addr,
        &host,
        "/presentations/verify",
        None,
        &verify_presentation(&present("last"), "last"),
    )
    .unwrap()
    .json();
    assert_eq!(v["verified"], json!(true), "{v}");

    for n in [net.clinic, net.citizen, net.agency, net.root] {
        n.stop().await;
    }
}
