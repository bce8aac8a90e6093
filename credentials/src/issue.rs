//! Building and signing credentials (VC Data Model 2.0) in vcnet's three formats:
//! Data Integrity `eddsa-rdfc-2022`, VC-JOSE-COSE `vc+jwt`, and VC-JOSE-COSE `vc+sd-jwt`
//! (RFC 9901 SD-JWT, every subject claim disclosable, holder key in `cnf`).

use chrono::{DateTime, Utc};
use rand::RngCore;
use serde_json::{json, Map, Value};

use crate::cryptosuite::{ProofOptions, Suite};
use crate::did::{resolve_public_key, DidError, Identity};
use crate::jose::{sign_compact_any, Header};
use crate::kind::CredentialKind;
use crate::pubkey::{Alg, SecretKey};
use crate::schema::{self, SchemaViolation};
use crate::sd_jwt::{conceal_object, SD_ALG};
use crate::status::StatusEntry;

/// Why a credential could not be issued.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    #[error("subject does not match the {kind} schema: {}", .violations.iter().map(|v| v.to_string()).collect::<Vec<_>>().join("; "))]
    Schema {
        kind: CredentialKind,
        violations: Vec<SchemaViolation>,
    },
    #[error("credentialSubject must be a JSON object")]
    SubjectNotObject,
    #[error("holder: {0}")]
    Holder(DidError),
    #[error("the subject's `id` ({subject}) differs from the holder ({holder})")]
    HolderMismatch { subject: String, holder: String },
    #[error("SD-JWT credentials need a holder DID for key binding (`cnf`)")]
    NoHolderForSdJwt,
    #[error("Data Integrity signing failed: {0}")]
    DataIntegrity(String),
    #[error("SD-JWT VC: {0}")]
    SdJwtVc(#[from] crate::sd_jwt_vc::SdJwtVcError),
    #[error("dc+sd-jwt is made from a record's claims, not from a VCDM credential")]
    NotFromCredential,
}

/// The encodings vcnet issues and verifies.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    strum::EnumIter,
    strum::EnumString,
    strum::IntoStaticStr,
)]
pub enum Format {
    /// JSON-LD with a `DataIntegrityProof` (`eddsa-rdfc-2022`).
    #[serde(rename = "di")]
    #[strum(serialize = "di")]
    DataIntegrity,
    /// VC-JOSE-COSE `vc+jwt` (compact JWS, EdDSA).
    #[serde(rename = "jwt")]
    #[strum(serialize = "jwt")]
    Jwt,
    /// VC-JOSE-COSE `vc+sd-jwt` (SD-JWT, EdDSA, key binding).
    #[serde(rename = "sd-jwt")]
    #[strum(serialize = "sd-jwt")]
    SdJwt,
    /// VC-JOSE-COSE `vc+cose` (COSE_Sign1, EdDSA), as a `data:application/vc+cose;base64,`
    /// URL. Issued over the VC-API; vcnet holders claim the other three.
    #[serde(rename = "cose")]
    #[strum(serialize = "cose")]
    Cose,
    /// SD-JWT VC `dc+sd-jwt` (the record's claims flat, `vct`, `cnf`, a Token Status List
    /// entry): what phone wallets receive over OpenID4VCI ([`crate::sd_jwt_vc`]). It is made
    /// from a record, not from a VCDM credential.
    #[serde(rename = "dc+sd-jwt")]
    #[strum(serialize = "dc+sd-jwt")]
    SdJwtVc,
    /// `jwt_vc_json`: the VCDM 1.1 JWT encoding (a `vc` claim), what OpenID4VCI 1.0 names
    /// for W3C credentials signed as JWTs ([`crate::jwt_vc_json`]). Issued to phone wallets.
    #[serde(rename = "jwt_vc_json")]
    #[strum(serialize = "jwt_vc_json")]
    JwtVcJson,
}

