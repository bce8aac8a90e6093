//! The node's OpenAPI 3.1 document, generated from the handlers' `#[utoipa::path]` annotations
//! and served at `GET /openapi.json` (open, no token). Every error answer is the JSON
//! [`ErrorBody`] `{code, message, error}`; the guards' answers every route can give (421 from
//! the `Host` check; 401 and 403 from the token check of the admin routes) are added here,
//! once, rather than on each handler.

pub mod schemas;

use std::sync::LazyLock;

use axum::body::Bytes;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{PathItem, Ref, RefOr};
use utoipa::{Modify, OpenApi};

use super::error::ErrorBody;
use super::{
    admin, admin_wallet, console, desk, oid4vci, oid4vp, ops, pages, resolve, session, vcapi,
    wallet_page, ApiError,
};
use schemas::*;

/// The name of the bearer-token security scheme.
pub const BEARER: &str = "bearer";
/// The name of the session-cookie security scheme.
pub const SESSION_COOKIE: &str = "session_cookie";

/// The document's definition: every route's operation, the schemas and reusable responses.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "vcnet node API",
        description = "The HTTP API of a vcnet node: the W3C VC-API paths, status list credentials, DID resolution, the verifier desk, sign-in, operations endpoints, and the admin paths the `vcnode` CLI calls (token or session cookie). Every error is JSON `{code, message, error}`: a stable snake_case `code`, and the human `message` in the same words the CLI prints (`error` repeats it for earlier clients)."
    ),
    paths(
        admin::import_records,
        admin::issue_records,
        admin::records,
        admin::claim,
        admin::wallet,
        admin_wallet::wallet_show,
        admin_wallet::wallet_export,
        admin_wallet::wallet_import,
        admin_wallet::wallet_delete,
        admin_wallet::wallet_qr,
        admin_wallet::wallet_staple,
        admin_wallet::presentation_request,
        admin::request_presentation,
        admin::peers,
        admin::status,
        admin::status_list,
        admin::revoke,
        admin::consents,
        admin::decide,
        admin::trust,
        admin::verifications,
        admin::dial,
        admin::accredit,
        vcapi::issue,
        vcapi::update_status,
        vcapi::prove_presentation,
        vcapi::verify_credential,
        vcapi::verify_presentation,
        vcapi::status_list,
        resolve::identifiers,
        desk::page,
        desk::script,
        desk::scan,
        desk::request,
        session::page,
        session::login,
        session::logout,
        pages::style,
        pages::common_script,
        wallet_page::page,
        wallet_page::script,
        wallet_page::read_qr,
        console::page,
        console::script,
        console::about,
        console::issued,
        console::lists,
        console::accreditations,
        console::claim_letters,
        admin::credential_offer,
        admin_wallet::wallet_receive,
        oid4vci::issuer_metadata,
        oid4vci::issuer_metadata_at,
        oid4vci::as_metadata,
        oid4vci::as_metadata_at,
        oid4vci::token,
        oid4vci::nonce,
        oid4vci::credential,
        oid4vp::request_object,
        oid4vp::response,
        oid4vp::desk_request,
        oid4vp::desk_outcome,
        admin_wallet::wallet_present,
        ops::health,
        ops::healthz,
        ops::readyz,
        ops::metrics,
        document,
    ),
    components(
        schemas(ErrorBody),
        responses(
            BadRequest,
            Unauthorized,
            Forbidden,
            NotFound,
            Conflict,
            PayloadTooLarge,
            UnsupportedMediaType,
            Misdirected,
            Unprocessable,
            Internal,
            PeerFailed,
            Unavailable,
        )
    ),
    modifiers(&Security, &GuardResponses),
    tags(
        (name = "vc-api", description = "W3C VC-API: issue, verify, prove, update status"),
        (name = "status", description = "Status list credentials at their `statusListCredential` URLs"),
        (name = "did", description = "DID resolution (did:key)"),
        (name = "openid4vp", description = "OpenID4VP 1.0: phone wallets present SD-JWT VCs to the desk"),
        (name = "openid4vci", description = "OpenID4VCI 1.0, pre-authorized code flow: phone wallets receive SD-JWT VCs"),
        (name = "admin", description = "What the `vcnode` CLI calls on a running node (token or session cookie)"),
        (name = "desk", description = "The verifier desk page and its calls"),
        (name = "session", description = "Signing in to the node's pages"),
        (name = "pages", description = "The wallet, the issuer console and what the pages share"),
        (name = "ops", description = "Health, readiness, metrics and this document"),
    )
)]
pub struct ApiDoc;

/// Declares the two ways to present the admin token.
struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The node's admin token, from its data dir's `admin.token`.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            SESSION_COOKIE,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                super::session::COOKIE,
                "The session cookie `POST /login` sets (state-changing requests must also come from the node's own pages).",
            ))),
        );
    }
}

/// Adds the guards' answers: 421 to every operation (the `Host` check wraps the whole router),
/// 401 and 403 to every operation that needs the token.
struct GuardResponses;

impl Modify for GuardResponses {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        for item in doc.paths.paths.values_mut() {
            for op in operations_mut(item) {
                let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
                let mut add = vec![("421", "Misdirected")];
                if secured {
                    add.extend([("401", "Unauthorized"), ("403", "Forbidden")]);
                }
                for (status, name) in add {
                    op.responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
                }
            }
        }
    }
}

