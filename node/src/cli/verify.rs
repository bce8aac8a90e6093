//! `vcnode verify`: run the verification pipeline on one or many inputs and print each check.

use anyhow::Context;
use clap::{Args, ValueEnum};
use credentials::did::KeyResolver;
use credentials::status::SignedSnapshot;
use credentials::trust::{Accreditation, TrustEntry};
use credentials::verify::{CheckName, MemoryStatus, MemoryTrust, Outcome};
use credentials::{Verifier, VerifyOptions};

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SkipArg {
    Trust,
    Status,
}

#[derive(Args)]
pub struct VerifyArgs {
    /// Files to verify (`-` for standard input). Several files are verified as one batch.
    #[arg(required = true)]
    inputs: Vec<String>,
    /// Print the reports as JSON.
    #[arg(long)]
    json: bool,
    /// Checks to skip.
    #[arg(long, value_enum)]
    skip: Vec<SkipArg>,
    /// The challenge this verifier issued (presentations).
    #[arg(long)]
    challenge: Option<String>,
    /// This verifier's domain (presentations).
    #[arg(long)]
    domain: Option<String>,
    /// Signed status list snapshots (JWS files) to check status against.
    #[arg(long = "status-list")]
    status_lists: Vec<String>,
    /// Files of signed accreditations (one JWS per line) from the root authority.
    #[arg(long)]
    trust: Vec<String>,
    /// The root authority's DID (needed with --trust).
    #[arg(long)]
    root: Option<String>,
    /// Verify as of this time (RFC 3339) instead of now.
    #[arg(long, value_parser = super::parse_time)]
    now: Option<chrono::DateTime<chrono::Utc>>,
}

pub fn run(a: VerifyArgs) -> anyhow::Result<i32> {
    let keys = KeyResolver::new();
    let mut status = MemoryStatus::new();
    for f in &a.status_lists {
        let jws = super::read_input(f)?;
        let (_, list) =
            SignedSnapshot::open(jws.trim(), &keys).with_context(|| format!("status list {f}"))?;
        status.insert(list);
    }
    let mut trust = MemoryTrust::new();
    for f in &a.trust {
        let root = a
            .root
            .as_deref()
            .context("--trust needs --root DID (the pinned root authority)")?;
        for (n, line) in super::read_input(f)?
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let acc = Accreditation::open(line.trim(), root, &keys)
                .with_context(|| format!("{f}: line {}", n + 1))?;
            trust.insert(TrustEntry {
                accreditation: acc,
                withdrawn: None,
            });
        }
    }
    let texts = a
        .inputs
        .iter()
        .map(|i| super::read_input(i))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut opts = VerifyOptions::at(a.now.unwrap_or_else(chrono::Utc::now));
    opts.challenge = a.challenge;
    opts.domain = a.domain;
    opts.skip_status = a.skip.contains(&SkipArg::Status);
    opts.skip_trust = a.skip.contains(&SkipArg::Trust);
    let verifier = Verifier::new();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let reports = if refs.len() == 1 {
        vec![verifier.verify(refs[0], &opts, &status, &trust)]
    } else {
        verifier.verify_batch(&refs, &opts, &status, &trust)
    };
    if a.json {
        let v = if reports.len() == 1 {
            serde_json::to_value(&reports[0])?
        } else {
            serde_json::to_value(&reports)?
        };
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        for (name, r) in a.inputs.iter().zip(&reports) {
            if reports.len() > 1 {
                println!("== {name}");
            }
            print!("{r}");
        }
    }
    let undecodable = reports
        .iter()
        .any(|r| matches!(r.outcome(CheckName::Decode), Some(Outcome::Fail { .. })));
    Ok(if undecodable {
        super::EXIT_USAGE
    } else if reports.iter().all(|r| r.valid) {
        0
    } else {
        1
    })
}