impl Format {
    /// Short name (`di`, `jwt`, `sd-jwt`, `cose`).
    pub fn short_name(self) -> &'static str {
        self.into()
    }

    /// Parses a short name, or a media type name (`vc+jwt`, `vc+sd-jwt`, `vc+cose`).
    pub fn parse(s: &str) -> Option<Self> {
        s.strip_prefix("vc+").unwrap_or(s).parse().ok()
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::DataIntegrity => "Data Integrity (eddsa-rdfc-2022)",
            Self::Jwt => "vc+jwt",
            Self::SdJwt => "vc+sd-jwt",
            Self::Cose => "vc+cose",
            Self::SdJwtVc => "dc+sd-jwt (SD-JWT VC)",
            Self::JwtVcJson => "jwt_vc_json (VCDM 1.1 JWT)",
        })
    }
}

/// What to put in a credential.
#[derive(Debug, Clone)]
pub struct CredentialRequest {
    /// The kind, which decides type, context and schema.
    pub kind: CredentialKind,
    /// The claims about the subject (an object; no `id` needed).
    pub subject: Value,
    /// The holder's DID: becomes `credentialSubject.id` and, for SD-JWT, the `cnf` key.
    pub holder: Option<String>,
    /// Credential `id`; a random `urn:uuid:` when `None`.
    pub id: Option<String>,
    /// `validFrom`.
    pub valid_from: DateTime<Utc>,
    /// `validUntil`, if the credential expires.
    pub valid_until: Option<DateTime<Utc>>,
    /// `credentialStatus` entries (vcnet issues one for revocation and one for suspension).
    pub status: Vec<StatusEntry>,
}

/// A random RFC 4122 version 4 UUID URN.
pub fn random_urn_uuid(rng: &mut impl RngCore) -> String {
    let mut b = [0u8; 16];
    rng.fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    format!("urn:uuid:{}", uuid_text(&b))
}

/// The canonical text of a UUID's 16 bytes (`8-4-4-4-12` lowercase hex digits). Anything
/// shorter than 16 bytes gives the digits it has.
pub fn uuid_text(b: &[u8]) -> String {
    let h = hex::encode(b);
    let part = |r: std::ops::Range<usize>| h.get(r).unwrap_or_default();
    format!(
        "{}-{}-{}-{}-{}",
        part(0..8),
        part(8..12),
        part(12..16),
        part(16..20),
        part(20..32)
    )
}

/// Builds the unsigned credential and checks it against the kind's schema.
pub fn build_credential(
    issuer: &str,
    req: &CredentialRequest,
    rng: &mut impl RngCore,
) -> Result<Value, IssueError> {
    let vc = build_unchecked(issuer, req, rng)?;
    schema::validate(req.kind, &vc, false).map_err(|violations| IssueError::Schema {
        kind: req.kind,
        violations,
    })?;
    Ok(vc)
}

/// The unsigned credential, without the schema check of the whole.
fn build_unchecked(
    issuer: &str,
    req: &CredentialRequest,
    rng: &mut impl RngCore,
) -> Result<Value, IssueError> {
    let mut subject: Map<String, Value> = match &req.subject {
        Value::Object(m) => m.clone(),
        _ => return Err(IssueError::SubjectNotObject),
    };
    if let Some(holder) = &req.holder {
        // The holder's key, decoded from its DID (did:key or did:jwk) without building a DID
        // document: bulk issuance checks one holder per credential.
        resolve_public_key(holder).map_err(IssueError::Holder)?;
        match subject.get("id").and_then(Value::as_str) {
            Some(id) if id != holder => {
                return Err(IssueError::HolderMismatch {
                    subject: id.to_owned(),
                    holder: holder.clone(),
                })
            }
            _ => {}
        }
        // `id` first, for readability.
        let mut with_id = Map::new();
        with_id.insert("id".into(), json!(holder));
        subject.remove("id");
        with_id.extend(subject);
        subject = with_id;
    }
    let mut vc = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", req.kind.context_url()],
        "id": req.id.clone().unwrap_or_else(|| random_urn_uuid(rng)),
        "type": ["VerifiableCredential", req.kind.type_name()],
        "issuer": issuer,
        "validFrom": crate::time::format(req.valid_from),
    });
    if let Some(until) = req.valid_until {
        vc["validUntil"] = json!(crate::time::format(until));
    }
    vc["credentialSubject"] = Value::Object(subject);
    vc["credentialSchema"] = json!({"id": req.kind.schema_url(), "type": "JsonSchema"});
    match req.status.len() {
        0 => {}
        1 => vc["credentialStatus"] = req.status[0].to_json(),
        _ => {
            vc["credentialStatus"] =
                Value::Array(req.status.iter().map(StatusEntry::to_json).collect())
        }
    }
    Ok(vc)
}

