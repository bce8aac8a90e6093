//! OpenID4VCI's HTTP endpoints on an issuer node (the rules are in
//! [`crate::roles::oid4vci`]): the two metadata documents, token, nonce and credential.
//! Errors are OAuth error objects (`error`, `error_description`), as wallets expect, never
//! the node's own error shape; no answer is cached. The form reader and the error answer serve
//! OpenID4VP's response URI too.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::ApiState;
use crate::roles::OAuthError;

/// Largest token request read (a form of a few short fields).
const MAX_TOKEN_FORM_BYTES: usize = 4096;

fn no_store(status: StatusCode, body: Value) -> Response {
    let mut r = (status, Json(body)).into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

pub(super) fn oauth_error(e: OAuthError) -> Response {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
    if status.is_server_error() {
        tracing::warn!(error = %e, "openid4vc");
    } else {
        tracing::info!(code = e.code, "openid4vc request refused");
    }
    let mut r = no_store(
        status,
        json!({"error": e.code, "error_description": e.description}),
    );
    if status == StatusCode::UNAUTHORIZED {
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer error=\"invalid_token\""),
        );
    }
    r
}

/// An issuer node's metadata document (`doc` of the node), readable from any origin; 404 on
/// a node that does not issue.
fn metadata(s: &ApiState, doc: fn(&crate::roles::Node) -> Value) -> Response {
    if !s.node.cfg.has_role(crate::config::Role::Issuer) {
        return (StatusCode::NOT_FOUND, "this node is not an issuer").into_response();
    }
    let mut r = Json(doc(&s.node)).into_response();
    r.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    r
}

/// `GET /.well-known/openid-credential-issuer`: credential issuer metadata (§12.2).
#[utoipa::path(
    get,
    path = "/.well-known/openid-credential-issuer",
    tag = "openid4vci",
    operation_id = "oid4vci_issuer_metadata",
    responses(
        (status = 200, description = "Credential issuer metadata (JSON)"),
        (status = 404, response = super::openapi::schemas::NotFound)
    ),
)]
pub async fn issuer_metadata(State(s): State<ApiState>) -> Response {
    metadata(&s, crate::roles::Node::oid4vci_issuer_metadata)
}

/// `GET /.well-known/oauth-authorization-server`: authorization server metadata (§12.3).
#[utoipa::path(
    get,
    path = "/.well-known/oauth-authorization-server",
    tag = "openid4vci",
    operation_id = "oid4vci_as_metadata",
    responses(
        (status = 200, description = "Authorization server metadata (JSON)"),
        (status = 404, response = super::openapi::schemas::NotFound)
    ),
)]
pub async fn as_metadata(State(s): State<ApiState>) -> Response {
    metadata(&s, crate::roles::Node::oid4vci_as_metadata)
}

/// Reads an `application/x-www-form-urlencoded` body of at most `max` bytes; a parameter
/// given twice is refused (RFC 6749 §3.2).
pub(super) fn form(body: &[u8], max: usize) -> Result<HashMap<String, String>, OAuthError> {
    if body.len() > max {
        return Err(OAuthError {
            status: 400,
            code: "invalid_request",
            description: format!("the form is {} bytes; at most {max}", body.len()),
        });
    }
    let mut out = HashMap::new();
    for (k, v) in form_urlencoded::parse(body) {
        if out.insert(k.clone().into_owned(), v.into_owned()).is_some() {
            return Err(OAuthError {
                status: 400,
                code: "invalid_request",
                description: format!(
                    "{}: given more than once",
                    credentials::verify::preview(&k, 40)
                ),
            });
        }
    }
    Ok(out)
}

/// `POST /oid4vci/token`: pre-authorized code (and transaction code) → access token.
#[utoipa::path(
    post,
    path = "/oid4vci/token",
    tag = "openid4vci",
    operation_id = "oid4vci_token",
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "grant_type, pre-authorized_code, tx_code"),
    responses(
        (status = 200, description = "`{access_token, token_type, expires_in}`"),
        (status = 400, description = "An OAuth error object", body = super::openapi::schemas::OAuthErrorBody),
        (status = 503, description = "`temporarily_unavailable`: too many live tokens or nonces", body = super::openapi::schemas::OAuthErrorBody)
    ),
)]
pub async fn token(State(s): State<ApiState>, body: Bytes) -> Response {
    let node = s.node.clone();
    let answer = form(&body, MAX_TOKEN_FORM_BYTES).and_then(|f| node.oid4vci_token(&f));
    match answer {
        Ok(v) => no_store(StatusCode::OK, v),
        Err(e) => oauth_error(e),
    }
}

/// `POST /oid4vci/nonce`: a fresh `c_nonce` (§7).
#[utoipa::path(
    post,
    path = "/oid4vci/nonce",
    tag = "openid4vci",
    operation_id = "oid4vci_nonce",
    responses(
        (status = 200, description = "`{c_nonce}`"),
        (status = 503, description = "`temporarily_unavailable`: too many live tokens or nonces", body = super::openapi::schemas::OAuthErrorBody)
    ),
)]
pub async fn nonce(State(s): State<ApiState>) -> Response {
    match s.node.oid4vci_nonce() {
        Ok(n) => no_store(StatusCode::OK, json!({"c_nonce": n})),
        Err(e) => oauth_error(e),
    }
}

/// `POST /oid4vci/credential`: the credential, bound to the request's key proof (§8).
#[utoipa::path(
    post,
    path = "/oid4vci/credential",
    tag = "openid4vci",
    operation_id = "oid4vci_credential",
    request_body(content = Object, content_type = "application/json", description = "credential_configuration_id and proofs.jwt (one key proof)"),
    responses(
        (status = 200, description = "`{credentials: [{credential}]}`: the SD-JWT VC"),
        (status = 400, description = "An OAuth error object", body = super::openapi::schemas::OAuthErrorBody),
        (status = 401, description = "`invalid_token`: no live access token", body = super::openapi::schemas::OAuthErrorBody)
    ),
)]
pub async fn credential(State(s): State<ApiState>, headers: HeaderMap, body: Bytes) -> Response {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    match s.node.oid4vci_credential(bearer, &body).await {
        Ok(v) => no_store(StatusCode::OK, v),
        Err(e) => oauth_error(e),
    }
}

/// `GET /.well-known/openid-credential-issuer/{path}`: the same, for an issuer identifier
/// with a path (§12.2.2).
#[utoipa::path(
    get,
    path = "/.well-known/openid-credential-issuer/{path}",
    tag = "openid4vci",
    operation_id = "oid4vci_issuer_metadata_at",
    params(("path" = String, Path, description = "The path of the issuer identifier, for an issuer whose public URL has one")),
    responses(
        (status = 200, description = "Credential issuer metadata (JSON)"),
        (status = 404, response = super::openapi::schemas::NotFound)
    ),
)]
pub async fn issuer_metadata_at(s: State<ApiState>) -> Response {
    issuer_metadata(s).await
}

/// `GET /.well-known/oauth-authorization-server/{path}`: the same, for an issuer identifier
/// with a path (RFC 8414 §3).
#[utoipa::path(
    get,
    path = "/.well-known/oauth-authorization-server/{path}",
    tag = "openid4vci",
    operation_id = "oid4vci_as_metadata_at",
    params(("path" = String, Path, description = "The path of the issuer identifier, for an issuer whose public URL has one")),
    responses(
        (status = 200, description = "Authorization server metadata (JSON)"),
        (status = 404, response = super::openapi::schemas::NotFound)
    ),
)]
pub async fn as_metadata_at(s: State<ApiState>) -> Response {
    as_metadata(s).await
}
