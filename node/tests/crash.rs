//! Issue 14, crash test: an issuer `vcnode` process is killed with SIGKILL at random moments
//! while clients issue credentials and revoke and suspend them over its HTTP API, restarted on
//! the same data dir, and killed again — `VCNET_CRASH_ROUNDS` times (default 20). Then a second
//! node (a verifier process) syncs from it. Invariants:
//! - every acknowledged issuance (HTTP 201) is in the issuer's store, at the list and index its
//!   credential names;
//! - no status index was handed out twice;
//! - every acknowledged revocation and suspension (HTTP 200) is set in its list, unless a later
//!   request for the same entry was cut off by a kill (it may have committed unacknowledged);
//! - every list's version chain is unbroken: its status log holds one signed delta for each
//!   version, and replaying them from an empty list (each checked against the digest chain)
//!   gives exactly the stored list;
//! - the other node converges to the same lists.
//!
//! A failing run prints its seed; `VCNET_CRASH_SEED=S` replays the same kill times.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use credentials::did::KeyResolver;
use credentials::status::{SignedDelta, StatusList, StatusPurpose};
use node::store::Store;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use support::post;

#[path = "support/mod.rs"]
mod support;

const PASSPHRASE: &str = "crash test passphrase";

fn vcnode() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vcnode"));
    c.env("VCNODE_PASSPHRASE", PASSPHRASE)
        .env("RUST_LOG", "error");
    c
}

fn init(dir: &Path, name: &str, roles: &str) {
    let mut c = vcnode();
    c.args(["init", "--data-dir", dir.to_str().unwrap(), "--name", name]);
    c.args(["--roles", roles]);
    if roles.contains("issuer") {
        c.args(["--issue-kinds", "identity"]);
    }
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "init {name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

struct Proc {
    child: Child,
    http: SocketAddr,
    listen: String,
}

fn run(dir: &Path, peer: Option<&str>) -> Proc {
    let (child, info) = support::run_local(vcnode(), dir, peer, Stdio::null());
    Proc {
        child,
        http: info["http"].as_str().unwrap().parse().unwrap(),
        listen: support::first_listen(&info),
    }
}

/// What clients were told succeeded.
#[derive(Default)]
struct Acked {
    /// Credential id → (list URL, index) of each status entry.
    issued: HashMap<String, Vec<(String, u64)>>,
    /// (credential id, purpose) changes acknowledged, in order: set or cleared.
    changes: Vec<(String, StatusPurpose, bool)>,
    /// Entries whose last request was sent but not answered (the process was killed): it may
    /// or may not have committed, so their final state is not known until a later answer.
    in_doubt: HashSet<(String, StatusPurpose)>,
}

impl Acked {
    fn changed(&mut self, id: String, purpose: StatusPurpose, set: bool) {
        self.in_doubt.remove(&(id.clone(), purpose));
        self.changes.push((id, purpose, set));
    }
}

fn issue_loop(addr: SocketAddr, token: String, acked: Arc<Mutex<Acked>>, stop: Arc<AtomicBool>) {
    let records: Vec<Value> = include_str!("../../schemas/records/citizens.jsonl")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut n = 0;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let subject = records[n % records.len()].clone();
        let body = json!({"credential": {
            "type": ["VerifiableCredential", "IdentityCredential"],
            "credentialSubject": subject
        }});
        match post(addr, "/credentials/issue", &token, &body) {
            Ok((201, v)) => {
                let vc = &v["verifiableCredential"];
                let entries = vc["credentialStatus"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| {
                        (
                            e["statusListCredential"].as_str().unwrap().to_owned(),
                            e["statusListIndex"].as_str().unwrap().parse().unwrap(),
                        )
                    })
                    .collect();
                let id = vc["id"].as_str().unwrap().to_owned();
                acked.lock().unwrap().issued.insert(id, entries);
            }
            Ok((code, v)) => panic!("issuance answered {code}: {v}"),
            Err(_) => std::thread::sleep(Duration::from_millis(5)),
        }
    }
}

