use super::*;
use crate::status::StatusPurpose;
use rand::SeedableRng;

const ME: &str = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";

fn alumni() -> Value {
    json!({
        "@context": [VC_V2_CONTEXT, "https://www.w3.org/ns/credentials/examples/v2"],
        "type": ["VerifiableCredential", "ExampleAlumniCredential"],
        "name": "Alumni of Example University",
        "description": "A credential a VC-API client sends whole.",
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:abc", "alumniOf": {"name": "Example University"}},
        "evidence": [{"id": "https://example.edu/evidence/1", "type": ["Evidence"]}],
        "termsOfUse": {"type": "ExamplePolicy", "id": "https://example.edu/policies/1"},
    })
}

fn status() -> Vec<StatusEntry> {
    [StatusPurpose::Revocation, StatusPurpose::Suspension]
        .into_iter()
        .map(|purpose| StatusEntry {
            id: Some(format!(
                "https://issuer.example/status/{}/0#7",
                purpose.as_str()
            )),
            purpose,
            index: 7,
            list: format!("https://issuer.example/status/{}/0", purpose.as_str()),
            message: None,
            reference: None,
        })
        .collect()
}

fn rng() -> rand_chacha::ChaCha20Rng {
    rand_chacha::ChaCha20Rng::seed_from_u64(1)
}

#[test]
fn a_1_1_credential_gets_the_contexts_and_date_it_needs() {
    let mut vc = alumni();
    vc["@context"] = json!([
        VC_V1_CONTEXT,
        "https://www.w3.org/2018/credentials/examples/v1"
    ]);
    vc.as_object_mut().unwrap().remove("validFrom");
    let out = prepare(&vc, ME, &status(), &mut rng()).unwrap();
    assert_eq!(
        out["@context"],
        json!([
            VC_V1_CONTEXT,
            "https://www.w3.org/2018/credentials/examples/v1",
            crate::data_integrity::DATA_INTEGRITY_V2_CONTEXT,
            STATUS_V1_CONTEXT
        ])
    );
    assert!(crate::time::parse(out["issuanceDate"].as_str().unwrap()).is_ok());
    assert_eq!(
        out["credentialStatus"][0]["type"],
        "BitstringStatusListEntry"
    );
    // A date of its own is kept; an expiry before it is refused by name.
    vc["issuanceDate"] = json!("2020-03-16T22:37:26.544Z");
    let out = prepare(&vc, ME, &[], &mut rng()).unwrap();
    assert_eq!(out["issuanceDate"], "2020-03-16T22:37:26.544Z");
    vc["expirationDate"] = json!("2019-01-01T00:00:00Z");
    let e = prepare(&vc, ME, &[], &mut rng()).unwrap_err();
    assert!(
        e.to_string().starts_with("credential.expirationDate"),
        "{e}"
    );
}

#[test]
fn every_field_is_kept_and_the_issuer_completes_it() {
    let out = prepare(&alumni(), ME, &status(), &mut rng()).unwrap();
    for (k, v) in alumni().as_object().unwrap() {
        assert_eq!(&out[k], v, "{k} kept as sent");
    }
    assert_eq!(out["issuer"], json!(ME));
    assert!(out["id"].as_str().unwrap().starts_with("urn:uuid:"));
    let st = out["credentialStatus"].as_array().unwrap();
    assert_eq!(st.len(), 2);
    assert_eq!(st[0]["type"], "BitstringStatusListEntry");
    assert_eq!(st[1]["statusPurpose"], "suspension");
    // An issuer object keeps its other fields; its id becomes (stays) ours.
    let mut named = alumni();
    named["issuer"] = json!({"id": ME, "name": "Example University"});
    named["id"] = json!("https://example.edu/credentials/3732");
    let out = prepare(&named, ME, &[], &mut rng()).unwrap();
    assert_eq!(
        out["issuer"],
        json!({"id": ME, "name": "Example University"})
    );
    assert_eq!(out["id"], "https://example.edu/credentials/3732");
    assert!(out.get("credentialStatus").is_none());
}

