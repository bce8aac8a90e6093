//! The did:key specification's document creation algorithm with its resolution options:
//! `publicKeyFormat` (`Multikey`, the default; `JsonWebKey2020`; `Ed25519VerificationKey2020`;
//! and, only with `enableExperimentalPublicKeyTypes`, `Ed25519VerificationKey2018`),
//! `enableEncryptionKeyDerivation` (an X25519 `keyAgreement` key derived from an Ed25519 key)
//! and the errors the specification names for each (`unsupportedPublicKeyType`,
//! `invalidPublicKeyType`). The document vcnet's verifier uses is the default one.

use curve25519_dalek::montgomery::MontgomeryPoint;
use serde_json::{json, Value};

use crate::did_key::{decode, DidKeyError, KeyType};
use crate::pubkey::PublicKey;

const DID_V1: &str = "https://www.w3.org/ns/did/v1";

/// A verification method type (`publicKeyFormat`) this resolver can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFormat {
    Multikey,
    JsonWebKey2020,
    Ed25519VerificationKey2020,
    X25519KeyAgreementKey2020,
    /// Experimental in the did:key specification.
    Ed25519VerificationKey2018,
    /// Experimental in the did:key specification.
    X25519KeyAgreementKey2019,
}

impl KeyFormat {
    /// The format named `name`, if this resolver knows it.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "Multikey" => Self::Multikey,
            "JsonWebKey2020" => Self::JsonWebKey2020,
            "Ed25519VerificationKey2020" => Self::Ed25519VerificationKey2020,
            "X25519KeyAgreementKey2020" => Self::X25519KeyAgreementKey2020,
            "Ed25519VerificationKey2018" => Self::Ed25519VerificationKey2018,
            "X25519KeyAgreementKey2019" => Self::X25519KeyAgreementKey2019,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Self::Multikey => "Multikey",
            Self::JsonWebKey2020 => "JsonWebKey2020",
            Self::Ed25519VerificationKey2020 => "Ed25519VerificationKey2020",
            Self::X25519KeyAgreementKey2020 => "X25519KeyAgreementKey2020",
            Self::Ed25519VerificationKey2018 => "Ed25519VerificationKey2018",
            Self::X25519KeyAgreementKey2019 => "X25519KeyAgreementKey2019",
        }
    }

    fn context(self) -> &'static str {
        match self {
            Self::Multikey => "https://w3id.org/security/multikey/v1",
            Self::JsonWebKey2020 => "https://w3id.org/security/suites/jws-2020/v1",
            Self::Ed25519VerificationKey2020 => "https://w3id.org/security/suites/ed25519-2020/v1",
            Self::X25519KeyAgreementKey2020 => "https://w3id.org/security/suites/x25519-2020/v1",
            Self::Ed25519VerificationKey2018 => "https://w3id.org/security/suites/ed25519-2018/v1",
            Self::X25519KeyAgreementKey2019 => "https://w3id.org/security/suites/x25519-2019/v1",
        }
    }

    /// The formats a signature method may take without experimental types.
    fn standard_for_signing(self) -> bool {
        matches!(
            self,
            Self::Multikey | Self::JsonWebKey2020 | Self::Ed25519VerificationKey2020
        )
    }

    /// The encryption method's format that goes with this signature method's format.
    fn for_encryption(self) -> Self {
        match self {
            Self::Ed25519VerificationKey2020 | Self::X25519KeyAgreementKey2020 => {
                Self::X25519KeyAgreementKey2020
            }
            Self::Ed25519VerificationKey2018 | Self::X25519KeyAgreementKey2019 => {
                Self::X25519KeyAgreementKey2019
            }
            other => other,
        }
    }

    /// The formats an encryption method may take without experimental types.
    fn standard_for_encryption(self) -> bool {
        matches!(
            self,
            Self::Multikey | Self::JsonWebKey2020 | Self::X25519KeyAgreementKey2020
        )
    }
}

/// The resolution options of the did:key specification.
#[derive(Debug, Clone, Default)]
pub struct DocumentOptions {
    /// `publicKeyFormat` as given (`Multikey` when absent).
    pub public_key_format: Option<String>,
    /// `enableExperimentalPublicKeyTypes`.
    pub enable_experimental: bool,
    /// `enableEncryptionKeyDerivation`: add the X25519 key of an Ed25519 DID.
    pub derive_encryption_key: bool,
}

