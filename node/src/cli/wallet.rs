//! `vcnode wallet list|show|export|import|delete`: the holder's wallet on its running node.
//! Export and delete need the wallet's passphrase (only the owner may); an export file is
//! encrypted (Argon2id + XChaCha20-Poly1305) and written with mode 0600.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::json;

use super::client::Client;
use super::node_cmds::{read_passphrase_file, DataDirArg, PassphraseArg};

#[derive(Subcommand)]
pub enum WalletCommand {
    /// List the credentials held (no contents).
    List(DataDirArg),
    /// Show one credential: its claims and a fresh check (status, trust) from the node's store.
    Show(ShowArgs),
    /// Write the whole wallet to an encrypted file (with --with-key: a full backup).
    Export(ExportArgs),
    /// Restore credentials from an export file (all or nothing).
    Import(ImportArgs),
    /// Delete a credential.
    Delete(DeleteArgs),
    /// Ask the credential's issuer for a status staple (a signed "neither revoked nor
    /// suspended as of now") and keep it with the credential: presentations carry it, so a
    /// verifier whose lists are stale can still decide. The issuer learns that you are about
    /// to show the credential, not where.
    Staple(ShowArgs),
    /// Receive a credential from an OpenID4VCI credential offer (the `openid-credential-offer://`
    /// link or QR text on a claim letter, from any pre-authorized issuer): the node proves its
    /// key to the issuer and keeps the SD-JWT VC it gets.
    Receive(ReceiveArgs),
    /// Answer an OpenID4VP request (the `openid4vp://` link or QR text a verifier shows) with
    /// an SD-JWT VC from the wallet, disclosing only the claims it asks for.
    Present(PresentArgs),
}

#[derive(Args)]
pub struct PresentArgs {
    #[command(flatten)]
    d: DataDirArg,
    /// The request link.
    request: String,
}

#[derive(Args)]
pub struct ReceiveArgs {
    #[command(flatten)]
    d: DataDirArg,
    /// The offer link.
    offer: String,
    /// The transaction code the issuer sent apart from the letter, when the offer needs one.
    #[arg(long)]
    tx_code: Option<String>,
}

#[derive(Args)]
pub struct ShowArgs {
    #[command(flatten)]
    d: DataDirArg,
    /// Credential id (from `wallet list`).
    id: String,
}

#[derive(Args)]
pub struct ExportArgs {
    #[command(flatten)]
    d: DataDirArg,
    /// The export file to write.
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    passphrase: PassphraseArg,
    /// File with a different passphrase for the export (default: the wallet's).
    #[arg(long)]
    export_passphrase_file: Option<PathBuf>,
    /// Also export the node's key (encrypted like the rest): a full backup that
    /// `vcnode init --restore` brings up on a new device as the same holder.
    #[arg(long)]
    with_key: bool,
}

#[derive(Args)]
pub struct ImportArgs {
    #[command(flatten)]
    d: DataDirArg,
    /// The export file.
    file: PathBuf,
    /// The export's passphrase (VCNODE_PASSPHRASE or --passphrase-file).
    #[command(flatten)]
    passphrase: PassphraseArg,
}

#[derive(Args)]
pub struct DeleteArgs {
    #[command(flatten)]
    d: DataDirArg,
    /// Credential id.
    id: String,
    #[command(flatten)]
    passphrase: PassphraseArg,
}

fn print(v: &serde_json::Value) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

pub fn run(c: WalletCommand) -> anyhow::Result<i32> {
    match c {
        WalletCommand::List(a) => print(&Client::for_data_dir(&a.data_dir)?.get("/admin/wallet")?)?,
        WalletCommand::Show(a) => {
            let id = super::client::escape(&a.id);
            print(&Client::for_data_dir(&a.d.data_dir)?.get(&format!("/admin/wallet/{id}"))?)?
        }
        WalletCommand::Export(a) => {
            let pass = a.passphrase.required()?;
            let export = a
                .export_passphrase_file
                .as_deref()
                .map(read_passphrase_file)
                .transpose()?;
            let v = Client::for_data_dir(&a.d.data_dir)?.post(
                "/admin/wallet/export",
                &json!({
                    "passphrase": pass.as_str(),
                    "exportPassphrase": export.as_deref().map(String::as_str),
                    "withKey": a.with_key,
                }),
            )?;
            crate::runtime::write_private(&a.out, &serde_json::to_vec_pretty(&v["file"])?)?;
            println!(
                "exported {} credentials{} (encrypted) to {}",
                v["count"],
                if a.with_key { " and the node key" } else { "" },
                a.out.display()
            );
        }
        WalletCommand::Import(a) => {
            let pass = a.passphrase.required()?;
            let text = std::fs::read_to_string(&a.file)
                .with_context(|| format!("reading {}", a.file.display()))?;
            let file: serde_json::Value = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a wallet export file", a.file.display()))?;
            let v = Client::for_data_dir(&a.d.data_dir)?.post(
                "/admin/wallet/import",
                &json!({"passphrase": pass.as_str(), "file": file}),
            )?;
            println!("imported {} credentials", v["imported"]);
        }
        WalletCommand::Receive(a) => {
            let v = Client::for_data_dir(&a.d.data_dir)?.post(
                "/admin/wallet/receive",
                &json!({"offer": a.offer, "txCode": a.tx_code}),
            )?;
            println!(
                "received {} {} from {} ({})",
                v["kind"].as_str().unwrap_or("?"),
                v["id"].as_str().unwrap_or("?"),
                v["issuerName"]
                    .as_str()
                    .or(v["issuer"].as_str())
                    .unwrap_or("?"),
                v["format"].as_str().unwrap_or("?"),
            );
        }
        WalletCommand::Present(a) => {
            let v = Client::for_data_dir(&a.d.data_dir)?
                .post("/admin/wallet/present", &json!({"request": a.request}))?;
            let claims: Vec<&str> = v["claims"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| c.as_str())
                .collect();
            println!(
                "presented {} to {} ({}), disclosing: {}",
                v["credentialId"].as_str().unwrap_or("?"),
                v["verifier"].as_str().unwrap_or("?"),
                v["responseMode"].as_str().unwrap_or("?"),
                if claims.is_empty() {
                    "no claims".to_owned()
                } else {
                    claims.join(", ")
                }
            );
        }
        WalletCommand::Staple(a) => {
            let v = Client::for_data_dir(&a.d.data_dir)?
                .post("/admin/wallet/staple", &json!({"id": a.id}))?;
            println!(
                "status staple for {} as of {}",
                a.id,
                v["asOf"].as_str().unwrap_or("?")
            );
        }
        WalletCommand::Delete(a) => {
            let pass = a.passphrase.required()?;
            Client::for_data_dir(&a.d.data_dir)?.post(
                "/admin/wallet/delete",
                &json!({"id": a.id, "passphrase": pass.as_str()}),
            )?;
            println!("deleted {}", a.id);
        }
    }
    Ok(0)
}
