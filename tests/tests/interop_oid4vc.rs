//! OpenID4VCI against independent implementations (issue 18, item 4): the OpenWallet
//! Foundation's TypeScript libraries from the npm registry (oid4vc-ts 0.4.6 for the protocol,
//! sd-jwt-js 0.19.0 for the credentials), pinned by `tests/interop/oid4vc/package-lock.json`
//! and installed with `npm ci` on first use.
//! - Their wallet receives from vcnet's issuer (ES256 and EdDSA wallet keys) and their verifier
//!   checks the SD-JWT VC, its status fetched from the issuer's Token Status List: valid, then
//!   "Status is not valid" once vcnet revokes it.
//! - vcnet's holder receives from their issuer (`Node::receive_offer`, what
//!   `vcnode wallet receive` calls), and the clinic verifies what it got.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use credentials::status::StatusPurpose;
use credentials::{CredentialKind, Format};
use serde_json::Value;
use vcnet_tests::{first_offer, first_record, network, wait_until};

fn harness() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("interop/oid4vc")
}

/// `npm ci` once per test process (the lock file pins every package and its checksum).
fn installed() -> &'static Path {
    static DONE: OnceLock<PathBuf> = OnceLock::new();
    DONE.get_or_init(|| {
        let dir = harness();
        let node = Command::new("node").arg("--version").output();
        assert!(
            node.is_ok_and(|o| o.status.success()),
            "Node.js is needed for the interop tests (scripts/install-deps.sh installs it)"
        );
        if !dir
            .join("node_modules/@openid4vc/openid4vci/package.json")
            .exists()
        {
            let out = Command::new("npm")
                .args(["ci", "--ignore-scripts", "--no-audit", "--no-fund"])
                .current_dir(&dir)
                .output()
                .expect("npm runs");
            assert!(
                out.status.success(),
                "npm ci in {}: {}",
                dir.display(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        dir
    })
}

/// Runs `node SCRIPT ARGS…` in the harness; its one JSON line, or its error text.
fn node(script: &str, args: &[&str]) -> Result<Value, String> {
    let out = Command::new("node")
        .arg(script)
        .args(args)
        .current_dir(installed())
        .output()
        .expect("node runs");
    if out.status.success() {
        serde_json::from_slice(&out.stdout).map_err(|e| format!("{script}: not JSON: {e}"))
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// Starts a serving script (`node SCRIPT ARGS…`, its stdin held open); returns it and its
/// output lines, the first of which (what it serves) has been read and parsed.
fn serve(
    script: &str,
    args: &[&str],
) -> (
    std::process::Child,
    std::io::Lines<BufReader<std::process::ChildStdout>>,
    Value,
) {
    let mut child = Command::new("node")
        .arg(script)
        .args(args)
        .current_dir(installed())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node runs");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = lines.next().unwrap().unwrap();
    let first = serde_json::from_str(&line)
        .unwrap_or_else(|e| panic!("{script}'s first line {line:?}: {e}"));
    (child, lines, first)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn oid4vc_ts_wallet_receives_from_vcnet_and_sd_jwt_js_sees_the_revocation() {
    let net = network().await;
    let agency = &net.agency.node;
    let report = agency
        .import_records_with(CredentialKind::Identity, &first_record(), false, Some(6))
        .unwrap();
    for (i, alg) in ["ES256", "EdDSA"].into_iter().enumerate() {
        let (record, code) = &report.codes[i];
        let tx = &report.tx_codes.iter().find(|(r, _)| r == record).unwrap().1;
        let offer = agency.credential_offer(code).unwrap().unwrap();
        let (offer_arg, tx_arg) = (offer.clone(), tx.clone());
        let got = tokio::task::spawn_blocking(move || {
            node("vci-wallet.mjs", &[&offer_arg, &tx_arg, alg])
        })
        .await
        .unwrap()
        .unwrap_or_else(|e| panic!("{alg} wallet: {e}"));
        assert_eq!(got["vct"], "https://vcnet.id/vct/identity/v1", "{got}");
        assert_eq!(got["issuerKid"], agency.identity.verification_method());
        // Their verifier saw every claim of the record, disclosed.
        let first: Value = serde_json::from_str(first_record().lines().nth(i).unwrap()).unwrap();
        assert_eq!(got["claims"]["fullName"], first["fullName"], "{got}");
        let credential = got["credential"].as_str().unwrap().to_owned();
        let id = credentials::sd_jwt_vc::credential_id(credential.split('~').next().unwrap());
        let issued = agency.issued(&id).unwrap().unwrap();
        assert_eq!(issued.format, Format::SdJwtVc);
        // Bound to the key their wallet proved.
        let holder = credentials::pubkey::PublicKey::from_jwk(&got["holderJwk"]).unwrap();
        assert_eq!(issued.holder.as_deref(), Some(holder.did_key().as_str()));
        if i == 0 {
            // Revoked by vcnet: their verifier reads it from the Token Status List.
            agency
                .change_status(&id, StatusPurpose::Revocation, true)
                .await
                .unwrap();
            let file = tempfile::NamedTempFile::new().unwrap();
            std::fs::write(file.path(), &credential).unwrap();
            let path = file.path().to_string_lossy().into_owned();
            let r = tokio::task::spawn_blocking(move || node("verify.mjs", &[&path]))
                .await
                .unwrap();
            let e = r.expect_err("a revoked credential must not verify");
            assert!(e.contains("Status is not valid"), "{e}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn oid4vc_ts_wallet_receives_a_jwt_vc_json_it_verifies_with_jose() {
    let net = network().await;
    let agency = &net.agency.node;
    let offer = first_offer(&net);
    let got = tokio::task::spawn_blocking(move || {
        node("vci-wallet.mjs", &[&offer, "", "ES256", "jwt_vc_json"])
    })
    .await
    .unwrap()
    .unwrap_or_else(|e| panic!("jwt_vc_json wallet: {e}"));
    assert_eq!(got["typ"], "JWT", "{got}");
    assert_eq!(
        got["vc"]["@context"][0],
        "https://www.w3.org/2018/credentials/v1"
    );
    assert_eq!(got["vc"]["type"][1], "IdentityCredential", "{got}");
    let holder = credentials::pubkey::PublicKey::from_jwk(&got["holderJwk"]).unwrap();
    assert_eq!(got["sub"], holder.did_key());
    let jwt = got["credential"].as_str().unwrap();
    let id = node::roles::credential_id_of(jwt).unwrap();
    assert_eq!(
        agency.issued(&id).unwrap().unwrap().format,
        Format::JwtVcJson
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_vcnet_holder_receives_from_an_oid4vc_ts_issuer() {
    let net = network().await;
    let (citizen, clinic) = (&net.citizen.node, &net.clinic.node);
    let record = first_record().lines().next().unwrap().to_owned();
    let (mut issuer, _, started) = serve("vci-issuer.mjs", &[&record]);
    let offer = started["offer"].as_str().unwrap();
    let tx = started["txCode"].as_str().unwrap();
    let e = citizen
        .receive_offer(offer, Some("000001"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("token request"), "{e}");
    let entry = citizen.receive_offer(offer, Some(tx)).await.unwrap();
    assert_eq!(entry.format, Format::SdJwtVc);
    assert_eq!(entry.kind, CredentialKind::Identity);
    assert_eq!(entry.issuer, started["issuer"].as_str().unwrap());
    assert_eq!(
        entry.issuer_name.as_deref(),
        Some("Independent Test Issuer")
    );
    // The clinic checks it with its own pipeline: signature and claims pass; the issuer is
    // not accredited by this network's root, which the clinic says.
    let r = clinic
        .verify_text(entry.credential.clone(), None, None)
        .await
        .unwrap();
    assert_eq!(r.format.as_deref(), Some("dc+sd-jwt"));
    assert_eq!(r.kind, Some(CredentialKind::Identity));
    assert!(r.to_string().contains("accredit"), "{r}");
    assert_eq!(r.holder.as_deref(), Some(citizen.identity.did()));
    drop(issuer.stdin.take());
    wait_until("the test issuer exits", || {
        matches!(issuer.try_wait(), Ok(Some(_)))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn oid4vc_ts_wallet_presents_to_the_vcnet_desk() {
    let net = network().await;
    let (agency, clinic) = (&net.agency.node, &net.clinic.node);
    let report = agency
        .import_records_with(CredentialKind::Identity, &first_record(), false, Some(6))
        .unwrap();
    let asked = vec!["fullName".to_owned(), "nationality".to_owned()];
    let modes = [
        (node::roles::oid4vp::ResponseMode::DirectPostJwt, "ES256"),
        (node::roles::oid4vp::ResponseMode::DirectPost, "EdDSA"),
    ];
    for (i, (mode, alg)) in modes.into_iter().enumerate() {
        let (record, code) = &report.codes[i];
        let tx = report
            .tx_codes
            .iter()
            .find(|(r, _)| r == record)
            .unwrap()
            .1
            .clone();
        let offer = agency.credential_offer(code).unwrap().unwrap();
        let req = clinic
            .oid4vp_request(CredentialKind::Identity, asked.clone(), mode)
            .unwrap();
        let link = req.link.clone();
        let got =
            tokio::task::spawn_blocking(move || node("vp-wallet.mjs", &[&offer, &tx, &link, alg]))
                .await
                .unwrap()
                .unwrap_or_else(|e| panic!("{mode:?} {alg}: {e}"));
        assert_eq!(got["mode"], mode.as_str(), "{got}");
        // Verified offline by the clinic: the agency's lists may still be on their way, so
        // the verdict's status check is read only once the clinic holds them.
        let out = clinic.oid4vp_outcome(&req.id).unwrap();
        assert_eq!(out["status"], "answered", "{out}");
        assert_eq!(out["format"], "dc+sd-jwt");
        let first: Value = serde_json::from_str(first_record().lines().nth(i).unwrap()).unwrap();
        assert_eq!(out["claims"]["fullName"], first["fullName"], "{out}");
        assert!(out["claims"].get("placeOfResidence").is_none(), "{out}");
        let problems = out["problems"].as_array().unwrap();
        assert!(
            problems.iter().all(|p| p["check"] == "status"),
            "only a status the clinic may not hold yet can be unsure: {out}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_vcnet_holder_presents_to_an_oid4vc_ts_verifier() {
    let net = network().await;
    let citizen = &net.citizen.node;
    let offer = first_offer(&net);
    citizen.receive_offer(&offer, None).await.unwrap();
    let (mut verifier, mut lines, started) = serve(
        "vp-verifier.mjs",
        &[
            "https://vcnet.id/vct/identity/v1",
            "fullName",
            "dateOfBirth",
        ],
    );
    let sent = citizen
        .present_oid4vp(started["link"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(sent.response_mode, "direct_post.jwt");
    assert_eq!(sent.verifier, started["clientId"].as_str().unwrap());
    let outcome: Value = tokio::task::spawn_blocking(move || {
        serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap()
    })
    .await
    .unwrap();
    assert_eq!(outcome["verified"], true, "{outcome}");
    assert_eq!(outcome["encrypted"], true, "{outcome}");
    assert_eq!(outcome["kbAud"], started["clientId"], "{outcome}");
    assert_eq!(outcome["kbNonceOk"], true, "{outcome}");
    let disclosed: Vec<&String> = outcome["claims"].as_object().unwrap().keys().collect();
    assert_eq!(disclosed.len(), 2, "only the asked claims: {outcome}");
    assert_eq!(outcome["claims"]["fullName"], "Nguyễn Văn An");
    drop(verifier.stdin.take());
    let _ = verifier.wait();
}
