//! W3C VC-API paths.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use credentials::verify::CheckName;
use credentials::{CredentialKind, Format};
use serde::Deserialize;
use serde_json::{json, Value};

use super::openapi::schemas as doc;
use super::{bad, ApiError, ApiState};

#[derive(Deserialize, utoipa::ToSchema)]
pub struct IssueBody {
    /// The credential to issue: a W3C VC Data Model 2.0 (or 1.1) JSON-LD document without a
    /// proof; a vcnet kind named in `type` is built from its `credentialSubject`.
    #[schema(value_type = Object)]
    credential: Value,
    #[serde(default)]
    options: IssueOptions,
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct IssueOptions {
    /// `di` (the default), `jwt`, `sd-jwt` or `cose`.
    format: Option<String>,
    /// VC-API `options.credentialStatus`: `{"type": "BitstringStatusListEntry"}` asks for this
    /// issuer's status entries (a 2.0 credential gets them unasked; a 1.1 one only when asked).
    #[serde(rename = "credentialStatus")]
    #[schema(value_type = Option<Object>)]
    credential_status: Option<Value>,
}

impl IssueOptions {
    /// The status entries the caller asked for: revocation and suspension (a `type` of
    /// `BitstringStatusListEntry` with no purpose, or one of those two), and a `message` entry
    /// with its `statusSize` and `statusMessage` (and `statusReference`). An object or an
    /// array of them. Another type, purpose or a bad scheme is a 400 naming the field.
    fn status_ask(&self) -> Result<crate::roles::StatusAsk, ApiError> {
        let mut ask = crate::roles::StatusAsk::default();
        let Some(cs) = &self.credential_status else {
            return Ok(ask);
        };
        let items: Vec<(String, &Value)> = match cs {
            Value::Array(a) if a.len() <= 4 => a
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("options.credentialStatus[{i}]"), v))
                .collect(),
            Value::Array(_) => return Err(bad("options.credentialStatus: at most 4 entries")),
            one => vec![("options.credentialStatus".to_owned(), one)],
        };
        for (at, item) in items {
            let Some(o) = item.as_object() else {
                return Err(bad(format!("{at}: is not an object")));
            };
            match o.get("type").and_then(Value::as_str) {
                Some("BitstringStatusListEntry") => {}
                Some(other) => {
                    return Err(bad(format!(
                        "{at}.type: `{other}` is not a status type this issuer keeps (BitstringStatusListEntry)"
                    )))
                }
                None => return Err(bad(format!("{at}.type: is missing"))),
            }
            match o.get("statusPurpose") {
                None => ask.asked = true,
                Some(Value::String(p)) if p == "revocation" || p == "suspension" => {
                    ask.asked = true
                }
                Some(Value::String(p)) if p == "message" => {
                    if ask.message.is_some() {
                        return Err(bad(format!("{at}: one message entry per credential")));
                    }
                    let scheme = credentials::status::MessageScheme::parse(
                        o.get("statusSize"),
                        o.get("statusMessage"),
                        "",
                    )
                    .map_err(|e| bad(format!("{at}: {e}")))?;
                    let reference = o.get("statusReference").cloned();
                    if let Some(r) = &reference {
                        credentials::status::check_reference(r)
                            .map_err(|e| bad(format!("{at}: {e}")))?;
                    }
                    ask.message = Some((scheme, reference));
                }
                Some(p) => {
                    return Err(bad(format!(
                        "{at}.statusPurpose: {p} is not kept by this issuer (revocation, suspension or message)"
                    )))
                }
            }
        }
        Ok(ask)
    }
}

