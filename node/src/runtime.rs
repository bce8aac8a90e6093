//! Starting and stopping a node: `init` creates a data dir (keys, config, admin token), `start`
//! opens the store, starts the network, the node service and the HTTP API, and returns a
//! handle whose shutdown stops them in order (the store closes last, when the node is dropped).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use credentials::Identity;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::{commented_template, Config, DataDir, Role};
use crate::net::{self, NetConfig};
use crate::roles::Node;
use crate::store::Store;

/// How often an issuer republishes snapshots of its lists and a node syncs with a peer, so
/// nodes that missed gossip converge even without a gap to notice.
pub const ANTI_ENTROPY_SECS: u64 = 30;

/// Why a node could not be set up or started.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error("{0}")]
    Config(#[from] crate::config::ConfigError),
    #[error("{0}")]
    Store(#[from] crate::store::StoreError),
    #[error("{path}: {reason}")]
    File { path: String, reason: String },
    #[error("data dir {path} has no node key: run `vcnode init --data-dir {path}` first")]
    NotInitialised { path: String },
    #[error("network: {0}")]
    Net(String),
    #[error("{0}")]
    PassphraseNeeded(PassphraseNeed),
    #[error("HTTP API: cannot listen on {addr}: {reason}")]
    Http { addr: String, reason: String },
    #[error("restore: {reason}")]
    Restore { reason: String },
    #[error("{0}")]
    Tls(#[from] crate::tls::TlsError),
}

/// Facts about a running node, written to `run.json` in its data dir.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunInfo {
    /// libp2p peer id.
    pub peer_id: String,
    /// did:key.
    pub did: String,
    /// Display name.
    pub name: String,
    /// HTTP API address.
    pub http: String,
    /// libp2p listen addresses (with /p2p/<peer id>).
    pub listen: Vec<String>,
    /// Process id.
    pub pid: u32,
    /// The certificate the HTTP API serves, when it serves HTTPS (clients pin it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_cert: Option<String>,
}

/// Which node needs a passphrase, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PassphraseNeed {
    /// A holder keeps its wallet encrypted, always.
    Holder,
    /// A restored wallet is kept encrypted whatever the node's roles.
    Restore,
    /// An issuer's key signs credentials; opting out is explicit.
    Issuer,
    /// The root authority's key accredits issuers; opting out is explicit.
    Root,
}

impl std::fmt::Display for PassphraseNeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const GIVE: &str = "give a passphrase (VCNODE_PASSPHRASE or --passphrase-file)";
        const OPT_OUT: &str = "or opt out explicitly with `allow_unencrypted_keys = true` in config.toml (`vcnode init --unencrypted-keys`)";
        match self {
            Self::Holder => write!(f, "a holder node keeps its wallet encrypted: {GIVE}"),
            Self::Restore => write!(f, "a restored wallet is kept encrypted: {GIVE}"),
            Self::Issuer => write!(
                f,
                "an issuer node keeps its signing key encrypted: {GIVE}, {OPT_OUT}"
            ),
            Self::Root => write!(
                f,
                "the root authority keeps its signing key encrypted: {GIVE}, {OPT_OUT}"
            ),
        }
    }
}

/// Whether a node may run with its key unencrypted: never a holder; an issuer or the root
/// authority (its DID is the pinned root) only with the explicit opt-out.
fn key_protection(
    cfg: &Config,
    encrypted: bool,
    own_did: Option<&str>,
) -> Result<(), RuntimeError> {
    if encrypted {
        return Ok(());
    }
    if cfg.has_role(Role::Holder) {
        return Err(RuntimeError::PassphraseNeeded(PassphraseNeed::Holder));
    }
    if cfg.allow_unencrypted_keys {
        return Ok(());
    }
    if cfg.has_role(Role::Issuer) {
        return Err(RuntimeError::PassphraseNeeded(PassphraseNeed::Issuer));
    }
    if own_did.is_some() && cfg.root_did.as_deref() == own_did {
        return Err(RuntimeError::PassphraseNeeded(PassphraseNeed::Root));
    }
    Ok(())
}

/// Makes the data dir readable by its owner only (0700): RocksDB creates its files 0644, and
/// the token, keys and wallet must not be readable by other users of the machine.
fn restrict_dir(dir: &Path) -> Result<(), RuntimeError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| file_err(dir, e))?;
    }
    Ok(())
}

