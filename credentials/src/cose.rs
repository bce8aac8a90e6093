//! `vc+cose`: a credential secured as a COSE_Sign1 (RFC 9052 §4.2) with the JSON credential as
//! payload, as VC-JOSE-COSE §3.3 defines; the protected header carries `alg` (EdDSA −8, ES256
//! −7, ES384 −35), `cty` `application/vc`, `typ` `application/vc+cose` (RFC 9596) and the
//! verification method as `kid`. In JSON it travels as an `EnvelopedVerifiableCredential` whose
//! id is `data:application/vc+cose;base64,…`.

use base64::engine::general_purpose::STANDARD as B64STD;
use base64::Engine;
use ciborium::value::{Integer, Value};

use crate::pubkey::{Alg, SecretKey, Sig};

/// The data URL prefix of an enveloped `vc+cose` credential.
pub const DATA_URL_PREFIX: &str = "data:application/vc+cose;base64,";
/// The data URL of an enveloped `vp+cose` presentation begins so.
pub const VP_DATA_URL_PREFIX: &str = "data:application/vp+cose;base64,";
/// The CBOR tag of a COSE_Sign1.
const SIGN1_TAG: u64 = 18;
/// Header labels (RFC 9052 §3.1, RFC 9596).
const ALG: i64 = 1;
const CTY: i64 = 3;
const KID: i64 = 4;
const TYP: i64 = 16;

/// Why a COSE_Sign1 could not be read.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum CoseError {
    #[error("not CBOR: {0}")]
    Cbor(String),
    #[error("not a COSE_Sign1: {0}")]
    Shape(String),
    #[error("COSE protected header: {0}")]
    Header(String),
    #[error("COSE signature: {0}")]
    Signature(String),
}

fn int(i: i64) -> Value {
    Value::Integer(Integer::from(i))
}

fn cose_alg(alg: Alg) -> i64 {
    match alg {
        Alg::EdDSA => -8,
        Alg::ES256 => -7,
        Alg::ES384 => -35,
        Alg::ES512 => -36,
    }
}

fn alg_of(v: i128) -> Option<Alg> {
    match v {
        -8 => Some(Alg::EdDSA),
        -7 => Some(Alg::ES256),
        -35 => Some(Alg::ES384),
        -36 => Some(Alg::ES512),
        _ => None,
    }
}

fn encode(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing CBOR into a Vec cannot fail.
    let _ = ciborium::ser::into_writer(v, &mut out);
    out
}

/// The `Sig_structure` of a COSE_Sign1 with no external data: what the signature covers.
fn to_be_signed(protected: &[u8], payload: &[u8]) -> Vec<u8> {
    encode(&Value::Array(vec![
        Value::Text("Signature1".into()),
        Value::Bytes(protected.to_vec()),
        Value::Bytes(Vec::new()),
        Value::Bytes(payload.to_vec()),
    ]))
}

/// Signs `payload` (a credential's JSON) as a tagged COSE_Sign1.
pub fn sign(payload: &[u8], key: &SecretKey, kid: Option<&str>, typ: &str, cty: &str) -> Vec<u8> {
    let mut header = vec![
        (int(ALG), int(cose_alg(key.alg()))),
        (int(CTY), Value::Text(cty.into())),
    ];
    if let Some(k) = kid {
        header.push((int(KID), Value::Bytes(k.as_bytes().to_vec())));
    }
    header.push((int(TYP), Value::Text(typ.into())));
    let protected = encode(&Value::Map(header));
    let sig = key.sign(&to_be_signed(&protected, payload));
    encode(&Value::Tag(
        SIGN1_TAG,
        Box::new(Value::Array(vec![
            Value::Bytes(protected),
            Value::Map(vec![]),
            Value::Bytes(payload.to_vec()),
            Value::Bytes(sig.to_vec()),
        ])),
    ))
}

/// The data URL of an enveloped `vc+cose` credential.
pub fn data_url(cose: &[u8]) -> String {
    format!("{DATA_URL_PREFIX}{}", B64STD.encode(cose))
}

/// The data URL of an enveloped `vp+cose` presentation.
pub fn vp_data_url(cose: &[u8]) -> String {
    format!("{VP_DATA_URL_PREFIX}{}", B64STD.encode(cose))
}

/// A parsed, not yet verified, COSE_Sign1.
#[derive(Debug, Clone)]
pub struct Sign1 {
    /// The protected header's `typ`, when present.
    pub typ: Option<String>,
    /// The protected header's `cty`, when present.
    pub cty: Option<String>,
    /// The key identifier (a verification method's DID URL, UTF-8).
    pub kid: Option<String>,
    /// The payload.
    pub payload: Vec<u8>,
    /// The `Sig_structure` the signature covers.
    pub to_be_signed: Vec<u8>,
    /// The signature.
    pub signature: Sig,
}

