//! DID resolution over HTTP (`GET /1.0/identifiers/{did}`, the binding the DID Resolution
//! specification and universal resolvers use): `did:key` DIDs (Ed25519, P-256, P-384) resolved
//! offline, with content negotiation on `Accept` — a DID resolution result
//! (`application/did-resolution`, `application/ld+json;profile="https://w3id.org/did-resolution"`,
//! the default), the document as JSON-LD (`application/did+ld+json`) or as plain JSON
//! (`application/did+json`, without `@context`). A DID URL with a fragment (`%23` in the path)
//! dereferences to its verification method. Errors are resolution results with
//! `didResolutionMetadata.error` and their statuses: `invalidDid` (and the did:key
//! specification's `invalidPublicKeyLength`, `invalidPublicKey`, `invalidPublicKeyType`) 400,
//! `notFound` 404, `representationNotSupported` 406, `methodNotSupported` 501.

use std::collections::HashMap;

use super::openapi::schemas as doc;
use axum::extract::{Path, Query};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use credentials::did_key_document::{self, DocumentOptions};
use serde_json::{json, Value};

/// The resolution result's JSON-LD context.
const RESOLUTION_CONTEXT: &str = "https://w3id.org/did-resolution/v1";
/// Longest DID URL resolved (a did:key of the largest supported key is well under this).
const MAX_DID_URL: usize = 512;

/// What the caller asked to get back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Representation {
    /// A DID resolution result, with this content type.
    Result(&'static str),
    /// The DID document as JSON-LD.
    JsonLd,
    /// The DID document as plain JSON.
    Json,
}

/// The representation an `Accept` header asks for (its first acceptable media range, in the
/// order given; `q` weights are not ranked), or `None` when it names none this resolver makes.
fn negotiate(accept: Option<&str>) -> Option<Representation> {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return Some(Representation::Result("application/did-resolution"));
    };
    for range in accept.split(',') {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or_default().to_ascii_lowercase();
        let params: Vec<String> = parts.map(|p| p.replace(['"', ' '], "")).collect();
        let resolution_profile = params
            .iter()
            .any(|p| p == "profile=https://w3id.org/did-resolution");
        let found = match media.as_str() {
            "application/did-resolution" => {
                Some(Representation::Result("application/did-resolution"))
            }
            "application/ld+json" if resolution_profile => Some(Representation::Result(
                "application/ld+json;profile=\"https://w3id.org/did-resolution\"",
            )),
            "application/did+ld+json" => Some(Representation::JsonLd),
            "application/did+json" => Some(Representation::Json),
            "application/json" | "application/ld+json" | "application/*" | "*/*" => {
                Some(Representation::Result("application/did-resolution"))
            }
            _ => None,
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

/// A resolution failure: its error code and status, and whether it is a DID URL's
/// dereferencing that failed (reported in `didDereferencingMetadata`) or the DID's resolution
/// (`didResolutionMetadata`).
#[derive(Debug)]
struct Failure {
    status: StatusCode,
    error: &'static str,
    message: String,
    dereferencing: bool,
}

impl Failure {
    fn new(status: StatusCode, error: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            error,
            message: message.into(),
            dereferencing: false,
        }
    }

    fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalidDid", message)
    }

    /// The same failure, found while dereferencing a DID URL.
    fn dereferencing(mut self, yes: bool) -> Self {
        self.dereferencing = yes;
        self
    }
}

/// DID syntax (DID Core §3.1): `did:` method-name `:` method-specific-id, the name of lowercase
/// letters and digits, the id of `idchar`s (letters, digits, `.`, `-`, `_`, percent-encodings)
/// and `:`, not ending in `:`.
fn check_did_syntax(did: &str) -> Result<(&str, &str), Failure> {
    let rest = did
        .strip_prefix("did:")
        .ok_or_else(|| Failure::invalid("a DID begins with `did:`"))?;
    let (method, id) = rest
        .split_once(':')
        .ok_or_else(|| Failure::invalid("a DID is did:<method>:<method-specific-id>"))?;
    if method.is_empty()
        || !method
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    {
        return Err(Failure::invalid(
            "the method name is lowercase letters and digits",
        ));
    }
    if let Some(i) = first_bad(id, |b| {
        b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':')
    }) {
        return Err(Failure::invalid(format!(
            "character {} of the method-specific id is not allowed in a DID",
            i + 1
        )));
    }
    if id.is_empty() || id.ends_with(':') {
        return Err(Failure::invalid("the method-specific id is empty"));
    }
    Ok((method, id))
}

