//! Presentations secured with VC-JOSE-COSE (§3.1.2, §3.2.2, §3.3.2): `vp+jwt`, `vp+sd-jwt`
//! and `vp+cose`. The presentation itself is the payload, signed by its holder (the key named
//! by `kid`, which must be the holder's); each credential it carries is enveloped
//! (`EnvelopedVerifiableCredential`) and decoded as any credential is.

use std::borrow::Cow;

use serde_json::Value;

use super::decode::{
    aud, bind_subjects, decode, enveloped, jws_sig, kid_key, no_vc_vp_claims, num, types, Decoded,
    PresentationFacts, SigItem,
};
use crate::cose;
use crate::did::KeyResolver;
use crate::jose::CompactJws;
use crate::pubkey::PublicKey;
use crate::sd_jwt::{self, Opened, SdJwtParts};

/// A `vp+jwt` presentation.
pub(super) fn decode_jwt_vp<'a>(
    jws: &CompactJws<'a>,
    payload: Value,
    keys: &KeyResolver,
) -> Result<Decoded<'a>, String> {
    presentation("vp+jwt", payload, jws.header.kid.as_deref(), keys, |key| {
        jws_sig("presentation signature", jws, key)
    })
}

/// A `vp+sd-jwt` presentation: its disclosures opened first (a key binding JWT has no place
/// on a presentation its holder signs).
pub(super) fn decode_sd_jwt_vp<'a>(
    parts: &SdJwtParts<'a>,
    jws: &CompactJws<'a>,
    keys: &KeyResolver,
) -> Result<Decoded<'a>, String> {
    if parts.kb_jwt.is_some() {
        return Err(
            "vp+sd-jwt ends in a key binding JWT; a presentation is signed by its holder itself"
                .into(),
        );
    }
    let payload: Value = jws.payload_json().map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    let disclosures: Vec<Opened> = parts
        .disclosures
        .iter()
        .enumerate()
        .map(|(i, d)| Opened::parse(d, i, &mut buf))
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    let disclosed = sd_jwt::disclose_owned(payload, disclosures)
        .map_err(|e| format!("vp+sd-jwt disclosures: {e}"))?;
    let mut claims = disclosed.claims;
    if let Value::Object(m) = &mut claims {
        m.remove("_sd_alg");
    }
    presentation(
        "vp+sd-jwt",
        claims,
        jws.header.kid.as_deref(),
        keys,
        |key| jws_sig("presentation signature", jws, key),
    )
}

/// A `vp+cose` presentation (a `data:application/vp+cose;base64,` URL).
pub(super) fn decode_cose_vp(url: &str, keys: &KeyResolver) -> Result<Decoded<'static>, String> {
    let bytes = cose::from_data_url(url)?;
    let s1 = cose::parse(&bytes).map_err(|e| e.to_string())?;
    match s1.typ.as_deref() {
        None | Some("application/vp+cose") => {}
        Some(other) => {
            return Err(format!(
                "COSE typ is `{}`; expected application/vp+cose",
                super::decode::preview(other, 40)
            ))
        }
    }
    let payload: Value = serde_json::from_slice(&s1.payload)
        .map_err(|e| format!("vp+cose payload is not JSON: {e}"))?;
    let signature = s1.signature;
    let message = s1.to_be_signed;
    presentation("vp+cose", payload, s1.kid.as_deref(), keys, move |key| {
        SigItem {
            what: "presentation signature",
            message: Cow::Owned(message),
            signature,
            key,
        }
    })
}

/// The presentation in `payload`, signed by the key `kid` names (which must be the holder's),
/// with its enveloped credentials decoded. A presentation may carry no credential (VC Data
/// Model 2.0 §4.13): the holder's signature is then all there is to check.
fn presentation<'a>(
    format: &'static str,
    payload: Value,
    kid: Option<&str>,
    keys: &KeyResolver,
    signature: impl FnOnce(Result<PublicKey, String>) -> SigItem<'a>,
) -> Result<Decoded<'a>, String> {
    if !payload.is_object() {
        return Err(format!("{format} payload is not a JSON object"));
    }
    if !types(&payload).contains(&"VerifiablePresentation") {
        return Err(format!(
            "{format} payload's type does not include VerifiablePresentation"
        ));
    }
    no_vc_vp_claims(&payload, format)?;
    let holder = payload
        .get("holder")
        .and_then(|h| h.as_str().or_else(|| h.get("id").and_then(Value::as_str)))
        .map(str::to_owned);
    let (key, problem) = kid_key(kid, holder.as_deref(), "holder", keys);
    let mut out = Decoded {
        format,
        credentials: vec![],
        presentation: None,
        sigs: vec![signature(key)],
    };
    let vcs = match payload.get("verifiableCredential") {
        None => vec![],
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v @ Value::Object(_)) => vec![v],
        Some(_) => {
            return Err(format!(
                "{format} payload's verifiableCredential is neither a list nor an object"
            ))
        }
    };
    for (i, vc) in vcs.into_iter().enumerate() {
        let inner = enveloped(vc)
            .ok_or_else(|| {
                format!("verifiableCredential[{i}] is not an EnvelopedVerifiableCredential")
            })?
            .map_err(|e| format!("verifiableCredential[{i}]: {e}"))?;
        let d = decode(inner, keys).map_err(|e| format!("verifiableCredential[{i}]: {e}"))?;
        if d.presentation.is_some() {
            return Err(format!(
                "verifiableCredential[{i}] is a presentation, not a credential"
            ));
        }
        out.credentials.extend(d.credentials);
        for s in d.sigs {
            out.sigs.push(s.into_owned());
        }
    }
    let binding = match (&holder, problem) {
        (_, Some(p)) => Err(p),
        (Some(h), None) => bind_subjects(&out.credentials, h),
        (None, None) => Err("presentation names no holder".into()),
    };
    out.presentation = Some(PresentationFacts {
        holder,
        challenge: payload
            .get("nonce")
            .and_then(Value::as_str)
            .map(str::to_owned),
        domain: aud(&payload),
        issued_at: num(&payload, "iat"),
        expires: num(&payload, "exp"),
        binding,
        staple: None,
    });
    Ok(out)
}
