//! `vcnode bench writes`: what an acknowledged write costs when the write-ahead log is synced
//! to disk before the acknowledgement (`sync_acknowledged_writes`, the default) and when it is
//! not. Measured on a real RocksDB store in a temp dir under `--dir` (default: the system temp
//! dir; put it on the disk the node will use): the issuer's own status changes (one signed
//! delta and the list, one batch each) and record imports (batches of `--batch` records).

use std::time::Instant;

use anyhow::{bail, Context};
use clap::Args;
use credentials::status::{StatusList, StatusPurpose, SHARD_BITS};
use credentials::{CredentialKind, Identity};

use crate::roles::Replicator;
use crate::store::{RecordEntry, Store};

#[derive(Args)]
pub struct WritesArgs {
    /// Status changes to make in each mode.
    #[arg(long, default_value_t = 500)]
    changes: u64,
    /// Record imports (batches) in each mode.
    #[arg(long, default_value_t = 50)]
    imports: u64,
    /// Records per import batch.
    #[arg(long, default_value_t = 1000)]
    batch: u64,
    /// Where to make the temporary stores.
    #[arg(long)]
    dir: Option<std::path::PathBuf>,
}

pub fn run(a: WritesArgs) -> anyhow::Result<i32> {
    if a.changes == 0 || a.imports == 0 || a.batch == 0 {
        bail!("--changes, --imports and --batch must be at least 1");
    }
    println!(
        "{:<8} {:>22} {:>26}",
        "synced", "status change (ms, p50/p99)", "import of a batch (ms, p50/p99)"
    );
    for sync in [false, true] {
        let tmp = match &a.dir {
            Some(d) => tempfile::tempdir_in(d),
            None => tempfile::tempdir(),
        }
        .context("temp dir")?;
        let store = std::sync::Arc::new(Store::open(tmp.path())?);
        store.set_sync_acknowledged(sync);
        let owner = Identity::from_seed(&[9; 32]);
        let url = format!(
            "https://bench.example/{}/revocation/0",
            credentials::did::did_fragment(owner.did())
        );
        let list = StatusList::new(&url, StatusPurpose::Revocation, owner.did(), SHARD_BITS)?;
        let replicator = Replicator::load(store.clone(), None)?;
        replicator.create_own(vec![list], |rows| store.put_lists(rows))?;
        let mut changes = Vec::with_capacity(a.changes as usize);
        for i in 0..a.changes {
            let t = Instant::now();
            replicator
                .change_own(&url, i * 7 % SHARD_BITS as u64, true, &owner, |_| None)
                .map_err(anyhow::Error::msg)?;
            changes.push(t.elapsed().as_secs_f64() * 1e3);
        }
        let mut imports = Vec::with_capacity(a.imports as usize);
        for b in 0..a.imports {
            let records: Vec<(RecordEntry, String)> = (0..a.batch)
                .map(|i| {
                    let id = format!("r{b}-{i}");
                    (
                        RecordEntry {
                            id: id.clone(),
                            kind: CredentialKind::Identity,
                            subject: serde_json::json!({"n": i}),
                            claimed_by: None,
                            code_digest: None,
                            tx_code_digest: None,
                        },
                        blake3::hash(id.as_bytes()).to_hex().to_string(),
                    )
                })
                .collect();
            let t = Instant::now();
            store.import_records(&records, false)?;
            imports.push(t.elapsed().as_secs_f64() * 1e3);
        }
        println!(
            "{:<8} {:>15.3} / {:<8.3} {:>17.3} / {:<8.3}",
            if sync { "yes" } else { "no" },
            pct(&mut changes, 0.5),
            pct(&mut changes, 0.99),
            pct(&mut imports, 0.5),
            pct(&mut imports, 0.99),
        );
        store.close();
    }
    Ok(0)
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    let i = ((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1;
    v.get(i).copied().unwrap_or_default()
}
