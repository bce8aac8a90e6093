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
    /// Files to verify (`-` for standard input): a credential or presentation in any supported
    /// encoding, its compact QR text (`VC1:…`), or a QR code image (PNG, JPEG, …). Several files
    /// are verified as one batch.
    #[arg(required = true)]
    inputs: Vec<String>,
    /// Check status and accreditations against this node's store (read-only, offline; the node
    /// may be running), and expect presentations made for this node (its domain or DID) or for
    /// any verifier with an expiry (an open QR code). A bare credential, or an SD-JWT without
    /// its key binding JWT, fails holder binding unless --bare-credential is given.
    #[arg(long, conflicts_with_all = ["status_lists", "trust", "root"])]
    data_dir: Option<std::path::PathBuf>,
    /// With --data-dir: the input is a bare credential (a file an issuer sent, not something a
    /// holder shows), so no presentation, challenge or domain is expected. Its holder is not
    /// proven: anyone with a copy could show it.
    #[arg(long, requires = "data_dir", conflicts_with_all = ["request", "challenge", "domain"])]
    bare_credential: bool,
    /// The presentation request the input answers (its QR image or text): its challenge and
    /// domain are expected, and with --data-dir it must be this node's own request.
    #[arg(long)]
    request: Option<String>,
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
    /// Oldest status-list confirmation accepted, in seconds (how long ago the list's owner
    /// last said the held version is current: a change, snapshot or heartbeat); past it the
    /// status check cannot be sure (exit code 3). Default: the node's `max_status_age_secs`
    /// with --data-dir, otherwise no limit. 0 = no limit.
    #[arg(long)]
    max_status_age: Option<u32>,
    /// Verify as of this time (RFC 3339) instead of now.
    #[arg(long, value_parser = super::parse_time)]
    now: Option<chrono::DateTime<chrono::Utc>>,
    /// A key to trust for its verification method (repeatable): a verification method
    /// document (`id`, `controller`, `publicKeyJwk`) or a JWK with `kid`. Signatures naming
    /// its id or `kid` are checked with it, as its controller's: how a key that no DID method
    /// here resolves (a JWK-identified issuer) is verified.
    #[arg(long = "key", value_name = "FILE")]
    keys: Vec<std::path::PathBuf>,
}

/// Status and trust answered from a node's store, opened read-only.
struct StoreFacts {
    sources: crate::roles::Replicator,
    max_status_age: Option<i64>,
    did: Option<String>,
    domain: Option<String>,
}

fn store_facts(dir: &std::path::Path) -> anyhow::Result<StoreFacts> {
    let dd = crate::config::DataDir(dir.to_owned());
    let cfg = crate::config::Config::load(dir)?;
    let store = std::sync::Arc::new(
        crate::store::Store::open_read_only(&dd.db())
            .with_context(|| format!("opening the store of {}", dir.display()))?,
    );
    let did = store.node_did()?;
    Ok(StoreFacts {
        sources: crate::roles::Replicator::load(store, cfg.root_did.clone())?,
        max_status_age: cfg.max_status_age(),
        domain: did.clone(),
        did,
    })
}

pub fn run(a: VerifyArgs) -> anyhow::Result<i32> {
    let keys = KeyResolver::new();
    let now = a.now.unwrap_or_else(chrono::Utc::now);
    let facts = a.data_dir.as_deref().map(store_facts).transpose()?;
    let request = match &a.request {
        None => None,
        Some(r) => {
            let text = credentials::compact::restore(&super::qr::read_qr_or_text(r)?)
                .map_err(|e| anyhow::anyhow!("request {r}: {e}"))?;
            let req = credentials::request::PresentationRequest::open(&text, &keys, now)
                .with_context(|| format!("request {r}"))?;
            if let Some(f) = &facts {
                if f.did.as_deref() != Some(req.iss.as_str()) {
                    anyhow::bail!(
                        "request {r} was made by {}, not by this node ({})",
                        req.iss,
                        f.did.as_deref().unwrap_or("?")
                    );
                }
            }
            Some(req)
        }
    };
    let mut status = MemoryStatus::new();
    for f in &a.status_lists {
        let jws = super::read_input(f)?;
        let (signed, list) =
            SignedSnapshot::open(jws.trim(), &keys).with_context(|| format!("status list {f}"))?;
        match credentials::time::parse(&signed.snapshot.issued) {
            Ok(at) => status.insert_confirmed(list, at.min(now)),
            Err(_) => status.insert(list),
        }
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
        .map(|i| {
            let t = super::qr::read_qr_or_text(i)?;
            credentials::compact::restore(&t).with_context(|| i.clone())
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut opts = VerifyOptions::at(now);
    opts.max_status_age_secs = match (a.max_status_age, &facts) {
        (Some(0), _) => None,
        (Some(s), _) => Some(i64::from(s)),
        (None, Some(f)) => f.max_status_age,
        (None, None) => None,
    };
    opts.challenge = a.challenge;
    opts.domain = a.domain;
    if let Some(f) = facts.as_ref().filter(|_| !a.bare_credential) {
        opts.domain = opts.domain.or_else(|| f.domain.clone());
        opts.accept_open_audience = request.is_none();
        opts.require_presentation = true;
    }
    if let Some(r) = &request {
        opts.challenge = Some(r.nonce.clone());
        opts.domain = Some(r.domain.clone());
    }
    let (status_src, trust_src): (
        &dyn credentials::verify::StatusSource,
        &dyn credentials::verify::TrustSource,
    ) = match &facts {
        Some(f) => (&f.sources, &f.sources),
        None => (&status, &trust),
    };
    opts.skip_status = a.skip.contains(&SkipArg::Status);
    opts.skip_trust = a.skip.contains(&SkipArg::Trust);
    let verifier = Verifier::new();
    for f in &a.keys {
        let m = super::sign::load_method(f)?;
        let ids: Vec<&str> =
            m.id.iter()
                .chain(m.kid.iter())
                .map(String::as_str)
                .collect();
        if ids.is_empty() {
            anyhow::bail!(
                "{}: the key has neither an `id` nor a `kid` to be named by",
                f.display()
            );
        }
        let controller = m.controller.clone().unwrap_or_else(|| ids[0].to_owned());
        verifier.keys().pin(&ids, &controller, m.public);
    }
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let mut reports = if refs.len() == 1 {
        vec![verifier.verify(refs[0], &opts, status_src, trust_src)]
    } else {
        verifier.verify_batch(&refs, &opts, status_src, trust_src)
    };
    if let Some(req) = &request {
        for r in reports.iter_mut() {
            crate::roles::answers_request(r, req);
        }
    }
    if a.json {
        let v = if reports.len() == 1 {
            serde_json::to_value(&reports[0])?
        } else {
            serde_json::to_value(&reports)?
        };
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        for (name, r) in a.inputs.iter().zip(&reports) {
            if let Some(n) = &r.issuer_name {
                println!("issuer: {n}");
            }
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
    } else if reports
        .iter()
        .all(|r| r.valid || r.verdict == credentials::verify::Verdict::CannotBeSure)
    {
        super::EXIT_CANNOT_BE_SURE
    } else {
        1
    })
}
