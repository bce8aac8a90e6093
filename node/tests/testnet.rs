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
    let lists = status["statusLists"].as_array().unwrap();
    let rev = lists
        .iter()
        .find(|l| l["issuer"] == agency_did["did"] && l["purpose"] == "revocation")
        .unwrap_or_else(|| panic!("clinic lacks the agency's revocation list: {status}"));
    assert_eq!(rev["version"], 1);
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
