//! The shared world of the integration tests: a real four-node network on loopback (root
//! authority, national identity agency, citizen, clinic) with real libp2p connections and real
//! RocksDB stores in temp dirs, and a small HTTP/1.1 client that returns status codes.

use std::path::Path;
use std::time::Duration;

use credentials::CredentialKind;
use node::config::{Config, Role};
use node::local_net;
use node::roles::Node;
use node::runtime::RunningNode;

pub mod hostile;
pub mod http;
pub mod webdriver;

/// Longest any awaited condition may take before the test fails naming it.
pub const WAIT: Duration = Duration::from_secs(20);

pub async fn wait_until(what: &str, cond: impl FnMut() -> bool) {
    if let Err(e) = local_net::wait_until(what, WAIT, cond).await {
        panic!("{e}");
    }
}

/// A test node's config: an issuer issues identity and health records; `bootstrap` holds
/// listen addresses as a node's run info gives them.
pub fn cfg(name: &str, roles: &[Role], root: &str, bootstrap: Vec<String>) -> Config {
    let kinds: &[CredentialKind] = if roles.contains(&Role::Issuer) {
        &[CredentialKind::Identity, CredentialKind::HealthRecord]
    } else {
        &[]
    };
    let boot = bootstrap
        .iter()
        .map(|a| a.parse().expect("a node's listen address is a multiaddr"))
        .collect();
    local_net::config(name, roles, Some(root), boot, kinds)
}

/// Every test node encrypts its secrets (a holder must); the passphrase is per test network.
pub const PASSPHRASE: &str = "test wallet passphrase";

pub async fn start(dir: &Path, c: Config) -> RunningNode {
    local_net::start(dir, c, PASSPHRASE).await.unwrap()
}

pub fn list_version(n: &Node, list: &str) -> Option<u64> {
    n.held_list(list).ok().flatten().map(|l| l.version)
}

pub struct Net {
    /// The nodes' data dirs, removed when the network is dropped.
    pub dirs: Vec<tempfile::TempDir>,
    /// The root authority (accredits issuers).
    pub root: RunningNode,
    /// The national identity agency (issuer, verifier), accredited for identity credentials.
    pub agency: RunningNode,
    /// A citizen (holder).
    pub citizen: RunningNode,
    /// A clinic (verifier).
    pub clinic: RunningNode,
}

impl Net {
    /// The admin token of node `i` of [`Net::dirs`] (0 root, 1 agency, 2 citizen, 3 clinic).
    pub fn admin_token(&self, i: usize) -> String {
        std::fs::read_to_string(node::config::DataDir(self.dirs[i].path().to_owned()).token())
            .expect("the node's admin.token")
            .trim()
            .to_owned()
    }
}

pub async fn network() -> Net {
    network_with(|_| {}).await
}

/// The network with every node's configuration adjusted by `adjust` (e.g. short heartbeats).
pub async fn network_with(adjust: impl Fn(&mut Config)) -> Net {
    let cfg = |name: &str, roles: &[Role], root: &str, bootstrap: Vec<String>| {
        let mut c = cfg(name, roles, root, bootstrap);
        adjust(&mut c);
        c
    };
    let dirs: Vec<tempfile::TempDir> = (0..4).map(|_| tempfile::tempdir().unwrap()).collect();
    // The root's DID must be known before the others start.
    let (root, root_did) = local_net::start_root(dirs[0].path(), "Root Authority", PASSPHRASE)
        .await
        .unwrap();
    let boot = vec![root.info.listen[0].clone()];
    let agency = start(
        dirs[1].path(),
        cfg(
            "National Identity Agency",
            &[Role::Issuer, Role::Verifier],
            &root_did,
            boot.clone(),
        ),
    )
    .await;
    let citizen = start(
        dirs[2].path(),
        cfg("Citizen", &[Role::Holder], &root_did, boot.clone()),
    )
    .await;
    let clinic = start(
        dirs[3].path(),
        cfg("Bach Mai Clinic", &[Role::Verifier], &root_did, boot),
    )
    .await;
    // Wait until the gossip mesh has formed, then accredit.
    local_net::wait_connected(&[&agency, &clinic, &citizen], WAIT)
        .await
        .unwrap();
    local_net::accredit(
        &root,
        &agency,
        "National Identity Agency",
        &[CredentialKind::Identity],
        &[&clinic, &agency],
        WAIT,
    )
    .await
    .unwrap();
    Net {
        dirs,
        root,
        agency,
        citizen,
        clinic,
    }
}

pub fn first_record() -> String {
    include_str!("../../schemas/records/citizens.jsonl").to_owned()
}

/// The agency imports the sample records and the citizen claims the first record's credential;
/// returns the import report, the citizen's wallet entry, the agency's issued entry and the
/// credential's revocation and suspension list URLs, once the clinic holds both lists.
pub async fn citizen_holds_identity(
    net: &Net,
) -> (
    node::roles::ImportReport,
    node::store::WalletEntry,
    node::store::IssuedEntry,
    [String; 2],
) {
    let (agency, citizen) = (&net.agency.node, &net.citizen.node);
    let report = agency
        .import_records(CredentialKind::Identity, &first_record())
        .unwrap();
    let entry = citizen
        .claim_from(agency.net.local_peer_id(), &report.codes[0].1, None)
        .await
        .unwrap();
    let issued = agency.issued(&entry.id).unwrap().unwrap();
    let lists = clinic_holds_lists_of(net, &issued).await;
    (report, entry, issued, lists)
}

/// The agency imports the sample records; returns the OpenID4VCI credential offer of the
/// first record's claim code, for a phone wallet (or the citizen's node) to receive.
pub fn first_offer(net: &Net) -> String {
    let agency = &net.agency.node;
    let report = agency
        .import_records(CredentialKind::Identity, &first_record())
        .unwrap();
    agency
        .credential_offer(&report.codes[0].1)
        .unwrap()
        .unwrap()
}

/// Waits until the clinic holds the revocation and suspension lists of the agency's shard
/// that `issued` is on; returns their URLs.
pub async fn clinic_holds_lists_of(net: &Net, issued: &node::store::IssuedEntry) -> [String; 2] {
    use credentials::status::StatusPurpose;
    let (agency, clinic) = (&net.agency.node, &net.clinic.node);
    let lists = [
        agency.list_url(StatusPurpose::Revocation, issued.shard),
        agency.list_url(StatusPurpose::Suspension, issued.shard),
    ];
    wait_until("the clinic holds the agency's status lists", || {
        lists.iter().all(|l| list_version(clinic, l).is_some())
    })
    .await;
    lists
}
