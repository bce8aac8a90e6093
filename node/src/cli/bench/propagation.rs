//! `vcnode bench propagation`: starts N real `vcnode run` processes on loopback, revokes K
//! credentials at one issuer, and measures how long each revocation takes to reach every
//! node's store (p50, p99, max) and the status gossip payload bytes each node receives per
//! revocation. Each node records when it stored each list version (its clock: the same machine's),
//! and the bench takes the time from just before the revoke call to that moment, polling the
//! nodes only lightly to learn when all have it. Figures, not pass/fail: run it on a quiet machine.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Args;
use serde_json::{json, Value};

use crate::cli::client::Client;
use crate::config::{Config, Role};
use crate::local_net;
use credentials::CredentialKind;

#[derive(Args)]
pub struct PropagationArgs {
    /// Node processes to start (the first is the issuer).
    #[arg(long, default_value_t = 10)]
    nodes: usize,
    /// Revocations to make, one after another.
    #[arg(long, default_value_t = 20)]
    revocations: usize,
    /// Working directory (default: a new directory under the system temp dir, removed after).
    #[arg(long)]
    dir: Option<PathBuf>,
}

/// Kills the started processes when dropped.
pub(super) struct Procs(pub(super) Vec<Child>);

impl Drop for Procs {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

pub(super) fn wait_for(
    what: &str,
    timeout: Duration,
    mut f: impl FnMut() -> bool,
) -> anyhow::Result<()> {
    let start = Instant::now();
    while !f() {
        if start.elapsed() > timeout {
            bail!("timed out after {timeout:?} waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(())
}

/// A node's version of a list and when it stored it (Unix ms, its clock: the same machine's).
pub(super) fn list_state(c: &Client, list: &str) -> Option<(u64, i64)> {
    let q = crate::cli::client::escape(list);
    let s = c.get(&format!("/admin/status-list?id={q}")).ok()?;
    Some((s["version"].as_u64()?, s["storedAtMs"].as_i64()?))
}

fn list_version(c: &Client, list: &str) -> Option<u64> {
    list_state(c, list).map(|(v, _)| v)
}

/// Each node's status gossip payload byte counter (0 for a node that does not answer).
fn gossip_bytes(clients: &[Client]) -> Vec<u64> {
    clients
        .iter()
        .map(|c| {
            c.get("/admin/status")
                .map(|s| s["statusGossipBytes"].as_u64().unwrap_or(0))
                .unwrap_or(0)
        })
        .collect()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let idx = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

pub fn run(a: PropagationArgs) -> anyhow::Result<i32> {
    if a.nodes < 2 {
        bail!("--nodes must be at least 2");
    }
    let (dir, remove_after) = super::work_dir(&a.dir, "vcnet-bench")?;
    let dir: &Path = &dir;
    let exe = std::env::current_exe()?;
    let mut procs = Procs(Vec::new());
    let mut clients = Vec::new();
    let mut boot: Vec<String> = Vec::new();
    for i in 0..a.nodes {
        let d = dir.join(format!("n{i}"));
        let cfg = Config {
            name: format!("bench node {i}"),
            roles: if i == 0 {
                vec![Role::Issuer]
            } else {
                vec![Role::Verifier]
            },
            issue_kinds: if i == 0 {
                vec![CredentialKind::Identity]
            } else {
                vec![]
            },
            listen: vec![local_net::loopback_tcp()],
            // One shard: every revocation bumps the same list, whose version is the target.
            status_shards: 1,
            // Throwaway bench nodes: no passphrase (each start would run Argon2id).
            allow_unencrypted_keys: true,
            ..Config::default()
        };
        crate::runtime::init(&d, &cfg, None)?;
        let mut cmd = Command::new(&exe);
        cmd.args(["run", "--data-dir"])
            .arg(&d)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .env("RUST_LOG", "warn");
        // Node i bootstraps from node 0 and from node i-1: a connected, not fully meshed graph.
        for b in boot.iter().take(1).chain(boot.last()) {
            cmd.args(["--peer", b]);
        }
        procs.0.push(cmd.spawn().context("starting a node")?);
        let run = d.join("run.json");
        wait_for("a node to start", Duration::from_secs(30), || run.exists())?;
        let info: Value = serde_json::from_str(&std::fs::read_to_string(&run)?)?;
        boot.push(info["listen"][0].as_str().unwrap_or_default().to_owned());
        clients.push(Client::for_data_dir(&d)?);
    }
    eprintln!(
        "{} nodes started; issuing {} credentials",
        a.nodes, a.revocations
    );
    let mut ids = Vec::new();
    let subject: Value = serde_json::from_str(include_str!(
        "../../../../schemas/identity/samples/valid/02-minor.json"
    ))?;
    for _ in 0..a.revocations {
        let vc = json!({"credential": {"type": ["VerifiableCredential", "IdentityCredential"], "credentialSubject": subject}, "options": {"format": "jwt"}});
        let r = clients[0].post("/credentials/issue", &vc)?;
        let jwt = r["verifiableCredential"]["id"]
            .as_str()
            .unwrap_or_default()
            .trim_start_matches("data:application/vc+jwt,")
            .to_owned();
        let id = crate::roles::credential_id_of(&jwt).context("issued credential has no id")?;
        ids.push(id);
    }
    let status = clients[0].get("/admin/status")?;
    let list = status["statusLists"]
        .as_array()
        .and_then(|l| l.iter().find(|l| l["purpose"] == "revocation"))
        .and_then(|l| l["id"].as_str())
        .context("issuer has no revocation list")?
        .to_owned();
    wait_for(
        "every node to hold the revocation list",
        Duration::from_secs(60),
        || clients.iter().all(|c| list_version(c, &list).is_some()),
    )?;
    let bytes_before = gossip_bytes(&clients);
    let mut latencies = Vec::new();
    for (k, id) in ids.iter().enumerate() {
        let target = k as u64 + 1;
        // Each node records when it stored a version; the probe here only learns when all
        // have it, polling lightly so that measuring does not load the nodes.
        let t0_ms = chrono::Utc::now().timestamp_millis();
        clients[0].post(
            "/admin/revoke",
            &json!({"credential_id": id, "action": "revoke"}),
        )?;
        let start = Instant::now();
        let mut got: Vec<Option<f64>> = vec![None; clients.len()];
        while start.elapsed() < Duration::from_secs(30) && got.iter().skip(1).any(Option::is_none) {
            for (i, c) in clients.iter().enumerate().skip(1) {
                if got[i].is_none() {
                    if let Some((v, at)) = list_state(c, &list) {
                        if v >= target {
                            got[i] = Some((at - t0_ms) as f64);
                        }
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        let got: Vec<f64> = got.into_iter().skip(1).flatten().collect();
        if got.len() != a.nodes - 1 {
            bail!(
                "revocation {target}: only {} of {} nodes received it within 30 s",
                got.len(),
                a.nodes - 1
            );
        }
        latencies.extend(got);
    }
    let bytes_after = gossip_bytes(&clients);
    latencies.sort_by(|x, y| x.total_cmp(y));
    let per_node: Vec<f64> = bytes_after
        .iter()
        .zip(&bytes_before)
        .skip(1)
        .map(|(a2, b)| (a2 - b) as f64 / a.revocations as f64)
        .collect();
    let mean_bytes = per_node.iter().sum::<f64>() / per_node.len().max(1) as f64;
    println!("| nodes | revocations | p50 ms | p99 ms | max ms | status gossip bytes / revocation / node |");
    println!("|---|---|---|---|---|---|");
    println!(
        "| {} | {} | {:.1} | {:.1} | {:.1} | {:.0} |",
        a.nodes,
        a.revocations,
        percentile(&latencies, 50.0),
        percentile(&latencies, 99.0),
        latencies.last().copied().unwrap_or(f64::NAN),
        mean_bytes
    );
    drop(procs);
    if remove_after {
        let _ = std::fs::remove_dir_all(dir);
    }
    Ok(0)
}