fn file_err(path: &Path, e: impl std::fmt::Display) -> RuntimeError {
    RuntimeError::File {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

/// Writes a file readable only by its owner (mode 0600).
pub(crate) fn write_private(path: &Path, data: &[u8]) -> Result<(), RuntimeError> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let mut f = o.open(path).map_err(|e| file_err(path, e))?;
    std::io::Write::write_all(&mut f, data).map_err(|e| file_err(path, e))
}

/// Creates a data dir: node key (in the store), commented config, admin token. Returns the DID.
///
/// With a passphrase, the node key and the wallet are encrypted at rest (Argon2id +
/// XChaCha20-Poly1305, see [`crate::store::vault`]); a holder node must have one.
pub fn init(dir: &Path, cfg: &Config, passphrase: Option<&str>) -> Result<String, RuntimeError> {
    let mut seed = zeroize::Zeroizing::new([0u8; 32]);
    rand::rngs::OsRng.fill_bytes(seed.as_mut());
    init_with(dir, cfg, passphrase, &seed, &[])
}

/// Initialises a node from a full wallet backup (`wallet export --with-key`): the same key, so
/// the same DID and libp2p identity, and the backup's credentials, written with the key in one
/// batch.
pub fn init_restore(
    dir: &Path,
    cfg: &Config,
    passphrase: Option<&str>,
    backup: &crate::store::Backup,
) -> Result<String, RuntimeError> {
    let restore = |reason: String| RuntimeError::Restore { reason };
    if passphrase.is_none() {
        return Err(RuntimeError::PassphraseNeeded(PassphraseNeed::Restore));
    }
    let seed = backup
        .seed()
        .map_err(|e| restore(e.to_string()))?
        .ok_or_else(|| {
            restore(
                "the export holds no key: make it with `vcnode wallet export --with-key`".into(),
            )
        })?;
    let did = Identity::from_seed(&seed).did().to_owned();
    if let Some(h) = backup.holder.as_deref().filter(|h| *h != did) {
        return Err(restore(format!(
            "the export names holder {h}, but its key is {did}: the file is inconsistent"
        )));
    }
    init_with(dir, cfg, passphrase, &seed, &backup.credentials)
}

/// [`init`] with a given node key seed (benchmarks that must know the DID before the data
/// dir exists).
pub fn init_with_seed(
    dir: &Path,
    cfg: &Config,
    passphrase: Option<&str>,
    seed: &[u8; 32],
) -> Result<String, RuntimeError> {
    init_with(dir, cfg, passphrase, seed, &[])
}

fn init_with(
    dir: &Path,
    cfg: &Config,
    passphrase: Option<&str>,
    seed: &[u8; 32],
    wallet: &[crate::store::WalletEntry],
) -> Result<String, RuntimeError> {
    let dd = DataDir(dir.to_owned());
    key_protection(cfg, passphrase.is_some(), None)?;
    std::fs::create_dir_all(dir).map_err(|e| file_err(dir, e))?;
    restrict_dir(dir)?;
    cfg.check(&dd.config())?;
    let store = Store::open(&dd.db())?;
    if let Some(p) = passphrase {
        store.create_vault(p, crate::store::KdfParams::default())?;
    }
    let id = Identity::from_seed(seed);
    store.init_node(seed, id.did(), wallet)?;
    std::fs::write(dd.config(), commented_template(cfg)).map_err(|e| file_err(&dd.config(), e))?;
    let mut tok = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut tok);
    write_private(&dd.token(), bs58::encode(tok).into_string().as_bytes())?;
    Ok(id.did().to_owned())
}

/// A started node.
pub struct RunningNode {
    /// The node service.
    pub node: Arc<Node>,
    /// Where the HTTP API listens.
    pub http: SocketAddr,
    /// Facts written to run.json.
    pub info: RunInfo,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    run_file: PathBuf,
}

impl RunningNode {
    /// Signals every task to stop, waits for them, and removes run.json.
    pub async fn stop(mut self) {
        let _ = self.shutdown.send(true);
        for t in std::mem::take(&mut self.tasks) {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(5), t).await;
        }
        self.node.shutdown().await;
        let _ = std::fs::remove_file(&self.run_file);
    }
}

impl Drop for RunningNode {
    /// A node dropped without [`RunningNode::stop`] (a test that ends, a caller that errs out)
    /// still tells its tasks to stop, joins the verification thread and stops RocksDB's
    /// background work, so no thread is left closing RocksDB while the process exits (which
    /// aborts it: "pthread lock: Invalid argument"). After `stop` this does nothing new.
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        self.node.shutdown_now();
    }
}

