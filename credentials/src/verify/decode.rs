//! The `decode` step: detect the encoding, parse it once, and gather everything the later
//! checks need, including the signatures to check (as plain Ed25519 work items, so one or many
//! inputs can be verified together).

use std::borrow::Cow;

use serde_json::Value;

use crate::cose;
use crate::did::KeyResolver;
use crate::jose::CompactJws;
use crate::pubkey::{PublicKey, Sig};
use crate::sd_jwt::{self, Opened, SdJwtParts};

/// The largest input accepted (1 MiB): far above any credential, a bound against abuse.
pub const MAX_INPUT_BYTES: usize = 1 << 20;

/// One signature to check (Ed25519, or ECDSA from issuers outside vcnet). `'a` is the input's lifetime: a JWS signing input is
/// borrowed from it, not copied.
#[derive(Debug, Clone)]
pub struct SigItem<'a> {
    /// What it proves, for messages ("issuer signature", "key binding JWT").
    pub what: &'static str,
    /// The signed bytes.
    pub message: Cow<'a, [u8]>,
    /// The signature.
    pub signature: Sig,
    /// The key, or why there is none.
    pub key: Result<PublicKey, String>,
}

/// A presentation's holder-side facts.
#[derive(Debug, Clone)]
pub struct PresentationFacts {
    /// The presenter (holder DID), if stated.
    pub holder: Option<String>,
    /// The nonce / challenge it carries.
    pub challenge: Option<String>,
    /// The audience / domain it carries.
    pub domain: Option<String>,
    /// When it was made (seconds since the epoch).
    pub issued_at: Option<i64>,
    /// When it expires (seconds since the epoch).
    pub expires: Option<i64>,
    /// Holder binding verdict found while decoding (e.g. `sd_hash` mismatch).
    pub binding: Result<String, String>,
    /// The issuer's status staple the holder carries (SD-JWT key binding JWT), unverified;
    /// `Err` when the claim is there but malformed.
    pub staple: Option<Result<crate::status::Carried, String>>,
}

/// One credential, decoded.
#[derive(Debug, Clone)]
pub struct DecodedCredential {
    /// The credential claims (for SD-JWT: with disclosed claims in place).
    pub credential: Value,
    /// Whether claims may be withheld (SD-JWT).
    pub partial: bool,
    /// Paths of the disclosed claims (SD-JWT).
    pub disclosed: Vec<String>,
    /// JWT `nbf`/`exp` (seconds), when the envelope has them.
    pub jwt_nbf: Option<i64>,
    /// JWT `exp` (seconds).
    pub jwt_exp: Option<i64>,
    /// Data Integrity `proof.created` (seconds): a proof dated in the future fails.
    pub proof_created: Option<i64>,
    /// Data Integrity `proof.expires` (seconds): an expired proof fails.
    pub proof_expires: Option<i64>,
    /// A problem with the signature that was found while decoding (wrong `kid`, …).
    pub sig_problem: Option<String>,
}

/// One input, decoded (borrowing signed bytes from the input where it can).
#[derive(Debug, Clone)]
pub struct Decoded<'a> {
    /// The encoding's short name.
    pub format: &'static str,
    /// The credentials it carries (one, unless a presentation carries several).
    pub credentials: Vec<DecodedCredential>,
    /// Presentation facts, for presentations.
    pub presentation: Option<PresentationFacts>,
    /// Every Ed25519 signature to check.
    pub sigs: Vec<SigItem<'a>>,
}

impl DecodedCredential {
    /// A credential with every claim present and no validity facts from its envelope.
    pub fn whole(credential: Value, sig_problem: Option<String>) -> Self {
        Self {
            credential,
            partial: false,
            disclosed: vec![],
            jwt_nbf: None,
            jwt_exp: None,
            proof_created: None,
            proof_expires: None,
            sig_problem,
        }
    }
}

impl SigItem<'_> {
    /// The same item, owning its message (for inputs nested in a parsed document).
    pub fn into_owned(self) -> SigItem<'static> {
        SigItem {
            what: self.what,
            message: Cow::Owned(self.message.into_owned()),
            signature: self.signature,
            key: self.key,
        }
    }
}

impl Decoded<'_> {
    /// The same decoding, owning every signed message.
    pub fn into_owned(self) -> Decoded<'static> {
        Decoded {
            format: self.format,
            credentials: self.credentials,
            presentation: self.presentation,
            sigs: self.sigs.into_iter().map(SigItem::into_owned).collect(),
        }
    }
}

