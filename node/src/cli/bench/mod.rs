//! `vcnode bench …`: figures, not pass/fail. Run them on a quiet machine.

mod presentations;
mod propagation;
mod qr;

use clap::Subcommand;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Revocation propagation across N node processes.
    Propagation(propagation::PropagationArgs),
    /// A verifier asking N holders for presentations at once: verified/s and latency.
    Presentations(presentations::PresentationsArgs),
    /// QR presentation sizes: version at level M and where the bytes go, per case.
    Qr(qr::QrBenchArgs),
}

pub fn run(cmd: BenchCommand) -> anyhow::Result<i32> {
    match cmd {
        BenchCommand::Propagation(a) => propagation::run(a),
        BenchCommand::Qr(a) => qr::run(a),
        BenchCommand::Presentations(a) => presentations::run(a),
    }
}
