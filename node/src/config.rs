//! Node configuration: defaults < `config.toml` in the data dir < command-line flags.
//! `vcnode init` writes [`commented_template`], which lists every key with its default and why;
//! unknown keys are errors that name the key and the file.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use credentials::{CredentialKind, Format};
use libp2p::Multiaddr;
use serde::{Deserialize, Serialize};

/// A role a node runs.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum Role {
    /// Issues credentials of its `issue_kinds`.
    Issuer,
    /// Holds credentials in a wallet and presents them.
    Holder,
    /// Verifies credentials and presentations. (A root authority is a verifier whose
    /// `root_did` is its own DID: it signs accreditations.)
    Verifier,
}

impl Role {
    /// The name in config files, on the command line and announced to peers.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A holder's policy for presentation requests.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    Serialize,
    Deserialize,
    clap::ValueEnum,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum Consent {
    /// Each request waits for `vcnode consent --approve` (unless its verifier is listed in
    /// `auto_verifiers`).
    #[default]
    Ask,
    /// Every request is answered.
    Auto,
}

impl Consent {
    /// The name in config files and on the command line.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Credential kinds in a config file by their short names (`identity`, `health`, `study`).
mod kind_names {
    use credentials::CredentialKind;
    use serde::{de::Error, Deserialize, Deserializer};

    pub use credentials::kind::serialize_short_seq as serialize;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<CredentialKind>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|n| {
                CredentialKind::parse(n).map_err(|_| {
                    D::Error::custom(format!(
                        "unknown credential kind `{n}` (identity, health, study)"
                    ))
                })
            })
            .collect()
    }
}

/// Why the configuration could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {reason}")]
    File { path: String, reason: String },
    #[error("{path}: `{key}`: {reason}")]
    Value {
        path: String,
        key: &'static str,
        reason: String,
    },
}

/// A node's configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Display name announced to peers ("Bach Mai Hospital").
    pub name: String,
    /// Roles: any of issuer, holder, verifier.
    pub roles: Vec<Role>,
    /// libp2p listen addresses (TCP and QUIC); port 0 picks a free port.
    pub listen: Vec<Multiaddr>,
    /// Peers to dial at start (multiaddrs with /p2p/ peer ids).
    pub bootstrap: Vec<Multiaddr>,
    /// Discover peers on the LAN by mDNS.
    pub mdns: bool,
    /// The local HTTP API (VC-API paths and admin paths). Loopback only by default.
    pub http_listen: SocketAddr,
    /// Base URL of this node's status lists (`<base>/<did key id>/revocation/<n>`: a list URL
    /// must name its owner's DID, or no node replicates it; a base that already names it is
    /// kept as is). Default: derived from the HTTP address once bound
    /// (`http://<http_listen>/status/<did>`).
    pub status_base_url: Option<String>,
    /// The node's public base URL: its OpenID4VCI credential issuer identifier and the base
    /// of its OpenID4VP request and response URLs, which phone wallets reach. Default: derived
    /// from the HTTP address once bound (`http(s)://<http_listen>`).
    pub public_url: Option<String>,
    /// The root authority's DID, pinned: only its accreditations are believed.
    pub root_did: Option<String>,
    /// Issuer: kinds this node issues (identity, health, study).
    #[serde(with = "kind_names")]
    pub issue_kinds: Vec<CredentialKind>,
    /// Issuer: format of issued credentials when the holder does not ask (sd-jwt, jwt, di).
    pub issue_format: Format,
    /// Issuer: credential lifetime in days (0 = no `validUntil`).
    pub credential_days: u32,
    /// Issuer: status list shards (of 131,072 entries) that indexes are spread over at random.
    /// Set it to the credentials expected / 131,072 so an index says nothing about when it was
    /// issued; full shards are replaced by fresh ones.
    pub status_shards: u32,
    /// Holder: consent policy for presentation requests: "ask" or "auto".
    pub consent: Consent,
    /// Holder: verifier DIDs answered without asking when consent is "ask".
    pub auto_verifiers: Vec<String>,
    /// No longer used: a verifier's requests are bound to its DID, the one name a holder can
    /// check. Kept so that an old config file gets a clear error instead of "unknown key".
    pub verifier_domain: Option<String>,
    /// Explicit opt-out: let an issuer or root authority keep its node key unencrypted (no
    /// passphrase). Off by default, because an issuer's key signs credentials for a country.
    /// A holder's wallet is always encrypted.
    pub allow_unencrypted_keys: bool,
    /// Verifier: days the verifier log keeps an entry (verdict, ids and digests; never claims).
    pub verifier_log_days: u32,
    /// Seconds another party's clock may run ahead of this node's before a credential or
    /// presentation counts as "not yet valid" (0 to 3600).
    pub clock_skew_secs: u32,
    /// Issuer: seconds between heartbeats (a signed "my lists are current at these versions").
    pub heartbeat_secs: u32,
    /// Verifier: oldest confirmation of a status list that still counts (seconds since its
    /// owner last said the held version is current); past it the status check "cannot be
    /// sure". 0 = no limit.
    pub max_status_age_secs: u32,
    /// Issuer: wait for the write-ahead log to reach the disk (fsync) before acknowledging an
    /// issuance, a records import or a revocation, so that not even a power cut loses one.
    pub sync_acknowledged_writes: bool,
    /// Serve the HTTP API over TLS (HTTPS); status list URLs are then `https://`.
    pub tls: bool,
    /// PEM certificate chain for TLS (default: `tls/cert.pem` in the data dir, the
    /// self-signed one `vcnode init --tls` makes).
    pub tls_cert: Option<std::path::PathBuf>,
    /// PEM private key for TLS (default: `tls/key.pem` in the data dir).
    pub tls_key: Option<std::path::PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            name: "vcnet node".into(),
            roles: vec![Role::Verifier],
            listen: vec![
                crate::local_net::loopback_tcp(),
                crate::local_net::loopback_quic(),
            ],
            bootstrap: vec![],
            mdns: false,
            http_listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            status_base_url: None,
            public_url: None,
            root_did: None,
            issue_kinds: vec![],
            issue_format: Format::SdJwt,
            credential_days: 3650,
            status_shards: 4,
            consent: Consent::Ask,
            auto_verifiers: vec![],
            verifier_domain: None,
            allow_unencrypted_keys: false,
            verifier_log_days: 30,
            clock_skew_secs: 60,
            heartbeat_secs: DEFAULT_HEARTBEAT_SECS,
            max_status_age_secs: DEFAULT_MAX_STATUS_AGE_SECS,
            sync_acknowledged_writes: true,
            tls: false,
            tls_cert: None,
            tls_key: None,
        }
    }
}

