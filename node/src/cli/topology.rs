//! `vcnode topology`: validates a testnet topology file and prints one line per node for the
//! testnet scripts (`id|roles|name|issue_kinds|consent|http`), so shell never parses TOML.

use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::Args;
use serde::Deserialize;

/// A testnet topology.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topology {
    /// The nodes, started in order (the root authority first).
    pub node: Vec<TopologyNode>,
}

/// One node of a topology.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopologyNode {
    /// Short id: data dir and log names.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Roles: root, issuer, holder, verifier.
    pub roles: Vec<String>,
    /// Kinds an issuer issues.
    #[serde(default)]
    pub issue_kinds: Vec<String>,
    /// Holder consent policy.
    #[serde(default)]
    pub consent: Option<String>,
    /// Fixed HTTP API address (default: a free port).
    #[serde(default)]
    pub http: Option<String>,
    /// Leave this node out of the root's accreditations (demo of an unaccredited issuer).
    #[serde(default)]
    pub unaccredited: bool,
}

#[derive(Args)]
pub struct TopologyArgs {
    /// The topology file (TOML).
    #[arg(long)]
    file: PathBuf,
}

pub fn run(a: TopologyArgs) -> anyhow::Result<i32> {
    let text = std::fs::read_to_string(&a.file)
        .with_context(|| format!("reading {}", a.file.display()))?;
    let t: Topology = toml::from_str(&text)
        .with_context(|| format!("{}: not a valid topology", a.file.display()))?;
    let path = a.file.display();
    if t.node.is_empty() {
        bail!("{path}: no [[node]] entries");
    }
    if t.node
        .iter()
        .filter(|n| n.roles.iter().any(|r| r == "root"))
        .count()
        != 1
    {
        bail!("{path}: exactly one node must have role \"root\"");
    }
    if !t.node[0].roles.iter().any(|r| r == "root") {
        bail!("{path}: the root authority must be the first node");
    }
    let mut ids = std::collections::HashSet::new();
    for n in &t.node {
        if n.id.is_empty()
            || !n
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            bail!("{path}: node id `{}` must be letters, digits, - or _", n.id);
        }
        if !ids.insert(n.id.clone()) {
            bail!("{path}: node id `{}` appears twice", n.id);
        }
        for r in &n.roles {
            if !["root", "issuer", "holder", "verifier"].contains(&r.as_str()) {
                bail!("{path}: node `{}`: unknown role `{r}`", n.id);
            }
        }
        for k in &n.issue_kinds {
            credentials::CredentialKind::parse(k)
                .map_err(|e| anyhow::anyhow!("{path}: node `{}`: {e}", n.id))?;
        }
        if n.name.contains('|') {
            bail!("{path}: node `{}`: name may not contain `|`", n.id);
        }
    }
    for n in &t.node {
        let roles: Vec<&str> = n
            .roles
            .iter()
            .map(|r| if r == "root" { "verifier" } else { r.as_str() })
            .collect();
        println!(
            "{}|{}|{}|{}|{}|{}|{}|{}",
            n.id,
            roles.join(","),
            n.name,
            n.issue_kinds.join(","),
            n.consent.clone().unwrap_or_else(|| "auto".into()),
            n.http.clone().unwrap_or_default(),
            if n.roles.iter().any(|r| r == "root") {
                "root"
            } else {
                ""
            },
            if n.unaccredited { "unaccredited" } else { "" }
        );
    }
    Ok(0)
}
