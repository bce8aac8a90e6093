//! Issue 14, "crash at shutdown": two connected `vcnode` processes sent SIGTERM together used to
//! exit with SIGSEGV or SIGABRT now and then, right after logging "stopped" (threads still
//! holding the store outlived `main`'s teardown). Every round here starts two real node
//! processes on the same data dirs, waits until they are connected, sends both SIGTERM at once,
//! and requires both to exit 0. `VCNET_SHUTDOWN_ROUNDS` sets the rounds (default 50).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[path = "support/mod.rs"]
mod support;

const PASSPHRASE: &str = "shutdown test passphrase";

fn vcnode() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vcnode"));
    c.env("VCNODE_PASSPHRASE", PASSPHRASE)
        .env("RUST_LOG", "warn");
    c
}

fn init(dir: &Path, name: &str) {
    let out = vcnode()
        .args(["init", "--data-dir", dir.to_str().unwrap(), "--name", name])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "init {name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Starts a node and returns it with the first listen address it printed.
fn run(dir: &Path, peer: Option<&str>) -> (Child, String) {
    let (child, info) = support::run_local(vcnode(), dir, peer, Stdio::piped());
    (child, support::first_listen(&info))
}

fn connected(dir: &Path, other: &str) -> bool {
    vcnode()
        .args(["peers", "--data-dir", dir.to_str().unwrap()])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains(other))
        .unwrap_or(false)
}

#[test]
fn two_connected_nodes_stop_cleanly_on_sigterm_every_time() {
    let rounds: usize = std::env::var("VCNET_SHUTDOWN_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(50);
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    init(&a, "A");
    init(&b, "B");
    for round in 0..rounds {
        let (mut na, addr) = run(&a, None);
        let (mut nb, _) = run(&b, Some(&addr));
        let a_peer = addr.rsplit('/').next().unwrap_or_default().to_owned();
        let deadline = Instant::now() + Duration::from_secs(20);
        while !connected(&b, &a_peer) {
            assert!(
                Instant::now() < deadline,
                "round {round}: the nodes never connected"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let kill = Command::new("kill")
            .args(["-TERM", &na.id().to_string(), &nb.id().to_string()])
            .status()
            .unwrap();
        assert!(kill.success());
        for (name, child) in [("A", &mut na), ("B", &mut nb)] {
            let status = child.wait().unwrap();
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut err);
            }
            assert_eq!(
                status.code(),
                Some(0),
                "round {round}: node {name} ended with {status}\n{err}"
            );
        }
    }
}