fn issuer_of(credential: &Value) -> Option<&str> {
    match credential.get("issuer") {
        Some(Value::String(s)) => Some(s),
        Some(Value::Object(o)) => o.get("id").and_then(Value::as_str),
        _ => None,
    }
}

/// The issuer DID of a credential (`issuer` as a string or `issuer.id`).
pub fn issuer_did(credential: &Value) -> Option<&str> {
    issuer_of(credential)
}

pub(super) fn jws_sig<'a>(
    what: &'static str,
    jws: &CompactJws<'a>,
    key: Result<PublicKey, String>,
) -> SigItem<'a> {
    SigItem {
        what,
        message: Cow::Borrowed(jws.signing_input.as_bytes()),
        signature: jws.signature,
        key,
    }
}

/// Checks that the JWS `kid` belongs to `expected` DID and resolves its key.
pub(super) fn kid_key(
    kid: Option<&str>,
    expected: Option<&str>,
    role: &str,
    keys: &KeyResolver,
) -> (Result<PublicKey, String>, Option<String>) {
    let Some(kid) = kid else {
        return (
            Err(format!("{role} JWS header has no `kid`")),
            Some(format!("{role} JWS header has no `kid`")),
        );
    };
    let signer = keys.controller_of(kid);
    let problem = match expected {
        Some(e) if signer != e => Some(format!("{role} JWS is signed by {signer} but names {e}")),
        None => Some(format!(
            "{role} is not stated, so the signer {signer} cannot be bound to it"
        )),
        _ => None,
    };
    (
        keys.resolve_any(kid)
            .map_err(|e| format!("{role} key: {e}")),
        problem,
    )
}

/// VC-JOSE-COSE secures the credential or presentation itself as the payload; the `vc` and
/// `vp` claims of the older VC-JWT encoding must not be there (§3.1.1, §3.1.2).
pub(super) fn no_vc_vp_claims(payload: &Value, what: &str) -> Result<(), String> {
    for claim in ["vc", "vp"] {
        if payload.get(claim).is_some() {
            return Err(format!(
                "{what} payload has a `{claim}` claim: VC-JOSE-COSE secures the document itself, not a `{claim}` claim (VC-JWT 1.1 style)"
            ));
        }
    }
    Ok(())
}

pub(super) fn num(v: &Value, k: &str) -> Option<i64> {
    v.get(k).and_then(Value::as_i64)
}

/// Decodes any supported encoding. The error names what is wrong and where.
pub fn decode<'a>(input: &'a str, keys: &KeyResolver) -> Result<Decoded<'a>, String> {
    if input.len() > MAX_INPUT_BYTES {
        return Err(format!(
            "input is {} bytes; the limit is {MAX_INPUT_BYTES}",
            input.len()
        ));
    }
    let input = input.trim();
    if input.is_empty() {
        return Err("input is empty".into());
    }
    if input.starts_with('{') {
        let v: Value =
            serde_json::from_str(input).map_err(|e| format!("input is not valid JSON: {e}"))?;
        return decode_json(v, keys);
    }
    if input.starts_with(cose::DATA_URL_PREFIX) {
        return decode_cose(input, keys);
    }
    if input.starts_with(cose::VP_DATA_URL_PREFIX) {
        return super::decode_vp::decode_cose_vp(input, keys);
    }
    if input.contains('~') {
        return decode_sd_jwt(input, keys);
    }
    // `matches` with a char pattern searches with memchr: a JWT has only two dots to find.
    if input.matches('.').take(3).count() == 2 {
        return decode_jwt(input, keys);
    }
    Err("unrecognised encoding: not JSON, a compact JWT (vc+jwt, vp+jwt), an SD-JWT (vc+sd-jwt, vp+sd-jwt) or a COSE data URL (vc+cose, vp+cose)".into())
}

pub(super) fn types(v: &Value) -> Vec<&str> {
    match v.get("type") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    }
}

