//! The `vcnode` command line (clap derive). Each subcommand lives in its own module; this one only
//! parses and dispatches, and maps results to exit codes: 0 success/valid, 1 invalid, 2 unusable
//! input or arguments.

mod issue;
mod key;
mod present;
mod verify;

use clap::{Parser, Subcommand};

/// Exit code for unusable input or arguments.
pub const EXIT_USAGE: i32 = 2;

#[derive(Parser)]
#[command(name = "vcnode", version, about = "vcnet node: issue, hold, present, verify and revoke W3C verifiable credentials")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Manage did:key identities.
    #[command(subcommand)]
    Key(key::KeyCommand),
    /// Issue a credential from a subject file.
    Issue(issue::IssueArgs),
    /// Verify credentials or presentations (any supported encoding, detected).
    Verify(verify::VerifyArgs),
    /// Make a presentation from a held credential.
    Present(present::PresentArgs),
}

/// Runs the command line and returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_USAGE } else { 0 };
        }
    };
    let result = match cli.command {
        Command::Key(k) => key::run(k),
        Command::Issue(a) => issue::run(a),
        Command::Verify(a) => verify::run(a),
        Command::Present(a) => present::run(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            EXIT_USAGE
        }
    }
}

/// Reads a file, or standard input for `-`.
pub(crate) fn read_input(path: &str) -> anyhow::Result<String> {
    use anyhow::Context;
    if path == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s).context("reading standard input")?;
        Ok(s)
    } else {
        std::fs::read_to_string(path).with_context(|| format!("reading {path}"))
    }
}

/// Parses `--now`-style RFC 3339 arguments.
pub(crate) fn parse_time(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    credentials::time::parse(s)
}