/// The position of the first byte of `s` that is neither `allowed` nor part of a
/// percent-encoding.
fn first_bad(s: &str, allowed: impl Fn(u8) -> bool) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            if bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
            {
                i += 3;
                continue;
            }
            return Some(i);
        }
        if !allowed(bytes[i]) {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// RFC 3986 `pchar` (less percent-encodings, which [`first_bad`] reads).
fn pchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&b)
}

/// A DID URL taken apart (DID Core §3.2: `did path-abempty [ "?" query ] [ "#" fragment ]`).
struct DidUrl<'a> {
    did: &'a str,
    /// The DID's method name.
    method: &'a str,
    /// Whether there is more than the DID (a path, query or fragment): a DID URL to dereference.
    is_url: bool,
    path: &'a str,
    query: Option<&'a str>,
    fragment: Option<&'a str>,
}

/// Splits and checks a DID URL: a bad DID is `invalidDid`, a bad path, query or fragment is
/// `invalidDidUrl` (a dereferencing error).
fn parse_did_url(s: &str) -> Result<DidUrl<'_>, Failure> {
    let (rest, fragment) = match s.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (s, None),
    };
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (rest, None),
    };
    let (did, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let is_url = !path.is_empty() || query.is_some() || fragment.is_some();
    let (method, _) = check_did_syntax(did).map_err(|f| f.dereferencing(is_url))?;
    let url = DidUrl {
        did,
        method,
        is_url,
        path,
        query,
        fragment,
    };
    let bad_url = |part: &str, at: usize| {
        Failure::new(
            StatusCode::BAD_REQUEST,
            "invalidDidUrl",
            format!(
                "character {} of the DID URL's {part} is not allowed",
                at + 1
            ),
        )
        .dereferencing(true)
    };
    if let Some(i) = first_bad(path, |b| pchar(b) || b == b'/') {
        return Err(bad_url("path", i));
    }
    for (part, v) in [("query", query), ("fragment", fragment)] {
        if let Some(i) = v.and_then(|v| first_bad(v, |b| pchar(b) || b == b'/' || b == b'?')) {
            return Err(bad_url(part, i));
        }
    }
    Ok(url)
}

/// The did:key resolution options a request's query string carries.
fn options_of(query: &HashMap<String, String>) -> Result<DocumentOptions, Failure> {
    let flag = |name: &str| -> Result<bool, Failure> {
        match query.get(name).map(String::as_str) {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(other) => Err(Failure::new(
                StatusCode::BAD_REQUEST,
                "invalidOptions",
                format!("{name} is true or false, not `{other}`"),
            )),
        }
    };
    Ok(DocumentOptions {
        public_key_format: query.get("publicKeyFormat").cloned(),
        enable_experimental: flag("enableExperimentalPublicKeyTypes")?,
        derive_encryption_key: flag("enableEncryptionKeyDerivation")?,
    })
}

/// Resolves (or, with a fragment, dereferences) a DID URL to the document (or the node of it)
/// in JSON-LD form.
fn resolve(did_url: &str, mut options: DocumentOptions) -> Result<Value, Failure> {
    if did_url.len() > MAX_DID_URL {
        return Err(Failure::invalid(format!(
            "longer than {MAX_DID_URL} characters"
        )));
    }
    let url = parse_did_url(did_url)?;
    let deref = url.is_url;
    let did = url.did;
    let method = url.method;
    if method != "key" {
        return Err(Failure::new(
            StatusCode::NOT_IMPLEMENTED,
            "methodNotSupported",
            format!("this resolver resolves did:key, not did:{method}"),
        )
        .dereferencing(deref));
    }
    if !url.path.is_empty() || url.query.is_some() {
        return Err(Failure::new(
            StatusCode::NOT_FOUND,
            "notFound",
            "a did:key document has no paths, services or query-addressed resources",
        )
        .dereferencing(true));
    }
    // A fragment may name the key agreement key an Ed25519 DID derives: dereferencing derives it.
    if url.fragment.is_some() {
        options.derive_encryption_key = true;
    }
    let doc = did_key_document::document(did, &options).map_err(|e| {
        Failure::new(StatusCode::BAD_REQUEST, e.code(), e.to_string()).dereferencing(deref)
    })?;
    let Some(fragment) = url.fragment else {
        return Ok(doc);
    };
    let wanted = format!("{did}#{fragment}");
    doc["verificationMethod"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|vm| vm["id"] == json!(wanted))
        .map(|vm| {
            let mut vm = vm.clone();
            vm["@context"] = doc["@context"].clone();
            vm
        })
        .ok_or_else(|| {
            Failure::new(
                StatusCode::NOT_FOUND,
                "notFound",
                format!("{did} has no verification method #{fragment}"),
            )
            .dereferencing(true)
        })
}

