//! Issue 12, a release people can install: `vcnode --version` names the git revision it was
//! built from, and the completions and man pages are generated from the command line itself
//! (every subcommand present, a bad shell refused with the choices named).

use std::process::Command;

fn vcnode(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_vcnode"))
        .args(args)
        .output()
        .expect("vcnode runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn version_names_the_git_revision() {
    let out = vcnode(&["--version"]);
    assert!(out.status.success());
    let v = text(&out.stdout);
    assert!(
        v.starts_with(&format!("vcnode {} (", env!("CARGO_PKG_VERSION"))),
        "{v}"
    );
    // Built from a git checkout (as the tests always are), the revision is the checkout's HEAD.
    let head = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output();
    if let Some(h) = head.ok().filter(|h| h.status.success()) {
        let head = text(&h.stdout).trim().to_owned();
        assert!(v.contains(&head), "{v} does not name HEAD {head}");
    }
}

#[test]
fn completions_cover_every_subcommand() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = vcnode(&["completions", shell]);
        assert!(out.status.success(), "{shell}: {}", text(&out.stderr));
        let script = text(&out.stdout);
        for sub in [
            "request-presentation",
            "records",
            "wallet",
            "revoke",
            "accredit",
        ] {
            assert!(script.contains(sub), "{shell} completions lack `{sub}`");
        }
    }
    let out = vcnode(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("possible values: bash, zsh"));
}

#[test]
fn man_pages_are_written_for_every_subcommand() {
    let out = vcnode(&["man"]);
    assert!(out.status.success());
    let page = text(&out.stdout);
    assert!(page.contains(".TH vcnode 1"), "not a roff man page");
    assert!(page.contains("request\\-presentation"));

    let dir = tempfile::tempdir().unwrap();
    let out = vcnode(&["man", "--out-dir", dir.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for name in [
        "vcnode.1",
        "vcnode-run.1",
        "vcnode-wallet-export.1",
        "vcnode-records-import.1",
    ] {
        let p = dir.path().join(name);
        let body = std::fs::read_to_string(&p).unwrap_or_else(|_| panic!("{name} missing"));
        assert!(body.contains(".SH NAME"), "{name} has no NAME section");
    }
}