/// At most `chars` characters of untrusted text, for an error message: cut at a character
/// boundary (a byte slice could split a multi-byte character and panic), with `…` when cut.
pub fn preview(text: &str, chars: usize) -> String {
    let mut it = text.char_indices();
    match it.nth(chars) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// Unwraps `EnvelopedVerifiableCredential` (`data:application/vc+jwt,…`, `…vc+sd-jwt,…`,
/// `…dc+sd-jwt,…`, `…vc+cose;base64,…`) and `EnvelopedVerifiablePresentation`
/// (`data:application/vp+jwt,…`, `…vp+sd-jwt,…`, `…vp+cose;base64,…`).
pub(super) fn enveloped(v: &Value) -> Option<Result<&str, String>> {
    let t = types(v);
    let (prefixes, what): (&[&str], &str) = if t.contains(&"EnvelopedVerifiableCredential") {
        (
            &[
                "data:application/vc+jwt,",
                "data:application/vc+sd-jwt,",
                "data:application/dc+sd-jwt,",
            ],
            "EnvelopedVerifiableCredential id is not a data: URL of vc+jwt, vc+sd-jwt, dc+sd-jwt or vc+cose",
        )
    } else if t.contains(&"EnvelopedVerifiablePresentation") {
        (
            &["data:application/vp+jwt,", "data:application/vp+sd-jwt,"],
            "EnvelopedVerifiablePresentation id is not a data: URL of vp+jwt, vp+sd-jwt or vp+cose",
        )
    } else {
        return None;
    };
    let id = v.get("id").and_then(Value::as_str).unwrap_or_default();
    let cose_prefix = if t.contains(&"EnvelopedVerifiableCredential") {
        cose::DATA_URL_PREFIX
    } else {
        cose::VP_DATA_URL_PREFIX
    };
    if id.starts_with(cose_prefix) {
        // Binary: `decode` reads the data URL itself.
        return Some(Ok(id));
    }
    Some(
        prefixes
            .iter()
            .find_map(|p| id.strip_prefix(p))
            .ok_or_else(|| format!("{what} (starts `{}`)", preview(id, 32))),
    )
}

fn decode_json(v: Value, keys: &KeyResolver) -> Result<Decoded<'static>, String> {
    if let Some(inner) = enveloped(&v) {
        let d = decode(inner?, keys).map(Decoded::into_owned)?;
        let presentation = types(&v).contains(&"EnvelopedVerifiablePresentation");
        if presentation != d.presentation.is_some() {
            return Err(format!(
                "the enveloped content is {}, but the envelope's type says otherwise",
                if d.presentation.is_some() {
                    "a presentation"
                } else {
                    "a credential"
                }
            ));
        }
        return Ok(d);
    }
    let t = types(&v);
    if t.contains(&"VerifiablePresentation") {
        return super::decode_di::decode_presentation(v, keys);
    }
    if !t.contains(&"VerifiableCredential") {
        return Err(format!(
            "JSON `type` {t:?} includes neither VerifiableCredential nor VerifiablePresentation"
        ));
    }
    if v.get("proof").is_none() {
        return Err("JSON credential has no `proof`: it is not secured".into());
    }
    super::decode_di::decode_credential(v, keys)
}

fn decode_jwt<'a>(input: &'a str, keys: &KeyResolver) -> Result<Decoded<'a>, String> {
    let jws = CompactJws::parse_any(input).map_err(|e| e.to_string())?;
    let payload: Value = jws.payload_json().map_err(|e| e.to_string())?;
    match jws.header.typ.as_deref() {
        Some("vc+jwt") => {
            let cred = jwt_credential(&jws, payload, keys)?;
            let (d, sig) = cred;
            Ok(Decoded {
                format: "vc+jwt",
                credentials: vec![d],
                presentation: None,
                sigs: vec![sig],
            })
        }
        Some("vp+jwt") => super::decode_vp::decode_jwt_vp(&jws, payload, keys),
        // VCDM 1.1's JWT encoding (OpenID4VC's `jwt_vc_json`): a `vc` claim.
        None | Some("JWT") if payload.get("vc").is_some() => {
            let view = crate::jwt_vc_json::vcdm_view(&payload)?;
            let (key, problem) =
                kid_key(jws.header.kid.as_deref(), issuer_of(&view), "issuer", keys);
            let d = DecodedCredential {
                jwt_nbf: num(&payload, "nbf"),
                jwt_exp: num(&payload, "exp"),
                ..DecodedCredential::whole(view, problem)
            };
            Ok(Decoded {
                format: "jwt_vc_json",
                credentials: vec![d],
                presentation: None,
                sigs: vec![jws_sig("issuer signature", &jws, key)],
            })
        }
        other => Err(format!(
            "JWT `typ` is {other:?}; expected vc+jwt, vp+jwt, or a VCDM 1.1 JWT (`vc` claim)"
        )),
    }
}