/// Which of the document's methods a check is about (their errors differ in wording only).
#[derive(Debug, Clone, Copy)]
enum Purpose {
    Signature,
    Encryption,
}

/// The format a method of `purpose` takes under `options`, or the specification's error.
fn format_for(options: &DocumentOptions, purpose: Purpose) -> Result<KeyFormat, DidKeyError> {
    let name = options.public_key_format.as_deref().unwrap_or("Multikey");
    let asked = KeyFormat::parse(name).ok_or_else(|| {
        DidKeyError::UnsupportedPublicKeyType(format!(
            "publicKeyFormat `{name}` is not one this resolver writes (Multikey, JsonWebKey2020, Ed25519VerificationKey2020, X25519KeyAgreementKey2020; experimental: Ed25519VerificationKey2018, X25519KeyAgreementKey2019)"
        ))
    })?;
    let (format, standard, which) = match purpose {
        Purpose::Signature => (asked, asked.standard_for_signing(), "signature"),
        Purpose::Encryption => {
            let f = asked.for_encryption();
            (f, f.standard_for_encryption(), "encryption")
        }
    };
    if !standard && !options.enable_experimental {
        return Err(DidKeyError::InvalidPublicKeyType(format!(
            "{} is not a standard {which} method type; set enableExperimentalPublicKeyTypes to use it",
            format.name()
        )));
    }
    Ok(format)
}

/// The multibase (`z`, base58btc) of a multicodec-prefixed key.
fn multibase(codec: &[u8], raw: &[u8]) -> String {
    let mut bytes = codec.to_vec();
    bytes.extend_from_slice(raw);
    format!("z{}", bs58::encode(bytes).into_string())
}

/// The X25519 public key of an Ed25519 public key (the birational map of RFC 7748).
fn x25519_of(ed25519: &[u8]) -> Result<MontgomeryPoint, DidKeyError> {
    let arr: [u8; 32] = ed25519
        .try_into()
        .map_err(|_| DidKeyError::InvalidPublicKey("an Ed25519 key is 32 bytes".into()))?;
    let key = ed25519_dalek::VerifyingKey::from_bytes(&arr)
        .map_err(|e| DidKeyError::InvalidPublicKey(format!("not an Ed25519 point: {e}")))?;
    Ok(key.to_montgomery())
}

/// One verification method of `did` in `format`: the key `raw` of type `kind` (`None`: an
/// X25519 key), whose multicodec multibase form `mb` is also its fragment.
fn method(
    did: &str,
    format: KeyFormat,
    kind: Option<KeyType>,
    raw: &[u8],
    mb: &str,
) -> Result<(String, Value), DidKeyError> {
    let id = format!("{did}#{mb}");
    let mut vm = json!({"id": id, "type": format.name(), "controller": did});
    let wrong = |what: &str| {
        DidKeyError::InvalidPublicKeyType(format!("{} cannot express {what} key", format.name()))
    };
    match format {
        KeyFormat::Multikey => vm["publicKeyMultibase"] = json!(mb),
        KeyFormat::Ed25519VerificationKey2020 if kind == Some(KeyType::Ed25519) => {
            vm["publicKeyMultibase"] = json!(mb)
        }
        KeyFormat::X25519KeyAgreementKey2020 if kind.is_none() => {
            vm["publicKeyMultibase"] = json!(mb)
        }
        KeyFormat::Ed25519VerificationKey2018 if kind == Some(KeyType::Ed25519) => {
            vm["publicKeyBase58"] = json!(bs58::encode(raw).into_string())
        }
        KeyFormat::X25519KeyAgreementKey2019 if kind.is_none() => {
            vm["publicKeyBase58"] = json!(bs58::encode(raw).into_string())
        }
        KeyFormat::JsonWebKey2020 => {
            vm["publicKeyJwk"] = match kind {
                None => json!({"kty": "OKP", "crv": "X25519", "x": base64url(raw)}),
                Some(k) => PublicKey::from_did_key(k, raw)
                    .map_err(DidKeyError::InvalidPublicKey)?
                    .to_jwk(),
            }
        }
        _ if kind.is_none() => return Err(wrong("an X25519")),
        _ => return Err(wrong("this")),
    }
    Ok((id, vm))
}