fn status_loop(
    addr: SocketAddr,
    token: String,
    acked: Arc<Mutex<Acked>>,
    stop: Arc<AtomicBool>,
    seed: u64,
) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    while !stop.load(Ordering::Relaxed) {
        let (id, action, purpose, set) = {
            let a = acked.lock().unwrap();
            if a.issued.is_empty() {
                drop(a);
                std::thread::sleep(Duration::from_millis(5));
                continue;
            }
            let ids: Vec<&String> = a.issued.keys().collect();
            let id = ids[rng.gen_range(0..ids.len())].clone();
            let revoked = a
                .changes
                .iter()
                .any(|(i, p, _)| *i == id && *p == StatusPurpose::Revocation);
            let suspended = a
                .changes
                .iter()
                .rfind(|(i, p, _)| *i == id && *p == StatusPurpose::Suspension)
                .is_some_and(|(_, _, s)| *s);
            match (rng.gen_range(0..3), revoked, suspended) {
                (_, true, _) => continue,
                (0, _, _) => (id, "revoke", StatusPurpose::Revocation, true),
                (_, _, false) => (id, "suspend", StatusPurpose::Suspension, true),
                (_, _, true) => (id, "reinstate", StatusPurpose::Suspension, false),
            }
        };
        let body = json!({"credential_id": id, "action": action});
        match post(addr, "/admin/revoke", &token, &body) {
            Ok((200, _)) => acked.lock().unwrap().changed(id, purpose, set),
            // Already in that state: an earlier, unacknowledged request did commit.
            Ok((409, v)) if v.to_string().contains("already") => {
                acked.lock().unwrap().changed(id, purpose, set)
            }
            Ok((code, v)) => panic!("{action} answered {code}: {v}"),
            // Refused before anything was sent: nothing can have committed.
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                std::thread::sleep(Duration::from_millis(5))
            }
            // Sent, then the process died: committed or not, nobody was told.
            Err(_) => {
                acked.lock().unwrap().in_doubt.insert((id, purpose));
                std::thread::sleep(Duration::from_millis(5))
            }
        }
    }
}