fn answer(status: StatusCode, content_type: &str, body: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, content_type.to_owned())],
        body.to_string(),
    )
        .into_response()
}

/// A resolution result (or, for a DID URL, a dereferencing result in the same shape, its
/// metadata under `didDereferencingMetadata`).
fn result(metadata: Value, document: Value, dereferencing: bool) -> Value {
    let key = if dereferencing {
        "didDereferencingMetadata"
    } else {
        "didResolutionMetadata"
    };
    json!({
        "@context": RESOLUTION_CONTEXT,
        "didDocument": document,
        key: metadata,
        "didDocumentMetadata": {},
    })
}

/// `GET /1.0/identifiers/{did}` with the did:key options (`publicKeyFormat`,
/// `enableExperimentalPublicKeyTypes`, `enableEncryptionKeyDerivation`) in the query string.
#[utoipa::path(
    get,
    path = "/1.0/identifiers/{did}",
    tag = "did",
    operation_id = "resolve_did",
    params(("did" = String, Path, description = "The DID or DID URL (a fragment as `%23`)"), ("publicKeyFormat" = Option<String>, Query, description = "did:key option: `Multikey` (the default) or `JsonWebKey2020`"), ("enableExperimentalPublicKeyTypes" = Option<bool>, Query, description = "did:key option"), ("enableEncryptionKeyDerivation" = Option<bool>, Query, description = "did:key option")),
    responses(
        (status = 200, description = "The resolution result (the default, `application/did-resolution`), or the DID document (`Accept: application/did+ld+json` or `application/did+json`)", content((doc::DidResolutionResult = "application/did-resolution"), (doc::DidResolutionResult = "application/ld+json;profile=\"https://w3id.org/did-resolution\""), (Object = "application/did+ld+json"), (Object = "application/did+json"))),
        (status = 400, description = "`invalidDid`, `invalidDidUrl`, `invalidPublicKey`, `invalidPublicKeyLength`, `invalidPublicKeyType`, `invalidOptions`: a resolution result with the error", content_type = "application/did-resolution", body = doc::DidResolutionResult),
        (status = 404, description = "`notFound`: a resolution result with the error", content_type = "application/did-resolution", body = doc::DidResolutionResult),
        (status = 406, description = "`representationNotSupported`: a resolution result with the error", content_type = "application/did-resolution", body = doc::DidResolutionResult),
        (status = 501, description = "`methodNotSupported`: a resolution result with the error", content_type = "application/did-resolution", body = doc::DidResolutionResult),
        (status = 503, response = doc::Unavailable),
    ),
)]
pub async fn identifiers(
    Path(did): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let Some(repr) = negotiate(accept) else {
        let body = result(
            json!({"error": "representationNotSupported", "errorMessage": format!("Accept `{}` names no representation this resolver makes (application/did-resolution, application/did+ld+json, application/did+json)", accept.unwrap_or_default())}),
            Value::Null,
            false,
        );
        return answer(
            StatusCode::NOT_ACCEPTABLE,
            "application/did-resolution",
            &body,
        );
    };
    let dereferencing = did.contains(['#', '/', '?']);
    let resolved = options_of(&query).and_then(|o| resolve(&did, o));
    match (resolved, repr) {
        (Err(f), repr) => {
            let ct = match repr {
                Representation::Result(ct) => ct,
                _ => "application/did-resolution",
            };
            let body = result(
                json!({"error": f.error, "errorMessage": f.message}),
                Value::Null,
                f.dereferencing,
            );
            answer(f.status, ct, &body)
        }
        (Ok(doc), Representation::Result(ct)) => answer(
            StatusCode::OK,
            ct,
            &result(
                json!({"contentType": "application/did+ld+json"}),
                doc,
                dereferencing,
            ),
        ),
        (Ok(doc), Representation::JsonLd) => {
            answer(StatusCode::OK, "application/did+ld+json", &doc)
        }
        (Ok(mut doc), Representation::Json) => {
            if let Some(o) = doc.as_object_mut() {
                o.remove("@context");
            }
            answer(StatusCode::OK, "application/did+json", &doc)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use credentials::did_key_document::DocumentOptions as D;

    #[test]
    fn accept_picks_the_representation() {
        use Representation::*;
        let rows = [
            (None, Some(Result("application/did-resolution"))),
            (Some("*/*"), Some(Result("application/did-resolution"))),
            (
                Some("application/ld+json;profile=\"https://w3id.org/did-resolution\""),
                Some(Result(
                    "application/ld+json;profile=\"https://w3id.org/did-resolution\"",
                )),
            ),
            (Some("application/did+ld+json"), Some(JsonLd)),
            (Some("text/html, application/did+json;q=0.9"), Some(Json)),
            (Some("text/html"), None),
            (Some("image/png, text/plain"), None),
        ];
        for (accept, want) in rows {
            assert_eq!(negotiate(accept), want, "{accept:?}");
        }
    }

    #[test]
    fn did_syntax_and_methods() {
        let ed = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";
        assert_eq!(resolve(ed, D::default()).unwrap()["id"], json!(ed));
        let vm = resolve(&format!("{ed}#{}", &ed[8..]), D::default()).unwrap();
        assert_eq!(vm["type"], "Multikey");
        let missing = resolve(&format!("{ed}#nope"), D::default()).unwrap_err();
        assert_eq!((missing.status.as_u16(), missing.error), (404, "notFound"));
        // P-256 (`zDn…`), from the did:key specification's examples.
        let p256 = "did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169";
        assert_eq!(resolve(p256, D::default()).unwrap()["id"], json!(p256));
        for (bad, status, error) in [
            ("did:example:123", 501, "methodNotSupported"),
            ("did:web:example.com", 501, "methodNotSupported"),
            ("not-a-did", 400, "invalidDid"),
            ("did:KEY:z6Mk", 400, "invalidDid"),
            ("did:key:", 400, "invalidDid"),
            ("did:key:z6Mk<>", 400, "invalidDid"),
            (
                "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2do",
                400,
                "invalidPublicKeyType",
            ),
            ("did:key:abc", 400, "invalidDid"),
        ] {
            let f = resolve(bad, D::default()).unwrap_err();
            assert_eq!(
                (f.status.as_u16(), f.error),
                (status, error),
                "{bad}: {}",
                f.message
            );
        }
    }

    #[test]
    fn did_urls_and_options_fail_with_dereferencing_errors() {
        let ed = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";
        let vm = format!("{ed}#{}", &ed[8..]);
        let opts = |f: &str, exp: bool| D {
            public_key_format: Some(f.into()),
            enable_experimental: exp,
            derive_encryption_key: false,
        };
        for (url, o, status, error, deref) in [
            (
                format!("{ed}/^bar^/?query=`#{}", &ed[8..]),
                D::default(),
                400,
                "invalidDidUrl",
                true,
            ),
            (
                format!("{ed}#a b"),
                D::default(),
                400,
                "invalidDidUrl",
                true,
            ),
            (format!("{ed}/path"), D::default(), 404, "notFound", true),
            (
                ed.to_owned(),
                opts("unknown", false),
                400,
                "unsupportedPublicKeyType",
                false,
            ),
            (
                vm.clone(),
                opts("Ed25519VerificationKey2018", false),
                400,
                "invalidPublicKeyType",
                true,
            ),
            (
                "did:key:@".to_owned(),
                D::default(),
                400,
                "invalidDid",
                false,
            ),
        ] {
            let f = resolve(&url, o).unwrap_err();
            assert_eq!(
                (f.status.as_u16(), f.error, f.dereferencing),
                (status, error, deref),
                "{url}: {}",
                f.message
            );
        }
        let legacy = resolve(&vm, opts("Ed25519VerificationKey2018", true)).unwrap();
        assert_eq!(legacy["type"], "Ed25519VerificationKey2018");
        // The derived key agreement key dereferences without asking for derivation.
        let derived = credentials::did_key_document::document(
            ed,
            &D {
                derive_encryption_key: true,
                ..D::default()
            },
        )
        .unwrap();
        let x = derived["keyAgreement"][0]
            .as_str()
            .unwrap()
            .split_once('#')
            .unwrap()
            .1
            .to_owned();
        let ka = resolve(&format!("{ed}#{x}"), D::default()).unwrap();
        assert_eq!(ka["type"], "Multikey");
        assert!(ka["publicKeyMultibase"]
            .as_str()
            .unwrap()
            .starts_with("z6LS"));
    }
}