/// Starts a node from its data dir with `cfg` (already merged with flags), unlocking its
/// encrypted key and wallet with `passphrase` (a wrong one stops here, nothing changed).
pub async fn start(
    dir: &Path,
    cfg: Config,
    passphrase: Option<&str>,
) -> Result<RunningNode, RuntimeError> {
    let dd = DataDir(dir.to_owned());
    restrict_dir(dir)?;
    let store = Store::open(&dd.db())?;
    store.set_sync_acknowledged(cfg.sync_acknowledged_writes);
    if let Some(p) = passphrase {
        store.unlock(p)?;
    }
    let seed = store
        .node_seed()?
        .ok_or_else(|| RuntimeError::NotInitialised {
            path: dir.display().to_string(),
        })?;
    let token = std::fs::read_to_string(dd.token())
        .map_err(|e| file_err(&dd.token(), e))?
        .trim()
        .to_owned();
    let identity = Identity::from_seed(&seed);
    key_protection(&cfg, store.is_encrypted(), Some(identity.did()))?;
    let key = libp2p::identity::Keypair::ed25519_from_bytes(*seed)
        .map_err(|e| RuntimeError::Net(e.to_string()))?;
    credentials::schema::warm_up();

    let listener = tokio::net::TcpListener::bind(cfg.http_listen)
        .await
        .map_err(|e| RuntimeError::Http {
            addr: cfg.http_listen.to_string(),
            reason: e.to_string(),
        })?;
    let http = listener.local_addr().map_err(|e| RuntimeError::Http {
        addr: cfg.http_listen.to_string(),
        reason: e.to_string(),
    })?;
    // HTTPS when configured: the certificate and key are read before anything starts.
    let tls = if cfg.tls {
        let (default_cert, default_key) = crate::tls::default_paths(dir);
        let cert = cfg.tls_cert.clone().unwrap_or(default_cert);
        let key = cfg.tls_key.clone().unwrap_or(default_key);
        let server = crate::tls::server_config(&cert, &key)?;
        Some((cert, server))
    } else {
        None
    };
    let tls_cert = tls.as_ref().map(|(c, _)| c.clone());
    let status_base = status_base(
        cfg.status_base_url.as_deref(),
        &http.to_string(),
        identity.did(),
        tls.is_some(),
    );

    let (shutdown, shutdown_rx) = watch::channel(false);
    let net_cfg = NetConfig {
        key,
        listen: cfg.listen.clone(),
        bootstrap: cfg.bootstrap.clone(),
        mdns: cfg.mdns,
        limits: crate::net::rate_limit::Limits::default(),
        name: cfg.name.clone(),
        roles: cfg.roles.iter().map(|r| r.to_string()).collect(),
    };
    let (handle, inbound, event_loop) =
        net::start(net_cfg, shutdown_rx.clone()).map_err(RuntimeError::Net)?;
    let mut tasks = vec![tokio::spawn(event_loop.run())];
    let public_url = cfg
        .public_url
        .as_deref()
        .map(|u| u.trim_end_matches('/').to_owned())
        .unwrap_or_else(|| format!("{}://{http}", if tls.is_some() { "https" } else { "http" }));
    let node = Node::new(
        cfg.clone(),
        identity,
        store,
        handle.clone(),
        status_base,
        public_url,
    )
    .map_err(RuntimeError::Store)?;
    if cfg.has_role(Role::Issuer) {
        if let Err(e) = node.repair_missing_lists() {
            tracing::error!(error = %e, "checking status lists of allocated shards");
        }
    }
    tasks.push(tokio::spawn(node.clone().serve_inbound(inbound)));

    let state = crate::api::ApiState {
        node: node.clone(),
        token: Arc::new(token),
        sessions: Arc::default(),
    };
    let app = crate::api::router(state);
    let mut srx = shutdown_rx.clone();
    match tls {
        None => tasks.push(tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = srx.changed().await;
                })
                .await;
        })),
        Some((_, server)) => {
            let listener =
                crate::tls::TlsListener::new(listener, server).map_err(|e| RuntimeError::Http {
                    addr: http.to_string(),
                    reason: e.to_string(),
                })?;
            tasks.push(tokio::spawn(async move {
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async move {
                        let _ = srx.changed().await;
                    })
                    .await;
            }));
        }
    }

    // Heartbeats: an issuer says, signed and on a timer, that its lists are current.
    if cfg.has_role(Role::Issuer) {
        let n2 = node.clone();
        let mut srx = shutdown_rx.clone();
        let every = std::time::Duration::from_secs(u64::from(cfg.heartbeat_secs));
        tasks.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tokio::select! {
                    _ = tick.tick() => n2.publish_heartbeat().await,
                    _ = srx.changed() => break,
                }
            }
        }));
    }

    // Anti-entropy: republish own snapshots, sync with one connected peer.
    let n2 = node.clone();
    let mut srx = shutdown_rx.clone();
    tasks.push(tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(ANTI_ENTROPY_SECS));
        tick.tick().await;
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    if n2.cfg.has_role(Role::Issuer) {
                        n2.publish_snapshots().await;
                    }
                    if let Ok(peers) = n2.net.peers().await {
                        let connected: Vec<_> = peers.iter().filter(|p| p.connected).collect();
                        if let Some(p) = pick(&connected, rand::random::<u64>()) {
                            n2.sync_from(&p.peer_id).await;
                        }
                    }
                }
                _ = srx.changed() => break,
            }
        }
    }));

    // The listen addresses are known once the transports bind.
    let mut listen = Vec::new();
    for _ in 0..200 {
        listen = handle.listeners().await.unwrap_or_default();
        if listen.len() >= cfg.listen.len() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let peer_id = handle.local_peer_id();
    let info = RunInfo {
        peer_id: peer_id.to_string(),
        did: node.identity.did().to_owned(),
        name: cfg.name.clone(),
        http: http.to_string(),
        listen: listen
            .iter()
            .map(|a| format!("{a}/p2p/{peer_id}"))
            .collect(),
        pid: std::process::id(),
        tls_cert: tls_cert.as_ref().map(|p| p.display().to_string()),
    };
    let run_file = dd.run_file();
    // Written aside and renamed: whoever waits for run.json never reads half of it.
    let tmp = run_file.with_extension("json.tmp");
    let text = serde_json::to_vec_pretty(&info).map_err(|e| file_err(&run_file, e))?;
    std::fs::write(&tmp, text).map_err(|e| file_err(&tmp, e))?;
    std::fs::rename(&tmp, &run_file).map_err(|e| file_err(&run_file, e))?;
    tracing::info!(did = %info.did, peer = %info.peer_id, http = %info.http, "node started");
    Ok(RunningNode {
        node,
        http,
        info,
        shutdown,
        tasks,
        run_file,
    })
}

