//! The `vcnode` command line (clap derive). Each subcommand lives in its own module; this one only
//! parses and dispatches, and maps results to exit codes: 0 success/valid, 1 invalid, 2 unusable
//! input or arguments, 3 cannot be sure (no check failed, but a status list is not held or not
//! confirmed current recently enough).

mod bench;
pub mod client;
mod import;
mod install;
mod issue;
mod key;
mod node_cmds;
mod present;
mod qr;
mod records_gen;
mod sign;
mod topology;
mod verify;
mod wallet;

use clap::{Parser, Subcommand};

/// Exit code for unusable input or arguments.
pub const EXIT_USAGE: i32 = 2;
/// Exit code for "cannot be sure" (see [`credentials::verify::Verdict::CannotBeSure`]).
pub const EXIT_CANNOT_BE_SURE: i32 = 3;

#[derive(Parser)]
#[command(
    name = "vcnode",
    version = concat!(env!("CARGO_PKG_VERSION"), " (", env!("VCNODE_GIT_REVISION"), ")"),
    about = "vcnet node: issue, hold, present, verify and revoke W3C verifiable credentials"
)]
pub(crate) struct Cli {
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
    /// Secure any credential or presentation JSON with a private key (key file or JWK).
    Sign(sign::SignArgs),
    /// Make a presentation from a held credential.
    Present(present::PresentArgs),
    /// Create a node's data dir: keys, commented config, admin token.
    Init(node_cmds::InitArgs),
    /// Run a node until Ctrl-C or SIGTERM.
    Run(node_cmds::RunArgs),
    /// Change a stopped node's passphrase, or encrypt a node set up without one.
    Passphrase(node_cmds::PassphraseArgs),
    /// Issuer: import subject records (JSON Lines or CSV); prints one claim code per record.
    #[command(subcommand)]
    Records(RecordsCommand),
    /// Holder: claim a credential from an issuer with a claim code.
    Claim(node_cmds::ClaimArgs),
    /// Holder: the wallet (list, show, export, import, delete).
    #[command(subcommand)]
    Wallet(wallet::WalletCommand),
    /// Holder: a presentation as a QR code (PNG, SVG or terminal), disclosing only chosen claims.
    Qr(qr::QrArgs),
    /// Verifier: a signed presentation request as a QR code, for a holder's `vcnode qr --request`.
    RequestQr(qr::RequestQrArgs),
    /// Verifier: ask a holder for a presentation and verify it.
    RequestPresentation(node_cmds::RequestArgs),
    /// Holder: list, approve or deny waiting presentation requests.
    Consent(node_cmds::ConsentArgs),
    /// Peers the running node knows.
    Peers(node_cmds::DataDirArg),
    /// The running node's identity, peers and status lists.
    Status(node_cmds::DataDirArg),
    /// Issuer: revoke, suspend or reinstate a credential it issued.
    Revoke(node_cmds::RevokeArgs),
    /// Root authority: accredit an issuer for kinds (or withdraw it).
    Accredit(node_cmds::AccreditArgs),
    /// Check a testnet topology file and list its nodes (used by testnet/up.sh).
    Topology(topology::TopologyArgs),
    /// Benchmarks over real node processes.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Shell completions (bash, zsh, fish, elvish, powershell) on standard output.
    Completions(install::CompletionsArgs),
    /// Man pages, generated from this command line.
    Man(install::ManArgs),
}

#[derive(Subcommand)]
enum RecordsCommand {
    /// Import records into a running issuer node, for claim codes or issued at once (in
    /// batches, with progress; `--resume` goes on after an interruption).
    Import(import::ImportArgs),
    /// Write realistic synthetic residents (identity records) as JSON Lines.
    Generate(records_gen::GenerateArgs),
    /// The OpenID4VCI offer of an unclaimed claim code, for a phone wallet: the
    /// `openid-credential-offer://` link (add --qr for a terminal QR code of it).
    Offer(import::OfferArgs),
}

/// Runs the command line and returns the process exit code.
pub fn main() -> i32 {
    run_from(std::env::args_os())
}

/// Runs a command line given as its words (the first is the program name) and returns the
/// exit code, as `vcnode` would.
pub fn run_from<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
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
        Command::Sign(a) => sign::run(a),
        Command::Present(a) => present::run(a),
        Command::Init(a) => node_cmds::init(a),
        Command::Passphrase(a) => node_cmds::passphrase(a),
        Command::Run(a) => node_cmds::run(a),
        Command::Records(RecordsCommand::Import(a)) => import::run(a),
        Command::Records(RecordsCommand::Generate(a)) => records_gen::run(a),
        Command::Records(RecordsCommand::Offer(a)) => import::offer(a),
        Command::Claim(a) => node_cmds::claim(a),
        Command::Wallet(c) => wallet::run(c),
        Command::Qr(a) => qr::qr(a),
        Command::RequestQr(a) => qr::request_qr(a),
        Command::RequestPresentation(a) => node_cmds::request_presentation(a),
        Command::Consent(a) => node_cmds::consent(a),
        Command::Peers(a) => node_cmds::peers(a),
        Command::Status(a) => node_cmds::status(a),
        Command::Revoke(a) => node_cmds::revoke(a),
        Command::Accredit(a) => node_cmds::accredit(a),
        Command::Topology(a) => topology::run(a),
        Command::Bench(b) => bench::run(b),
        Command::Completions(a) => install::completions(a),
        Command::Man(a) => install::man(a),
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
    String::from_utf8(read_input_bytes(path)?)
        .map_err(|_| anyhow::anyhow!("{path} is not UTF-8 text"))
}

/// Reads a file's bytes, or standard input for `-`.
pub(crate) fn read_input_bytes(path: &str) -> anyhow::Result<Vec<u8>> {
    use anyhow::Context;
    let mut b = Vec::new();
    if path == "-" {
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut b)
            .context("reading standard input")?;
    } else {
        b = std::fs::read(path).with_context(|| format!("reading {path}"))?;
    }
    Ok(b)
}

/// Parses `--now`-style RFC 3339 arguments.
pub(crate) fn parse_time(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    credentials::time::parse(s)
}