/// `POST /credentials/issue`: 201 with `verifiableCredential`. A credential of one of vcnet's
/// kinds (named in `type`) is built from its subject and checked against the kind's schema;
/// any other VC Data Model 2.0 credential is issued as sent, completed with this issuer's DID,
/// an id and its status entries. `options.format` (`di`, the default; `jwt`; `sd-jwt`; `cose`)
/// picks the securing mechanism, `options.credentialStatus` asks for status entries (which a
/// VC 1.1 credential gets only when asked); other options are ignored.
#[utoipa::path(
    post,
    path = "/credentials/issue",
    tag = "vc-api",
    operation_id = "issue_credential",
    request_body = IssueBody,
    responses(
        (status = 201, description = "The issued credential", body = doc::IssueAnswer),
        (status = 400, response = doc::BadRequest),
        (status = 403, response = doc::Forbidden),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 415, response = doc::UnsupportedMediaType),
        (status = 422, response = doc::Unprocessable),
        (status = 500, response = doc::Internal),
        (status = 503, response = doc::Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
)]
pub async fn issue(
    State(s): State<ApiState>,
    Json(body): Json<IssueBody>,
) -> Result<Response, ApiError> {
    let c = &body.credential;
    let format = match body.options.format.as_deref() {
        None => Format::DataIntegrity,
        Some(f) => Format::parse(f)
            .ok_or_else(|| {
                bad(format!(
                    "options.format: `{f}` is not di, jwt (vc+jwt), sd-jwt (vc+sd-jwt) or cose (vc+cose)"
                ))
            })?,
    };
    let text = match CredentialKind::from_types(credentials::prepare::types_of(c)) {
        Ok(kind) => {
            let mut subject = c
                .get("credentialSubject")
                .cloned()
                .ok_or_else(|| bad("credential.credentialSubject: is missing"))?;
            let holder = subject.get("id").and_then(Value::as_str).map(str::to_owned);
            if let Some(o) = subject.as_object_mut() {
                o.remove("id");
            }
            s.node.issue_direct(kind, subject, holder, format).await?.1
        }
        Err(credentials::kind::KindError::Ambiguous { types }) => {
            return Err(bad(format!(
                "credential.type: names more than one vcnet kind: {types:?}"
            )))
        }
        Err(_) => {
            // VC-API: the credential to issue names its issuer (which must be this node).
            if c.get("issuer").is_none() {
                return Err(bad("credential.issuer: is missing (name this node's DID)"));
            }
            let status = body.options.status_ask()?;
            s.node.issue_any(body.credential, format, status).await?.1
        }
    };
    let vc = match format {
        Format::DataIntegrity => serde_json::from_str(&text).map_err(|e| {
            crate::roles::NodeError::Internal(format!("the issued credential is not JSON: {e}"))
        })?,
        Format::Jwt => {
            json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": "EnvelopedVerifiableCredential", "id": format!("data:application/vc+jwt,{text}")})
        }
        Format::SdJwt => {
            json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": "EnvelopedVerifiableCredential", "id": format!("data:application/vc+sd-jwt,{text}")})
        }
        Format::SdJwtVc => {
            json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": "EnvelopedVerifiableCredential", "id": format!("data:application/dc+sd-jwt,{text}")})
        }
        // No VCDM 2.0 envelope names a VCDM 1.1 JWT: the JWT itself.
        Format::JwtVcJson => Value::String(text),
        // The text is already the `data:application/vc+cose;base64,` URL.
        Format::Cose => {
            json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": "EnvelopedVerifiableCredential", "id": text})
        }
    };
    Ok((
        StatusCode::CREATED,
        Json(json!({ "verifiableCredential": vc })),
    )
        .into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct VerifyCredentialBody {
    /// The credential: a secured JSON-LD document, an `EnvelopedVerifiableCredential`, or a
    /// compact JWT / SD-JWT string.
    #[serde(rename = "verifiableCredential")]
    #[schema(value_type = Object)]
    verifiable_credential: Value,
    #[serde(default)]
    options: VerifyOptionsBody,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct VerifyPresentationBody {
    /// The presentation: a secured JSON-LD document, an envelope, or a compact JWT / SD-JWT
    /// string.
    #[serde(rename = "verifiablePresentation")]
    #[schema(value_type = Object)]
    verifiable_presentation: Value,
    #[serde(default)]
    options: VerifyOptionsBody,
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct VerifyOptionsBody {
    /// The challenge the proof must carry.
    challenge: Option<String>,
    /// The domain the proof must carry.
    domain: Option<String>,
    /// The checks to run (VC-API `options.checks`); the node's whole policy when absent.
    checks: Option<Vec<String>>,
}

impl VerifyOptionsBody {
    /// The checks `options.checks` names (a challenge or domain given is always checked), or
    /// `None` for the whole policy. An unknown name is a 400 naming it.
    fn selected(&self) -> Result<Option<Vec<CheckName>>, ApiError> {
        let Some(names) = &self.checks else {
            return Ok(None);
        };
        let mut out = Vec::new();
        for name in names {
            let checks: &[CheckName] = match name.as_str() {
                "proof" | "signature" => &[CheckName::Signature],
                "status" | "credentialStatus" | "revocation" => &[CheckName::Status],
                "expiration" | "validity" | "validityPeriod" | "validFrom" | "validUntil" => {
                    &[CheckName::ValidityPeriod]
                }
                "schema" | "credentialSchema" => &[CheckName::Schema],
                "issuer" | "trust" | "accreditation" => &[CheckName::IssuerAccredited],
                "holderBinding" | "holder" => &[CheckName::HolderBinding],
                "challenge" => &[CheckName::Challenge],
                "domain" => &[CheckName::Domain],
                other => {
                    return Err(bad(format!(
                        "options.checks: `{other}` is not a check (proof, status, expiration, schema, issuer, holderBinding, challenge, domain)"
                    )))
                }
            };
            out.extend_from_slice(checks);
        }
        if self.challenge.is_some() {
            out.push(CheckName::Challenge);
        }
        if self.domain.is_some() {
            out.push(CheckName::Domain);
        }
        Ok(Some(out))
    }
}

/// The text of a `verifiableCredential` / `verifiablePresentation` member: an object (a
/// secured document or an envelope), or a compact JWT / SD-JWT as a string. A JSON document
/// sent as a string is not a map (Data Integrity §4.4 raises a parsing error for it): 400.
fn as_text(v: &Value, field: &str) -> Result<String, ApiError> {
    match v {
        Value::String(s) if s.trim_start().starts_with('{') => Err(bad(format!(
            "{field}: a JSON document sent as a string; send the object itself"
        ))),
        Value::String(s) => Ok(s.clone()),
        Value::Object(_) => Ok(v.to_string()),
        _ => Err(bad(format!(
            "{field}: neither an object nor a compact JWT string"
        ))),
    }
}

fn verdict(r: credentials::VerificationReport) -> Response {
    let checks: Vec<&str> = r
        .checks
        .iter()
        .filter(|c| matches!(c.outcome, credentials::verify::Outcome::Pass { .. }))
        .map(|c| c.check.as_str())
        .collect();
    let errors = r.problems();
    let body = json!({
        "verified": r.valid,
        "verdict": r.verdict,
        "checks": checks,
        "errors": errors,
        "report": r
    });
    let code = if r.valid {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    (code, Json(body)).into_response()
}

/// `POST /credentials/verify`: 200 when valid, 422 with the report when not. Without
/// `options.checks` the node's whole policy applies (schema, signature, validity, the issuer's
/// accreditation, status); with it, only the checks named count.
#[utoipa::path(
    post,
    path = "/credentials/verify",
    tag = "vc-api",
    operation_id = "verify_credential",
    request_body = VerifyCredentialBody,
    responses(
        (status = 200, description = "It verifies", body = doc::VerifyAnswer),
        (status = 422, description = "It does not verify (the report says why), or the body's fields are not of the types asked for", body = doc::VerifyRefused),
        (status = 400, response = doc::BadRequest),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 415, response = doc::UnsupportedMediaType),
        (status = 500, response = doc::Internal),
        (status = 503, response = doc::Unavailable),
    ),
)]
pub async fn verify_credential(
    State(s): State<ApiState>,
    Json(body): Json<VerifyCredentialBody>,
) -> Result<Response, ApiError> {
    let selected = body.options.selected()?;
    let mut r = s
        .node
        .verify_text(
            as_text(&body.verifiable_credential, "verifiableCredential")?,
            None,
            None,
        )
        .await?;
    if let Some(selected) = selected {
        r = r.only(&selected);
    }
    if r.presentation {
        return Err(bad(
            "verifiableCredential is a presentation; use /presentations/verify",
        ));
    }
    s.node.metrics.verification(&r);
    Ok(verdict(r))
}

/// `POST /presentations/verify`: with the verifier's expected challenge and domain.
#[utoipa::path(
    post,
    path = "/presentations/verify",
    tag = "vc-api",
    operation_id = "verify_presentation",
    request_body = VerifyPresentationBody,
    responses(
        (status = 200, description = "It verifies", body = doc::VerifyAnswer),
        (status = 422, description = "It does not verify (the report says why), or the body's fields are not of the types asked for", body = doc::VerifyRefused),
        (status = 400, response = doc::BadRequest),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 415, response = doc::UnsupportedMediaType),
        (status = 500, response = doc::Internal),
        (status = 503, response = doc::Unavailable),
    ),
)]
pub async fn verify_presentation(
    State(s): State<ApiState>,
    Json(body): Json<VerifyPresentationBody>,
) -> Result<Response, ApiError> {
    let selected = body.options.selected()?;
    let mut r = s
        .node
        .verify_presentation_text(
            as_text(&body.verifiable_presentation, "verifiablePresentation")?,
            body.options.challenge,
            body.options.domain,
        )
        .await?;
    if let Some(selected) = selected {
        r = r.only(&selected);
    }
    s.node.metrics.verification(&r);
    Ok(verdict(r))
}