#[test]
fn each_broken_rule_names_its_field() {
    type Change = Box<dyn Fn(&mut Value)>;
    let rows: Vec<(&str, Change, &str)> = vec![
        (
            "no context",
            Box::new(|v| {
                v.as_object_mut().unwrap().remove("@context");
            }),
            "credential.@context: is missing",
        ),
        (
            "base context not first",
            Box::new(|v| {
                v["@context"] = json!([
                    "https://www.w3.org/ns/credentials/examples/v2",
                    VC_V2_CONTEXT
                ])
            }),
            "first item",
        ),
        (
            "a context that is a number",
            Box::new(|v| v["@context"][1] = json!(5)),
            "item 1",
        ),
        (
            "no VerifiableCredential type",
            Box::new(|v| v["type"] = json!(["ExampleAlumniCredential"])),
            "credential.type: must include",
        ),
        (
            "a type that is a number",
            Box::new(|v| v["type"] = json!(["VerifiableCredential", 3])),
            "credential.type",
        ),
        (
            "no subject",
            Box::new(|v| {
                v.as_object_mut().unwrap().remove("credentialSubject");
            }),
            "credential.credentialSubject: is missing",
        ),
        (
            "empty subject",
            Box::new(|v| v["credentialSubject"] = json!({})),
            "states nothing",
        ),
        (
            "empty subject list",
            Box::new(|v| v["credentialSubject"] = json!([])),
            "empty list",
        ),
        (
            "subject id not a URL",
            Box::new(|v| v["credentialSubject"]["id"] = json!("abc")),
            "credential.credentialSubject.id",
        ),
        (
            "id not a URL",
            Box::new(|v| v["id"] = json!("not a url")),
            "credential.id",
        ),
        (
            "validFrom without zone",
            Box::new(|v| v["validFrom"] = json!("2026-01-01T00:00:00")),
            "credential.validFrom",
        ),
        (
            "validUntil a number",
            Box::new(|v| v["validUntil"] = json!(5)),
            "credential.validUntil",
        ),
        (
            "already secured",
            Box::new(|v| v["proof"] = json!({"type": "DataIntegrityProof"})),
            "credential.proof",
        ),
        (
            "a status entry without a type",
            Box::new(|v| v["credentialStatus"] = json!({"id": "https://s.example/1#5"})),
            "credential.credentialStatus: item 0 has no `type`",
        ),
        (
            "evidence without a type",
            Box::new(|v| v["evidence"] = json!([{"id": "https://e.example/1"}])),
            "credential.evidence: item 0 has no `type`",
        ),
        (
            "terms of use without a type",
            Box::new(|v| v["termsOfUse"] = json!({"id": "https://e.example/terms"})),
            "credential.termsOfUse",
        ),
        (
            "a refresh service without a type",
            Box::new(|v| v["refreshService"] = json!({"id": "https://e.example/refresh"})),
            "credential.refreshService",
        ),
        (
            "a schema without an id",
            Box::new(|v| v["credentialSchema"] = json!({"type": "JsonSchema"})),
            "credential.credentialSchema: item 0 has no `id`",
        ),
        (
            "an issuer object with a null id",
            Box::new(|v| v["issuer"] = json!({"id": null, "name": "X"})),
            "credential.issuer.id",
        ),
        (
            "validUntil before validFrom",
            Box::new(|v| v["validUntil"] = json!("2025-01-01T00:00:00Z")),
            "credential.validUntil: is before validFrom",
        ),
        (
            "a related resource without a digest",
            Box::new(|v| v["relatedResource"] = json!([{"id": "https://e.example/r"}])),
            "neither digestSRI nor digestMultibase",
        ),
        (
            "related resources with the same id",
            Box::new(|v| {
                v["relatedResource"] = json!([
                    {"id": "https://e.example/r", "digestSRI": "sha384-x"},
                    {"id": "https://e.example/r", "digestSRI": "sha384-y"}
                ])
            }),
            "repeats the id",
        ),
        (
            "another issuer",
            Box::new(|v| v["issuer"] = json!("did:example:someone")),
            "is not this node",
        ),
        (
            "another issuer object",
            Box::new(|v| v["issuer"] = json!({"id": "did:example:someone"})),
            "is not this node",
        ),
        (
            "issuer a number",
            Box::new(|v| v["issuer"] = json!(1)),
            "credential.issuer",
        ),
    ];
    for (name, change, says) in rows {
        let mut v = alumni();
        change(&mut v);
        let e = prepare(&v, ME, &status(), &mut rng()).unwrap_err();
        assert!(e.to_string().contains(says), "{name}: {e}");
    }
    assert!(prepare(&json!([1]), ME, &[], &mut rng()).is_err());
    // A caller's own (typed) status entry is kept, this issuer's follow it.
    let mut v = alumni();
    v["credentialStatus"] = json!({"type": "ExampleStatus", "id": "https://s.example/1#5"});
    let out = prepare(&v, ME, &status(), &mut rng()).unwrap();
    let entries = out["credentialStatus"].as_array().unwrap();
    assert_eq!(entries[0]["type"], "ExampleStatus");
    assert_eq!(entries.len(), 1 + status().len());
}

#[test]
fn presentations_keep_their_fields_and_get_the_holder() {
    let vp = json!({
        "@context": [VC_V2_CONTEXT],
        "type": ["VerifiablePresentation"],
        "id": "urn:uuid:3978344f-8596-4c3a-a978-8fcaba3903c5",
        "verifiableCredential": [],
    });
    let out = prepare_presentation(&vp, ME).unwrap();
    assert_eq!(out["holder"], json!(ME));
    assert_eq!(out["id"], vp["id"]);
    let mut other = vp.clone();
    other["holder"] = json!("did:example:else");
    let e = prepare_presentation(&other, ME).unwrap_err();
    assert!(e.to_string().contains("holder did:example:else"), "{e}");
    let mut bad = vp.clone();
    bad["type"] = json!(["VerifiableCredential"]);
    let e = prepare_presentation(&bad, ME).unwrap_err();
    assert!(e.to_string().starts_with("presentation.type"), "{e}");
    let mut bad = vp.clone();
    bad["@context"] = json!(["https://www.w3.org/ns/credentials/examples/v2"]);
    let e = prepare_presentation(&bad, ME).unwrap_err();
    assert!(e.to_string().starts_with("presentation.@context"), "{e}");
}

#[test]
fn urls_by_shape() {
    for ok in [
        "https://a.example/x",
        "urn:uuid:1",
        "did:key:z6Mk",
        "mailto:a@b",
    ] {
        assert!(is_url(ok), "{ok}");
    }
    for bad in ["abc", ":x", "1http://a", "https://a b", "http:", ""] {
        assert!(!is_url(bad), "{bad}");
    }
}