/// Secures a credential as `vc+jwt`: the JWT claims set is the credential itself
/// (VC-JOSE-COSE §3.1.1), `typ` `vc+jwt`, `cty` `vc`, `kid` the issuer's verification method.
pub fn sign_jwt(credential: &Value, issuer: &Identity) -> String {
    sign_jwt_with(credential, &secret_of(issuer), issuer.verification_method())
}

/// [`sign_jwt`] with a key of any supported curve, named by the verification method `vm`.
pub fn sign_jwt_with(credential: &Value, key: &SecretKey, vm: &str) -> String {
    let mut header = Header::eddsa("vc+jwt", Some(vm));
    header.cty = Some("vc".into());
    sign_compact_any(
        &header,
        &serde_json::to_vec(credential).unwrap_or_default(),
        key,
    )
}

/// The `cnf` claim (RFC 7800) naming the holder's key (Ed25519, P-256 or P-384) as a JWK.
pub fn cnf_for(holder_did: &str) -> Result<Value, DidError> {
    Ok(json!({"jwk": resolve_public_key(holder_did)?.to_jwk()}))
}

/// Secures a credential as `vc+sd-jwt`: every property of `credentialSubject` except `id`, and
/// every array element and nested property beneath, becomes a disclosure; the holder's key goes
/// in `cnf`. Returns the SD-JWT with all disclosures (`<jws>~<d1>~…~<dn>~`).
pub fn sign_sd_jwt(
    credential: &Value,
    issuer: &Identity,
    rng: &mut impl RngCore,
) -> Result<String, IssueError> {
    sign_sd_jwt_with(
        credential,
        &secret_of(issuer),
        issuer.verification_method(),
        rng,
    )
}

/// [`sign_sd_jwt`] with a key of any supported curve, named by the verification method `vm`.
pub fn sign_sd_jwt_with(
    credential: &Value,
    key: &SecretKey,
    vm: &str,
    rng: &mut impl RngCore,
) -> Result<String, IssueError> {
    let holder = credential["credentialSubject"]["id"].as_str();
    let mut payload = credential.clone();
    let mut disclosures = Vec::new();
    if let Some(Value::Object(cs)) = payload.get_mut("credentialSubject") {
        conceal_object(cs, &["id"], rng, &mut disclosures);
    }
    payload["_sd_alg"] = json!(SD_ALG);
    if let Some(cnf) = holder_cnf(holder)? {
        payload["cnf"] = cnf;
    }
    Ok(sd_jwt_text(
        "vc+sd-jwt",
        Some("vc"),
        &payload,
        &disclosures,
        key,
        vm,
    ))
}

/// `<jws>~<d1>~…~<dn>~`: `payload` signed as `typ` (content type `cty`, if any) by `key`,
/// named `vm`, followed by every disclosure.
pub(crate) fn sd_jwt_text(
    typ: &str,
    cty: Option<&str>,
    payload: &Value,
    disclosures: &[crate::sd_jwt::Disclosure],
    key: &SecretKey,
    vm: &str,
) -> String {
    let mut header = Header::eddsa(typ, Some(vm));
    header.cty = cty.map(str::to_owned);
    let mut out = sign_compact_any(
        &header,
        &serde_json::to_vec(payload).unwrap_or_default(),
        key,
    );
    out.push('~');
    for d in disclosures {
        out.push_str(&d.encoded);
        out.push('~');
    }
    out
}

