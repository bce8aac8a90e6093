//! `vcnode passphrase`: encrypting a node set up without a passphrase, changing a passphrase,
//! and refusing while the store is in use or the old passphrase is wrong.

use std::path::Path;
use std::process::{Command, Output};

fn vcnode(args: &[&str], pass_env: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vcnode"));
    c.args(args).env_remove("VCNODE_PASSPHRASE");
    if let Some(p) = pass_env {
        c.env("VCNODE_PASSPHRASE", p);
    }
    c.output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn set(dir: &Path, file: &Path, old: Option<&str>) -> Output {
    vcnode(
        &[
            "passphrase",
            "--data-dir",
            dir.to_str().unwrap(),
            "--new-passphrase-file",
            file.to_str().unwrap(),
        ],
        old,
    )
}

#[test]
fn encrypt_later_then_change_and_refusals() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("desk");
    let init = vcnode(
        &[
            "init",
            "--data-dir",
            dir.to_str().unwrap(),
            "--name",
            "Verifier desk",
        ],
        None,
    );
    assert!(init.status.success(), "{}", text(&init));
    let did = String::from_utf8_lossy(&init.stdout).trim().to_owned();
    let first = tmp.path().join("first.pass");
    let second = tmp.path().join("second.pass");
    std::fs::write(&first, "first desk passphrase\n").unwrap();
    std::fs::write(&second, "second desk passphrase\n").unwrap();

    // While the store is open (as by a running node) nothing happens.
    {
        let _held = node::store::Store::open(&dir.join("db")).unwrap();
        let busy = set(&dir, &first, None);
        assert!(!busy.status.success());
        assert!(text(&busy).contains("in use by another"), "{}", text(&busy));
    }
    // Encrypt: the key is sealed and needs the passphrase from now on.
    let enc = set(&dir, &first, None);
    assert!(enc.status.success(), "{}", text(&enc));
    assert!(
        text(&enc).contains("encrypted the node key"),
        "{}",
        text(&enc)
    );
    {
        let s = node::store::Store::open(&dir.join("db")).unwrap();
        assert!(s.is_encrypted());
        assert!(s.node_seed().is_err(), "locked without the passphrase");
        s.unlock("first desk passphrase").unwrap();
        assert!(s.node_seed().unwrap().is_some());
        assert_eq!(s.node_did().unwrap().as_deref(), Some(did.as_str()));
    }
    // Change: the wrong old passphrase is refused and changes nothing; the right one works.
    let wrong = set(&dir, &second, Some("not the passphrase"));
    assert!(!wrong.status.success());
    assert!(
        text(&wrong).contains("wrong passphrase"),
        "{}",
        text(&wrong)
    );
    let changed = set(&dir, &second, Some("first desk passphrase"));
    assert!(changed.status.success(), "{}", text(&changed));
    let s = node::store::Store::open(&dir.join("db")).unwrap();
    assert!(s.check_passphrase("first desk passphrase").is_err());
    s.unlock("second desk passphrase").unwrap();
    assert!(s.node_seed().unwrap().is_some());
}
