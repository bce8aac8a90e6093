//! `vcnode sign` (issue 15, item 5): any credential or presentation JSON secured with a key
//! file or a JWK, file in and file out; `vcnode verify` then checks what it made. Broken input
//! is refused naming the field; keys it cannot use are refused saying so.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{json, Value};

fn vcnode(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vcnode"))
        .args(args)
        .env("RUST_LOG", "error")
        .output()
        .expect("vcnode runs")
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn alumni() -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "type": ["VerifiableCredential", "ExampleAlumniCredential"],
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:abc", "alumniOf": {"name": "Example University"}}
    })
}

/// The signature check of `vcnode verify --json` on a file.
fn signature_of(file: &Path) -> Value {
    let out = vcnode(&[
        "verify",
        path(file),
        "--json",
        "--skip",
        "trust",
        "--skip",
        "status",
    ]);
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "signature")
        .cloned()
        .unwrap_or(Value::Null)
}

#[test]
fn credentials_and_presentations_are_signed_with_key_files_and_jwks() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("issuer.json");
    let did = ok(&vcnode(&["key", "generate", "--out", path(&key)]))
        .trim()
        .to_owned();
    let input = dir.path().join("alumni.json");
    std::fs::write(&input, alumni().to_string()).unwrap();

    // Data Integrity with a vcnet key file; the fields kept, issuer set from the key.
    let signed = dir.path().join("signed.json");
    ok(&vcnode(&[
        "sign",
        "--key",
        path(&key),
        "--in",
        path(&input),
        "--out",
        path(&signed),
        "--created",
        "2026-11-30T10:00:00Z",
    ]));
    let vc: Value = serde_json::from_str(&std::fs::read_to_string(&signed).unwrap()).unwrap();
    assert_eq!(vc["issuer"], json!(did));
    assert_eq!(vc["credentialSubject"], alumni()["credentialSubject"]);
    assert!(
        vc.get("id").is_none(),
        "nothing added but the issuer and the proof"
    );
    assert_eq!(vc["proof"]["cryptosuite"], "eddsa-rdfc-2022");
    assert_eq!(vc["proof"]["created"], "2026-11-30T10:00:00Z");
    assert_eq!(signature_of(&signed)["result"], "pass");
    let mut forged = vc.clone();
    forged["credentialSubject"]["alumniOf"]["name"] = json!("Elsewhere");
    let forged_file = dir.path().join("forged.json");
    std::fs::write(&forged_file, forged.to_string()).unwrap();
    assert_eq!(signature_of(&forged_file)["result"], "fail");

    // The same key as an Ed25519 JWK signs a vc+jwt.
    let key_file: Value = serde_json::from_str(&std::fs::read_to_string(&key).unwrap()).unwrap();
    let mb = key_file["privateKeyMultibase"].as_str().unwrap();
    let seed = &bs58::decode(&mb[1..]).into_vec().unwrap()[2..];
    use base64::Engine;
    let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    let public = &bs58::decode(&did["did:key:z".len()..]).into_vec().unwrap()[2..];
    let jwk = dir.path().join("key.jwk");
    std::fs::write(
        &jwk,
        json!({"kty": "OKP", "crv": "Ed25519", "d": b64(seed), "x": b64(public)}).to_string(),
    )
    .unwrap();
    let out = ok(&vcnode(&[
        "sign",
        "--key",
        path(&jwk),
        "--in",
        path(&input),
        "--format",
        "jwt",
    ]));
    let env: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(env["type"], "EnvelopedVerifiableCredential");
    let jwt_file = dir.path().join("vc.jwt");
    std::fs::write(
        &jwt_file,
        env["id"]
            .as_str()
            .unwrap()
            .strip_prefix("data:application/vc+jwt,")
            .unwrap(),
    )
    .unwrap();
    assert_eq!(signature_of(&jwt_file)["result"], "pass");

    // A presentation with a challenge and domain, signed by its holder.
    let vp = dir.path().join("vp.json");
    std::fs::write(
        &vp,
        json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"], "verifiableCredential": [vc]}).to_string(),
    )
    .unwrap();
    let out = ok(&vcnode(&[
        "sign",
        "--key",
        path(&key),
        "--in",
        path(&vp),
        "--challenge",
        "n-1",
        "--domain",
        "https://v.example",
    ]));
    let signed_vp: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(signed_vp["holder"], json!(did));
    assert_eq!(signed_vp["proof"]["proofPurpose"], "authentication");
    assert_eq!(signed_vp["proof"]["challenge"], "n-1");

    // Refusals, each saying what is wrong.
    let mut foreign = alumni();
    foreign["issuer"] = json!("did:example:someone");
    let mut no_subject = alumni();
    no_subject
        .as_object_mut()
        .unwrap()
        .remove("credentialSubject");
    let p256 = dir.path().join("p256.jwk");
    std::fs::write(
        &p256,
        json!({"kty": "EC", "crv": "P-256", "x": "a", "y": "b", "d": "c"}).to_string(),
    )
    .unwrap();
    let p521 = dir.path().join("p521.jwk");
    std::fs::write(
        &p521,
        json!({"kty": "EC", "crv": "P-521", "x": "AA", "y": "AA", "d": "AA"}).to_string(),
    )
    .unwrap();
    for (doc, key_path, says) in [
        (foreign, &key, "is not this node"),
        (no_subject, &key, "credential.credentialSubject: is missing"),
        (alumni(), &p256, "the JWK's `d` is not base64url"),
        (alumni(), &p521, "66 expected"),
    ] {
        let f = dir.path().join("bad.json");
        std::fs::write(&f, doc.to_string()).unwrap();
        let out = vcnode(&["sign", "--key", path(key_path), "--in", path(&f)]);
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{says}: {err}");
    }
}