/// A `vc+cose` credential (VC-JOSE-COSE §3.3): the issuer's key named by `kid`, or by the
/// issuer itself when there is none.
fn decode_cose(url: &str, keys: &KeyResolver) -> Result<Decoded<'static>, String> {
    let bytes = cose::from_data_url(url)?;
    let s1 = cose::parse(&bytes).map_err(|e| e.to_string())?;
    match s1.typ.as_deref() {
        None | Some("application/vc+cose") => {}
        Some(other) => {
            return Err(format!(
                "COSE typ is `{}`; expected application/vc+cose",
                preview(other, 40)
            ))
        }
    }
    let payload: Value = serde_json::from_slice(&s1.payload)
        .map_err(|e| format!("vc+cose payload is not JSON: {e}"))?;
    if !payload.is_object() {
        return Err("vc+cose payload is not a JSON object".into());
    }
    no_vc_vp_claims(&payload, "vc+cose")?;
    if !types(&payload).contains(&"VerifiableCredential") {
        return Err("vc+cose payload's type does not include VerifiableCredential".into());
    }
    let issuer = issuer_of(&payload).map(str::to_owned);
    let kid = s1.kid.clone().or_else(|| issuer.clone());
    let (key, problem) = kid_key(kid.as_deref(), issuer.as_deref(), "issuer", keys);
    let d = DecodedCredential::whole(payload, problem);
    Ok(Decoded {
        format: "vc+cose",
        credentials: vec![d],
        presentation: None,
        sigs: vec![SigItem {
            what: "issuer signature",
            message: Cow::Owned(s1.to_be_signed),
            signature: s1.signature,
            key,
        }],
    })
}

fn jwt_credential<'a>(
    jws: &CompactJws<'a>,
    payload: Value,
    keys: &KeyResolver,
) -> Result<(DecodedCredential, SigItem<'a>), String> {
    if !payload.is_object() {
        return Err("vc+jwt payload is not a JSON object".into());
    }
    no_vc_vp_claims(&payload, "vc+jwt")?;
    let (key, problem) = kid_key(
        jws.header.kid.as_deref(),
        issuer_of(&payload),
        "issuer",
        keys,
    );
    let (jwt_nbf, jwt_exp) = (num(&payload, "nbf"), num(&payload, "exp"));
    let d = DecodedCredential {
        jwt_nbf,
        jwt_exp,
        ..DecodedCredential::whole(payload, problem)
    };
    Ok((d, jws_sig("issuer signature", jws, key)))
}

/// Every credential's subject must be the presenter.
pub fn bind_subjects(creds: &[DecodedCredential], holder: &str) -> Result<String, String> {
    for (i, c) in creds.iter().enumerate() {
        let subj = c
            .credential
            .get("credentialSubject")
            .and_then(|s| s.get("id"))
            .and_then(Value::as_str);
        match subj {
            Some(s) if s == holder => {}
            Some(s) => {
                return Err(format!(
                    "credential #{i} was issued to {s}, but {holder} presented it"
                ))
            }
            None => {
                return Err(format!(
                    "credential #{i} names no subject id, so it cannot be bound to {holder}"
                ))
            }
        }
    }
    Ok(format!("presented by its subject {holder}"))
}

pub(super) fn aud(payload: &Value) -> Option<String> {
    match payload.get("aud") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Array(a)) => a.first().and_then(Value::as_str).map(str::to_owned),
        _ => None,
    }
}

