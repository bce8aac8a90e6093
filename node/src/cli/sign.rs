//! `vcnode sign`: secure any credential or presentation JSON with a private key — what
//! conformance harnesses and other implementations drive. File (or standard input) in, the
//! secured document as JSON out. A credential is checked by the VC Data Model's rules (each
//! failure names its field) and signed as its `issuer` (set from the key when absent; another
//! DID is refused); a presentation gets the key's DID as `holder` and an `authentication` proof.
//!
//! Keys: a vcnet key file (`vcnode key generate`), a multibase key file (`privateKeyMultibase`
//! of an Ed25519, P-256 or P-384 key, as the W3C test vectors write them) or a JWK with its
//! private part (`d`). The signer is the key's `did:key` (or `did:jwk` with `--did-method jwk`).
//! Mechanisms: Data Integrity with any suite vcnet verifies, `vc+jwt` / `vp+jwt`,
//! `vc+sd-jwt`, `vc+cose`.

use std::path::PathBuf;

use anyhow::{bail, Context};
use base64::Engine;
use clap::{Args, ValueEnum};
use credentials::cryptosuite::{ProofOptions, Suite};
use credentials::issue::{secure_with, Format, Issued};
use credentials::jose::{sign_compact_any, Header};
use credentials::pubkey::SecretKey;
use credentials::Identity;
use serde_json::{json, Value};

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SecuringArg {
    /// Data Integrity (`--suite`; eddsa-rdfc-2022 or ecdsa-rdfc-2019 by the key's curve).
    Di,
    /// VC-JOSE-COSE `vc+jwt`, or `vp+jwt` for a presentation.
    Jwt,
    /// VC-JOSE-COSE `vc+sd-jwt` (credentials only; the subject's `id` becomes `cnf`).
    SdJwt,
    /// VC-JOSE-COSE `vc+cose` (credentials only), as an enveloped data: URL.
    Cose,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SuiteArg {
    #[value(name = "eddsa-rdfc-2022")]
    EddsaRdfc2022,
    #[value(name = "eddsa-jcs-2022")]
    EddsaJcs2022,
    #[value(name = "ecdsa-rdfc-2019")]
    EcdsaRdfc2019,
    #[value(name = "ecdsa-jcs-2019")]
    EcdsaJcs2019,
    #[value(name = "Ed25519Signature2020")]
    Ed25519Signature2020,
}

impl From<SuiteArg> for Suite {
    fn from(s: SuiteArg) -> Self {
        match s {
            SuiteArg::EddsaRdfc2022 => Suite::EddsaRdfc2022,
            SuiteArg::EddsaJcs2022 => Suite::EddsaJcs2022,
            SuiteArg::EcdsaRdfc2019 => Suite::EcdsaRdfc2019,
            SuiteArg::EcdsaJcs2019 => Suite::EcdsaJcs2019,
            SuiteArg::Ed25519Signature2020 => Suite::Ed25519Signature2020,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DidMethodArg {
    /// `did:key:z…#z…`.
    Key,
    /// `did:jwk:…#0`.
    Jwk,
}

#[derive(Args)]
pub struct SignArgs {
    /// The private key: a vcnet or multibase key file, a JWK with `d`, or a verification
    /// method document with `secretKeyJwk` (then the signer is its `id` and `controller`).
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
    /// The Data Integrity cryptosuite (with `--format di`).
    #[arg(long, value_enum)]
    suite: Option<SuiteArg>,
    /// How the signer is named.
    #[arg(long, value_enum, default_value = "key")]
    did_method: DidMethodArg,
    /// The proof's `created` (RFC 3339); now by default.
    #[arg(long, value_parser = super::parse_time)]
    created: Option<chrono::DateTime<chrono::Utc>>,
    /// A presentation's `challenge` (`nonce` in a vp+jwt).
    #[arg(long)]
    challenge: Option<String>,
    /// A presentation's `domain` (`aud` in a vp+jwt).
    #[arg(long)]
    domain: Option<String>,
}

/// A private key and the DID and verification method that name it.
pub struct Signer {
    key: SecretKey,
    did: String,
    vm: String,
}

impl Signer {
    /// Names `key` by its `did:key` or `did:jwk`.
    pub fn new(key: SecretKey, method: DidMethodArg) -> Self {
        let public = key.public();
        let (did, vm) = match method {
            DidMethodArg::Key => {
                let did = public.did_key();
                let vm = format!("{did}#{}", &did["did:key:".len()..]);
                (did, vm)
            }
            DidMethodArg::Jwk => {
                let jwk = credentials::cryptosuite::jcs(&public.to_jwk());
                let did = format!(
                    "did:jwk:{}",
                    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(jwk)
                );
                let vm = format!("{did}#0");
                (did, vm)
            }
        };
        Self { key, did, vm }
    }

    /// Its DID.
    pub fn did(&self) -> &str {
        &self.did
    }
}

/// A verification method document (`{id, controller, secretKeyJwk | privateKeyJwk |
/// publicKeyJwk}`, as conformance suites hand keys out): its id, its controller, its public key
/// and its private key when it has one.
pub struct MethodFile {
    pub id: Option<String>,
    pub controller: Option<String>,
    pub public: credentials::pubkey::PublicKey,
    pub secret: Option<SecretKey>,
    /// The JWK's own `kid` (often its thumbprint), which JWS headers name.
    pub kid: Option<String>,
}

/// A key file's JSON.
fn read_json(path: &std::path::Path) -> anyhow::Result<Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{}: not JSON", path.display()))
}

/// Reads a verification method document or a bare JWK (public or private).
pub fn load_method(path: &std::path::Path) -> anyhow::Result<MethodFile> {
    method_of(path, &read_json(path)?)
}

/// [`load_method`] of a file already read.
fn method_of(path: &std::path::Path, v: &Value) -> anyhow::Result<MethodFile> {
    let at = |e: String| anyhow::anyhow!("{}: {e}", path.display());
    let secret_jwk = v.get("secretKeyJwk").or_else(|| v.get("privateKeyJwk"));
    let jwk = secret_jwk
        .or_else(|| v.get("publicKeyJwk"))
        .or_else(|| v.get("kty").map(|_| v))
        .ok_or_else(|| at("neither a JWK nor a verification method with a JWK".into()))?;
    let secret = match secret_jwk.or_else(|| jwk.get("d").map(|_| jwk)) {
        Some(j) => Some(SecretKey::from_jwk(j).map_err(at)?),
        None => None,
    };
    let public = match &secret {
        Some(s) => s.public(),
        None => credentials::pubkey::PublicKey::from_jwk(jwk).map_err(at)?,
    };
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    Ok(MethodFile {
        controller: s("controller")
            .or_else(|| s("id").map(|i| credentials::did::did_of_url(&i).to_owned())),
        id: s("id"),
        public,
        secret,
        kid: jwk.get("kid").and_then(Value::as_str).map(str::to_owned),
    })
}

/// The signer of a key file: a vcnet key file, a multibase key file, a JWK with `d`, or a
/// verification method document with a private JWK (then named by its id and controller).
fn load_signer(path: &std::path::Path, method: DidMethodArg) -> anyhow::Result<Signer> {
    let v = read_json(path)?;
    if v.get("secretKeyJwk").is_some() || v.get("privateKeyJwk").is_some() {
        let m = method_of(path, &v)?;
        let key = m
            .secret
            .context("the verification method has no private key")?;
        return Ok(match (m.id, m.controller) {
            (Some(vm), Some(did)) => Signer { key, did, vm },
            _ => Signer::new(key, method),
        });
    }
    Ok(Signer::new(key_of(path, &v)?, method))
}

/// The private key of a key file: a vcnet key file, a multibase key file or a JWK with `d`.
fn key_of(path: &std::path::Path, v: &Value) -> anyhow::Result<SecretKey> {
    if v.get("kty").is_some() {
        return SecretKey::from_jwk(v).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()));
    }
    let Some(mb) = v.get("privateKeyMultibase").and_then(Value::as_str) else {
        bail!(
            "{}: neither a JWK (`kty`) nor a key file with `privateKeyMultibase`",
            path.display()
        );
    };
    if mb.starts_with("z3u2") {
        // A vcnet key file (Ed25519): its own checks (the DID matches the key).
        if v.get("id").is_some() {
            let id = Identity::load(path)?;
            return Ok(SecretKey::Ed25519(id.signing_key().clone()));
        }
    }
    let key = SecretKey::from_multibase(mb)
        .map_err(|e| anyhow::anyhow!("{}: privateKeyMultibase: {e}", path.display()))?;
    if let Some(public) = v.get("publicKeyMultibase").and_then(Value::as_str) {
        let did = key.public().did_key();
        if did["did:key:".len()..] != *public {
            bail!(
                "{}: publicKeyMultibase is not the public key of privateKeyMultibase",
                path.display()
            );
        }
    }
    Ok(key)
}

fn is_presentation(doc: &Value) -> bool {
    credentials::prepare::types_of(doc).contains(&"VerifiablePresentation")
}

fn enveloped(media: &str, text: &str) -> Value {
    let id = if text.starts_with("data:") {
        text.to_owned()
    } else {
        format!("data:application/{media},{text}")
    };
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": "EnvelopedVerifiableCredential",
        "id": id,
    })
}

