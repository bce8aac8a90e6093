//! `GET /openapi.json` on a real node: the served document is OpenAPI 3.1 (validated offline
//! against the OpenAPI Initiative's published 3.1 schema, vendored in `tests/vendor/oas-3.1`),
//! self-contained (every `$ref` resolves inside it), every operation has responses and a
//! unique `operationId`, every path template parameter is declared, and every error answer is
//! the `ErrorBody` shape with a required `code` and `message`. Then a few real answers of the
//! node are checked against the schemas the document gives for them.

use std::collections::{BTreeSet, HashSet};

use node::config::{DataDir, Role};
use serde_json::{json, Value};
use vcnet_tests::http::{get, send};

/// The OpenAPI 3.1 schema (2022-10-07), as published.
const OAS_31_SCHEMA: &str = include_str!("../vendor/oas-3.1/schema.json");

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Error answers that are not `ErrorBody`, each for a reason the document states: readiness
/// answers its own shape with 503, and the DID resolver answers DID Resolution results.
const OTHER_ERROR_SHAPES: &[(&str, &str, &str)] = &[
    ("get", "/readyz", "503"),
    ("get", "/1.0/identifiers/{did}", "400"),
    ("get", "/1.0/identifiers/{did}", "404"),
    ("get", "/1.0/identifiers/{did}", "406"),
    ("get", "/1.0/identifiers/{did}", "501"),
    // OpenID4VCI answers OAuth error objects, as wallets expect.
    ("post", "/oid4vci/token", "400"),
    ("post", "/oid4vci/token", "503"),
    ("post", "/oid4vci/nonce", "503"),
    ("post", "/oid4vci/credential", "400"),
    ("post", "/oid4vci/credential", "401"),
    ("post", "/oid4vp/response/{id}", "400"),
];

const ERROR_REF: &str = "#/components/schemas/ErrorBody";

/// Every `$ref` string anywhere in `v`.
fn refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    _ => refs(x, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

/// The value a local `$ref` points at.
fn resolve<'a>(doc: &'a Value, r: &str) -> Option<&'a Value> {
    doc.pointer(r.strip_prefix('#')?)
}

/// A response object, its `$ref` followed.
fn response<'a>(doc: &'a Value, r: &'a Value) -> &'a Value {
    match r["$ref"].as_str() {
        Some(to) => resolve(doc, to).unwrap_or_else(|| panic!("{to} does not resolve")),
        None => r,
    }
}

/// Whether a schema is the error body, or a `oneOf`/`anyOf` of which one is (references to
/// other schemas followed).
fn is_error_schema(doc: &Value, s: &Value) -> bool {
    match s["$ref"].as_str() {
        Some(ERROR_REF) => return true,
        Some(other) => return resolve(doc, other).is_some_and(|t| is_error_schema(doc, t)),
        None => {}
    }
    ["oneOf", "anyOf"].iter().any(|k| {
        s[*k]
            .as_array()
            .is_some_and(|a| a.iter().any(|x| is_error_schema(doc, x)))
    })
}

/// A validator for `value` against the document's component schema `name`.
fn component_validator(doc: &Value, name: &str) -> jsonschema::Validator {
    let schema = json!({
        "$ref": format!("#/components/schemas/{name}"),
        "components": doc["components"],
    });
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&schema)
        .unwrap_or_else(|e| panic!("schema {name} does not compile: {e}"))
}

fn assert_matches(doc: &Value, name: &str, body: &Value, what: &str) {
    let v = component_validator(doc, name);
    let errors: Vec<String> = v.iter_errors(body).map(|e| e.to_string()).collect();
    assert!(
        errors.is_empty(),
        "{what}: {body} does not match {name}: {errors:?}"
    );
}