fn decode_sd_jwt<'a>(input: &'a str, keys: &KeyResolver) -> Result<Decoded<'a>, String> {
    let parts = SdJwtParts::split(input).map_err(|e| e.to_string())?;
    let jws = CompactJws::parse_any(parts.jws).map_err(|e| format!("issuer-signed JWT: {e}"))?;
    match jws.header.typ.as_deref() {
        Some("vc+sd-jwt") | Some("dc+sd-jwt") => {}
        Some("vp+sd-jwt") => return super::decode_vp::decode_sd_jwt_vp(&parts, &jws, keys),
        other => {
            return Err(format!(
                "SD-JWT `typ` is {other:?}; expected vc+sd-jwt (or vp+sd-jwt)"
            ))
        }
    }
    let payload: Value = jws.payload_json().map_err(|e| e.to_string())?;
    no_vc_vp_claims(&payload, "vc+sd-jwt")?;
    // SD-JWT VC (`dc+sd-jwt`, flat claims named by `vct`), not VC-JOSE-COSE over VCDM 2.0.
    let sd_jwt_vc = jws.header.typ.as_deref() == Some("dc+sd-jwt")
        || (payload.get("vct").is_some() && payload.get("@context").is_none());
    let mut buf = Vec::new();
    let disclosures: Vec<Opened> = parts
        .disclosures
        .iter()
        .enumerate()
        .map(|(i, d)| Opened::parse(d, i, &mut buf))
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    // The holder key comes from the issuer-signed payload (never from a disclosure); only a
    // presentation with a key binding JWT needs it.
    let cnf = match parts.kb_jwt {
        Some(_) => payload.get("cnf").cloned(),
        None => None,
    };
    // Disclosures that the issuer did not sign are a signature failure, not a decoding one.
    let (disclosed, disclosure_problem) = match sd_jwt::disclose_owned(payload, disclosures) {
        Ok(d) => (d, None),
        Err(e) => {
            // Rebuild from a fresh parse (the failed attempt consumed the payload).
            let fresh: Value = jws.payload_json().map_err(|e| e.to_string())?;
            (
                sd_jwt::disclose(fresh, &[]).map_err(|e| e.to_string())?,
                Some(e.to_string()),
            )
        }
    };
    let mut claims = disclosed.claims;
    if sd_jwt_vc {
        claims = match &claims {
            Value::Object(m) => crate::sd_jwt_vc::vcdm_view(m, parts.jws),
            _ => return Err("SD-JWT VC payload is not a JSON object".into()),
        };
    }
    let (key, kid_problem) = kid_key(
        jws.header.kid.as_deref(),
        issuer_of(&claims),
        "issuer",
        keys,
    );
    let problem = match (disclosure_problem, kid_problem) {
        (Some(a), Some(b)) => Some(format!("{a}; {b}")),
        (a, b) => a.or(b),
    };
    let jwt_nbf = num(&claims, "nbf");
    let jwt_exp = num(&claims, "exp");
    if let Value::Object(m) = &mut claims {
        // One pass, no hashing, order kept (six `remove`s would hash six times).
        m.retain(|k, _| !matches!(k.as_str(), "cnf" | "iat" | "nbf" | "exp" | "iss" | "jti"));
    }
    let cred = DecodedCredential {
        credential: claims,
        partial: true,
        disclosed: disclosed.paths,
        jwt_nbf,
        jwt_exp,
        proof_created: None,
        proof_expires: None,
        sig_problem: problem,
    };
    let format = if sd_jwt_vc { "dc+sd-jwt" } else { "vc+sd-jwt" };
    let mut out = Decoded {
        format,
        credentials: vec![cred],
        presentation: None,
        sigs: vec![jws_sig("issuer signature", &jws, key)],
    };
    if let Some(kb) = parts.kb_jwt {
        let kb_jws = CompactJws::parse_any(kb).map_err(|e| format!("key binding JWT: {e}"))?;
        if kb_jws.header.typ.as_deref() != Some("kb+jwt") {
            return Err(format!(
                "key binding JWT `typ` is {:?}; expected kb+jwt",
                kb_jws.header.typ
            ));
        }
        let kb_payload: Value = kb_jws
            .payload_json()
            .map_err(|e| format!("key binding JWT: {e}"))?;
        let holder_key = cnf_key(cnf.as_ref());
        let expected = sd_jwt::sd_hash(parts.sd_hash_input);
        let binding = match (
            &holder_key,
            kb_payload.get("sd_hash").and_then(Value::as_str),
        ) {
            (Err(e), _) => Err(e.clone()),
            (_, None) => Err("key binding JWT has no sd_hash".into()),
            (_, Some(h)) if h != expected => Err(
                "key binding JWT's sd_hash does not match the presented SD-JWT and disclosures"
                    .into(),
            ),
            (Ok(_), Some(_)) => Ok("key binding JWT signed by the holder key in cnf".to_owned()),
        };
        let holder = out
            .credentials
            .first()
            .and_then(|c| c.credential.pointer("/credentialSubject/id"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        out.sigs
            .push(jws_sig("key binding JWT", &kb_jws, holder_key));
        out.presentation = Some(PresentationFacts {
            holder,
            challenge: kb_payload
                .get("nonce")
                .and_then(Value::as_str)
                .map(str::to_owned),
            domain: aud(&kb_payload),
            issued_at: num(&kb_payload, "iat"),
            expires: num(&kb_payload, "exp"),
            binding,
            staple: kb_payload.get(crate::status::STAPLE_CLAIM).map(|v| {
                serde_json::from_value(v.clone()).map_err(|e| {
                    format!(
                        "the {} claim is malformed: {e}",
                        crate::status::STAPLE_CLAIM
                    )
                })
            }),
        });
    }
    Ok(out)
}

/// The holder key from `cnf.jwk` (Ed25519, P-256 or P-384).
fn cnf_key(cnf: Option<&Value>) -> Result<PublicKey, String> {
    let jwk = cnf
        .and_then(|c| c.get("jwk"))
        .ok_or("credential has no cnf.jwk holder key, so it cannot be key-bound")?;
    PublicKey::from_jwk(jwk).map_err(|e| format!("cnf.jwk: {e}"))
}