/// Secures a presentation as `vp+sd-jwt`, signed by its holder's key `vm`: each credential
/// in `verifiableCredential` becomes a disclosure (the holder may leave any out); the rest of
/// the presentation stays in the clear. Returns `<jws>~<d1>~…~<dn>~`.
pub fn sign_vp_sd_jwt_with(
    presentation: &Value,
    key: &SecretKey,
    vm: &str,
    rng: &mut impl RngCore,
) -> String {
    let mut payload = presentation.clone();
    let mut disclosures = Vec::new();
    match payload.get_mut("verifiableCredential") {
        Some(Value::Array(items)) => crate::sd_jwt::conceal_elements(items, rng, &mut disclosures),
        Some(one @ Value::Object(_)) => {
            let mut items = vec![one.take()];
            crate::sd_jwt::conceal_elements(&mut items, rng, &mut disclosures);
            *one = Value::Array(items);
        }
        _ => {}
    }
    payload["_sd_alg"] = json!(SD_ALG);
    sd_jwt_text("vp+sd-jwt", Some("vp"), &payload, &disclosures, key, vm)
}

/// The `cnf` of an SD-JWT's holder: the key of a `did:key` or `did:jwk` subject. A subject
/// named otherwise (`did:web`, an https URL) or not at all gets none: its SD-JWT cannot be
/// key-bound, and a verifier that asks for holder binding refuses it. A malformed `did:key`
/// is an error.
fn holder_cnf(holder: Option<&str>) -> Result<Option<Value>, IssueError> {
    match holder {
        Some(h) if h.starts_with("did:key:") || h.starts_with("did:jwk:") => {
            cnf_for(h).map(Some).map_err(IssueError::Holder)
        }
        _ => Ok(None),
    }
}

/// The issuer's Ed25519 key as a [`SecretKey`].
fn secret_of(issuer: &Identity) -> SecretKey {
    SecretKey::Ed25519(issuer.signing_key().clone())
}

/// An issued credential in its wire form.
#[derive(Debug, Clone)]
pub enum Issued {
    /// A JSON-LD credential with an embedded proof.
    Json(Value),
    /// A compact `vc+jwt` or SD-JWT.
    Compact(String),
}

impl Issued {
    /// The text to print, store or send.
    pub fn to_text(&self) -> String {
        match self {
            Self::Json(v) => serde_json::to_string_pretty(v).unwrap_or_default(),
            Self::Compact(s) => s.clone(),
        }
    }
}

/// Builds and signs a credential in one step.
pub fn issue(
    format: Format,
    issuer: &Identity,
    req: &CredentialRequest,
    rng: &mut impl RngCore,
) -> Result<Issued, IssueError> {
    issue_built(format, issuer, req, rng, build_credential)
}

/// [`issue`] for a request whose subject has passed [`schema::validate_subject`] (bulk
/// issuance checks every record before it commits their indexes): the rest of the credential
/// is built here from checked parts, so the schema check of the whole is not repeated.
pub fn issue_checked(
    format: Format,
    issuer: &Identity,
    req: &CredentialRequest,
    rng: &mut impl RngCore,
) -> Result<Issued, IssueError> {
    issue_built(format, issuer, req, rng, build_unchecked)
}

/// Builds the credential with `build`, then secures it in `format`.
fn issue_built<R: RngCore>(
    format: Format,
    issuer: &Identity,
    req: &CredentialRequest,
    rng: &mut R,
    build: fn(&str, &CredentialRequest, &mut R) -> Result<Value, IssueError>,
) -> Result<Issued, IssueError> {
    // vcnet's kinds are presented with key binding: an SD-JWT of one needs its holder.
    if matches!(format, Format::SdJwt | Format::SdJwtVc) && req.holder.is_none() {
        return Err(IssueError::NoHolderForSdJwt);
    }
    if format == Format::SdJwtVc {
        return issue_sd_jwt_vc_for(issuer, req, rng);
    }
    let vc = build(issuer.did(), req, rng)?;
    secure(format, &vc, issuer, req.valid_from, rng)
}