fn check_document(doc: &Value) {
    // OpenAPI 3.1, by the published schema.
    let version = doc["openapi"].as_str().unwrap_or_default();
    assert!(version.starts_with("3.1"), "openapi is {version}");
    let oas: Value = serde_json::from_str(OAS_31_SCHEMA).expect("the vendored schema is JSON");
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&oas)
        .expect("the OpenAPI 3.1 schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "not a valid OpenAPI 3.1 document: {errors:#?}"
    );
    // The schema reaches into the operations: a response without its description is caught.
    let mut broken = doc.clone();
    if let Some(r) = broken["paths"]["/readyz"]["get"]["responses"]["200"].as_object_mut() {
        r.remove("description");
    }
    assert!(
        !validator.is_valid(&broken),
        "the OpenAPI schema should refuse a response without a description"
    );
    assert_eq!(doc["info"]["title"], "vcnet node API");

    // Self-contained.
    let mut all = Vec::new();
    refs(doc, &mut all);
    assert!(
        all.len() > 50,
        "the document uses references: {}",
        all.len()
    );
    for r in &all {
        assert!(
            resolve(doc, r).is_some(),
            "$ref {r} does not resolve inside the document"
        );
    }

    // The error body.
    let err = &doc["components"]["schemas"]["ErrorBody"];
    for field in ["code", "message"] {
        assert!(
            err["required"]
                .as_array()
                .is_some_and(|r| r.contains(&json!(field))),
            "ErrorBody requires {field}: {err}"
        );
        assert_eq!(err["properties"][field]["type"], "string", "{err}");
    }

    // Operations.
    let mut ids = HashSet::new();
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        let template: BTreeSet<&str> = path
            .split('{')
            .skip(1)
            .filter_map(|s| s.split_once('}').map(|(name, _)| name))
            .collect();
        for method in METHODS {
            let Some(op) = item.get(*method) else {
                continue;
            };
            operations += 1;
            let at = format!("{} {path}", method.to_uppercase());
            let id = op["operationId"].as_str().unwrap_or_default();
            assert!(!id.is_empty(), "{at} has no operationId");
            assert!(
                ids.insert(id.to_owned()),
                "operationId {id} is not unique ({at})"
            );

            // Path parameters: exactly those of the template, each required.
            let params: Vec<&Value> = item["parameters"]
                .as_array()
                .into_iter()
                .chain(op["parameters"].as_array())
                .flatten()
                .map(|p| response(doc, p))
                .collect();
            let declared: BTreeSet<&str> = params
                .iter()
                .filter(|p| p["in"] == "path")
                .inspect(|p| assert_eq!(p["required"], true, "{at}: {p}"))
                .filter_map(|p| p["name"].as_str())
                .collect();
            assert_eq!(declared, template, "{at}: path parameters");

            // Responses, and every error answer's shape.
            let responses = op["responses"].as_object().expect("responses");
            assert!(!responses.is_empty(), "{at} has no responses");
            assert!(
                responses
                    .keys()
                    .any(|s| s.starts_with('2') || s.starts_with('3')),
                "{at} documents no success"
            );
            for (status, r) in responses {
                if !(status.starts_with('4') || status.starts_with('5')) {
                    continue;
                }
                let r = response(doc, r);
                let content = r["content"]
                    .as_object()
                    .unwrap_or_else(|| panic!("{at} {status} has no body: {r}"));
                let other = OTHER_ERROR_SHAPES.contains(&(*method, path.as_str(), status.as_str()));
                for (media, c) in content {
                    assert!(
                        c["schema"].is_object(),
                        "{at} {status} {media} has no schema"
                    );
                    if !other {
                        assert_eq!(media, "application/json", "{at} {status}");
                        assert!(
                            is_error_schema(doc, &c["schema"]),
                            "{at} {status}: not the error body: {}",
                            c["schema"]
                        );
                    }
                }
            }
            // Token routes say how to present the token, and that they may answer 401.
            if path.starts_with("/admin/") {
                let schemes: BTreeSet<&str> = op["security"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|s| s.as_object())
                    .flat_map(|s| s.keys().map(String::as_str))
                    .collect();
                assert_eq!(
                    schemes,
                    BTreeSet::from(["bearer", "session_cookie"]),
                    "{at}: security"
                );
                assert!(responses.contains_key("401"), "{at}: no 401");
            }
        }
    }
    assert!(operations > 40, "{operations} operations");
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["type"], "http");
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!(schemes["session_cookie"]["type"], "apiKey");
    assert_eq!(schemes["session_cookie"]["in"], "cookie");
    assert_eq!(schemes["session_cookie"]["name"], "vcnet_session");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_served_document_is_valid_openapi_3_1_and_matches_the_answers() {
    let dir = tempfile::tempdir().unwrap();
    let n = vcnet_tests::start(
        dir.path(),
        vcnet_tests::cfg(
            "Documented Clinic",
            &[Role::Verifier],
            "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
            vec![],
        ),
    )
    .await;
    let (addr, host) = (n.http, n.http.to_string());
    let a = get(addr, &host, "/openapi.json", None).unwrap();
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(
        a.content_type.starts_with("application/json"),
        "{}",
        a.content_type
    );
    let doc: Value = serde_json::from_str(&a.body).expect("the document is JSON");
    check_document(&doc);

    // Real answers, checked against the schemas the document gives for them.
    let token = std::fs::read_to_string(DataDir(dir.path().to_owned()).token())
        .unwrap()
        .trim()
        .to_owned();
    let bearer = format!("Bearer {token}");
    let a = send(
        addr,
        "GET",
        "/admin/status",
        &[("Authorization", &bearer)],
        b"",
    )
    .unwrap();
    assert_eq!(a.status, 200, "{}", a.body);
    assert_matches(&doc, "NodeStatus", &a.json(), "GET /admin/status");
    let a = get(addr, &host, "/readyz", None).unwrap();
    assert_eq!(a.status, 200, "{}", a.body);
    assert_matches(&doc, "Readiness", &a.json(), "GET /readyz");
    let a = send(
        addr,
        "GET",
        "/admin/wallet",
        &[("Authorization", &bearer)],
        b"",
    )
    .unwrap();
    assert_eq!(a.status, 200, "{}", a.body);
    let items: Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(items, json!([]), "a verifier's wallet is empty");
    let errors = [
        (
            "GET /admin/status without a token",
            send(addr, "GET", "/admin/status", &[], b""),
            401,
        ),
        (
            "a Host this node does not serve",
            get(addr, "evil.example", "/readyz", None),
            421,
        ),
        (
            "a field of the wrong type",
            send(
                addr,
                "POST",
                "/admin/revoke",
                &[
                    ("Authorization", &bearer),
                    ("Content-Type", "application/json"),
                ],
                br#"{"credential_id": 7}"#,
            ),
            422,
        ),
        (
            "an unknown action",
            send(
                addr,
                "POST",
                "/admin/revoke",
                &[
                    ("Authorization", &bearer),
                    ("Content-Type", "application/json"),
                ],
                br#"{"credential_id": "x", "action": "burn"}"#,
            ),
            400,
        ),
        (
            "no pending request",
            send(
                addr,
                "POST",
                "/admin/consents/decide",
                &[
                    ("Authorization", &bearer),
                    ("Content-Type", "application/json"),
                ],
                br#"{"request_id": "r1", "approve": true}"#,
            ),
            404,
        ),
        (
            "a body that is not JSON",
            send(addr, "POST", "/credentials/verify", &[], b"{}"),
            415,
        ),
    ];
    for (what, a, status) in errors {
        let a = a.unwrap();
        assert_eq!(a.status, status, "{what}: {}", a.body);
        let body = a.json();
        assert_matches(&doc, "ErrorBody", &body, what);
        assert_eq!(body["message"], body["error"], "{what}");
        // The document names this answer for the route (or, for 421, every route).
        assert!(
            a.content_type.starts_with("application/json"),
            "{what}: {}",
            a.content_type
        );
    }
    let a = send(
        addr,
        "POST",
        "/credentials/verify",
        &[("Content-Type", "application/json")],
        br#"{"verifiableCredential": 7}"#,
    )
    .unwrap();
    assert_eq!(a.status, 400, "{}", a.body);
    assert_matches(
        &doc,
        "ErrorBody",
        &a.json(),
        "a credential that is a number",
    );
    let a = send(
        addr,
        "POST",
        "/credentials/verify",
        &[("Content-Type", "application/json")],
        br#"{"options": {}}"#,
    )
    .unwrap();
    assert_eq!(a.status, 422, "{}", a.body);
    assert_matches(
        &doc,
        "VerifyRefused",
        &a.json(),
        "a body without the credential",
    );
    n.stop().await;
}