/// Reads a COSE_Sign1 (tagged or not). Only protected header parameters are trusted: `alg`
/// and `kid` found only in the unprotected header are refused.
pub fn parse(bytes: &[u8]) -> Result<Sign1, CoseError> {
    let v: Value = ciborium::de::from_reader(bytes).map_err(|e| CoseError::Cbor(e.to_string()))?;
    let v = match v {
        Value::Tag(SIGN1_TAG, inner) => *inner,
        Value::Tag(t, _) => return Err(CoseError::Shape(format!("CBOR tag {t}, not 18"))),
        other => other,
    };
    let Value::Array(items) = v else {
        return Err(CoseError::Shape("not a CBOR array".into()));
    };
    let [protected, _unprotected, payload, signature]: [Value; 4] = items
        .try_into()
        .map_err(|v: Vec<Value>| CoseError::Shape(format!("{} elements, not 4", v.len())))?;
    let (Value::Bytes(protected), Value::Bytes(payload), Value::Bytes(signature)) =
        (protected, payload, signature)
    else {
        return Err(CoseError::Shape(
            "protected header, payload and signature must be byte strings (a detached payload is not supported)".into(),
        ));
    };
    let header: Value = ciborium::de::from_reader(protected.as_slice())
        .map_err(|e| CoseError::Header(format!("not CBOR: {e}")))?;
    let Value::Map(header) = header else {
        return Err(CoseError::Header("not a map".into()));
    };
    let get = |label: i64| {
        header
            .iter()
            .find(|(k, _)| matches!(k, Value::Integer(i) if i128::from(*i) == i128::from(label)))
            .map(|(_, v)| v)
    };
    let alg = match get(ALG) {
        Some(Value::Integer(i)) => alg_of(i128::from(*i)).ok_or_else(|| {
            CoseError::Header(format!(
                "alg {} is not supported (EdDSA −8, ES256 −7, ES384 −35, ES512 −36 are)",
                i128::from(*i)
            ))
        })?,
        _ => return Err(CoseError::Header("alg (1) is missing".into())),
    };
    let text = |label: i64, name: &str| -> Result<Option<String>, CoseError> {
        match get(label) {
            None => Ok(None),
            Some(Value::Text(t)) => Ok(Some(t.clone())),
            Some(_) => Err(CoseError::Header(format!("{name} ({label}) is not text"))),
        }
    };
    let typ = text(TYP, "typ")?;
    let cty = text(CTY, "cty")?;
    let kid = match get(KID) {
        None => None,
        Some(Value::Bytes(b)) => Some(
            String::from_utf8(b.clone())
                .map_err(|_| CoseError::Header("kid (4) is not a UTF-8 DID URL".into()))?,
        ),
        Some(Value::Text(t)) => Some(t.clone()),
        Some(_) => return Err(CoseError::Header("kid (4) is not a byte string".into())),
    };
    let signature = Sig::from_raw(alg, &signature).map_err(CoseError::Signature)?;
    Ok(Sign1 {
        typ,
        cty,
        kid,
        to_be_signed: to_be_signed(&protected, &payload),
        payload,
        signature,
    })
}

/// The COSE bytes of an enveloped `vc+cose` data URL.
pub fn from_data_url(url: &str) -> Result<Vec<u8>, String> {
    let b = url
        .strip_prefix(DATA_URL_PREFIX)
        .or_else(|| url.strip_prefix(VP_DATA_URL_PREFIX))
        .ok_or("not a data:application/vc+cose;base64, or vp+cose URL")?;
    // Standard base64 as RFC 2397 says; the URL-safe alphabet and missing padding, which
    // other implementations write, are read too.
    let b: String = b.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let b = b.trim_end_matches('=');
    let standard = base64::engine::general_purpose::STANDARD_NO_PAD.decode(b);
    standard
        .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(b))
        .map_err(|e| format!("the COSE data URL is not base64: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn sign_parse_verify_each_alg_and_refuse_tampering() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
        for alg in [Alg::EdDSA, Alg::ES256, Alg::ES384, Alg::ES512] {
            let key = SecretKey::generate(alg, &mut rng);
            let payload = br#"{"type":["VerifiableCredential"]}"#;
            let cose = sign(
                payload,
                &key,
                Some("did:key:z#z"),
                "application/vc+cose",
                "application/vc",
            );
            let url = data_url(&cose);
            let back = parse(&from_data_url(&url).unwrap()).unwrap();
            assert_eq!(back.payload, payload);
            assert_eq!(back.kid.as_deref(), Some("did:key:z#z"));
            assert_eq!(back.typ.as_deref(), Some("application/vc+cose"));
            key.public()
                .verify(&back.to_be_signed, &back.signature)
                .unwrap();
            // One payload byte changed: the signature no longer covers it.
            let mut bad = cose.clone();
            let at = bad
                .windows(payload.len())
                .position(|w| w == payload)
                .unwrap()
                + 3;
            bad[at] ^= 1;
            let back = parse(&bad).unwrap();
            assert!(key
                .public()
                .verify(&back.to_be_signed, &back.signature)
                .is_err());
        }
        assert!(matches!(parse(b"\x01"), Err(CoseError::Shape(_))));
        assert!(matches!(parse(&[0xff, 0x00]), Err(CoseError::Cbor(_))));
        assert!(matches!(
            parse(&encode(&Value::Array(vec![]))),
            Err(CoseError::Shape(_))
        ));
    }
}