/// Longest credential lifetime accepted (`credential_days`): 100 years. Larger values would
/// overflow date arithmetic when credentials are issued.
pub const MAX_CREDENTIAL_DAYS: u32 = 36_500;
/// Most status list shards an issuer may spread indexes over (`status_shards`): 65,536 shards
/// of 131,072 entries hold 8.6 billion credentials.
pub const MAX_STATUS_SHARDS: u32 = 65_536;

/// Default seconds between an issuer's heartbeats: 5 minutes.
pub const DEFAULT_HEARTBEAT_SECS: u32 = 300;
/// Default oldest status-list confirmation a verifier accepts: 1 day (a clinic that loses its
/// uplink for a few hours keeps verifying; one cut off longer says it cannot be sure).
pub const DEFAULT_MAX_STATUS_AGE_SECS: u32 = 86_400;
/// Longest `max_status_age_secs`: 30 days.
pub const MAX_MAX_STATUS_AGE_SECS: u32 = 30 * 86_400;

/// The file name inside the data dir.
pub const CONFIG_FILE: &str = "config.toml";

impl Config {
    /// Reads `config.toml` from `dir` (defaults if it does not exist).
    pub fn load(dir: &Path) -> Result<Self, ConfigError> {
        let path = dir.join(CONFIG_FILE);
        if !path.exists() {
            return Ok(Self::default());
        }
        let text = std::fs::read_to_string(&path).map_err(|e| ConfigError::File {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        let cfg: Self = toml::from_str(&text).map_err(|e| ConfigError::File {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        cfg.check(&path)?;
        Ok(cfg)
    }

    /// Checks values that the types alone do not.
    pub fn check(&self, path: &Path) -> Result<(), ConfigError> {
        let p = path.display().to_string();
        let bad = |key: &'static str, reason: String| ConfigError::Value {
            path: p.clone(),
            key,
            reason,
        };
        if let Some(r) = &self.root_did {
            credentials::did::resolve_key(r).map_err(|e| bad("root_did", e.to_string()))?;
        }
        if matches!(
            self.issue_format,
            Format::Cose | Format::SdJwtVc | Format::JwtVcJson
        ) {
            return Err(bad(
                "issue_format",
                "cose credentials are issued over the VC-API only and dc+sd-jwt and jwt_vc_json ones to phone wallets over OpenID4VCI; holders claim di, jwt or sd-jwt"
                    .into(),
            ));
        }
        if self.credential_days > MAX_CREDENTIAL_DAYS {
            return Err(bad(
                "credential_days",
                format!(
                    "{} days is beyond the {MAX_CREDENTIAL_DAYS} allowed (100 years; 0 = no validUntil)",
                    self.credential_days
                ),
            ));
        }
        if !(1..=MAX_STATUS_SHARDS).contains(&self.status_shards) {
            return Err(bad(
                "status_shards",
                format!(
                    "{} is not between 1 and {MAX_STATUS_SHARDS}",
                    self.status_shards
                ),
            ));
        }
        if !(1..=3650).contains(&self.verifier_log_days) {
            return Err(bad(
                "verifier_log_days",
                format!("{} is not between 1 and 3650", self.verifier_log_days),
            ));
        }
        if self.clock_skew_secs > 3600 {
            return Err(bad(
                "clock_skew_secs",
                format!("{} is not between 0 and 3600", self.clock_skew_secs),
            ));
        }
        if !(1..=86_400).contains(&self.heartbeat_secs) {
            return Err(bad(
                "heartbeat_secs",
                format!("{} is not between 1 and 86400", self.heartbeat_secs),
            ));
        }
        if self.max_status_age_secs > MAX_MAX_STATUS_AGE_SECS {
            return Err(bad(
                "max_status_age_secs",
                format!(
                    "{} is not between 0 (no limit) and {MAX_MAX_STATUS_AGE_SECS} (30 days)",
                    self.max_status_age_secs
                ),
            ));
        }
        if self.max_status_age_secs != 0 && self.max_status_age_secs < self.heartbeat_secs {
            tracing::warn!(
                max_status_age_secs = self.max_status_age_secs,
                heartbeat_secs = self.heartbeat_secs,
                "max_status_age_secs is shorter than this node's own heartbeat interval"
            );
        }
        if let Some(u) = &self.public_url {
            if !(u.starts_with("https://") || u.starts_with("http://"))
                || u.contains(char::is_whitespace)
                || u.contains(['?', '#'])
            {
                return Err(bad(
                    "public_url",
                    format!("`{u}` is not an http(s) URL without query or fragment"),
                ));
            }
        }
        if let Some(u) = &self.status_base_url {
            if !(u.starts_with("https://") || u.starts_with("http://"))
                || u.contains(char::is_whitespace)
            {
                return Err(bad(
                    "status_base_url",
                    format!("`{u}` is not an http(s) URL"),
                ));
            }
        }
        if self.verifier_domain.is_some() {
            return Err(bad(
                "verifier_domain",
                "is no longer used: presentations are bound to this node's DID, the one name a \
                 holder can check; remove the line"
                    .into(),
            ));
        }
        Ok(())
    }

    /// `max_status_age_secs` as verification options take it.
    pub fn max_status_age(&self) -> Option<i64> {
        (self.max_status_age_secs > 0).then(|| i64::from(self.max_status_age_secs))
    }

    /// Whether the node runs a role.
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

fn toml_list<T: std::fmt::Display>(v: impl IntoIterator<Item = T>) -> String {
    format!(
        "[{}]",
        v.into_iter()
            .map(|s| format!("{:?}", s.to_string()))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// The commented `config.toml` that `vcnode init` writes: every key, its value and why.
pub fn commented_template(c: &Config) -> String {
    let opt = |o: &Option<String>| o.as_ref().map(|s| format!("{s:?}")).unwrap_or_default();
    format!(
        r#"# vcnet node configuration. Flags given to `vcnode run` override these values.

# Display name announced to peers, shown by verifiers and wallets.
name = {name:?}

# Roles this node runs: any of "issuer", "holder", "verifier".
roles = {roles}

# libp2p listen addresses (TCP and QUIC). Port 0 picks a free port; the bound ports are
# written to run.json in the data dir while the node runs.
listen = {listen}

# Peers to dial at start, as multiaddrs ending in /p2p/<peer id>.
bootstrap = {bootstrap}

# Find peers on the local network by mDNS (off by default: explicit bootstrap is predictable).
mdns = {mdns}

# Local HTTP API: W3C VC-API paths and admin paths (admin paths need the token in admin.token).
http_listen = "{http}"

# Base URL of this node's status lists. Lists are <base>/<did key id>/revocation/<n> (a list
# URL must name its owner's DID, or no node replicates it). Unset: http://<http address>/status/<did>.
{sb}status_base_url = {sbv}

# Public base URL phone wallets reach this node at: its OpenID4VCI issuer identifier and the
# base of its OpenID4VP URLs. Unset: http(s)://<http address>.
{pu}public_url = {puv}

# DID of the root authority whose accreditations this node believes (pin it).
{rd}root_did = {rdv}

# Issuer: kinds this node issues ("identity", "health", "study").
issue_kinds = {kinds}

# Issuer: default format of issued credentials ("sd-jwt", "jwt", "di").
issue_format = "{fmt}"

# Issuer: credential lifetime in days (0 = no validUntil).
credential_days = {days}

# Issuer: status list shards (131,072 entries each) that indexes are spread over at random.
# Set to the credentials you expect / 131,072 (a national ID agency: ~800), so an index or a
# shard number says nothing about when a credential was issued.
status_shards = {shards}

# Holder: how to answer presentation requests: "ask" (wait for `vcnode consent`) or "auto".
consent = "{consent}"

# Holder: verifier DIDs answered without asking.
auto_verifiers = {auto}

# An issuer's or root authority's node key is encrypted under a passphrase; true opts out
# explicitly (`vcnode init --unencrypted-keys`). A holder's wallet is always encrypted.
allow_unencrypted_keys = {plain}

# Verifier: days an entry stays in the verifier log (verdict, credential id, issuer, failed
# checks and a digest of the disclosed claims; never the claims themselves). 1 to 3650.
verifier_log_days = {log_days}

# Seconds an issuer's or holder's clock may run ahead of this node's before a credential or
# presentation is "not yet valid" (expiry is never extended). 0 to 3600.
clock_skew_secs = {skew}

# Issuer: seconds between heartbeats, the signed "my lists are current at these versions"
# that lets every verifier tell how fresh its copies are. 1 to 86400.
heartbeat_secs = {beat}

# Verifier: oldest confirmation of a status list that still counts, in seconds. Past it the
# status check says "cannot be sure: list last confirmed 3 h ago" instead of passing. Set it
# well above the issuers' heartbeat interval. 0 = no limit; at most 2592000 (30 days).
max_status_age_secs = {max_age}

# Issuer: wait until the write-ahead log is on disk (fsync) before acknowledging an issuance,
# a records import or a revocation, so not even a power cut loses one (`vcnode bench writes`
# measures the cost). A killed process loses nothing either way.
sync_acknowledged_writes = {sync_acks}

# Serve the HTTP API over HTTPS (rustls). Status list URLs are then https://. Without tls_cert
# and tls_key, the self-signed pair `vcnode init --tls` wrote to tls/ in the data dir is used.
tls = {tls}
{tc}tls_cert = {tcv}
{tk}tls_key = {tkv}
"#,
        tls = c.tls,
        tc = if c.tls_cert.is_some() { "" } else { "# " },
        tcv = match &c.tls_cert {
            Some(p) => format!("{:?}", p.display().to_string()),
            None => "\"/etc/vcnode/cert.pem\"".into(),
        },
        tk = if c.tls_key.is_some() { "" } else { "# " },
        tkv = match &c.tls_key {
            Some(p) => format!("{:?}", p.display().to_string()),
            None => "\"/etc/vcnode/key.pem\"".into(),
        },
        sync_acks = c.sync_acknowledged_writes,
        beat = c.heartbeat_secs,
        max_age = c.max_status_age_secs,
        skew = c.clock_skew_secs,
        name = c.name,
        plain = c.allow_unencrypted_keys,
        log_days = c.verifier_log_days,
        roles = toml_list(c.roles.iter()),
        listen = toml_list(c.listen.iter()),
        bootstrap = toml_list(c.bootstrap.iter()),
        mdns = c.mdns,
        http = c.http_listen,
        pu = if c.public_url.is_some() { "" } else { "# " },
        puv = if c.public_url.is_some() {
            opt(&c.public_url)
        } else {
            "\"https://agency.example.org\"".into()
        },
        sb = if c.status_base_url.is_some() {
            ""
        } else {
            "# "
        },
        sbv = if c.status_base_url.is_some() {
            opt(&c.status_base_url)
        } else {
            "\"https://status.example.org/agency\"".into()
        },
        rd = if c.root_did.is_some() { "" } else { "# " },
        rdv = if c.root_did.is_some() {
            opt(&c.root_did)
        } else {
            "\"did:key:z6Mk...\"".into()
        },
        kinds = toml_list(c.issue_kinds.iter().map(|k| k.short_name())),
        fmt = c.issue_format.short_name(),
        days = c.credential_days,
        shards = c.status_shards,
        consent = c.consent.as_str(),
        auto = toml_list(c.auto_verifiers.iter()),
    )
}

/// Files in a data dir.
pub struct DataDir(pub PathBuf);

impl DataDir {
    /// The RocksDB directory.
    pub fn db(&self) -> PathBuf {
        self.0.join("db")
    }
    /// The admin token file.
    pub fn token(&self) -> PathBuf {
        self.0.join("admin.token")
    }
    /// Runtime facts of a running node (ports, peer id), for the CLI and scripts.
    pub fn run_file(&self) -> PathBuf {
        self.0.join("run.json")
    }
    /// The config file.
    pub fn config(&self) -> PathBuf {
        self.0.join(CONFIG_FILE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_of_defaults_parses_to_defaults() {
        let text = commented_template(&Config::default());
        let back: Config = toml::from_str(&text).unwrap();
        assert_eq!(back, Config::default());
    }

    #[test]
    fn template_with_values_round_trips() {
        let c = Config {
            name: "Bach Mai Hospital".into(),
            roles: vec![Role::Issuer, Role::Verifier],
            root_did: Some("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK".into()),
            issue_kinds: vec![CredentialKind::HealthRecord],
            issue_format: Format::DataIntegrity,
            consent: Consent::Auto,
            bootstrap: vec!["/ip4/10.0.0.1/tcp/4001".parse().unwrap()],
            status_base_url: Some("http://127.0.0.1:8080/status/x".into()),
            ..Config::default()
        };
        let back: Config = toml::from_str(&commented_template(&c)).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn unknown_key_and_bad_values_are_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CONFIG_FILE), "nmae = \"x\"\n").unwrap();
        let e = Config::load(dir.path()).unwrap_err().to_string();
        assert!(e.contains("nmae") && e.contains("config.toml"), "{e}");
        std::fs::write(dir.path().join(CONFIG_FILE), "roles = [\"minter\"]\n").unwrap();
        let e = Config::load(dir.path()).unwrap_err().to_string();
        assert!(e.contains("roles") && e.contains("minter"), "{e}");
        // Out-of-range values are refused at load, naming the key (issue 13: a huge
        // credential_days panicked the claim path).
        for (line, key) in [
            ("credential_days = 200000000", "credential_days"),
            ("status_shards = 0", "status_shards"),
            ("status_shards = 4000000000", "status_shards"),
            ("status_base_url = \"ftp://x\"", "status_base_url"),
            ("verifier_log_days = 0", "verifier_log_days"),
            ("clock_skew_secs = 86400", "clock_skew_secs"),
            ("verifier_domain = \"clinic.example\"", "verifier_domain"),
            ("issue_kinds = [\"passport\"]", "issue_kinds"),
            ("issue_format = \"cbor\"", "issue_format"),
            ("issue_format = \"cose\"", "issue_format"),
            ("consent = \"maybe\"", "consent"),
            ("http_listen = \"localhost\"", "http_listen"),
            ("listen = [\"/ip4/1.2.3.4/tcp/x\"]", "listen"),
            ("bootstrap = [\"not an address\"]", "bootstrap"),
        ] {
            std::fs::write(dir.path().join(CONFIG_FILE), format!("{line}\n")).unwrap();
            let e = Config::load(dir.path()).unwrap_err().to_string();
            assert!(e.contains(key), "{line}: {e}");
        }
    }
}
