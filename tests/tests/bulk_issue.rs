//! Bulk issuance (issue 17, item 1): records issued directly in every format, each at its own
//! random status index, verifiable and revocable like any other; a batch sent again gets the
//! same credentials' ids and indexes; bad records are refused by line with nothing written;
//! and `vcnode records import` resumes an interrupted run without duplicates, in both modes.

use std::collections::HashSet;
use std::path::Path;

use credentials::status::StatusPurpose;
use credentials::verify::{CheckName, Outcome};
use credentials::{CredentialKind, Format};
use serde_json::Value;
use vcnet_tests::{network, wait_until};

/// Runs a `vcnode` command line off the async threads; returns its exit code.
async fn vcnode(args: Vec<String>) -> i32 {
    tokio::task::spawn_blocking(move || {
        node::cli::run_from(std::iter::once("vcnode".to_owned()).chain(args))
    })
    .await
    .unwrap()
}

fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_owned).collect()
}

fn lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bulk_issued_credentials_verify_revoke_and_resume_without_duplicates() {
    let net = network().await;
    let agency = &net.agency.node;
    let clinic = &net.clinic.node;
    let work = tempfile::tempdir().unwrap();
    let records = work.path().join("residents.jsonl");
    let code = vcnode(words(&format!(
        "records generate --count 300 --holders --seed 5 --as-of 2026-12-01 --out {}",
        records.display()
    )))
    .await;
    assert_eq!(code, 0);
    let text = std::fs::read_to_string(&records).unwrap();
    let first_100: String = text.lines().take(100).map(|l| format!("{l}\n")).collect();

    // Every format: one line per record, in order, each verifying at the clinic.
    let mut seen_indexes = HashSet::new();
    let mut sd_jwt_ids = Vec::new();
    for (format, slice) in [
        (Format::SdJwt, 0..40),
        (Format::Jwt, 40..60),
        (Format::DataIntegrity, 60..70),
        (Format::Cose, 70..80),
        (Format::JwtVcJson, 80..90),
    ] {
        let batch: String = first_100
            .lines()
            .skip(slice.start)
            .take(slice.len())
            .map(|l| format!("{l}\n"))
            .collect();
        let out = agency
            .issue_records(CredentialKind::Identity, format, batch.clone())
            .await
            .unwrap();
        let out: Vec<Value> = String::from_utf8(out.into_bytes())
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(out.len(), slice.len(), "{format}");
        for (line, rec) in out.iter().zip(batch.lines()) {
            let rec: Value = serde_json::from_str(rec).unwrap();
            assert_eq!(
                line["record"],
                format!(
                    "identity:{}",
                    rec["personalIdentificationNumber"].as_str().unwrap()
                ),
                "answers come in the request's order"
            );
            let id = line["credentialId"].as_str().unwrap();
            let issued = agency.issued(id).unwrap().unwrap();
            assert_eq!(issued.format, format);
            assert_eq!(issued.holder.as_deref(), rec["id"].as_str());
            assert!(
                seen_indexes.insert((issued.shard, issued.index)),
                "index {} of shard {} handed out twice",
                issued.index,
                issued.shard
            );
            if format == Format::SdJwt {
                sd_jwt_ids.push((
                    id.to_owned(),
                    line["credential"].as_str().unwrap().to_owned(),
                ));
            }
        }
        // One credential of each format verifies at the clinic, once it holds the lists.
        let first = &out[0];
        let cred = match &first["credential"] {
            Value::String(s) => s.clone(),
            v => v.to_string(),
        };
        let issued = agency
            .issued(first["credentialId"].as_str().unwrap())
            .unwrap()
            .unwrap();
        // Both of the shard's lists (revocation and suspension): the check reads both.
        vcnet_tests::clinic_holds_lists_of(&net, &issued).await;
        let r = clinic.verify_text(cred, None, None).await.unwrap();
        assert!(r.valid, "{format}: {r}");
    }
    // An SD-JWT VC is not made in bulk (its id is a digest of the signed credential).
    let e = agency
        .issue_records(
            CredentialKind::Identity,
            Format::SdJwtVc,
            first_100.lines().nth(95).unwrap().to_owned(),
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("OpenID4VCI"), "{e}");

    // Indexes are spread at random, not handed out in order.
    let in_shard_0: Vec<u64> = seen_indexes
        .iter()
        .filter(|(s, _)| *s == 0)
        .map(|(_, i)| *i)
        .collect();
    if in_shard_0.len() > 5 {
        let max = in_shard_0.iter().max().unwrap();
        assert!(*max > 1_000, "indexes look sequential: {in_shard_0:?}");
    }

    // The same batch sent again: the same credential ids (and indexes), nothing new issued.
    let before = agency.holdings().unwrap().issued;
    let again = agency
        .issue_records(
            CredentialKind::Identity,
            Format::SdJwt,
            first_100
                .lines()
                .take(40)
                .map(|l| format!("{l}\n"))
                .collect(),
        )
        .await
        .unwrap();
    let again: Vec<String> = String::from_utf8(again.into_bytes())
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["credentialId"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        again,
        sd_jwt_ids
            .iter()
            .map(|(id, _)| id.clone())
            .collect::<Vec<_>>()
    );
    assert_eq!(agency.holdings().unwrap().issued, before);
    // …but not in another format.
    let e = agency
        .issue_records(
            CredentialKind::Identity,
            Format::Jwt,
            first_100.lines().next().unwrap().to_owned(),
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("already issued") && e.contains("sd-jwt"), "{e}");

    // Bad records are refused by line, and nothing of the batch is written.
    let mut bad: Vec<Value> = text
        .lines()
        .skip(100)
        .take(3)
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    bad[2]["dateOfBirth"] = Value::from("yesterday");
    let body: String = bad.iter().map(|v| format!("{v}\n")).collect();
    let e = agency
        .issue_records(CredentialKind::Identity, Format::Jwt, body)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("line 3") && e.contains("dateOfBirth"), "{e}");
    let mut no_holder = bad[0].clone();
    no_holder.as_object_mut().unwrap().remove("id");
    let e = agency
        .issue_records(
            CredentialKind::Identity,
            Format::SdJwt,
            no_holder.to_string(),
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("line 1") && e.contains("holder"), "{e}");
    assert_eq!(agency.holdings().unwrap().issued, before);

    // A bulk-issued credential is revoked like any other.
    let (victim, victim_text) = &sd_jwt_ids[0];
    agency
        .change_status(victim, StatusPurpose::Revocation, true)
        .await
        .unwrap();
    let issued = agency.issued(victim).unwrap().unwrap();
    let list = agency.list_url(StatusPurpose::Revocation, issued.shard);
    let version = vcnet_tests::list_version(agency, &list).unwrap();
    wait_until("the clinic learns of the revocation", || {
        vcnet_tests::list_version(clinic, &list) == Some(version)
    })
    .await;
    let r = clinic
        .verify_text(victim_text.clone(), None, None)
        .await
        .unwrap();
    assert!(
        matches!(r.outcome(CheckName::Status), Some(Outcome::Fail { reason }) if reason.starts_with("revoked")),
        "{r}"
    );

    // The CLI: records 100..300 in batches of 50, interrupted mid-line, then resumed.
    let dd = net.dirs[1].path().display().to_string();
    let rest = work.path().join("rest.jsonl");
    std::fs::write(
        &rest,
        text.lines()
            .skip(100)
            .map(|l| format!("{l}\n"))
            .collect::<String>(),
    )
    .unwrap();
    let out = work.path().join("issued.jsonl");
    let issue_cmd = format!(
        "records import --data-dir {dd} --kind identity {} --issue-to-file {} --format sd-jwt --batch 50 --quiet",
        rest.display(),
        out.display()
    );
    assert_eq!(vcnode(words(&issue_cmd)).await, 0);
    let full = lines(&out);
    assert_eq!(full.len(), 200);
    let issued_after_full = agency.holdings().unwrap().issued;
    // A crash after the node committed batches 3 and 4 but before they reached the file,
    // and in the middle of writing a line.
    let bytes = std::fs::read(&out).unwrap();
    let cut = bytes
        .iter()
        .enumerate()
        .filter(|(_, &b)| b == b'\n')
        .nth(119)
        .unwrap()
        .0
        + 40;
    std::fs::write(&out, &bytes[..cut]).unwrap();
    assert_ne!(
        vcnode(words(&issue_cmd)).await,
        0,
        "a non-empty output needs --resume"
    );
    assert_eq!(vcnode(words(&format!("{issue_cmd} --resume"))).await, 0);
    let resumed = lines(&out);
    assert_eq!(resumed.len(), 200);
    let records_seen: HashSet<&str> = resumed
        .iter()
        .map(|l| l["record"].as_str().unwrap())
        .collect();
    assert_eq!(records_seen.len(), 200, "no record twice");
    for (a, b) in full.iter().zip(&resumed) {
        assert_eq!(a["record"], b["record"]);
        assert_eq!(
            a["credentialId"], b["credentialId"],
            "the same credential again"
        );
    }
    assert_eq!(
        agency.holdings().unwrap().issued,
        issued_after_full,
        "nothing issued twice"
    );

    // Claim codes: an interrupted import's lost codes are replaced, the written ones kept.
    let more = work.path().join("more.jsonl");
    let code = vcnode(words(&format!(
        "records generate --count 30 --seed 9 --as-of 2026-12-01 --out {}",
        more.display()
    )))
    .await;
    assert_eq!(code, 0);
    let codes = work.path().join("codes.jsonl");
    let codes_cmd = format!(
        "records import --data-dir {dd} --kind identity {} --codes-out {} --batch 10 --quiet",
        more.display(),
        codes.display()
    );
    assert_eq!(vcnode(words(&codes_cmd)).await, 0);
    let first_codes = lines(&codes);
    assert_eq!(first_codes.len(), 30);
    let kept: String = std::fs::read_to_string(&codes)
        .unwrap()
        .lines()
        .take(12)
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&codes, kept).unwrap();
    assert_eq!(vcnode(words(&format!("{codes_cmd} --resume"))).await, 0);
    let second_codes = lines(&codes);
    assert_eq!(second_codes.len(), 30);
    assert_eq!(
        first_codes[..12],
        second_codes[..12],
        "written codes are kept"
    );
    let peer = agency.net.local_peer_id();
    let citizen = &net.citizen.node;
    // A code that never reached the operator no longer works; its replacement does, as
    // does a code written before the interruption.
    assert!(citizen
        .claim_from(peer, first_codes[20][1].as_str().unwrap(), None)
        .await
        .is_err());
    assert!(citizen
        .claim_from(peer, second_codes[20][1].as_str().unwrap(), None)
        .await
        .is_ok());
    assert!(citizen
        .claim_from(peer, second_codes[3][1].as_str().unwrap(), None)
        .await
        .is_ok());
}
