//! The testnet scripts end to end: `testnet/up.sh` starts a small topology of real `vcnode`
//! processes, `testnet/demo.sh` plays the story, and the nodes' state is read back through the
//! CLI. The network is always torn down with `testnet/down.sh`, also when the test fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

fn script(name: &str, run: &Path, args: &[&str]) -> Output {
    Command::new("bash")
        .arg(repo().join("testnet").join(name))
        .args(args)
        .env("VCNET_TESTNET_DIR", run)
        .env("VCNODE", env!("CARGO_BIN_EXE_vcnode"))
        .output()
        .unwrap_or_else(|e| panic!("running {name}: {e}"))
}

fn vcnode(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vcnode"))
        .args(args)
        .output()
        .unwrap()
}

/// Stops the network when dropped, whatever happened.
struct Down(PathBuf);

impl Drop for Down {
    fn drop(&mut self) {
        let out = script("down.sh", &self.0, &["--wipe"]);
        eprintln!("down.sh: {}", String::from_utf8_lossy(&out.stdout));
    }
}

fn text(o: &Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn up_demo_status_down() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    let _down = Down(run.clone());
    let topo = repo().join("testnet/small.toml");
    let up = script("up.sh", &run, &[topo.to_str().unwrap()]);
    assert!(up.status.success(), "up.sh failed\n{}", text(&up));
    let again = script("up.sh", &run, &[topo.to_str().unwrap()]);
    assert!(
        again.status.success() && String::from_utf8_lossy(&again.stdout).contains("already up"),
        "{}",
        text(&again)
    );

    let demo = script("demo.sh", &run, &[]);
    assert!(demo.status.success(), "demo.sh failed\n{}", text(&demo));

    // State read back from the nodes: citizen1 holds identity, health and study credentials…
    let w = vcnode(&[
        "wallet",
        "list",
        "--data-dir",
        run.join("citizen1").to_str().unwrap(),
    ]);
    let wallet: serde_json::Value =
        serde_json::from_slice(&w.stdout).unwrap_or_else(|_| panic!("{}", text(&w)));
    let mut kinds: Vec<&str> = wallet
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    kinds.sort();
    assert_eq!(kinds, vec!["health", "identity", "study"]);
    // …and the clinic holds the agency's revocation list at version 1 (the demo revoked once).
    let s = vcnode(&["status", "--data-dir", run.join("clinic").to_str().unwrap()]);
    let status: serde_json::Value =
        serde_json::from_slice(&s.stdout).unwrap_or_else(|_| panic!("{}", text(&s)));
    let agency_did = std::fs::read_to_string(run.join("agency/run.json")).unwrap();
    let agency_did: serde_json::Value = serde_json::from_str(&agency_did).unwrap();
    // Indexes are spread over several shards; the one list that held the revoked credential is
    // at version 1, the agency's other revocation lists at 0.
    let lists = status["statusLists"].as_array().unwrap();
    let mut versions: Vec<u64> = lists
        .iter()
        .filter(|l| l["issuer"] == agency_did["did"] && l["purpose"] == "revocation")
        .map(|l| l["version"].as_u64().unwrap())
        .collect();
    versions.sort();
    assert_eq!(
        versions.last(),
        Some(&1),
        "clinic lacks the agency's revoked list: {status}"
    );
    assert_eq!(versions.iter().filter(|v| **v == 1).count(), 1, "{status}");
    // The demo's QR codes are real images read offline at the clinic: the age proof carries no
    // birth date, and it is now refused only because the demo revoked that identity credential.
    let clinic = run.join("clinic");
    let age = vcnode(&[
        "verify",
        run.join("citizen1-age.png").to_str().unwrap(),
        "--data-dir",
        clinic.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(age.status.code(), Some(1), "{}", text(&age));
    let report: serde_json::Value = serde_json::from_slice(&age.stdout).unwrap();
    let failed: Vec<&serde_json::Value> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["result"] == "fail")
        .collect();
    assert_eq!(failed.len(), 1, "{report}");
    assert!(failed[0].to_string().contains("revoked"), "{report}");
    assert_eq!(report["claims"]["ageOver18"], true);
    assert!(report["claims"].get("dateOfBirth").is_none(), "{report}");

    // The wallet at rest: export needs the passphrase; a wrong one changes nothing.
    let citizen = run.join("citizen1");
    let pass = run.join("citizen1.passphrase");
    let wrong = tmp.path().join("wrong.passphrase");
    std::fs::write(&wrong, "not the passphrase\n").unwrap();
    let export = tmp.path().join("wallet.export");
    let export_to = |out: &Path, p: &Path, extra: &[&str]| {
        let mut args = vec![
            "wallet",
            "export",
            "--data-dir",
            citizen.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--passphrase-file",
            p.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        vcnode(&args)
    };
    let export_with = |p: &Path| export_to(&export, p, &[]);
    let bad = export_with(&wrong);
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("wrong passphrase"));
    assert!(!export.exists());
    let ok = export_with(&pass);
    assert!(ok.status.success(), "{}", text(&ok));
    let file = std::fs::read_to_string(&export).unwrap();
    assert!(file.contains("vcnet-wallet-export/1") && !file.contains("fullName"));
    // Delete one credential (wrong passphrase first: refused), then restore it from the export.
    let ids: Vec<String> = wallet
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    let del = |p: &std::path::Path| {
        vcnode(&[
            "wallet",
            "delete",
            "--data-dir",
            citizen.to_str().unwrap(),
            &ids[0],
            "--passphrase-file",
            p.to_str().unwrap(),
        ])
    };
    assert!(!del(&wrong).status.success());
    let d = del(&pass);
    assert!(d.status.success(), "{}", text(&d));
    let count = |dir: &std::path::Path| {
        let w = vcnode(&["wallet", "list", "--data-dir", dir.to_str().unwrap()]);
        serde_json::from_slice::<serde_json::Value>(&w.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(count(&citizen), ids.len() - 1);
    let imp = vcnode(&[
        "wallet",
        "import",
        "--data-dir",
        citizen.to_str().unwrap(),
        export.to_str().unwrap(),
        "--passphrase-file",
        pass.to_str().unwrap(),
    ]);
    assert!(imp.status.success(), "{}", text(&imp));
    assert_eq!(count(&citizen), ids.len());
    let show = vcnode(&[
        "wallet",
        "show",
        "--data-dir",
        citizen.to_str().unwrap(),
        &ids[0],
    ]);
    assert!(show.status.success(), "{}", text(&show));

    // A full backup (with the node key) restores the same holder into a new data dir; a plain
    // export cannot, and another holder's node refuses either.
    let full = tmp.path().join("wallet-full.export");
    let exp = export_to(&full, &pass, &["--with-key"]);
    assert!(exp.status.success(), "{}", text(&exp));
    assert!(text(&exp).contains("and the node key"), "{}", text(&exp));
    let other = vcnode(&[
        "wallet",
        "import",
        "--data-dir",
        run.join("citizen2").to_str().unwrap(),
        full.to_str().unwrap(),
        "--passphrase-file",
        pass.to_str().unwrap(),
    ]);
    assert!(!other.status.success());
    assert!(
        text(&other).contains("holds the wallet of"),
        "{}",
        text(&other)
    );
    let phone = tmp.path().join("new-phone");
    let new_pass = tmp.path().join("new-phone.passphrase");
    std::fs::write(&new_pass, "the new phone's passphrase\n").unwrap();
    let restore = |file: &Path, backup_pass: &Path| {
        vcnode(&[
            "init",
            "--data-dir",
            phone.to_str().unwrap(),
            "--name",
            "Citizen 1 (new phone)",
            "--roles",
            "holder",
            "--passphrase-file",
            new_pass.to_str().unwrap(),
            "--restore",
            file.to_str().unwrap(),
            "--backup-passphrase-file",
            backup_pass.to_str().unwrap(),
        ])
    };
    let no_key = restore(&export, &pass);
    assert!(!no_key.status.success());
    assert!(text(&no_key).contains("holds no key"), "{}", text(&no_key));
    let bad_pass = restore(&full, &wrong);
    assert!(!bad_pass.status.success());
    assert!(
        !phone.join("config.toml").exists(),
        "nothing written on a refused restore"
    );
    let restored = restore(&full, &pass);
    assert!(restored.status.success(), "{}", text(&restored));
    let run_info: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(citizen.join("run.json")).unwrap()).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&restored.stdout).trim(),
        run_info["did"].as_str().unwrap(),
        "same holder DID"
    );
    // The restored wallet is encrypted under the new passphrase and holds every credential.
    let store = node::store::Store::open_read_only(&phone.join("db")).unwrap();
    assert!(store.wallet().is_err(), "locked without the passphrase");
    store.unlock("the new phone's passphrase").unwrap();
    assert_eq!(store.wallet().unwrap().len(), ids.len());

    // status.sh reads every node back without error.
    let st = script("status.sh", &run, &[]);
    assert!(st.status.success(), "{}", text(&st));
}

#[test]
fn malformed_topology_and_missing_binary_are_clear() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    let _down = Down(run.clone());
    let bad = tmp.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[[node]]\nid = \"x\"\nname = \"X\"\nroles = [\"wizard\"]\n",
    )
    .unwrap();
    let out = script("up.sh", &run, &[bad.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("wizard") || text(&out).contains("root"),
        "{}",
        text(&out)
    );
    let out = Command::new("bash")
        .arg(repo().join("testnet/status.sh"))
        .env("VCNET_TESTNET_DIR", &run)
        .env("VCNODE", tmp.path().join("no-such-vcnode"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out).contains("vcnode binary not found"),
        "{}",
        text(&out)
    );
}
