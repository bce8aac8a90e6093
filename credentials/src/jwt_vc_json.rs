//! `jwt_vc_json`: what OpenID4VCI 1.0 and OpenID4VP 1.0 call a W3C credential "signed as a
//! JWT, not using JSON-LD" (OpenID4VCI Appendix A.1.1), which both define by VC Data Model 1.1
//! (§6.3.1, "JSON Web Token"): a JWT (`typ` `JWT`) whose `vc` claim is the credential, with
//! `iss`, `sub`, `nbf`, `exp` and `jti` standing for its issuer, subject id, issuance and
//! expiration dates and id. vcnet issues it to phone wallets that ask for it, with the same
//! status entries as every credential, and verifies it through a VCDM 2.0 view (as it does an
//! SD-JWT VC), so every check reads it as any other credential.

use serde_json::{json, Map, Value};

use crate::pubkey::SecretKey;

/// The VCDM 1.1 base context `vc` carries.
pub const V1_CONTEXT: &str = "https://www.w3.org/2018/credentials/v1";

/// The JWT of a built (unsigned, VCDM 2.0) vcnet credential, in the VCDM 1.1 JWT encoding:
/// `vc` the credential in 1.1 terms (1.1 context first, `issuanceDate`, `expirationDate`), and
/// the registered claims beside it. The kind's own context follows the 1.1 one.
pub fn sign(credential: &Value, key: &SecretKey, kid: &str) -> String {
    let mut vc = credential.clone();
    let s = |name: &str| {
        credential
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    if let Some(Value::Array(ctx)) = vc.get_mut("@context") {
        if let Some(first) = ctx.first_mut() {
            *first = json!(V1_CONTEXT);
        }
    }
    let mut claims = Map::new();
    if let Some(m) = vc.as_object_mut() {
        if let Some(from) = m.remove("validFrom") {
            m.insert("issuanceDate".into(), from);
        }
        if let Some(until) = m.remove("validUntil") {
            m.insert("expirationDate".into(), until);
        }
    }
    let secs = |name: &str| {
        s(name)
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
            .map(|t| t.timestamp())
    };
    if let Some(iss) = crate::verify::issuer_did(credential) {
        claims.insert("iss".into(), iss.into());
    }
    if let Some(sub) = credential
        .pointer("/credentialSubject/id")
        .and_then(Value::as_str)
    {
        claims.insert("sub".into(), sub.into());
    }
    if let Some(t) = secs("validFrom") {
        claims.insert("nbf".into(), t.into());
        claims.insert("iat".into(), t.into());
    }
    if let Some(t) = secs("validUntil") {
        claims.insert("exp".into(), t.into());
    }
    if let Some(id) = s("id") {
        claims.insert("jti".into(), id.into());
    }
    claims.insert("vc".into(), vc);
    let header = json!({"alg": key.alg().to_string(), "typ": "JWT", "kid": kid});
    crate::jose::sign_compact_json(
        &header,
        &serde_json::to_vec(&Value::Object(claims)).unwrap_or_default(),
        key,
    )
}

/// The VCDM 2.0 view of a VCDM 1.1 JWT's claims: `vc` with the registered claims put back
/// (VCDM 1.1 §6.3.1: `iss` → `issuer`, `sub` → `credentialSubject.id`, `jti` → `id`, `nbf` →
/// `validFrom`, `exp` → `validUntil`), the 2.0 base context in place of the 1.1 one. A claim
/// and the property it stands for that disagree are an error.
pub fn vcdm_view(claims: &Value) -> Result<Value, String> {
    let mut vc = claims
        .get("vc")
        .filter(|v| v.is_object())
        .cloned()
        .ok_or("the JWT has no `vc` object")?;
    let time = |name: &str| {
        let secs = claims.get(name).and_then(Value::as_i64)?;
        crate::time::format_epoch(secs).map(Value::String)
    };
    let m = vc.as_object_mut().ok_or("`vc` is not an object")?;
    match m.get_mut("@context") {
        Some(Value::Array(ctx)) if ctx.first().and_then(Value::as_str) == Some(V1_CONTEXT) => {
            ctx[0] = json!("https://www.w3.org/ns/credentials/v2");
        }
        _ => {
            return Err(format!(
                "vc.@context: must begin with {V1_CONTEXT} (VCDM 1.1)"
            ))
        }
    }
    let agree = |m: &mut Map<String, Value>, name: &str, v: Option<Value>| -> Result<(), String> {
        if let Some(v) = v {
            match m.get(name) {
                Some(old) if old != &v => {
                    return Err(format!("vc.{name} and its JWT claim differ"))
                }
                _ => {
                    m.insert(name.into(), v);
                }
            }
        }
        Ok(())
    };
    let issuer = claims.get("iss").cloned();
    if let (Some(Value::String(iss)), Some(given)) = (&issuer, m.get("issuer")) {
        let named = match given {
            Value::String(s) => Some(s.as_str()),
            Value::Object(o) => o.get("id").and_then(Value::as_str),
            _ => None,
        };
        if named != Some(iss.as_str()) {
            return Err("vc.issuer and the JWT's iss differ".into());
        }
    } else {
        agree(m, "issuer", issuer)?;
    }
    agree(m, "id", claims.get("jti").cloned())?;
    let from = m.remove("issuanceDate");
    agree(m, "validFrom", time("nbf").or(from))?;
    let until = m.remove("expirationDate");
    agree(m, "validUntil", time("exp").or(until))?;
    if let Some(sub) = claims.get("sub") {
        let subject = m
            .get_mut("credentialSubject")
            .and_then(Value::as_object_mut)
            .ok_or("vc.credentialSubject: not an object")?;
        agree(subject, "id", Some(sub.clone()))?;
    }
    Ok(vc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_view_puts_the_registered_claims_back_and_refuses_disagreements() {
        let claims = json!({
            "iss": "did:key:zIssuer", "sub": "did:key:zHolder", "nbf": 1_800_000_000,
            "exp": 1_900_000_000, "jti": "urn:uuid:1",
            "vc": {"@context": [V1_CONTEXT, "https://vcnet.id/ctx"], "type": ["VerifiableCredential"],
                   "issuanceDate": "2027-01-15T08:00:00Z", "credentialSubject": {"name": "An"}}
        });
        let v = vcdm_view(&claims).unwrap();
        assert_eq!(v["@context"][0], "https://www.w3.org/ns/credentials/v2");
        assert_eq!(v["issuer"], "did:key:zIssuer");
        assert_eq!(v["id"], "urn:uuid:1");
        assert_eq!(v["credentialSubject"]["id"], "did:key:zHolder");
        assert_eq!(v["validFrom"], "2027-01-15T08:00:00Z");
        assert!(v.get("issuanceDate").is_none());
        let mut other = claims.clone();
        other["vc"]["issuer"] = json!("did:key:zSomeoneElse");
        assert!(vcdm_view(&other).unwrap_err().contains("iss"));
        let mut v2 = claims;
        v2["vc"]["@context"] = json!(["https://www.w3.org/ns/credentials/v2"]);
        assert!(vcdm_view(&v2).unwrap_err().contains("1.1"));
    }
}
