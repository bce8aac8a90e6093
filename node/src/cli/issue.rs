//! `vcnode issue`: build and sign a credential of a kind from a subject file.

use std::path::PathBuf;

use anyhow::{anyhow, Context};
use clap::{Args, ValueEnum};
use credentials::issue::{issue, CredentialRequest, Format};
use credentials::status::{StatusEntry, StatusPurpose};
use credentials::{CredentialKind, Identity};

use crate::issuer_state::IssuerState;

#[derive(Clone, Copy, ValueEnum)]
pub enum KindArg {
    Identity,
    Health,
    Study,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum FormatArg {
    Di,
    Jwt,
    SdJwt,
}

#[derive(Args)]
pub struct IssueArgs {
    /// Credential kind.
    #[arg(long, value_enum)]
    kind: KindArg,
    /// JSON file with the subject's claims (`-` for standard input).
    #[arg(long)]
    subject: String,
    /// Issuer key file.
    #[arg(long)]
    key: PathBuf,
    /// Holder DID: the credential's subject id (and the SD-JWT `cnf` key).
    #[arg(long)]
    holder: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "di")]
    format: FormatArg,
    /// Base URL of this issuer's status lists; lists are `<URL>/revocation/<n>` and `<URL>/suspension/<n>`.
    /// Default: https://status.vcnet.id/<issuer did:key id>.
    #[arg(long)]
    status_list_url: Option<String>,
    /// `validUntil` (RFC 3339); none by default.
    #[arg(long, value_parser = super::parse_time)]
    valid_until: Option<chrono::DateTime<chrono::Utc>>,
}

pub fn run(a: IssueArgs) -> anyhow::Result<i32> {
    let issuer = Identity::load(&a.key)?;
    let text = super::read_input(&a.subject)?;
    let subject: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{}: not JSON", a.subject))?;
    let kind = match a.kind {
        KindArg::Identity => CredentialKind::Identity,
        KindArg::Health => CredentialKind::HealthRecord,
        KindArg::Study => CredentialKind::StudyRecord,
    };
    let format = match a.format {
        FormatArg::Di => Format::DataIntegrity,
        FormatArg::Jwt => Format::Jwt,
        FormatArg::SdJwt => Format::SdJwt,
    };
    if format == Format::SdJwt && a.holder.is_none() {
        return Err(anyhow!("--format sd-jwt needs --holder DID: the holder's key is bound into the credential (cnf)"));
    }
    let base = a.status_list_url.clone().unwrap_or_else(|| {
        format!(
            "https://status.vcnet.id/{}",
            credentials::did::did_fragment(issuer.did())
        )
    });
    let base = base.trim_end_matches('/').to_owned();
    let state_path = IssuerState::path_for_key(&a.key);
    let mut state = IssuerState::load(&state_path, &base)?;
    let mut rng = rand::rngs::OsRng;
    let (shard, index) = state.allocate(
        crate::config::Config::default().status_shards as usize,
        &mut rng,
    );
    let entry = |purpose: StatusPurpose| {
        let list = format!("{base}/{}/{shard}", purpose.as_str());
        StatusEntry {
            id: Some(format!("{list}#{index}")),
            purpose,
            index,
            list,
            message: None,
            reference: None,
        }
    };
    let req = CredentialRequest {
        kind,
        subject,
        holder: a.holder,
        id: None,
        valid_from: chrono::Utc::now(),
        valid_until: a.valid_until,
        status: vec![
            entry(StatusPurpose::Revocation),
            entry(StatusPurpose::Suspension),
        ],
    };
    let issued = issue(format, &issuer, &req, &mut rng)?;
    // Persist the allocation only once the credential exists, so a failed issue wastes nothing;
    // persist before printing, so a printed credential's index is never handed out again.
    state.save()?;
    println!("{}", issued.to_text());
    Ok(0)
}