/// An SD-JWT VC of a request's record: its claims, its holder's key in `cnf`, and the Token
/// Status List that stands for its revocation entry's shard.
fn issue_sd_jwt_vc_for(
    issuer: &Identity,
    req: &CredentialRequest,
    rng: &mut impl RngCore,
) -> Result<Issued, IssueError> {
    schema::validate_subject(req.kind, &req.subject).map_err(|violations| IssueError::Schema {
        kind: req.kind,
        violations,
    })?;
    let holder = req.holder.as_deref().ok_or(IssueError::NoHolderForSdJwt)?;
    let holder_jwk = resolve_public_key(holder)
        .map_err(IssueError::Holder)?
        .to_jwk();
    let status_list = req
        .status
        .iter()
        .find(|e| e.purpose == crate::status::StatusPurpose::Revocation)
        .and_then(|e| Some((crate::sd_jwt_vc::token_list_url(&e.list)?, e.index)));
    let vc_req = crate::sd_jwt_vc::SdJwtVcRequest {
        kind: req.kind,
        claims: &req.subject,
        holder_jwk: &holder_jwk,
        issuer: issuer.did(),
        issued_at: req.valid_from.timestamp(),
        expires_at: req.valid_until.map(|t| t.timestamp()),
        status: status_list.as_ref().map(|(u, i)| (u.as_str(), *i)),
    };
    Ok(Issued::Compact(crate::sd_jwt_vc::issue_sd_jwt_vc(
        &vc_req,
        &secret_of(issuer),
        issuer.verification_method(),
        rng,
    )?))
}

/// Secures a complete, unsigned credential in `format`: a Data Integrity proof created at
/// `created`, or a `vc+jwt` / `vc+sd-jwt` / `vc+cose` whose payload is the credential.
pub fn secure(
    format: Format,
    vc: &Value,
    issuer: &Identity,
    created: DateTime<Utc>,
    rng: &mut impl RngCore,
) -> Result<Issued, IssueError> {
    secure_with(
        format,
        None,
        vc,
        &secret_of(issuer),
        issuer.verification_method(),
        created,
        rng,
    )
}

/// [`secure`] with a key of any supported curve named by `vm`, and for Data Integrity the
/// cryptosuite (`eddsa-rdfc-2022` for Ed25519 keys and `ecdsa-rdfc-2019` for EC keys when
/// `None`).
pub fn secure_with(
    format: Format,
    suite: Option<Suite>,
    vc: &Value,
    key: &SecretKey,
    vm: &str,
    created: DateTime<Utc>,
    rng: &mut impl RngCore,
) -> Result<Issued, IssueError> {
    Ok(match format {
        Format::Jwt => Issued::Compact(sign_jwt_with(vc, key, vm)),
        Format::SdJwt => Issued::Compact(sign_sd_jwt_with(vc, key, vm, rng)?),
        Format::DataIntegrity => {
            let suite = suite.unwrap_or(match key.alg() {
                Alg::EdDSA => Suite::EddsaRdfc2022,
                Alg::ES256 | Alg::ES384 | Alg::ES512 => Suite::EcdsaRdfc2019,
            });
            let opts = ProofOptions {
                purpose: "assertionMethod",
                ..Default::default()
            };
            Issued::Json(
                crate::cryptosuite::sign(vc, suite, key, vm, created, &opts)
                    .map_err(|e| IssueError::DataIntegrity(e.to_string()))?,
            )
        }
        Format::SdJwtVc => return Err(IssueError::NotFromCredential),
        Format::JwtVcJson => Issued::Compact(crate::jwt_vc_json::sign(vc, key, vm)),
        Format::Cose => Issued::Compact(crate::cose::data_url(&crate::cose::sign(
            &serde_json::to_vec(vc).map_err(|e| IssueError::DataIntegrity(e.to_string()))?,
            key,
            Some(vm),
            "application/vc+cose",
            "application/vc",
        ))),
    })
}