#[test]
fn an_issuer_killed_mid_write_loses_nothing_it_acknowledged() {
    let rounds: usize = std::env::var("VCNET_CRASH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let seed: u64 = std::env::var("VCNET_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| rand::random::<u16>().into());
    eprintln!("crash test seed {seed} (replay: VCNET_CRASH_SEED={seed})");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let tmp = tempfile::tempdir().unwrap();
    let (idir, vdir) = (tmp.path().join("issuer"), tmp.path().join("verifier"));
    init(&idir, "Agency", "issuer");
    init(&vdir, "Clinic", "verifier");
    // A fixed list base (not derived from the HTTP port, which changes at every restart), so
    // every round writes to the same lists and their version chains grow across crashes.
    let cfg = idir.join("config.toml");
    let text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(
        &cfg,
        text.replace(
            "# status_base_url = ",
            "status_base_url = \"https://agency.example/status\"\n# was: ",
        ),
    )
    .unwrap();
    let token = std::fs::read_to_string(idir.join("admin.token"))
        .unwrap()
        .trim()
        .to_owned();
    let acked = Arc::new(Mutex::new(Acked::default()));
    let mut kills = 0;
    for round in 0..rounds {
        let mut p = run(&idir, None);
        let stop = Arc::new(AtomicBool::new(false));
        let workers: Vec<_> = (0..3)
            .map(|w| {
                let (t, a, s) = (token.clone(), acked.clone(), stop.clone());
                let addr = p.http;
                let wseed = seed ^ ((round as u64) << 8) ^ w;
                std::thread::spawn(move || {
                    if w == 2 {
                        status_loop(addr, t, a, s, wseed)
                    } else {
                        issue_loop(addr, t, a, s)
                    }
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(rng.gen_range(150..900)));
        p.child.kill().unwrap(); // SIGKILL
        p.child.wait().unwrap();
        kills += 1;
        stop.store(true, Ordering::Relaxed);
        for w in workers {
            w.join()
                .unwrap_or_else(|_| panic!("round {round}: a client failed (seed {seed})"));
        }
    }
    assert_eq!(kills, rounds);
    let (issued_n, changes_n) = {
        let a = acked.lock().unwrap();
        (a.issued.len(), a.changes.len())
    };
    eprintln!("{kills} kills; {issued_n} issuances and {changes_n} status changes acknowledged");
    assert!(
        issued_n >= rounds && changes_n >= rounds / 2,
        "too little work acknowledged to prove anything"
    );

    // The issuer back up, and a verifier syncing from it.
    let mut issuer = run(&idir, None);
    let mut verifier = run(&vdir, Some(&issuer.listen));
    let deadline = Instant::now() + Duration::from_secs(60);
    let converged = loop {
        let same = lists_of(&idir) == lists_of(&vdir);
        if same || Instant::now() > deadline {
            break same;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    for p in [&mut issuer, &mut verifier] {
        let _ = Command::new("kill")
            .args(["-TERM", &p.child.id().to_string()])
            .status();
        p.child.wait().unwrap();
    }
    assert!(
        converged,
        "the verifier did not converge to the issuer's lists (seed {seed})"
    );

    let store = Store::open_read_only(&idir.join("db")).unwrap();
    let a = acked.lock().unwrap();
    // Every acknowledged issuance is stored, at the list and index its credential names.
    let issued: HashMap<String, node::store::IssuedEntry> = store
        .issued_all()
        .unwrap()
        .into_iter()
        .map(|e| (e.credential_id.clone(), e))
        .collect();
    for (id, entries) in &a.issued {
        let e = issued.get(id).unwrap_or_else(|| {
            panic!("acknowledged credential {id} is not in the store (seed {seed})")
        });
        for (list, index) in entries {
            assert_eq!(*index, e.index, "{id}: index");
            assert!(
                list.starts_with(&e.list_base) && list.ends_with(&format!("/{}", e.shard)),
                "{id}: list {list} is not shard {} of {}",
                e.shard,
                e.list_base
            );
        }
    }
    // No index was handed out twice.
    let mut seen = HashSet::new();
    for e in issued.values() {
        assert!(
            seen.insert((e.list_base.clone(), e.shard, e.index)),
            "index {} of shard {} handed out twice (seed {seed})",
            e.index,
            e.shard
        );
    }
    // Every acknowledged change is in its list: the last acknowledged state of each entry.
    let lists: HashMap<String, StatusList> = store
        .status_lists()
        .unwrap()
        .iter()
        .map(|s| (s.id.clone(), decode(s)))
        .collect();
    let mut last: HashMap<(String, StatusPurpose), bool> = HashMap::new();
    for (id, purpose, set) in &a.changes {
        last.insert((id.clone(), *purpose), *set);
    }
    let mut checked = 0;
    for ((id, purpose), set) in &last {
        if a.in_doubt.contains(&(id.clone(), *purpose)) {
            continue; // a later request may have committed unacknowledged
        }
        checked += 1;
        let e = &issued[id];
        let url = format!("{}/{}/{}", e.list_base, purpose.as_str(), e.shard);
        let held = lists[&url].bits.get(e.index).unwrap();
        assert_eq!(
            held, *set,
            "{id}: acknowledged {purpose} {set} but the list says {held} (seed {seed})"
        );
    }
    eprintln!(
        "{checked} entries' last acknowledged state checked; {} left in doubt by a kill",
        a.in_doubt.len()
    );
    assert!(
        checked > 0,
        "no acknowledged change left to check (seed {seed})"
    );
    // Every list's version chain is unbroken and replays to the stored list.
    let keys = KeyResolver::new();
    for (url, list) in &lists {
        let deltas = store.deltas_after(url, 0).unwrap();
        assert_eq!(
            deltas.len() as u64,
            list.version,
            "{url}: {} deltas for version {}",
            deltas.len(),
            list.version
        );
        let mut replay = StatusList::new(url, list.purpose, &list.issuer, list.bits.len()).unwrap();
        for (i, jws) in deltas.iter().enumerate() {
            let d = SignedDelta::open(jws, &keys)
                .unwrap_or_else(|e| panic!("{url}: delta {}: {e}", i + 1))
                .delta;
            replay
                .apply(&d)
                .unwrap_or_else(|e| panic!("{url}: delta {} breaks the chain: {e}", i + 1));
        }
        assert!(
            replay.bits == list.bits,
            "{url}: the log replays to other bits"
        );
    }
    eprintln!(
        "invariants hold over {} lists, {} issued entries",
        lists.len(),
        issued.len()
    );
}

fn decode(s: &node::store::StoredList) -> StatusList {
    StatusList {
        id: s.id.clone(),
        purpose: s.purpose,
        issuer: s.issuer.clone(),
        version: s.version,
        bits: credentials::status::Bitstring::decode(&s.bits).unwrap(),
        message: s.message.clone(),
    }
}

/// The lists a data dir's store holds, as (id, version, bits), sorted; read-only, beside the
/// running node.
fn lists_of(dir: &Path) -> Vec<(String, u64, String)> {
    let Ok(store) = Store::open_read_only(&dir.join("db")) else {
        return vec![];
    };
    let mut v: Vec<_> = store
        .status_lists()
        .unwrap_or_default()
        .into_iter()
        .map(|s| (s.id, s.version, s.bits))
        .collect();
    v.sort();
    v
}