/// The operations of a path item (the methods this API uses).
fn operations_mut(
    item: &mut PathItem,
) -> impl Iterator<Item = &mut utoipa::openapi::path::Operation> {
    [
        item.get.as_mut(),
        item.post.as_mut(),
        item.put.as_mut(),
        item.delete.as_mut(),
        item.patch.as_mut(),
    ]
    .into_iter()
    .flatten()
}

/// The document, serialised once.
static DOCUMENT: LazyLock<Result<Bytes, String>> = LazyLock::new(|| {
    ApiDoc::openapi()
        .to_json()
        .map(Bytes::from)
        .map_err(|e| format!("the OpenAPI document does not serialise: {e}"))
});

/// `GET /openapi.json`: this API's OpenAPI 3.1 document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "ops",
    operation_id = "openapi_document",
    responses(
        (status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json", body = Object),
        (status = 500, response = Internal),
    )
)]
pub async fn document() -> Response {
    match &*DOCUMENT {
        Ok(b) => ([(header::CONTENT_TYPE, "application/json")], b.clone()).into_response(),
        Err(e) => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.clone()).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;

    use super::*;

    /// The HTTP methods axum's routing offers as functions.
    const METHODS: &[&str] = &["get", "post", "put", "delete", "patch", "head", "options"];

    /// Every `(METHOD, /path)` that `router()` registers, read from the router's own source:
    /// each `.route("…", get(…).post(…))` call, its path in OpenAPI syntax (`{*list}` →
    /// `{list}`).
    fn routed() -> BTreeSet<(String, String)> {
        let src = include_str!("mod.rs");
        let mut out = BTreeSet::new();
        let mut rest = src;
        while let Some(at) = rest.find(".route(") {
            rest = &rest[at + ".route(".len()..];
            let open = rest.find('"').expect("a route's path is a string literal");
            let close = open + 1 + rest[open + 1..].find('"').expect("closing quote");
            let path = rest[open + 1..close].replace("{*", "{");
            // The method functions called at the top level of this `.route(` call's arguments.
            let args = &rest[close + 1..];
            let (mut depth, mut ident) = (0i32, String::new());
            for c in args.chars() {
                match c {
                    '(' => {
                        if depth == 0 && METHODS.contains(&ident.as_str()) {
                            out.insert((ident.to_uppercase(), path.clone()));
                        }
                        depth += 1;
                        ident.clear();
                    }
                    ')' if depth == 0 => break,
                    ')' => {
                        depth -= 1;
                        ident.clear();
                    }
                    c if c.is_ascii_alphanumeric() || c == '_' => ident.push(c),
                    _ => ident.clear(),
                }
            }
        }
        out
    }

    fn document_json() -> Value {
        serde_json::from_slice(DOCUMENT.as_ref().expect("serialises")).expect("JSON")
    }

    /// Every `(METHOD, /path)` the document describes.
    fn documented(doc: &Value) -> BTreeSet<(String, String)> {
        let mut out = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for m in METHODS {
                if item.get(*m).is_some() {
                    out.insert((m.to_uppercase(), path.clone()));
                }
            }
        }
        out
    }

    #[test]
    fn every_route_is_documented_and_nothing_else() {
        let routed = routed();
        assert!(
            routed.len() > 40,
            "the router's routes were read: {routed:?}"
        );
        for r in [
            ("GET", "/login"),
            ("POST", "/login"),
            ("GET", "/status/{list}"),
        ] {
            assert!(
                routed.contains(&(r.0.to_owned(), r.1.to_owned())),
                "{r:?} not read from the router"
            );
        }
        let documented = documented(&document_json());
        let missing: Vec<_> = routed.difference(&documented).collect();
        assert!(
            missing.is_empty(),
            "routes without documentation: {missing:?}"
        );
        let stale: Vec<_> = documented.difference(&routed).collect();
        assert!(stale.is_empty(), "documented but not routed: {stale:?}");
    }

    #[test]
    fn the_document_is_3_1_with_the_error_shape_and_security() {
        let doc = document_json();
        assert_eq!(doc["openapi"], "3.1.0");
        assert_eq!(doc["info"]["title"], "vcnet node API");
        assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
        let err = &doc["components"]["schemas"]["ErrorBody"];
        let required: Vec<&str> = err["required"]
            .as_array()
            .expect("required")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        for field in ["code", "message"] {
            assert!(required.contains(&field), "{field} is required: {err}");
        }
        let schemes = &doc["components"]["securitySchemes"];
        assert_eq!(schemes[BEARER]["scheme"], "bearer");
        assert_eq!(schemes[SESSION_COOKIE]["in"], "cookie");
        assert_eq!(schemes[SESSION_COOKIE]["name"], "vcnet_session");
        // A token route lists both schemes and the token check's answers.
        let op = &doc["paths"]["/admin/revoke"]["post"];
        assert_eq!(op["security"].as_array().map(Vec::len), Some(2), "{op}");
        for status in ["401", "403", "421"] {
            assert!(op["responses"][status].is_object(), "{status}: {op}");
        }
        // An open route has no security and no 401.
        let op = &doc["paths"]["/credentials/verify"]["post"];
        assert!(op.get("security").is_none(), "{op}");
        assert!(op["responses"].get("401").is_none(), "{op}");
    }
}
