//! `vcnode bench national`: an issuer with a national population's worth of status lists
//! (100 million credentials by default: 763 shards, each a revocation and a suspension list of
//! 131,072 entries) with a share revoked at random, and a fresh node that joins and syncs
//! them. Measures the issuer's and the new node's store size, the new node's memory for the
//! lists, the time and payload bytes to bring it up to date over loopback, the time one
//! revocation takes to reach it, how long a node takes to load the lists at start, and the
//! time of one status check. Real processes, real RocksDB, real signatures.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Args;
use credentials::status::{IndexAllocator, StatusList, StatusPurpose};
use credentials::verify::StatusSource;
use credentials::CredentialKind;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

use super::propagation::{list_state, wait_for, Procs};
use crate::cli::client::Client;
use crate::config::{Config, DataDir, Role};
use crate::local_net;
use crate::roles::{Replicator, SHARD_SIZE};
use crate::store::{AllocationEntry, Store};

#[derive(Args)]
pub struct NationalArgs {
    /// Credentials the issuer has issued (its lists cover them all).
    #[arg(long, default_value_t = 100_000_000)]
    credentials: u64,
    /// Percent of them revoked, at random indexes.
    #[arg(long, default_value_t = 1.0)]
    revoked_percent: f64,
    /// Percent of them suspended, at random indexes.
    #[arg(long, default_value_t = 0.01)]
    suspended_percent: f64,
    /// Status checks to time.
    #[arg(long, default_value_t = 1_000_000)]
    checks: u64,
    /// Working directory (default: a new directory under the system temp dir, removed after).
    #[arg(long)]
    dir: Option<PathBuf>,
}

/// Shards written per RocksDB batch while filling the issuer's store.
const SHARDS_PER_BATCH: u64 = 32;

/// Resident set size of a process, in bytes (Linux `/proc`).
fn rss_bytes(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: u64 = s
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb * 1024)
}

