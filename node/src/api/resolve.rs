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

use axum::extract::Path;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
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

/// A resolution failure: its error code and status.
#[derive(Debug)]
struct Failure {
    status: StatusCode,
    error: &'static str,
    message: String,
}

impl Failure {
    fn invalid(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            error: "invalidDid",
            message: message.into(),
        }
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
    let bytes = id.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit) =>
            {
                i += 3;
                continue;
            }
            b if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':') => {}
            _ => {
                return Err(Failure::invalid(format!(
                    "character {} of the method-specific id is not allowed in a DID",
                    i + 1
                )))
            }
        }
        i += 1;
    }
    if id.is_empty() || id.ends_with(':') {
        return Err(Failure::invalid("the method-specific id is empty"));
    }
    Ok((method, id))
}

/// Resolves (or, with a fragment, dereferences) a DID URL to the document (or the node of it)
/// in JSON-LD form.
fn resolve(did_url: &str) -> Result<Value, Failure> {
    if did_url.len() > MAX_DID_URL {
        return Err(Failure::invalid(format!(
            "longer than {MAX_DID_URL} characters"
        )));
    }
    let (did, fragment) = match did_url.split_once('#') {
        Some((d, f)) => (d, Some(f)),
        None => (did_url, None),
    };
    let (method, _) = check_did_syntax(did)?;
    if method != "key" {
        return Err(Failure {
            status: StatusCode::NOT_IMPLEMENTED,
            error: "methodNotSupported",
            message: format!("this resolver resolves did:key, not did:{method}"),
        });
    }
    let doc = credentials::did_key::resolve(did).map_err(|e| Failure {
        status: StatusCode::BAD_REQUEST,
        error: e.code(),
        message: e.to_string(),
    })?;
    let Some(fragment) = fragment else {
        return Ok(doc);
    };
    let wanted = format!("{did}#{fragment}");
    doc["verificationMethod"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(doc["keyAgreement"].as_array().into_iter().flatten())
        .find(|vm| vm["id"] == json!(wanted))
        .map(|vm| {
            let mut vm = vm.clone();
            vm["@context"] = doc["@context"].clone();
            vm
        })
        .ok_or(Failure {
            status: StatusCode::NOT_FOUND,
            error: "notFound",
            message: format!("{did} has no verification method #{fragment}"),
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

fn result(metadata: Value, document: Value) -> Value {
    json!({
        "@context": RESOLUTION_CONTEXT,
        "didDocument": document,
        "didResolutionMetadata": metadata,
        "didDocumentMetadata": {},
    })
}

/// `GET /1.0/identifiers/{did}`.
pub async fn identifiers(Path(did): Path<String>, headers: HeaderMap) -> Response {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let Some(repr) = negotiate(accept) else {
        let body = result(
            json!({"error": "representationNotSupported", "errorMessage": format!("Accept `{}` names no representation this resolver makes (application/did-resolution, application/did+ld+json, application/did+json)", accept.unwrap_or_default())}),
            Value::Null,
        );
        return answer(
            StatusCode::NOT_ACCEPTABLE,
            "application/did-resolution",
            &body,
        );
    };
    match (resolve(&did), repr) {
        (Err(f), repr) => {
            let ct = match repr {
                Representation::Result(ct) => ct,
                _ => "application/did-resolution",
            };
            let body = result(
                json!({"error": f.error, "errorMessage": f.message}),
                Value::Null,
            );
            answer(f.status, ct, &body)
        }
        (Ok(doc), Representation::Result(ct)) => answer(
            StatusCode::OK,
            ct,
            &result(json!({"contentType": "application/did+ld+json"}), doc),
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
        assert_eq!(resolve(ed).unwrap()["id"], json!(ed));
        let vm = resolve(&format!("{ed}#{}", &ed[8..])).unwrap();
        assert_eq!(vm["type"], "Multikey");
        let missing = resolve(&format!("{ed}#nope")).unwrap_err();
        assert_eq!((missing.status.as_u16(), missing.error), (404, "notFound"));
        // P-256 (`zDn…`), from the did:key specification's examples.
        let p256 = "did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169";
        assert_eq!(resolve(p256).unwrap()["id"], json!(p256));
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
            let f = resolve(bad).unwrap_err();
            assert_eq!(
                (f.status.as_u16(), f.error),
                (status, error),
                "{bad}: {}",
                f.message
            );
        }
    }
}
