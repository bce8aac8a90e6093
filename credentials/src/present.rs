//! Verifiable presentations: SD-JWT presentations that disclose only the claims asked for, with
//! a key binding JWT (audience = verifier domain, nonce = challenge); `vp+jwt` presentations of
//! `vc+jwt` credentials; and Data Integrity presentations (`authentication` proof with challenge
//! and domain) of Data Integrity credentials.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::did::Identity;
use crate::jose::{sign_compact, CompactJws, Header};
use crate::sd_jwt::{self, Disclosure, SdJwtParts};

/// The audience (`aud`) of a presentation made for whichever verifier scans it: a QR code shown
/// at a counter before the verifier is known. RFC 9901 requires `aud` in a key binding JWT; this
/// value says "any verifier", and verifiers accept it only by choice and only with an expiry.
pub const OPEN_AUDIENCE: &str = "urn:vcnet:any-verifier";

/// Why a presentation could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PresentError {
    #[error("credential: {0}")]
    Credential(String),
    #[error("claim `{claim}` is not in the credential (it has: {available})")]
    UnknownClaim { claim: String, available: String },
    #[error("Data Integrity: {0}")]
    DataIntegrity(String),
}

/// Who the presentation is for.
#[derive(Debug, Clone, Default)]
pub struct Audience {
    /// The verifier's challenge (nonce).
    pub challenge: Option<String>,
    /// The verifier's domain (audience).
    pub domain: Option<String>,
    /// Expiry of the presentation (`exp`), e.g. two minutes for a QR code shown at a counter.
    pub expires: Option<DateTime<Utc>>,
}

/// Turns a claim name as users type it (`fullName`, `immunizations[0]`) into a payload path.
fn subject_path(claim: &str) -> String {
    if claim.starts_with("credentialSubject") {
        claim.to_owned()
    } else {
        format!("credentialSubject.{claim}")
    }
}

/// The disclosable claim paths of an SD-JWT credential (for listing and for error messages).
pub fn disclosable_claims(sd_jwt_credential: &str) -> Result<Vec<String>, PresentError> {
    let (payload, ds) = open_sd_jwt(sd_jwt_credential)?;
    Ok(sd_jwt::disclosure_paths(&payload, &ds)
        .into_iter()
        .map(|(p, _)| p.trim_start_matches("credentialSubject.").to_owned())
        .collect())
}

fn open_sd_jwt(s: &str) -> Result<(Value, Vec<Disclosure>), PresentError> {
    let parts = SdJwtParts::split(s.trim()).map_err(|e| PresentError::Credential(e.to_string()))?;
    let jws = CompactJws::parse(parts.jws).map_err(|e| PresentError::Credential(e.to_string()))?;
    let payload: Value = jws
        .payload_json()
        .map_err(|e| PresentError::Credential(e.to_string()))?;
    let ds = parts
        .disclosures
        .iter()
        .enumerate()
        .map(|(i, d)| Disclosure::parse(d, i))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| PresentError::Credential(e.to_string()))?;
    Ok((payload, ds))
}

/// Presents an SD-JWT credential disclosing only `claims` (subject claim names or paths such as
/// `immunizations[0]`; everything beneath a named claim is disclosed too) with a key binding JWT
/// signed by `holder` (RFC 9901 §4.3).
pub fn present_sd_jwt(
    credential: &str,
    claims: &[String],
    holder: &Identity,
    audience: &Audience,
    now: DateTime<Utc>,
) -> Result<String, PresentError> {
    present_sd_jwt_stapled(credential, claims, holder, audience, now, None)
}

/// [`present_sd_jwt`], carrying the issuer's status staple for the credential in the key
/// binding JWT (claim [`crate::status::STAPLE_CLAIM`]), signed over by the holder with the rest.
pub fn present_sd_jwt_stapled(
    credential: &str,
    claims: &[String],
    holder: &Identity,
    audience: &Audience,
    now: DateTime<Utc>,
    staple: Option<&crate::status::Carried>,
) -> Result<String, PresentError> {
    present_paths(
        credential,
        claims,
        subject_path,
        holder,
        audience,
        now,
        staple,
    )
}

/// Presents an SD-JWT VC (`dc+sd-jwt`, its claims at the top level) disclosing only `claims`
/// (claim names or paths), with a key binding JWT signed by `holder` whose `aud` and `nonce`
/// are the verifier's (OpenID4VP: its `client_id` and the request's nonce).
pub fn present_sd_jwt_vc(
    credential: &str,
    claims: &[String],
    holder: &Identity,
    audience: &Audience,
    now: DateTime<Utc>,
) -> Result<String, PresentError> {
    present_paths(
        credential,
        claims,
        str::to_owned,
        holder,
        audience,
        now,
        None,
    )
}

