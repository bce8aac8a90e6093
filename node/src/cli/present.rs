//! `vcnode present`: make a presentation from a credential the holder has, disclosing only the
//! claims asked for (SD-JWT) or the whole credential (vc+jwt, Data Integrity).

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use credentials::present::{present_di, present_jwt, present_sd_jwt, Audience};
use credentials::Identity;

#[derive(Args)]
pub struct PresentArgs {
    /// The credential file (`-` for standard input).
    #[arg(long)]
    credential: String,
    /// The holder's key file.
    #[arg(long)]
    key: PathBuf,
    /// Subject claims to disclose (SD-JWT), comma-separated: `fullName,dateOfBirth`, `immunizations[0]`.
    #[arg(long, value_delimiter = ',')]
    claims: Vec<String>,
    /// The verifier's challenge (nonce).
    #[arg(long)]
    challenge: Option<String>,
    /// The verifier's domain (audience).
    #[arg(long)]
    domain: Option<String>,
    /// How long the presentation stays valid, in seconds.
    #[arg(long)]
    valid_for: Option<i64>,
}

pub fn run(a: PresentArgs) -> anyhow::Result<i32> {
    let holder = Identity::load(&a.key)?;
    let cred = super::read_input(&a.credential)?;
    let cred = cred.trim();
    let now = chrono::Utc::now();
    let audience = Audience {
        challenge: a.challenge,
        domain: a.domain,
        expires: a.valid_for.map(|s| now + chrono::Duration::seconds(s)),
    };
    let out = if cred.starts_with('{') {
        let v: serde_json::Value = serde_json::from_str(cred).context("credential is not JSON")?;
        serde_json::to_string_pretty(&present_di(&[v], &holder, &audience, now)?)?
    } else if cred.contains('~') {
        present_sd_jwt(cred, &a.claims, &holder, &audience, now)?
    } else {
        present_jwt(&[cred], &holder, &audience, now)
    };
    println!("{out}");
    Ok(0)
}
