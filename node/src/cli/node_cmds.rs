//! Subcommands that create, run and operate a node.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::Args;
use credentials::CredentialKind;
use libp2p::Multiaddr;
use serde_json::{json, Value};

use super::client::Client;
use crate::config::{Config, Consent, DataDir, Role};

/// A credential kind on the command line (`identity`, `health`, `study`).
fn parse_kind(s: &str) -> Result<CredentialKind, String> {
    CredentialKind::parse(s).map_err(|_| format!("`{s}` is not a kind (identity, health, study)"))
}

#[derive(Args)]
pub struct InitArgs {
    /// The node's data directory (created).
    #[arg(long)]
    data_dir: PathBuf,
    /// Roles: any of issuer, holder, verifier.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "verifier")]
    roles: Vec<Role>,
    /// Display name announced to peers.
    #[arg(long)]
    name: String,
    /// Kinds this node issues (issuers): identity, health, study.
    #[arg(long, value_delimiter = ',', value_parser = parse_kind)]
    issue_kinds: Vec<CredentialKind>,
    /// The root authority's DID to pin.
    #[arg(long)]
    root_did: Option<String>,
    /// Holder consent policy: ask or auto.
    #[arg(long, value_enum)]
    consent: Option<Consent>,
    #[command(flatten)]
    passphrase: PassphraseArg,
    /// Keep an issuer's or root authority's node key unencrypted (no passphrase): an explicit
    /// opt-out, recorded in config.toml. A holder's wallet is always encrypted.
    #[arg(long)]
    unencrypted_keys: bool,
    /// Restore a holder from a full wallet backup (`vcnode wallet export --with-key`): the
    /// same key and DID, and the backup's credentials.
    #[arg(long, value_name = "FILE")]
    restore: Option<PathBuf>,
    /// File with the backup's passphrase (default: the node's passphrase).
    #[arg(long, requires = "restore")]
    backup_passphrase_file: Option<PathBuf>,
    /// Serve the HTTP API over HTTPS with a self-signed certificate made now (tls/cert.pem,
    /// for localhost, 127.0.0.1, ::1 and each --tls-name). For a CA-signed certificate, set
    /// tls_cert and tls_key in config.toml instead.
    #[arg(long)]
    tls: bool,
    /// Another DNS name or IP address the self-signed certificate is for (repeatable).
    #[arg(long, requires = "tls")]
    tls_name: Vec<String>,
}

/// Where the passphrase of an encrypted data dir comes from (never a plain flag, which would
/// show in `ps` and shell history).
#[derive(Args)]
pub struct PassphraseArg {
    /// File holding the passphrase (first line). Otherwise the VCNODE_PASSPHRASE variable.
    #[arg(long)]
    pub passphrase_file: Option<PathBuf>,
}

/// The passphrase in a file (its first line).
pub fn read_passphrase_file(f: &Path) -> anyhow::Result<zeroize::Zeroizing<String>> {
    let s = zeroize::Zeroizing::new(
        std::fs::read_to_string(f)
            .with_context(|| format!("reading passphrase file {}", f.display()))?,
    );
    let line = s.lines().next().unwrap_or_default();
    if line.is_empty() {
        bail!("passphrase file {} is empty", f.display());
    }
    Ok(zeroize::Zeroizing::new(line.to_owned()))
}

impl PassphraseArg {
    /// The passphrase, if one was given.
    pub fn get(&self) -> anyhow::Result<Option<zeroize::Zeroizing<String>>> {
        if let Some(f) = &self.passphrase_file {
            return read_passphrase_file(f).map(Some);
        }
        Ok(std::env::var("VCNODE_PASSPHRASE")
            .ok()
            .filter(|p| !p.is_empty())
            .map(zeroize::Zeroizing::new))
    }

    /// The passphrase, required.
    pub fn required(&self) -> anyhow::Result<zeroize::Zeroizing<String>> {
        self.get()?.context(
            "this needs the wallet passphrase: set VCNODE_PASSPHRASE or give --passphrase-file",
        )
    }
}

pub fn init(a: InitArgs) -> anyhow::Result<i32> {
    if DataDir(a.data_dir.clone()).config().exists() {
        bail!("{} is already initialised", a.data_dir.display());
    }
    let mut cfg = Config {
        name: a.name,
        roles: a.roles,
        issue_kinds: a.issue_kinds,
        root_did: a.root_did,
        ..Config::default()
    };
    if let Some(c) = a.consent {
        cfg.consent = c;
    }
    cfg.allow_unencrypted_keys = a.unencrypted_keys;
    cfg.tls = a.tls;
    let pass = a.passphrase.get()?;
    let pass = pass.as_deref().map(String::as_str);
    let did = match &a.restore {
        None => crate::runtime::init(&a.data_dir, &cfg, pass)?,
        Some(file) => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("reading {}", file.display()))?;
            let envelope: crate::store::Envelope = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a wallet export file", file.display()))?;
            let backup_pass = match &a.backup_passphrase_file {
                Some(f) => read_passphrase_file(f)?,
                None => a.passphrase.required()?,
            };
            let backup = crate::store::Backup::open(&envelope, &backup_pass)?;
            let did = crate::runtime::init_restore(&a.data_dir, &cfg, pass, &backup)?;
            eprintln!(
                "restored {} credentials of {did} from {}",
                backup.credentials.len(),
                file.display()
            );
            did
        }
    };
    if a.tls {
        // After the node is set up (a refused init leaves no certificate behind).
        let (cert, key) = crate::tls::default_paths(&a.data_dir);
        let mut names = vec!["localhost".to_owned(), "127.0.0.1".into(), "::1".into()];
        names.extend(a.tls_name.iter().cloned());
        crate::tls::make_self_signed(&cert, &key, &names)?;
        eprintln!(
            "HTTPS: self-signed certificate {} (for {})",
            cert.display(),
            names.join(", ")
        );
    }
    println!("{did}");
    Ok(0)
}

