//! `vcnode bench …`: figures, not pass/fail. Run them on a quiet machine.

mod flood;
mod gossip_sim;
mod national;
mod plot;
mod presentations;
mod propagation;
mod qr;
mod writes;

use clap::Subcommand;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// A national issuer's status lists (100 million credentials): store, memory, sync of a
    /// new node, one revocation, one status check.
    National(national::NationalArgs),
    /// Revocation propagation through thousands of simulated nodes (real validation,
    /// simulated gossipsub links): table and PNG plot.
    GossipSim(gossip_sim::GossipSimArgs),
    /// A node joining a network of many issuers with many lists each (default 100 × 1,500),
    /// synced from a relay: time, bytes, memory.
    ManyLists(national::ManyListsArgs),
    /// Revocation propagation across N node processes.
    Propagation(propagation::PropagationArgs),
    /// A verifier asking N holders for presentations at once: verified/s and latency.
    Presentations(presentations::PresentationsArgs),
    /// Honest presentations verified per second with and without a flooding peer.
    Flood(flood::FloodArgs),
    /// The flooding peer of `bench flood` (a process of its own).
    #[command(hide = true)]
    FloodPeer(flood::FloodPeerArgs),
    /// What an acknowledged write costs with and without syncing the write-ahead log.
    Writes(writes::WritesArgs),
    /// QR presentation sizes: version at level M and where the bytes go, per case.
    Qr(qr::QrBenchArgs),
}

pub fn run(cmd: BenchCommand) -> anyhow::Result<i32> {
    match cmd {
        BenchCommand::Propagation(a) => propagation::run(a),
        BenchCommand::National(a) => national::run(a),
        BenchCommand::GossipSim(a) => gossip_sim::run(a),
        BenchCommand::ManyLists(a) => national::many_lists(a),
        BenchCommand::Qr(a) => qr::run(a),
        BenchCommand::Presentations(a) => presentations::run(a),
        BenchCommand::Flood(a) => flood::run(a),
        BenchCommand::FloodPeer(a) => flood::run_peer(a),
        BenchCommand::Writes(a) => writes::run(a),
    }
}

/// A bench's working directory: `dir` if given (kept), else a new one under the system temp
/// dir named `name`-<pid> (removed by the bench at the end). Returns it and whether to remove it.
pub(crate) fn work_dir(
    dir: &Option<std::path::PathBuf>,
    name: &str,
) -> std::io::Result<(std::path::PathBuf, bool)> {
    let (d, remove) = match dir {
        Some(d) => (d.clone(), false),
        None => (
            std::env::temp_dir().join(format!("{name}-{}", std::process::id())),
            true,
        ),
    };
    std::fs::create_dir_all(&d)?;
    Ok((d, remove))
}