/// Secures `doc` as `signer`: the document the command writes.
pub fn sign(
    doc: &Value,
    signer: &Signer,
    format: SecuringArg,
    suite: Option<SuiteArg>,
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
    if suite.is_some() && format != SecuringArg::Di {
        bail!("--suite is for Data Integrity (--format di)");
    }
    let suite = suite.map(Suite::from);
    if is_presentation(doc) {
        let vp = credentials::prepare::prepare_presentation(doc, signer.did())?;
        return match format {
            SecuringArg::Di => {
                unbundled(&vp)?;
                let suite = suite.unwrap_or(match signer.key.alg() {
                    credentials::pubkey::Alg::EdDSA => Suite::EddsaRdfc2022,
                    _ => Suite::EcdsaRdfc2019,
                });
                let opts = ProofOptions {
                    purpose: "authentication",
                    challenge,
                    domain,
                    expires: None,
                };
                Ok(credentials::cryptosuite::sign(
                    &vp,
                    suite,
                    &signer.key,
                    &signer.vm,
                    created,
                    &opts,
                )?)
            }
            SecuringArg::Jwt | SecuringArg::SdJwt | SecuringArg::Cose => {
                let mut claims = vp;
                if let Some(c) = challenge {
                    claims["nonce"] = json!(c);
                }
                if let Some(d) = domain {
                    claims["aud"] = json!(d);
                }
                claims["iat"] = json!(created.timestamp());
                let id = match format {
                    SecuringArg::SdJwt => format!(
                        "data:application/vp+sd-jwt,{}",
                        credentials::issue::sign_vp_sd_jwt_with(
                            &claims,
                            &signer.key,
                            &signer.vm,
                            &mut rand::rngs::OsRng
                        )
                    ),
                    SecuringArg::Cose => credentials::cose::vp_data_url(&credentials::cose::sign(
                        &serde_json::to_vec(&claims)?,
                        &signer.key,
                        Some(&signer.vm),
                        "application/vp+cose",
                        "application/vp",
                    )),
                    _ => {
                        let mut header = Header::eddsa("vp+jwt", Some(signer.vm.as_str()));
                        header.cty = Some("vp".into());
                        let jwt =
                            sign_compact_any(&header, &serde_json::to_vec(&claims)?, &signer.key);
                        format!("data:application/vp+jwt,{jwt}")
                    }
                };
                Ok(json!({
                    "@context": ["https://www.w3.org/ns/credentials/v2"],
                    "type": "EnvelopedVerifiablePresentation",
                    "id": id,
                }))
            }
        };
    }
    if challenge.is_some() || domain.is_some() {
        bail!("--challenge and --domain are for presentations");
    }
    let mut vc = credentials::prepare::prepare(doc, signer.did(), &[], &mut rand::rngs::OsRng)?;
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
        SecuringArg::Cose => Format::Cose,
    };
    Ok(
        match secure_with(
            format,
            suite,
            &vc,
            &signer.key,
            &signer.vm,
            created,
            &mut rand::rngs::OsRng,
        )? {
            Issued::Json(v) => v,
            Issued::Compact(text) => enveloped(
                match format {
                    Format::Jwt => "vc+jwt",
                    _ => "vc+sd-jwt",
                },
                &text,
            ),
        },
    )
}

pub fn run(a: SignArgs) -> anyhow::Result<i32> {
    let signer = load_signer(&a.key, a.did_method)?;
    let text = super::read_input(&a.input)?;
    let doc: Value =
        serde_json::from_str(&text).with_context(|| format!("{}: not JSON", a.input))?;
    let out = sign(
        &doc,
        &signer,
        a.format,
        a.suite,
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