#[derive(Args)]
pub struct PassphraseArgs {
    /// The node's data directory (the node must be stopped).
    #[arg(long)]
    data_dir: PathBuf,
    /// The current passphrase (VCNODE_PASSPHRASE or --passphrase-file); none for a node set
    /// up without one.
    #[command(flatten)]
    passphrase: PassphraseArg,
    /// File with the new passphrase.
    #[arg(long)]
    new_passphrase_file: PathBuf,
}

/// `vcnode passphrase`: re-wraps the data key under a new passphrase, or, for a node set up
/// without one, encrypts its key and wallet (one batch).
pub fn passphrase(a: PassphraseArgs) -> anyhow::Result<i32> {
    let dd = DataDir(a.data_dir.clone());
    if !dd.config().exists() {
        bail!("{} is not an initialised data dir", a.data_dir.display());
    }
    let new = read_passphrase_file(&a.new_passphrase_file)?;
    // A running node holds the store's lock: opening says so.
    let store = crate::store::Store::open(&dd.db())?;
    if store.is_encrypted() {
        let old = a.passphrase.required()?;
        store.change_passphrase(&old, &new)?;
        println!("passphrase changed for {}", a.data_dir.display());
    } else {
        let n = store.encrypt_existing(&new, crate::store::KdfParams::default())?;
        println!(
            "encrypted the node key and {n} wallet credentials of {}; give the passphrase to `vcnode run` from now on",
            a.data_dir.display()
        );
    }
    Ok(0)
}

#[derive(Args)]
pub struct RunArgs {
    /// The node's data directory.
    #[arg(long)]
    data_dir: PathBuf,
    /// Extra peers to dial (multiaddrs), on top of the config's bootstrap list.
    #[arg(long)]
    peer: Vec<Multiaddr>,
    /// Override the libp2p listen addresses.
    #[arg(long)]
    listen: Vec<Multiaddr>,
    /// Override the HTTP API address.
    #[arg(long)]
    http: Option<SocketAddr>,
    /// Enable mDNS discovery.
    #[arg(long)]
    mdns: bool,
    #[command(flatten)]
    passphrase: PassphraseArg,
}

pub fn run(a: RunArgs) -> anyhow::Result<i32> {
    let mut cfg = Config::load(&a.data_dir)?;
    cfg.bootstrap.extend(a.peer);
    if !a.listen.is_empty() {
        cfg.listen = a.listen;
    }
    if let Some(h) = a.http {
        cfg.http_listen = h;
    }
    cfg.mdns |= a.mdns;
    cfg.check(&DataDir(a.data_dir.clone()).config())?;
    let pass = a.passphrase.get()?;
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,libp2p_gossipsub=warn,libp2p_mdns=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let node =
            crate::runtime::start(&a.data_dir, cfg, pass.as_deref().map(String::as_str)).await?;
        drop(pass);
        println!("{}", serde_json::to_string(&node.info)?);
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            _ = tokio::signal::ctrl_c() => tracing::info!("Ctrl-C: stopping"),
            _ = term.recv() => tracing::info!("SIGTERM: stopping"),
        }
        node.stop().await;
        anyhow::Ok(())
    })?;
    // Tasks still holding the node (a request mid-flight) are dropped with the runtime, and
    // blocking work gets a bounded time to end: then the last handle on the store goes and
    // RocksDB closes here, before the process exits, not in a thread racing its teardown.
    rt.shutdown_timeout(std::time::Duration::from_secs(10));
    tracing::info!("stopped");
    Ok(0)
}

#[derive(Args)]
pub struct DataDirArg {
    /// The data directory of the running node to talk to.
    #[arg(long)]
    pub data_dir: PathBuf,
}

fn print(v: &Value) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

#[derive(Args)]
pub struct ClaimArgs {
    #[command(flatten)]
    d: DataDirArg,
    /// The issuer's peer id.
    #[arg(long)]
    issuer: String,
    /// The claim code.
    #[arg(long)]
    code: String,
    /// Format wanted: sd-jwt, jwt or di.
    #[arg(long)]
    format: Option<String>,
}