/// `GET /status/…`: this issuer's status list as a W3C `BitstringStatusListCredential`
/// (Data Integrity), so verifiers outside vcnet can check status at the entry's URL; at
/// `/status/…/tsl/{shard}`, the shard's IETF Token Status List (`application/statuslist+jwt`,
/// two bits per entry, derived from its revocation and suspension lists).
#[utoipa::path(
    get,
    path = "/status/{list}",
    tag = "status",
    operation_id = "status_list_credential",
    params(("list" = String, Path, description = "The rest of the list's URL after `/status/` (may contain `/`)")),
    responses(
        (status = 200, description = "The list as a W3C `BitstringStatusListCredential` secured with Data Integrity; for a `tsl/{shard}` path, the shard's Status List Token (`application/statuslist+jwt`)", body = Object),
        (status = 404, response = doc::NotFound),
        (status = 500, response = doc::Internal),
        (status = 503, response = doc::Unavailable),
    ),
)]
pub async fn status_list(
    State(s): State<ApiState>,
    Path(list): Path<String>,
) -> Result<Response, ApiError> {
    let url = format!(
        "{}/{}",
        s.node
            .status_base
            .trim_end_matches('/')
            .rsplit_once("/status")
            .map(|(b, _)| b)
            .unwrap_or(""),
        format_args!("status/{list}")
    );
    if let Some(shard) = s.node.token_status_list_shard(&url) {
        use axum::http::header;
        let token = s.node.token_status_list(shard).await?;
        return Ok((
            [
                (
                    header::CONTENT_TYPE,
                    credentials::status::token_list::STATUS_LIST_TOKEN_MEDIA_TYPE.to_owned(),
                ),
                (
                    header::CACHE_CONTROL,
                    format!("max-age={}", crate::roles::TOKEN_TTL_SECONDS),
                ),
                // Wallets in browsers fetch it from other origins (the draft's §8.1).
                (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*".to_owned()),
            ],
            token,
        )
            .into_response());
    }
    let vc = s.node.status_list_credential(&url).await?;
    Ok(Json(vc).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ProveBody {
    /// The unsecured W3C presentation (JSON-LD) to prove.
    #[schema(value_type = Object)]
    presentation: Value,
    #[serde(default)]
    options: VerifyOptionsBody,
}

/// `POST /presentations/prove` (holder, token): the presentation secured by this holder,
/// 201 `{verifiablePresentation}`.
#[utoipa::path(
    post,
    path = "/presentations/prove",
    tag = "vc-api",
    operation_id = "prove_presentation",
    request_body = ProveBody,
    responses(
        (status = 201, description = "The presentation secured by this holder", body = doc::ProveAnswer),
        (status = 400, response = doc::BadRequest),
        (status = 403, response = doc::Forbidden),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 415, response = doc::UnsupportedMediaType),
        (status = 422, response = doc::Unprocessable),
        (status = 500, response = doc::Internal),
        (status = 503, response = doc::Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
)]
pub async fn prove_presentation(
    State(s): State<ApiState>,
    Json(body): Json<ProveBody>,
) -> Result<Response, ApiError> {
    let vp = s
        .node
        .prove_presentation(
            body.presentation,
            body.options.challenge,
            body.options.domain,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "verifiablePresentation": vp })),
    )
        .into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatusBody {
    /// The issued credential's id.
    credential_id: String,
    /// `revocation` (the default), `suspension` or `message`.
    #[serde(default)]
    status_purpose: Option<String>,
    /// Exactly one change.
    #[serde(default)]
    credential_status: Vec<StatusChange>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatusChange {
    /// `revocation`, `suspension` or `message` (overrides the body's).
    #[serde(default)]
    status_purpose: Option<String>,
    /// `"1"`/`true`/`1` sets the bit, `"0"`/`false`/`0` clears it; a message entry's value is
    /// `0x` and hexadecimal.
    status: Value,
}

/// `POST /credentials/status` (issuer, token): sets (`status` `"1"`/`true`) or clears (`"0"`/
/// `false`) the bit of an issued credential on its `statusPurpose` list (`revocation`, the
/// default, or `suspension`). 200 with the list and its new version; 404 for a credential this
/// node did not issue, 409 when it already has that status or a revocation would be undone.
#[utoipa::path(
    post,
    path = "/credentials/status",
    tag = "vc-api",
    operation_id = "update_credential_status",
    request_body = StatusBody,
    responses(
        (status = 200, description = "The bit changed: the list and its new version", body = doc::StatusUpdateAnswer),
        (status = 400, response = doc::BadRequest),
        (status = 403, response = doc::Forbidden),
        (status = 404, response = doc::NotFound),
        (status = 409, response = doc::Conflict),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 415, response = doc::UnsupportedMediaType),
        (status = 422, response = doc::Unprocessable),
        (status = 500, response = doc::Internal),
        (status = 503, response = doc::Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
)]
pub async fn update_status(
    State(s): State<ApiState>,
    Json(body): Json<StatusBody>,
) -> Result<Json<Value>, ApiError> {
    let [change] = body.credential_status.as_slice() else {
        return Err(bad(
            "credentialStatus: give exactly one change ({\"status\": \"1\"} sets the bit, \"0\" clears it)",
        ));
    };
    let purpose_name = change
        .status_purpose
        .as_deref()
        .or(body.status_purpose.as_deref())
        .unwrap_or("revocation");
    let purpose = credentials::status::StatusPurpose::parse(purpose_name).ok_or_else(|| {
        bad(format!(
            "statusPurpose: `{purpose_name}` is not revocation, suspension or message"
        ))
    })?;
    if purpose == credentials::status::StatusPurpose::Message {
        // A message entry takes a value: `0x…` (or a plain number).
        let value = match &change.status {
            Value::String(v) => credentials::status::parse_hex(v),
            Value::Number(n) => n.as_u64(),
            _ => None,
        }
        .ok_or_else(|| {
            bad(format!(
                "credentialStatus[0].status: `{}` is not a status value (`0x` and hexadecimal)",
                change.status
            ))
        })?;
        let (list, version) = s
            .node
            .change_message(&body.credential_id, value, "")
            .await?;
        return Ok(Json(json!({
            "credentialId": body.credential_id,
            "statusPurpose": "message",
            "status": format!("{value:#x}"),
            "statusListCredential": list,
            "version": version,
        })));
    }
    let set = match &change.status {
        Value::Bool(b) => *b,
        Value::String(v) if v == "1" => true,
        Value::String(v) if v == "0" => false,
        Value::Number(n) if n.as_u64() == Some(1) => true,
        Value::Number(n) if n.as_u64() == Some(0) => false,
        other => {
            return Err(bad(format!(
                "credentialStatus[0].status: `{other}` is not \"1\" (set) or \"0\" (clear)"
            )))
        }
    };
    let (list, version) = s
        .node
        .change_status(&body.credential_id, purpose, set)
        .await?;
    Ok(Json(json!({
        "credentialId": body.credential_id,
        "statusPurpose": purpose.as_str(),
        "status": if set { "1" } else { "0" },
        "statusListCredential": list,
        "version": version,
    })))
}