/// Writes `key` as a private JWK file.
fn jwk_file(dir: &Path, name: &str, key: &credentials::pubkey::SecretKey) -> std::path::PathBuf {
    use base64::Engine;
    use credentials::pubkey::SecretKey;
    let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    let mut jwk = key.public().to_jwk();
    jwk["d"] = json!(match key {
        SecretKey::Ed25519(k) => b64(k.as_bytes()),
        SecretKey::P256(k) => b64(&k.to_bytes()),
        SecretKey::P384(k) => b64(&k.to_bytes()),
        SecretKey::P521(k) => b64(&k.to_bytes()),
    });
    let p = dir.join(name);
    std::fs::write(&p, jwk.to_string()).unwrap();
    p
}

#[test]
fn every_curve_and_mechanism_signs_what_verify_accepts() {
    use credentials::pubkey::{Alg, SecretKey};
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("alumni.json");
    std::fs::write(&input, alumni().to_string()).unwrap();
    let mut vc_2020 = alumni();
    vc_2020["@context"]
        .as_array_mut()
        .unwrap()
        .push(json!("https://w3id.org/security/suites/ed25519-2020/v1"));
    let input_2020 = dir.path().join("alumni-2020.json");
    std::fs::write(&input_2020, vc_2020.to_string()).unwrap();
    let vp = dir.path().join("vp.json");
    std::fs::write(
        &vp,
        json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": "VerifiablePresentation"}).to_string(),
    )
    .unwrap();
    let mut rng = rand::rngs::OsRng;
    let mut checked = 0;
    for alg in [Alg::EdDSA, Alg::ES256, Alg::ES384, Alg::ES512] {
        let key = jwk_file(dir.path(), "k.jwk", &SecretKey::generate(alg, &mut rng));
        let suites: &[&str] = match alg {
            Alg::EdDSA => &["eddsa-rdfc-2022", "eddsa-jcs-2022", "Ed25519Signature2020"],
            // ecdsa-2019 is defined for P-256 and P-384 only.
            Alg::ES512 => &[],
            _ => &["ecdsa-rdfc-2019", "ecdsa-jcs-2019"],
        };
        let mut runs: Vec<Vec<&str>> = suites
            .iter()
            .map(|s| vec!["--format", "di", "--suite", s])
            .collect();
        runs.push(vec!["--format", "jwt"]);
        runs.push(vec!["--format", "cose"]);
        runs.push(vec!["--format", "jwt", "--did-method", "jwk"]);
        for run in runs {
            let doc = if run.contains(&"Ed25519Signature2020") {
                &input_2020
            } else {
                &input
            };
            let mut args = vec!["sign", "--key", path(&key), "--in", path(doc)];
            args.extend(&run);
            let out = ok(&vcnode(&args));
            let signed = dir.path().join("signed.json");
            std::fs::write(&signed, &out).unwrap();
            let sig = signature_of(&signed);
            assert_eq!(sig["result"], "pass", "{alg} {run:?}: {sig}");
            // Any change to the claims breaks it.
            let tampered = if out.contains("data:application/") {
                let v: Value = serde_json::from_str(&out).unwrap();
                let id = v["id"].as_str().unwrap();
                // Flip one character of the signature (the last part of a JWT, the end of
                // the COSE bytes).
                let cut = id.len() - 8;
                let c = if &id[cut..cut + 1] == "A" { "B" } else { "A" };
                json!({"@context": v["@context"], "type": v["type"], "id": format!("{}{c}{}", &id[..cut], &id[cut + 1..])}).to_string()
            } else {
                out.replace("Example University", "Elsewhere")
            };
            std::fs::write(&signed, tampered).unwrap();
            assert_eq!(signature_of(&signed)["result"], "fail", "{alg} {run:?}");
            checked += 1;
        }
        // Presentations, with a challenge: Data Integrity and the three VC-JOSE-COSE forms,
        // the latter carrying an enveloped credential of the same signer.
        let vc_jwt = ok(&vcnode(&[
            "sign",
            "--key",
            path(&key),
            "--in",
            path(&input),
            "--format",
            "jwt",
        ]));
        let vp_with_vc = dir.path().join("vp-vc.json");
        std::fs::write(
            &vp_with_vc,
            json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": "VerifiablePresentation",
                   "verifiableCredential": [serde_json::from_str::<Value>(&vc_jwt).unwrap()]})
            .to_string(),
        )
        .unwrap();
        let vp_formats: &[&str] = if alg == Alg::ES512 {
            &["jwt", "sd-jwt", "cose"]
        } else {
            &["di", "jwt", "sd-jwt", "cose"]
        };
        for format in vp_formats.iter().copied() {
            let vp = if format == "di" { &vp } else { &vp_with_vc };
            let out = ok(&vcnode(&[
                "sign",
                "--key",
                path(&key),
                "--in",
                path(vp),
                "--format",
                format,
                "--challenge",
                "c-1",
                "--domain",
                "https://v.example",
            ]));
            let signed = dir.path().join("signed-vp.json");
            std::fs::write(&signed, &out).unwrap();
            assert_eq!(
                signature_of(&signed)["result"],
                "pass",
                "{alg} vp {format}: {out}"
            );
            if format != "di" {
                let v: Value = serde_json::from_str(&out).unwrap();
                let id = v["id"].as_str().unwrap();
                assert!(
                    id.starts_with(&format!("data:application/vp+{format}")),
                    "{id}"
                );
                // The presentation signature (before the disclosures of an SD-JWT) broken.
                let sig_end = if format == "sd-jwt" {
                    id.find('~').unwrap()
                } else {
                    id.len()
                };
                let cut = sig_end - 8;
                let c = if &id[cut..cut + 1] == "A" { "B" } else { "A" };
                let forged = json!({"@context": v["@context"], "type": v["type"], "id": format!("{}{c}{}", &id[..cut], &id[cut + 1..])});
                std::fs::write(&signed, forged.to_string()).unwrap();
                assert_eq!(signature_of(&signed)["result"], "fail", "{alg} vp {format}");
            }
            checked += 1;
        }
    }
    // Ed25519: three suites, jwt, cose, did:jwk; P-256 and P-384: two suites and the same
    // three; P-521: those three; four presentations per curve (no Data Integrity for P-521).
    assert_eq!(checked, 6 + 5 + 5 + 3 + 4 * 3 + 3);
}