/// The disclosures under `claims` (each made a payload path by `path_of`), then the key
/// binding JWT.
fn present_paths(
    credential: &str,
    claims: &[String],
    path_of: impl Fn(&str) -> String,
    holder: &Identity,
    audience: &Audience,
    now: DateTime<Utc>,
    staple: Option<&crate::status::Carried>,
) -> Result<String, PresentError> {
    let (payload, ds) = open_sd_jwt(credential)?;
    let paths = sd_jwt::disclosure_paths(&payload, &ds);
    let wanted: Vec<String> = claims.iter().map(|c| path_of(c)).collect();
    for (claim, w) in claims.iter().zip(&wanted) {
        let exists = paths.iter().any(|(p, _)| {
            p == w
                || p.starts_with(&format!("{w}."))
                || p.starts_with(&format!("{w}["))
                || w.starts_with(&format!("{p}["))
                || w.starts_with(&format!("{p}."))
        }) || payload
            .pointer(&format!("/{}", w.replace('.', "/")))
            .is_some();
        if !exists {
            let available: Vec<&str> = paths
                .iter()
                .map(|(p, _)| p.trim_start_matches("credentialSubject."))
                .filter(|p| !p.contains('.') && !p.contains('['))
                .collect();
            return Err(PresentError::UnknownClaim {
                claim: claim.clone(),
                available: available.join(", "),
            });
        }
    }
    let chosen = sd_jwt::select(&paths, &wanted);
    let jws = credential.trim().split('~').next().unwrap_or_default();
    let mut out = String::with_capacity(jws.len() + 64 * chosen.len() + 256);
    out.push_str(jws);
    out.push('~');
    for i in chosen {
        out.push_str(&ds[i].encoded);
        out.push('~');
    }
    let mut kb = json!({"iat": now.timestamp(), "sd_hash": sd_jwt::sd_hash(&out)});
    if let Some(n) = &audience.challenge {
        kb["nonce"] = json!(n);
    }
    if let Some(d) = &audience.domain {
        kb["aud"] = json!(d);
    }
    if let Some(e) = audience.expires {
        kb["exp"] = json!(e.timestamp());
    }
    if let Some(s) = staple {
        kb[crate::status::STAPLE_CLAIM] = json!(s);
    }
    let kb_jwt = sign_compact(
        &Header::eddsa("kb+jwt", None),
        &serde_json::to_vec(&kb).unwrap_or_default(),
        holder.signing_key(),
    );
    out.push_str(&kb_jwt);
    Ok(out)
}

/// Presents `vc+jwt` credentials as a `vp+jwt` (VC-JOSE-COSE §3.1.2): the payload is a
/// `VerifiablePresentation` holding each credential as an `EnvelopedVerifiableCredential`, with
/// `nonce`, `aud`, `iat` and `exp` as JWT claims.
pub fn present_jwt(
    credentials: &[&str],
    holder: &Identity,
    audience: &Audience,
    now: DateTime<Utc>,
) -> String {
    let vcs: Vec<Value> = credentials
        .iter()
        .map(|c| json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": "EnvelopedVerifiableCredential", "id": format!("data:application/vc+jwt,{}", c.trim())}))
        .collect();
    let mut vp = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": holder.did(),
        "verifiableCredential": vcs,
        "iat": now.timestamp(),
    });
    if let Some(n) = &audience.challenge {
        vp["nonce"] = json!(n);
    }
    if let Some(d) = &audience.domain {
        vp["aud"] = json!(d);
    }
    if let Some(e) = audience.expires {
        vp["exp"] = json!(e.timestamp());
    }
    let mut header = Header::eddsa("vp+jwt", Some(holder.verification_method()));
    header.cty = Some("vp".into());
    sign_compact(
        &header,
        &serde_json::to_vec(&vp).unwrap_or_default(),
        holder.signing_key(),
    )
}

/// Presents Data Integrity credentials in a presentation secured with an `eddsa-rdfc-2022`
/// `authentication` proof carrying the challenge and domain.
pub fn present_di(
    credentials: &[Value],
    holder: &Identity,
    audience: &Audience,
    now: DateTime<Utc>,
) -> Result<Value, PresentError> {
    let vp = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": holder.did(),
        "verifiableCredential": credentials,
    });
    crate::data_integrity::sign(
        &vp,
        holder,
        now,
        "authentication",
        audience.challenge.as_deref(),
        audience.domain.as_deref(),
    )
    .map_err(|e| PresentError::DataIntegrity(e.to_string()))
}