/// The base URL of an issuer's lists. Every node replicates a list only when its URL names
/// its owner's DID (so no issuer can claim another's list URL), so a configured base that
/// does not is extended with the DID's key id: `<base>/<z6Mk…>`.
fn status_base(configured: Option<&str>, http: &str, did: &str, tls: bool) -> String {
    match configured {
        None if tls => format!("https://{http}/status/{did}"),
        None => format!("http://{http}/status/{did}"),
        Some(b) if b.contains(credentials::did::did_fragment(did)) => {
            b.trim_end_matches('/').to_owned()
        }
        Some(b) => format!(
            "{}/{}",
            b.trim_end_matches('/'),
            credentials::did::did_fragment(did)
        ),
    }
}

#[cfg(test)]
mod status_base_tests {
    #[test]
    fn a_configured_base_always_names_the_owner() {
        let did = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";
        let frag = credentials::did::did_fragment(did);
        assert_eq!(
            super::status_base(Some("https://s.example/agency/"), "x", did, false),
            format!("https://s.example/agency/{frag}")
        );
        let own = format!("https://s.example/{frag}");
        assert_eq!(super::status_base(Some(&own), "x", did, false), own);
        assert_eq!(
            super::status_base(None, "127.0.0.1:80", did, false),
            format!("http://127.0.0.1:80/status/{did}")
        );
        // With TLS on, the lists are https:// (standard document loaders refuse http://).
        assert_eq!(
            super::status_base(None, "127.0.0.1:443", did, true),
            format!("https://127.0.0.1:443/status/{did}")
        );
    }
}

/// The anti-entropy partner: one of the connected peers, uniformly (`None` only when none is).
fn pick<T>(connected: &[T], random: u64) -> Option<&T> {
    connected.get((random % (connected.len() as u64).max(1)) as usize)
}

#[cfg(test)]
mod anti_entropy_tests {
    #[test]
    fn the_partner_is_always_a_connected_peer() {
        let none: [u8; 0] = [];
        assert_eq!(super::pick(&none, 7), None);
        let peers = [1, 2, 3];
        let mut seen = std::collections::HashSet::new();
        for r in 0..30u64 {
            let p = super::pick(&peers, r.wrapping_mul(0x9e37_79b9_7f4a_7c15));
            seen.insert(*p.expect("a connected peer is always picked"));
        }
        assert_eq!(seen.len(), 3, "every connected peer gets picked");
    }
}