/// A verification method document, as conformance suites hand keys out.
fn method_file(
    dir: &Path,
    name: &str,
    key: &credentials::pubkey::SecretKey,
    id: &str,
) -> std::path::PathBuf {
    let secret = jwk_file(dir, "tmp.jwk", key);
    let secret: Value = serde_json::from_str(&std::fs::read_to_string(secret).unwrap()).unwrap();
    let (controller, _) = id.split_once('#').unwrap();
    let vm = json!({"id": id, "type": "JsonWebKey", "controller": controller,
                    "publicKeyJwk": key.public().to_jwk(), "secretKeyJwk": secret});
    let p = dir.join(name);
    std::fs::write(&p, vm.to_string()).unwrap();
    p
}

#[test]
fn a_key_no_did_method_resolves_is_used_when_given() {
    use credentials::pubkey::{Alg, SecretKey};
    let dir = tempfile::tempdir().unwrap();
    let mut rng = rand::rngs::OsRng;
    let id = "https://issuer.example/keys#key-1";
    let vm = method_file(
        dir.path(),
        "vm.json",
        &SecretKey::generate(Alg::ES256, &mut rng),
        id,
    );
    let mut vc = alumni();
    vc["issuer"] = json!("https://issuer.example/keys");
    let input = dir.path().join("vc.json");
    std::fs::write(&input, vc.to_string()).unwrap();
    for format in ["jwt", "cose", "di"] {
        let out = ok(&vcnode(&[
            "sign",
            "--key",
            path(&vm),
            "--in",
            path(&input),
            "--format",
            format,
        ]));
        let signed = dir.path().join("signed.json");
        std::fs::write(&signed, &out).unwrap();
        // Without the key: an https: issuer is never fetched, so the signature cannot be checked.
        assert_eq!(signature_of(&signed)["result"], "fail", "{format}");
        let with = |key: &Path| {
            let out = vcnode(&[
                "verify",
                path(&signed),
                "--json",
                "--skip",
                "trust",
                "--skip",
                "status",
                "--key",
                path(key),
            ]);
            let r: Value = serde_json::from_slice(&out.stdout).unwrap();
            r["checks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["check"] == "signature")
                .cloned()
                .unwrap()
        };
        assert_eq!(with(&vm)["result"], "pass", "{format}: {}", with(&vm));
        // Another key under the same id does not verify it.
        let other = method_file(
            dir.path(),
            "other.json",
            &SecretKey::generate(Alg::ES256, &mut rng),
            id,
        );
        assert_eq!(with(&other)["result"], "fail", "{format}");
    }
}