/// Bytes of every file under `dir`.
fn dir_bytes(dir: &Path) -> u64 {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return 0;
    };
    rd.flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_bytes(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

fn mib(b: u64) -> f64 {
    b as f64 / (1024.0 * 1024.0)
}

/// A list of `SHARD_SIZE` entries with `share` of its bits set at random.
fn random_list(
    url: &str,
    purpose: StatusPurpose,
    issuer: &str,
    share: f64,
    rng: &mut impl Rng,
) -> anyhow::Result<StatusList> {
    let mut l = StatusList::new(url, purpose, issuer, SHARD_SIZE as usize)?;
    let set = (SHARD_SIZE as f64 * share / 100.0).round() as u64;
    let mut n = 0;
    while n < set {
        if !l.bits.set(rng.gen_range(0..SHARD_SIZE), true)? {
            n += 1;
        }
    }
    Ok(l)
}

fn node_config(name: &str, issuer: bool) -> Config {
    Config {
        name: name.into(),
        roles: if issuer {
            vec![Role::Issuer]
        } else {
            vec![Role::Verifier]
        },
        issue_kinds: if issuer {
            vec![CredentialKind::Identity]
        } else {
            vec![]
        },
        listen: vec![local_net::loopback_tcp()],
        // One open shard: the probe credential lands on the last, partly filled one.
        status_shards: 1,
        // Throwaway bench nodes: no passphrase (each start would run Argon2id).
        allow_unencrypted_keys: true,
        ..Config::default()
    }
}

/// Creates the issuer's data dir and fills its store with every shard's lists and allocation
/// (full shards but the last), as if it had issued `credentials` credentials.
fn fill_issuer(dir: &Path, a: &NationalArgs) -> anyhow::Result<(String, u64, Duration)> {
    let mut seed = [0u8; 32];
    rand::thread_rng().fill(&mut seed);
    let did = credentials::Identity::from_seed(&seed).did().to_owned();
    let base = format!("https://status.example.org/{did}");
    let mut cfg = node_config("bench issuer", true);
    cfg.status_base_url = Some(base.clone());
    crate::runtime::init_with_seed(dir, &cfg, None, &seed)?;
    let store = std::sync::Arc::new(Store::open(&DataDir(dir.to_owned()).db())?);
    let replicator = Replicator::load(store.clone(), None)?;
    let shards = a.credentials.div_ceil(SHARD_SIZE);
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(17);
    let t0 = Instant::now();
    for start in (0..shards).step_by(SHARDS_PER_BATCH as usize) {
        let mut lists = Vec::new();
        let mut allocs = Vec::new();
        for shard in start..(start + SHARDS_PER_BATCH).min(shards) {
            let url = |p: StatusPurpose| format!("{base}/{}/{shard}", p.as_str());
            lists.push(random_list(
                &url(StatusPurpose::Revocation),
                StatusPurpose::Revocation,
                &did,
                a.revoked_percent,
                &mut rng,
            )?);
            lists.push(random_list(
                &url(StatusPurpose::Suspension),
                StatusPurpose::Suspension,
                &did,
                a.suspended_percent,
                &mut rng,
            )?);
            let used = (a.credentials - shard * SHARD_SIZE).min(SHARD_SIZE);
            let mut alloc = IndexAllocator::new(SHARD_SIZE);
            for i in 0..used {
                alloc.mark(i)?;
            }
            use base64::Engine;
            allocs.push(AllocationEntry {
                base: base.clone(),
                shard: shard as u32,
                bitmap: base64::engine::general_purpose::STANDARD.encode(alloc.as_bytes()),
            });
        }
        replicator.create_own(lists, |rows| {
            store.commit_bulk_issuance(&mut [], &mut [], &allocs, &[], rows)
        })?;
    }
    let took = t0.elapsed();
    drop(replicator);
    store.close();
    Ok((did, shards, took))
}

/// Starts `vcnode run` on a data dir; returns its run.json.
fn start(
    exe: &Path,
    dir: &Path,
    peer: Option<&str>,
    procs: &mut Procs,
) -> anyhow::Result<(Value, u32)> {
    let mut cmd = Command::new(exe);
    cmd.args(["run", "--data-dir"])
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .env("RUST_LOG", "warn");
    if let Some(p) = peer {
        cmd.args(["--peer", p]);
    }
    let child = cmd.spawn().context("starting a node")?;
    let pid = child.id();
    procs.0.push(child);
    let run = dir.join("run.json");
    wait_for("a node to start", Duration::from_secs(120), || run.exists())?;
    Ok((serde_json::from_str(&std::fs::read_to_string(&run)?)?, pid))
}

fn held_lists(c: &Client) -> usize {
    c.get("/admin/status")
        .ok()
        .and_then(|s| s["statusLists"].as_array().map(Vec::len))
        .unwrap_or(0)
}

pub fn run(a: NationalArgs) -> anyhow::Result<i32> {
    if a.credentials == 0
        || !(0.0..=100.0).contains(&a.revoked_percent)
        || !(0.0..=100.0).contains(&a.suspended_percent)
    {
        bail!("--credentials must be positive and the percentages 0 to 100");
    }
    let (dir, remove_after) = super::work_dir(&a.dir, "vcnet-national")?;
    let dir: &Path = &dir;
    let exe = std::env::current_exe()?;
    let (issuer_dir, fresh_dir, empty_dir) =
        (dir.join("issuer"), dir.join("fresh"), dir.join("empty"));
    eprintln!(
        "filling the issuer's store: {} credentials' lists…",
        a.credentials
    );
    let (_did, shards, fill_time) = fill_issuer(&issuer_dir, &a)?;
    let lists = shards * 2;
    let issuer_store = dir_bytes(&issuer_dir);
    for d in [&fresh_dir, &empty_dir] {
        crate::runtime::init(d, &node_config("bench node", false), None)?;
    }
    let mut procs = Procs(Vec::new());
    let t_issuer = Instant::now();
    let (issuer_info, issuer_pid) = start(&exe, &issuer_dir, None, &mut procs)?;
    let issuer_start = t_issuer.elapsed();
    let issuer = Client::for_data_dir(&issuer_dir)?;
    let addr = issuer_info["listen"][0]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    // A node holding nothing, for the memory baseline.
    let (_, empty_pid) = start(&exe, &empty_dir, None, &mut procs)?;
    eprintln!(
        "issuer up ({lists} lists, started in {:.2} s); a new node joins…",
        issuer_start.as_secs_f64()
    );
    let t0 = Instant::now();
    let (_, fresh_pid) = start(&exe, &fresh_dir, Some(&addr), &mut procs)?;
    let fresh = Client::for_data_dir(&fresh_dir)?;
    wait_for(
        "the new node to hold every list",
        Duration::from_secs(600),
        || held_lists(&fresh) as u64 >= lists,
    )?;
    let sync_time = t0.elapsed();
    let sync_bytes = fresh
        .get("/admin/status")?
        .get("statusSyncBytes")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    std::thread::sleep(Duration::from_secs(2));
    let (rss_fresh, rss_empty) = (
        rss_bytes(fresh_pid).unwrap_or(0),
        rss_bytes(empty_pid).unwrap_or(0),
    );
    let rss_issuer = rss_bytes(issuer_pid).unwrap_or(0);

    // One revocation: a credential issued now, then revoked, until the new node has it.
    let subject: Value = serde_json::from_str(include_str!(
        "../../../../schemas/identity/samples/valid/02-minor.json"
    ))?;
    let vc = json!({"credential": {"type": ["VerifiableCredential", "IdentityCredential"], "credentialSubject": subject}, "options": {"format": "jwt"}});
    let r = issuer.post("/credentials/issue", &vc)?;
    let jwt = r["verifiableCredential"]["id"]
        .as_str()
        .unwrap_or_default()
        .trim_start_matches("data:application/vc+jwt,")
        .to_owned();
    let id = crate::roles::credential_id_of(&jwt).context("issued credential has no id")?;
    let payload: Value = credentials::jose::CompactJws::parse(&jwt)?.payload_json()?;
    let list = payload["credentialStatus"]
        .as_array()
        .and_then(|e| e.iter().find(|e| e["statusPurpose"] == "revocation"))
        .and_then(|e| e["statusListCredential"].as_str())
        .context("the probe credential has no revocation entry")?
        .to_owned();
    let before = list_state(&fresh, &list).map(|(v, _)| v).unwrap_or(0);
    let t_ms = chrono::Utc::now().timestamp_millis();
    issuer.post(
        "/admin/revoke",
        &json!({"credential_id": id, "action": "revoke"}),
    )?;
    let mut delta_ms = None;
    wait_for(
        "the revocation to reach the new node",
        Duration::from_secs(30),
        || match list_state(&fresh, &list) {
            Some((v, at)) if v > before => {
                delta_ms = Some(at - t_ms);
                true
            }
            _ => false,
        },
    )?;
    let fresh_store = dir_bytes(&fresh_dir);
    drop(procs);

    // In-process: loading the lists at start, and status checks against them.
    let store = std::sync::Arc::new(Store::open_read_only(&DataDir(fresh_dir.clone()).db())?);
    let t_load = Instant::now();
    let replicator = Replicator::load(store, None)?;
    let load_time = t_load.elapsed();
    let base = list
        .rsplit_once("/revocation/")
        .map(|(b, _)| b.to_owned())
        .unwrap_or_default();
    let urls: Vec<String> = (0..shards)
        .map(|s| format!("{base}/revocation/{s}"))
        .collect();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    let probes: Vec<(usize, u64)> = (0..a.checks.min(10_000_000))
        .map(|_| (rng.gen_range(0..urls.len()), rng.gen_range(0..SHARD_SIZE)))
        .collect();
    let t_check = Instant::now();
    let mut revoked = 0u64;
    for (s, i) in &probes {
        if let Ok(credentials::verify::StatusBit { set: true, .. }) =
            replicator.status_bit(&urls[*s], *i)
        {
            revoked += 1;
        }
    }
    let per_check = t_check.elapsed().as_secs_f64() / probes.len().max(1) as f64;
    let (decoded, sparse) = replicator.bits_footprint();

    println!("| credentials | revoked | lists | issuer store | new node store | new node memory for the lists (RSS − empty node's) | list entries in memory | sync time | sync payload | one revocation to the new node | load at start | one status check |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    println!(
        "| {} | {}% | {} | {:.1} MiB | {:.1} MiB | {:.1} MiB | {:.2} MiB ({sparse} sparse) | {:.2} s | {:.2} MiB | {} ms | {:.0} ms | {:.0} ns |",
        a.credentials,
        a.revoked_percent,
        lists,
        mib(issuer_store),
        mib(fresh_store),
        mib(rss_fresh.saturating_sub(rss_empty)),
        mib(decoded),
        sync_time.as_secs_f64(),
        mib(sync_bytes),
        delta_ms.unwrap_or(-1),
        load_time.as_secs_f64() * 1e3,
        per_check * 1e9,
    );
    eprintln!(
        "issuer filled in {:.1} s, started in {:.2} s, RSS {:.1} MiB; new node RSS {:.1} MiB, empty node {:.1} MiB; {revoked} of {} probes revoked ({:.2}%)",
        fill_time.as_secs_f64(),
        issuer_start.as_secs_f64(),
        mib(rss_issuer),
        mib(rss_fresh),
        mib(rss_empty),
        probes.len(),
        100.0 * revoked as f64 / probes.len().max(1) as f64
    );
    if remove_after {
        let _ = std::fs::remove_dir_all(dir);
    }
    Ok(0)
}

#[derive(Args)]
pub struct ManyListsArgs {
    /// Issuers whose lists every node holds.
    #[arg(long, default_value_t = 100)]
    issuers: usize,
    /// Status lists per issuer (half revocation, half suspension; 131,072 entries each).
    #[arg(long, default_value_t = 1_500)]
    lists: usize,
    /// Percent of each revocation list's entries revoked, at random.
    #[arg(long, default_value_t = 0.1)]
    revoked_percent: f64,
    /// Working directory (default: a new directory under the system temp dir, removed after).
    #[arg(long)]
    dir: Option<PathBuf>,
}

/// Fills a relay's store with `issuers` issuers' signed snapshots, as a node that has
/// received them all over gossip would hold them (each validated and stored by the node's
/// own replicator). Returns the bytes of signed snapshots written.
fn fill_relay(dir: &Path, a: &ManyListsArgs) -> anyhow::Result<u64> {
    crate::runtime::init(dir, &node_config("bench relay", false), None)?;
    let store = std::sync::Arc::new(Store::open(&DataDir(dir.to_owned()).db())?);
    let replicator = Replicator::load(store.clone(), None)?;
    let keys = credentials::did::KeyResolver::new();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(23);
    let mut bytes = 0u64;
    for i in 0..a.issuers {
        let issuer = credentials::Identity::generate(&mut rand::rngs::OsRng);
        let base = format!("https://issuer-{i}.example.org/status/{}", issuer.did());
        for l in 0..a.lists {
            let (purpose, share) = if l % 2 == 0 {
                (StatusPurpose::Revocation, a.revoked_percent)
            } else {
                (StatusPurpose::Suspension, a.revoked_percent / 10.0)
            };
            let url = format!("{base}/{}/{}", purpose.as_str(), l / 2);
            let list = random_list(&url, purpose, issuer.did(), share, &mut rng)?;
            let jws = credentials::status::SignedSnapshot::sign(
                list.snapshot(chrono::Utc::now()),
                &issuer,
            )
            .jws;
            bytes += jws.len() as u64;
            match replicator.apply(&credentials::wire::GossipMessage::Snapshot(jws), &keys) {
                credentials::replication::Verdict::Stored => {}
                v => bail!("the relay refused a snapshot: {v:?}"),
            }
        }
        if (i + 1) % 10 == 0 {
            eprintln!("  {} of {} issuers' lists stored", i + 1, a.issuers);
        }
    }
    drop(replicator);
    store.close();
    Ok(bytes)
}

/// `vcnode bench many-lists`: a node joining a network of `issuers` issuers with `lists`
/// lists each, synced from a relay that holds them all.
pub fn many_lists(a: ManyListsArgs) -> anyhow::Result<i32> {
    if a.issuers == 0 || a.lists == 0 || !(0.0..=100.0).contains(&a.revoked_percent) {
        bail!("--issuers and --lists must be positive and --revoked-percent 0 to 100");
    }
    let (dir, remove_after) = super::work_dir(&a.dir, "vcnet-many-lists")?;
    let dir: &Path = &dir;
    let exe = std::env::current_exe()?;
    let (relay_dir, fresh_dir, empty_dir) =
        (dir.join("relay"), dir.join("fresh"), dir.join("empty"));
    let total = (a.issuers * a.lists) as u64;
    eprintln!(
        "filling a relay with {} issuers × {} lists…",
        a.issuers, a.lists
    );
    let t_fill = Instant::now();
    let snapshot_bytes = fill_relay(&relay_dir, &a)?;
    let fill_time = t_fill.elapsed();
    for d in [&fresh_dir, &empty_dir] {
        crate::runtime::init(d, &node_config("bench node", false), None)?;
    }
    let mut procs = Procs(Vec::new());
    let t_relay = Instant::now();
    let (relay_info, relay_pid) = start(&exe, &relay_dir, None, &mut procs)?;
    let relay_start = t_relay.elapsed();
    let addr = relay_info["listen"][0]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let (_, empty_pid) = start(&exe, &empty_dir, None, &mut procs)?;
    eprintln!(
        "relay up ({total} lists, started in {:.1} s); a new node joins…",
        relay_start.as_secs_f64()
    );
    let t0 = Instant::now();
    let (_, fresh_pid) = start(&exe, &fresh_dir, Some(&addr), &mut procs)?;
    let fresh = Client::for_data_dir(&fresh_dir)?;
    wait_for(
        "the new node to hold every list",
        Duration::from_secs(3_600),
        || {
            std::thread::sleep(Duration::from_millis(400));
            held_lists(&fresh) as u64 >= total
        },
    )?;
    let sync_time = t0.elapsed();
    let sync_bytes = fresh
        .get("/admin/status")?
        .get("statusSyncBytes")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    std::thread::sleep(Duration::from_secs(2));
    let (rss_fresh, rss_empty, rss_relay) = (
        rss_bytes(fresh_pid).unwrap_or(0),
        rss_bytes(empty_pid).unwrap_or(0),
        rss_bytes(relay_pid).unwrap_or(0),
    );
    let fresh_store = dir_bytes(&fresh_dir);
    drop(procs);
    let store = std::sync::Arc::new(Store::open_read_only(&DataDir(fresh_dir.clone()).db())?);
    let t_load = Instant::now();
    let replicator = Replicator::load(store, None)?;
    let load_time = t_load.elapsed();
    let (heap, sparse) = replicator.bits_footprint();
    println!("| issuers × lists | revoked | new node store | new node memory (RSS − empty node's) | list entries in memory | sync time | sync payload | load at start |");
    println!("|---|---|---|---|---|---|---|---|");
    println!(
        "| {} × {} = {} | {}% | {:.0} MiB | {:.0} MiB | {:.1} MiB ({} of {} lists sparse) | {:.1} s | {:.1} MiB | {:.1} s |",
        a.issuers,
        a.lists,
        total,
        a.revoked_percent,
        mib(fresh_store),
        mib(rss_fresh.saturating_sub(rss_empty)),
        mib(heap),
        sparse,
        total,
        sync_time.as_secs_f64(),
        mib(sync_bytes),
        load_time.as_secs_f64(),
    );
    eprintln!(
        "relay filled in {:.0} s ({:.1} MiB of signed snapshots), RSS {:.0} MiB; new node RSS {:.0} MiB, empty node {:.0} MiB",
        fill_time.as_secs_f64(),
        mib(snapshot_bytes),
        mib(rss_relay),
        mib(rss_fresh),
        mib(rss_empty),
    );
    if remove_after {
        let _ = std::fs::remove_dir_all(dir);
    }
    Ok(0)
}
