//! `vcnode verify` exit codes, as scripts at a clinic desk rely on them: 0 valid, 1 invalid,
//! 3 cannot be sure (no check failed, but the credential's status list is not held, so a
//! revocation could not be seen).

use std::path::Path;
use std::process::{Command, Output};

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

#[test]
fn valid_invalid_and_cannot_be_sure_have_their_own_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("issuer.json");
    let out = vcnode(&["key", "generate", "--out", path(&key)]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let subject = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../schemas/identity/samples/valid/01-adult-with-did.json"
    );
    let out = vcnode(&[
        "issue",
        "--kind",
        "identity",
        "--subject",
        subject,
        "--key",
        path(&key),
        "--format",
        "di",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cred = dir.path().join("cred.json");
    std::fs::write(&cred, &out.stdout).unwrap();

    // No status list held for it: nothing failed, but a revocation could not be seen.
    let out = vcnode(&["verify", path(&cred), "--skip", "trust"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    assert!(stdout.to_lowercase().contains("cannot be sure"), "{stdout}");

    // Status not asked for: valid.
    let out = vcnode(&["verify", path(&cred), "--skip", "trust", "--skip", "status"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // A claim altered after signing: invalid, whatever else could not be checked.
    let text = std::fs::read_to_string(&cred).unwrap();
    let altered = text.replacen("1988-09-14", "1978-09-14", 1);
    assert_ne!(
        altered, text,
        "the sample's date of birth is in the credential"
    );
    std::fs::write(&cred, altered).unwrap();
    let out = vcnode(&["verify", path(&cred), "--skip", "trust"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
