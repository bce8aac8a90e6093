//! Real nodes started in this process on loopback: RocksDB stores in the given directories,
//! libp2p over 127.0.0.1 TCP, encrypted secrets. The building blocks that
//! `vcnode bench presentations` and the integration tests share: a loopback config, starting a
//! root authority and other nodes, waiting for the gossip mesh, and accrediting an issuer.

use std::path::Path;
use std::time::{Duration, Instant};

use credentials::trust::Accreditation;
use credentials::CredentialKind;

use libp2p::multiaddr::Protocol;
use libp2p::Multiaddr;

use crate::config::{Config, Consent, Role};
use crate::roles::status::GossipMessage;
use crate::runtime::{self, RunningNode, RuntimeError};

/// Why a local network could not be brought up.
#[derive(Debug, thiserror::Error)]
pub enum LocalNetError {
    #[error("{0}")]
    Runtime(#[from] RuntimeError),
    #[error("timed out after {after:?} waiting for: {what}")]
    Timeout { what: String, after: Duration },
    #[error("the root authority refused the accreditation: {0}")]
    Accreditation(crate::roles::NodeError),
}

/// `/ip4/127.0.0.1/tcp/0`: loopback TCP on a free port.
pub fn loopback_tcp() -> Multiaddr {
    Multiaddr::from(std::net::Ipv4Addr::LOCALHOST).with(Protocol::Tcp(0))
}

/// `/ip4/127.0.0.1/udp/0/quic-v1`: loopback QUIC on a free port.
pub fn loopback_quic() -> Multiaddr {
    Multiaddr::from(std::net::Ipv4Addr::LOCALHOST)
        .with(Protocol::Udp(0))
        .with(Protocol::QuicV1)
}

/// A node listening on an ephemeral loopback port, bootstrapping from `bootstrap`, trusting
/// `root`, consenting to presentation requests automatically. An issuer issues `issue_kinds`.
pub fn config(
    name: &str,
    roles: &[Role],
    root: Option<&str>,
    bootstrap: Vec<Multiaddr>,
    issue_kinds: &[CredentialKind],
) -> Config {
    Config {
        name: name.into(),
        roles: roles.to_vec(),
        listen: vec![loopback_tcp()],
        bootstrap,
        root_did: root.map(str::to_owned),
        issue_kinds: issue_kinds.to_vec(),
        consent: Consent::Auto,
        ..Config::default()
    }
}

/// Initialises the node in `dir` when it is new, then starts it.
pub async fn start(
    dir: &Path,
    cfg: Config,
    passphrase: &str,
) -> Result<RunningNode, LocalNetError> {
    if !dir.join("config.toml").exists() {
        runtime::init(dir, &cfg, Some(passphrase))?;
    }
    Ok(runtime::start(dir, cfg, Some(passphrase)).await?)
}

/// Starts a root authority (a verifier that is its own root) in `dir`; returns it and its DID,
/// which every other node needs before it starts.
pub async fn start_root(
    dir: &Path,
    name: &str,
    passphrase: &str,
) -> Result<(RunningNode, String), LocalNetError> {
    let cfg = config(name, &[Role::Verifier], None, vec![], &[]);
    let did = runtime::init(dir, &cfg, Some(passphrase))?;
    let root = start(
        dir,
        Config {
            root_did: Some(did.clone()),
            ..cfg
        },
        passphrase,
    )
    .await?;
    Ok((root, did))
}

/// Polls `cond` every 20 ms until it holds, or fails naming `what` after `timeout`.
pub async fn wait_until(
    what: &str,
    timeout: Duration,
    mut cond: impl FnMut() -> bool,
) -> Result<(), LocalNetError> {
    let start = Instant::now();
    while !cond() {
        if start.elapsed() > timeout {
            return Err(LocalNetError::Timeout {
                what: what.to_owned(),
                after: timeout,
            });
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

/// Waits until every node has at least one connected peer.
pub async fn wait_connected(
    nodes: &[&RunningNode],
    timeout: Duration,
) -> Result<(), LocalNetError> {
    for n in nodes {
        let start = Instant::now();
        loop {
            let connected = n.node.net.connected().await.unwrap_or(0);
            if connected >= 1 {
                break;
            }
            if start.elapsed() > timeout {
                return Err(LocalNetError::Timeout {
                    what: format!("{} to connect to a peer", n.node.cfg.name),
                    after: timeout,
                });
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    Ok(())
}

/// The root accredits `issuer` as `name` for `kinds` (from 2020, open-ended); returns once every
/// node of `observers` holds the accreditation.
pub async fn accredit(
    root: &RunningNode,
    issuer: &RunningNode,
    name: &str,
    kinds: &[CredentialKind],
    observers: &[&RunningNode],
    timeout: Duration,
) -> Result<(), LocalNetError> {
    let issuer_did = issuer.node.identity.did().to_owned();
    let acc = Accreditation {
        issuer: issuer_did.clone(),
        name: name.into(),
        kinds: kinds.to_vec(),
        valid_from: "2020-01-01T00:00:00Z".into(),
        valid_until: None,
        version: 1,
    };
    root.node
        .submit_trust(GossipMessage::Accreditation(acc.sign(&root.node.identity)))
        .await
        .map_err(LocalNetError::Accreditation)?;
    for o in observers {
        let node = &o.node;
        wait_until(
            &format!("{} to hold the accreditation of {name}", node.cfg.name),
            timeout,
            || node.trust_record(&issuer_did).is_ok_and(|t| t.is_some()),
        )
        .await?;
    }
    Ok(())
}