pub fn claim(a: ClaimArgs) -> anyhow::Result<i32> {
    print(&Client::for_data_dir(&a.d.data_dir)?.post(
        "/admin/claim",
        &json!({"issuer": a.issuer, "code": a.code, "format": a.format}),
    )?)?;
    Ok(0)
}

#[derive(Args)]
pub struct RequestArgs {
    #[command(flatten)]
    d: DataDirArg,
    /// The holder's peer id.
    #[arg(long)]
    from: String,
    /// Acceptable kinds.
    #[arg(long, value_delimiter = ',')]
    kind: Vec<String>,
    /// Claims wanted.
    #[arg(long, value_delimiter = ',')]
    claims: Vec<String>,
    /// Print the whole report as JSON.
    #[arg(long)]
    json: bool,
}

pub fn request_presentation(a: RequestArgs) -> anyhow::Result<i32> {
    let v = Client::for_data_dir(&a.d.data_dir)?.post(
        "/admin/request-presentation",
        &json!({"peer": a.from, "kinds": a.kind, "claims": a.claims}),
    )?;
    if a.json {
        print(&v)?;
    } else {
        let valid = v["valid"].as_bool().unwrap_or(false);
        println!("{}", if valid { "VALID" } else { "INVALID" });
        if let Some(n) = v["issuer_name"].as_str() {
            println!("  issuer: {n}");
        }
        if let Some(c) = v["claims"].as_object() {
            for (k, val) in c.iter().filter(|(k, _)| k.as_str() != "id") {
                println!(
                    "  {k}: {}",
                    val.as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| val.to_string())
                );
            }
        }
        for c in v["checks"].as_array().into_iter().flatten() {
            let detail = c["reason"].as_str().or(c["detail"].as_str()).unwrap_or("");
            println!(
                "  {:<18} {:<5} {detail}",
                c["check"].as_str().unwrap_or(""),
                c["result"].as_str().unwrap_or("")
            );
        }
    }
    Ok(if v["valid"].as_bool() == Some(true) {
        0
    } else {
        1
    })
}

pub fn peers(a: DataDirArg) -> anyhow::Result<i32> {
    print(&Client::for_data_dir(&a.data_dir)?.get("/admin/peers")?)?;
    Ok(0)
}

pub fn status(a: DataDirArg) -> anyhow::Result<i32> {
    print(&Client::for_data_dir(&a.data_dir)?.get("/admin/status")?)?;
    Ok(0)
}

#[derive(Args)]
pub struct RevokeArgs {
    #[command(flatten)]
    d: DataDirArg,
    /// The credential id.
    credential_id: String,
    /// Suspend instead of revoking.
    #[arg(long, conflicts_with = "reinstate")]
    suspend: bool,
    /// Lift a suspension.
    #[arg(long)]
    reinstate: bool,
}

pub fn revoke(a: RevokeArgs) -> anyhow::Result<i32> {
    let action = if a.suspend {
        "suspend"
    } else if a.reinstate {
        "reinstate"
    } else {
        "revoke"
    };
    print(&Client::for_data_dir(&a.d.data_dir)?.post(
        "/admin/revoke",
        &json!({"credential_id": a.credential_id, "action": action}),
    )?)?;
    Ok(0)
}

#[derive(Args)]
pub struct ConsentArgs {
    #[command(flatten)]
    d: DataDirArg,
    /// Approve this request id.
    #[arg(long)]
    approve: Option<String>,
    /// Deny this request id.
    #[arg(long)]
    deny: Option<String>,
}

pub fn consent(a: ConsentArgs) -> anyhow::Result<i32> {
    let c = Client::for_data_dir(&a.d.data_dir)?;
    match (a.approve, a.deny) {
        (Some(id), _) => print(&c.post(
            "/admin/consents/decide",
            &json!({"request_id": id, "approve": true}),
        )?)?,
        (_, Some(id)) => print(&c.post(
            "/admin/consents/decide",
            &json!({"request_id": id, "approve": false}),
        )?)?,
        _ => print(&c.get("/admin/consents")?)?,
    }
    Ok(0)
}

#[derive(Args)]
pub struct AccreditArgs {
    #[command(flatten)]
    d: DataDirArg,
    /// The issuer DID to accredit.
    #[arg(long)]
    issuer: String,
    /// Its display name.
    #[arg(long)]
    name: String,
    /// Kinds it may issue.
    #[arg(long, value_delimiter = ',')]
    kinds: Vec<String>,
    /// End of the accreditation (RFC 3339).
    #[arg(long)]
    valid_until: Option<String>,
    /// Withdraw the issuer's accreditation instead.
    #[arg(long)]
    withdraw: bool,
}

pub fn accredit(a: AccreditArgs) -> anyhow::Result<i32> {
    let c = Client::for_data_dir(&a.d.data_dir)?;
    print(&c.post("/admin/accredit", &json!({"issuer": a.issuer, "name": a.name, "kinds": a.kinds, "valid_until": a.valid_until, "withdraw": a.withdraw}))?)?;
    Ok(0)
}
