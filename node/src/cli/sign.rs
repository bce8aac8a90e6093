//! `vcnode sign`: secure any credential or presentation JSON with a private key — what
//! conformance harnesses and other implementations drive. File (or standard input) in, the
//! secured document as JSON out. A credential is checked by the VC Data Model 2.0's rules (each
//! failure names its field) and signed as its `issuer` (set from the key when absent; another
//! DID is refused); a presentation gets the key's DID as `holder` and an `authentication` proof.
//!
//! Keys: a vcnet key file (`vcnode key generate`) or a JWK with its private part (`d`). Ed25519
//! only for now; P-256, P-384 and P-521 keys are refused with a message that says so.

use std::path::PathBuf;

use anyhow::{anyhow, bail, Context};
use clap::{Args, ValueEnum};
use credentials::issue::{secure, Format, Issued};
use credentials::Identity;
use serde_json::{json, Value};

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SecuringArg {
    /// Data Integrity, `eddsa-rdfc-2022`.
    Di,
    /// VC-JOSE-COSE `vc+jwt` (credentials only).
    Jwt,
    /// VC-JOSE-COSE `vc+sd-jwt` (credentials only; the subject's `id` becomes `cnf`).
    SdJwt,
}

#[derive(Args)]
pub struct SignArgs {
    /// The private key: a vcnet key file or a JWK with `d`.
    #[arg(long)]
    key: PathBuf,
    /// The credential or presentation JSON (`-` for standard input).
    #[arg(long = "in", default_value = "-")]
    input: String,
    /// Where to write the secured document (standard output when absent).
    #[arg(long)]
    out: Option<PathBuf>,
    /// The securing mechanism.
    #[arg(long, value_enum, default_value = "di")]
    format: SecuringArg,
    /// The proof's `created` (RFC 3339); now by default.
    #[arg(long, value_parser = super::parse_time)]
    created: Option<chrono::DateTime<chrono::Utc>>,
    /// A presentation's `challenge`.
    #[arg(long)]
    challenge: Option<String>,
    /// A presentation's `domain`.
    #[arg(long)]
    domain: Option<String>,
}

/// The signing identity of a key file: a vcnet key file, or an Ed25519 JWK.
fn load_key(path: &std::path::Path) -> anyhow::Result<Identity> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let v: Value =
        serde_json::from_str(&text).with_context(|| format!("{}: not JSON", path.display()))?;
    if v.get("kty").is_none() {
        return Ok(Identity::load(path)?);
    }
    let field = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default();
    match (field("kty"), field("crv")) {
        ("OKP", "Ed25519") => {
            use base64::Engine;
            let d = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(field("d"))
                .map_err(|e| anyhow!("{}: `d` is not base64url: {e}", path.display()))?;
            let seed: [u8; 32] = d.as_slice().try_into().map_err(|_| {
                anyhow!(
                    "{}: `d` is {} bytes; an Ed25519 private key is 32",
                    path.display(),
                    d.len()
                )
            })?;
            let id = Identity::from_seed(&seed);
            if !field("x").is_empty() {
                let x = base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(field("x"))
                    .unwrap_or_default();
                if x != id.verifying_key().as_bytes() {
                    bail!("{}: `x` is not the public key of `d`", path.display());
                }
            }
            Ok(id)
        }
        ("EC", crv @ ("P-256" | "P-384" | "P-521")) => bail!(
            "{}: {crv} keys are not supported by `vcnode sign` yet (Ed25519 keys are)",
            path.display()
        ),
        (kty, crv) => bail!(
            "{}: a JWK of kty `{kty}` crv `{crv}` is not a signing key vcnode knows",
            path.display()
        ),
    }
}

fn is_presentation(doc: &Value) -> bool {
    match doc.get("type") {
        Some(Value::String(t)) => t == "VerifiablePresentation",
        Some(Value::Array(a)) => a.iter().any(|t| t == "VerifiablePresentation"),
        _ => false,
    }
}

/// Secures `doc` with `key`: the document the command writes.
pub fn sign(
    doc: &Value,
    key: &Identity,
    format: SecuringArg,
    created: chrono::DateTime<chrono::Utc>,
    challenge: Option<&str>,
    domain: Option<&str>,
) -> anyhow::Result<Value> {
    let unbundled = |d: &Value| -> anyhow::Result<()> {
        let missing = credentials::data_integrity::unbundled_contexts(d);
        if missing.is_empty() {
            Ok(())
        } else {
            bail!(
                "@context: {} is not a context vcnode holds (contexts are never fetched)",
                missing.join(", ")
            )
        }
    };
    if is_presentation(doc) {
        if format != SecuringArg::Di {
            bail!("--format: presentations are secured with Data Integrity (di) here");
        }
        let vp = credentials::prepare::prepare_presentation(doc, key.did())?;
        unbundled(&vp)?;
        return Ok(credentials::data_integrity::sign(
            &vp,
            key,
            created,
            "authentication",
            challenge,
            domain,
        )?);
    }
    if challenge.is_some() || domain.is_some() {
        bail!("--challenge and --domain are for presentations");
    }
    let mut vc = credentials::prepare::prepare(doc, key.did(), &[], &mut rand::rngs::OsRng)?;
    // `prepare` gives an id-less credential one; a signing tool signs what it was given.
    if doc.get("id").is_none() {
        if let Some(o) = vc.as_object_mut() {
            o.remove("id");
        }
    }
    let format = match format {
        SecuringArg::Di => {
            unbundled(&vc)?;
            Format::DataIntegrity
        }
        SecuringArg::Jwt => Format::Jwt,
        SecuringArg::SdJwt => Format::SdJwt,
    };
    Ok(
        match secure(format, &vc, key, created, &mut rand::rngs::OsRng)? {
            Issued::Json(v) => v,
            Issued::Compact(text) => {
                let media = if format == Format::Jwt {
                    "vc+jwt"
                } else {
                    "vc+sd-jwt"
                };
                json!({
                    "@context": ["https://www.w3.org/ns/credentials/v2"],
                    "type": "EnvelopedVerifiableCredential",
                    "id": format!("data:application/{media},{text}"),
                })
            }
        },
    )
}

pub fn run(a: SignArgs) -> anyhow::Result<i32> {
    let key = load_key(&a.key)?;
    let text = super::read_input(&a.input)?;
    let doc: Value =
        serde_json::from_str(&text).with_context(|| format!("{}: not JSON", a.input))?;
    let out = sign(
        &doc,
        &key,
        a.format,
        a.created.unwrap_or_else(chrono::Utc::now),
        a.challenge.as_deref(),
        a.domain.as_deref(),
    )?;
    let text = serde_json::to_string_pretty(&out)?;
    match &a.out {
        Some(p) => {
            std::fs::write(p, text + "\n").with_context(|| format!("writing {}", p.display()))?
        }
        None => println!("{text}"),
    }
    Ok(0)
}