fn base64url(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// The document of `did` (no fragment) under `options`, after [`decode`]'s checks.
pub fn document(did: &str, options: &DocumentOptions) -> Result<Value, DidKeyError> {
    let (kind, raw) = decode(did)?;
    let sig_format = format_for(options, Purpose::Signature)?;
    // The DID's own multibase value is the key's multicodec multibase form.
    let sig_mb = did.rsplit(':').next().unwrap_or_default();
    let (sig_id, sig_vm) = method(did, sig_format, Some(kind), &raw, sig_mb)?;
    let mut contexts = vec![DID_V1, sig_format.context()];
    let mut methods = vec![sig_vm];
    let mut key_agreement = vec![];
    if options.derive_encryption_key && kind == KeyType::Ed25519 {
        let enc_format = format_for(options, Purpose::Encryption)?;
        let x = x25519_of(&raw)?;
        let x_mb = multibase(&[0xec, 0x01], x.as_bytes());
        let (enc_id, enc_vm) = method(did, enc_format, None, x.as_bytes(), &x_mb)?;
        if !contexts.contains(&enc_format.context()) {
            contexts.push(enc_format.context());
        }
        methods.push(enc_vm);
        key_agreement.push(json!(enc_id));
    }
    let mut doc = json!({
        "@context": contexts,
        "id": did,
        "verificationMethod": methods,
        "authentication": [sig_id],
        "assertionMethod": [sig_id],
        "capabilityInvocation": [sig_id],
        "capabilityDelegation": [sig_id],
    });
    if !key_agreement.is_empty() {
        doc["keyAgreement"] = json!(key_agreement);
    }
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED: &str = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";

    fn opts(format: Option<&str>, experimental: bool, derive: bool) -> DocumentOptions {
        DocumentOptions {
            public_key_format: format.map(str::to_owned),
            enable_experimental: experimental,
            derive_encryption_key: derive,
        }
    }

    #[test]
    fn each_format_writes_its_key_field() {
        let d = document(ED, &opts(None, false, false)).unwrap();
        assert_eq!(d["verificationMethod"][0]["type"], "Multikey");
        assert_eq!(
            d["verificationMethod"][0]["publicKeyMultibase"],
            json!(&ED[8..])
        );
        assert!(d.get("keyAgreement").is_none());
        let d = document(ED, &opts(Some("JsonWebKey2020"), false, true)).unwrap();
        assert_eq!(d["verificationMethod"][0]["publicKeyJwk"]["crv"], "Ed25519");
        assert_eq!(d["verificationMethod"][1]["publicKeyJwk"]["crv"], "X25519");
        let d = document(ED, &opts(Some("Ed25519VerificationKey2020"), false, true)).unwrap();
        assert_eq!(
            d["verificationMethod"][1]["type"],
            "X25519KeyAgreementKey2020"
        );
        let p256 = "did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169";
        let d = document(p256, &opts(Some("JsonWebKey2020"), false, true)).unwrap();
        assert_eq!(d["verificationMethod"][0]["publicKeyJwk"]["crv"], "P-256");
        assert!(
            d.get("keyAgreement").is_none(),
            "only Ed25519 keys derive X25519"
        );
    }

    #[test]
    fn each_rule_has_its_error() {
        let p256 = "did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169";
        for (did, o, code) in [
            (
                ED,
                opts(Some("unknown"), false, false),
                "unsupportedPublicKeyType",
            ),
            (
                ED,
                opts(Some("Ed25519VerificationKey2018"), false, false),
                "invalidPublicKeyType",
            ),
            (
                ED,
                opts(Some("X25519KeyAgreementKey2020"), false, false),
                "invalidPublicKeyType",
            ),
            (
                p256,
                opts(Some("Ed25519VerificationKey2020"), false, false),
                "invalidPublicKeyType",
            ),
        ] {
            let e = document(did, &o).unwrap_err();
            assert_eq!(e.code(), code, "{o:?}: {e}");
        }
        assert!(document(ED, &opts(Some("Ed25519VerificationKey2018"), true, false)).is_ok());
    }
}
