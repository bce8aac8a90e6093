//! Admin paths (token required): what `vcnode` subcommands call on a running node.

use axum::extract::{Query, State};
use axum::Json;
use credentials::status::StatusPurpose;
use credentials::{CredentialKind, Format};
use serde::Deserialize;
use serde_json::{json, Value};

use super::openapi::schemas as doc;
use super::{bad, ApiError, ApiState};
use crate::roles::status::GossipMessage;
use crate::roles::views::{RecordSummary, WalletItem};
use crate::roles::NodeError;

/// A JSON answer of any serialisable value.
pub(super) fn to_json<T: serde::Serialize>(v: &T) -> Result<Json<Value>, ApiError> {
    serde_json::to_value(v)
        .map(Json)
        .map_err(|e| NodeError::Internal(format!("encoding the answer: {e}")).into())
}

#[derive(Deserialize)]
pub struct KindQuery {
    kind: String,
    /// A resumed import: records already imported get new codes, claimed ones are skipped.
    #[serde(default)]
    resume: bool,
    /// Also a transaction code of this many digits (4 to 8) per record, for OpenID4VCI.
    #[serde(default, rename = "txCode")]
    tx_code: Option<u8>,
}

/// `POST /admin/records/import?kind=identity` with a JSON Lines or CSV body.
#[utoipa::path(
    post,
    path = "/admin/records/import",
    tag = "admin",
    operation_id = "import_records",
    params(
        ("kind" = String, Query, description = "The kind of the records: `identity`, `health` or `study`"),
        ("resume" = Option<bool>, Query, description = "A resumed import: a record already imported and unclaimed gets a new code in place of its old one; one already claimed is skipped and listed in `alreadyClaimed`"),
        ("txCode" = Option<u8>, Query, description = "Also a random transaction code of this many digits (4 to 8) per record, listed in `txCodes` and sent to the citizen apart from the letter: the OpenID4VCI token request must carry it, and the code can no longer be claimed without it"),
    ),
    request_body(content = String, content_type = "text/plain", description = "The records: JSON Lines, or CSV with a header row"),
    responses(
        (status = 200, description = "One claim code per record (shown once)", body = crate::roles::ImportReport),
        (status = 400, response = doc::BadRequest),
        (status = 403, response = doc::Forbidden),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 422, response = doc::Unprocessable),
        (status = 500, response = doc::Internal),
        (status = 503, response = doc::Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
)]
pub async fn import_records(
    State(s): State<ApiState>,
    Query(q): Query<KindQuery>,
    body: String,
) -> Result<Json<Value>, ApiError> {
    let kind = CredentialKind::parse(&q.kind).map_err(|e| bad(format!("kind: {e}")))?;
    let node = s.node.clone();
    let (resume, tx) = (q.resume, q.tx_code);
    let report =
        tokio::task::spawn_blocking(move || node.import_records_with(kind, &body, resume, tx))
            .await
            .map_err(NodeError::task)??;
    to_json(&report)
}

#[derive(Deserialize)]
pub struct BulkQuery {
    kind: String,
    format: String,
}

/// `POST /admin/records/issue?kind=identity&format=sd-jwt`: bulk issuance, no claim codes.
#[utoipa::path(
    post,
    path = "/admin/records/issue",
    tag = "admin",
    operation_id = "issue_records",
    params(
        ("kind" = String, Query, description = "The kind of the records: `identity`, `health` or `study`"),
        ("format" = String, Query, description = "`di`, `jwt`, `sd-jwt`, `cose`, `dc+sd-jwt` or `jwt_vc_json` (`+` percent-encoded in a query; the SD-JWT formats need each record's holder DID in `id`)"),
    ),
    request_body(content = String, content_type = "text/plain", description = "At most 50,000 records: JSON Lines, or CSV with a header row. Records already issued here in the same format are signed again with the same id and status index (a resumed import)"),
    responses(
        (status = 200, description = "JSON Lines, one `{record, credentialId, credential}` per record in the request's order", content_type = "application/jsonl", body = String),
        (status = 400, response = doc::BadRequest),
        (status = 403, response = doc::Forbidden),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 422, response = doc::Unprocessable),
        (status = 500, response = doc::Internal),
        (status = 503, response = doc::Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
)]
pub async fn issue_records(
    State(s): State<ApiState>,
    Query(q): Query<BulkQuery>,
    body: String,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let kind = CredentialKind::parse(&q.kind).map_err(|e| bad(format!("kind: {e}")))?;
    let format = Format::parse(&q.format).ok_or_else(|| {
        bad(format!(
            "format: `{}` is not di, jwt, sd-jwt, cose, dc+sd-jwt or jwt_vc_json",
            q.format
        ))
    })?;
    let answer = s
        .node
        .issue_records(kind, format, body)
        .await
        .map_err(NodeError::from)?;
    // The pieces go out as they are, with their total length (a client reads it in one go).
    let length: usize = answer.pieces.iter().map(Vec::len).sum();
    let pieces = answer
        .pieces
        .into_iter()
        .map(|p| Ok::<_, std::convert::Infallible>(axum::body::Bytes::from(p)));
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/jsonl".to_owned(),
            ),
            (axum::http::header::CONTENT_LENGTH, length.to_string()),
        ],
        axum::body::Body::from_stream(futures::stream::iter(pieces)),
    )
        .into_response())
}

/// `GET /admin/records`: imported records and whether each was claimed (no claims data).
#[utoipa::path(
    get,
    path = "/admin/records",
    tag = "admin",
    operation_id = "list_records",
    responses(
        (status = 200, description = "Imported records and whether each was claimed (no claims data)", body = Vec<crate::roles::views::RecordSummary>),
        (status = 500, response = doc::Internal),
        (status = 503, response = doc::Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
)]
pub async fn records(State(s): State<ApiState>) -> Result<Json<Vec<RecordSummary>>, ApiError> {
    Ok(Json(s.node.record_summaries()?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ClaimBody {
    /// The issuer's peer id.
    issuer: String,
    /// The claim code the issuer handed out.
    code: String,
    /// The format wanted: `di`, `jwt`, `sd-jwt` (the issuer's default when absent).
    #[schema(value_type = Option<String>)]
    format: Option<Format>,
}

/// `POST /admin/claim {issuer, code}`: claim a credential into this node's wallet.
#[utoipa::path(
    post,
    path = "/admin/claim",
    tag = "admin",
    operation_id = "claim",
    request_body = ClaimBody,
    responses(
        (status = 200, description = "The claimed credential, now in the wallet", body = crate::roles::views::WalletItem),
        (status = 400, response = doc::BadRequest),
        (status = 403, response = doc::Forbidden),
        (status = 404, response = doc::NotFound),
        (status = 409, response = doc::Conflict),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 415, response = doc::UnsupportedMediaType),
        (status = 422, response = doc::Unprocessable),
        (status = 500, response = doc::Internal),
        (status = 502, response = doc::PeerFailed),
        (status = 503, response = doc::Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
)]
pub async fn claim(
    State(s): State<ApiState>,
    Json(b): Json<ClaimBody>,
) -> Result<Json<WalletItem>, ApiError> {
    let peer = b
        .issuer
        .parse()
        .map_err(|e| bad(format!("issuer: not a peer id: {e}")))?;
    let entry = s.node.claim_from(peer, &b.code, b.format).await?;
    Ok(Json(WalletItem::from(entry)))
}

/// `GET /admin/wallet`: the wallet, without the credentials' contents.
#[utoipa::path(
    get,
    path = "/admin/wallet",
    tag = "admin",
    operation_id = "list_wallet",
    responses(
        (status = 200, description = "The wallet, without the credentials' contents", body = Vec<crate::roles::views::WalletItem>),
        (status = 500, response = doc::Internal),
        (status = 503, response = doc::Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
)]
pub async fn wallet(State(s): State<ApiState>) -> Result<Json<Vec<WalletItem>>, ApiError> {
    Ok(Json(s.node.wallet_items()?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PresentBody {
    /// The holder's peer id.
    peer: String,
    /// Kinds asked for (`identity`, `health`, `study`).
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    kinds: Vec<CredentialKind>,
    /// Claims asked for.
    #[serde(default)]
    claims: Vec<String>,
}

/// `POST /admin/request-presentation {peer, kinds, claims}`: ask a holder and verify.
#[utoipa::path(
    post,
    path = "/admin/request-presentation",
    tag = "admin",
    operation_id = "request_presentation",
    request_body = PresentBody,
    responses(
        (status = 200, description = "The holder's presentation, verified: the verification report", body = Object),
        (status = 400, response = doc::BadRequest),
        (status = 403, response = doc::Forbidden),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 415, response = doc::UnsupportedMediaType),
        (status = 422, response = doc::Unprocessable),
        (status = 500, response = doc::Internal),
        (status = 502, response = doc::PeerFailed),
        (status = 503, response = doc::Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
)]
pub async fn request_presentation(
    State(s): State<ApiState>,
    Json(b): Json<PresentBody>,
) -> Result<Json<Value>, ApiError> {
    let peer = b
        .peer
        .parse()
        .map_err(|e| bad(format!("peer: not a peer id: {e}")))?;
    let report = s.node.request_presentation(peer, b.kinds, b.claims).await?;
    to_json(&report)
}

/// `GET /admin/peers`.
#[utoipa::path(
    get,
    path = "/admin/peers",
    tag = "admin",
    operation_id = "list_peers",
    responses(
        (status = 200, description = "Known peers: id, addresses, name, roles, whether connected", body = Vec<Object>),
        (status = 500, response = doc::Internal),
        (status = 503, response = doc::Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
)]
pub async fn peers(State(s): State<ApiState>) -> Result<Json<Value>, ApiError> {
    to_json(&s.node.net.peers().await?)
}

/// `GET /admin/status`: who this node is and what it holds.
#[utoipa::path(
    get,
    path = "/admin/status",
    tag = "admin",
    operation_id = "node_status",
    responses(
        (status = 200, description = "Who this node is and what it holds", body = doc::NodeStatus),
        (status = 500, response = doc::Internal),
        (status = 503, response = doc::Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
)]
pub async fn status(State(s): State<ApiState>) -> Result<Json<Value>, ApiError> {
    let n = &s.node;
    let listeners: Vec<String> = n
        .net
        .listeners()
        .await
        .map(|l| l.iter().map(|a| a.to_string()).collect())
        .unwrap_or_default();
    let peers = n.net.peers().await.unwrap_or_default();
    let held = n.holdings()?;
    let stats = n.net.stats().await.unwrap_or_default();
    Ok(Json(json!({
        "name": n.cfg.name,
        "did": n.identity.did(),
        "peerId": n.net.local_peer_id().to_string(),
        "roles": n.cfg.roles,
        "listen": listeners,
        "peersConnected": peers.iter().filter(|p| p.connected).count(),
        "statusLists": held.status_lists.iter().map(|l| json!({"id": l.id, "purpose": l.purpose, "issuer": l.issuer, "version": l.version})).collect::<Vec<_>>(),
        "trusted": held.trusted,
        "wallet": held.wallet,
        "issued": held.issued,
        "issuedExact": held.issued_exact,
        "statusGossipBytes": stats.status_gossip_bytes,
        "statusSyncBytes": n.metrics.sync_received_total(),
        "droppedInbound": stats.dropped_inbound,
        "gossip": {
            "accepted": stats.gossip_accepted,
            "rejected": stats.gossip_rejected,
            "ignored": stats.gossip_ignored,
        },
    })))
}

#[derive(Deserialize)]
pub struct ListQuery {
    id: String,
}

/// `GET /admin/status-list?id=URL`: the version of one held list and when it was stored (a
/// light probe for `vcnode bench propagation`).
#[utoipa::path(
    get,
    path = "/admin/status-list",
    tag = "admin",
    operation_id = "held_status_list",
    params(("id" = String, Query, description = "The status list's URL")),
    responses(
        (status = 200, description = "The held list's version", body = doc::ListVersion),
        (status = 400, response = doc::BadRequest),
        (status = 404, response = doc::NotFound),
        (status = 500, response = doc::Internal),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
)]
pub async fn status_list(
    State(s): State<ApiState>,
    Query(q): Query<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let l = s
        .node
        .held_list(&q.id)?
        .ok_or_else(|| NodeError::NotFound(format!("status list {} is not held", q.id)))?;
    Ok(Json(
        json!({"id": l.id, "version": l.version, "storedAtMs": l.stored_at_ms}),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RevokeBody {
    /// The issued credential's id.
    credential_id: String,
    /// `revoke` (the default), `suspend` or `reinstate`.
    #[serde(default = "revoke_default")]
    action: String,
    /// Why (kept in the credential's status history).
    #[serde(default)]
    reason: String,
}

fn revoke_default() -> String {
    "revoke".into()
}

/// `POST /admin/revoke {credential_id, action: revoke|suspend|reinstate, reason?}`.
#[utoipa::path(
    post,
    path = "/admin/revoke",
    tag = "admin",
    operation_id = "revoke",
    request_body = RevokeBody,
    responses(
        (status = 200, description = "The list changed and its new version", body = doc::RevokeAnswer),
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
pub async fn revoke(
    State(s): State<ApiState>,
    Json(b): Json<RevokeBody>,
) -> Result<Json<Value>, ApiError> {
    let (purpose, set) = match b.action.as_str() {
        "revoke" => (StatusPurpose::Revocation, true),
        "suspend" => (StatusPurpose::Suspension, true),
        "reinstate" => (StatusPurpose::Suspension, false),
        other => {
            return Err(bad(format!(
                "action: `{other}` is not revoke, suspend or reinstate"
            )))
        }
    };
    let (list, version) = s
        .node
        .change_status_because(&b.credential_id, purpose, set, &b.reason)
        .await?;
    Ok(Json(json!({"list": list, "version": version})))
}

/// `GET /admin/consents`: presentation requests waiting for this holder's decision.
#[utoipa::path(
    get,
    path = "/admin/consents",
    tag = "admin",
    operation_id = "list_consents",
    responses(
        (status = 200, description = "Presentation requests waiting for this holder's decision", body = Vec<Object>),
        (status = 500, response = doc::Internal),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
)]
pub async fn consents(State(s): State<ApiState>) -> Result<Json<Value>, ApiError> {
    to_json(&s.node.pending_consents())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct DecideBody {
    /// The pending request's id.
    request_id: String,
    /// Whether to present.
    approve: bool,
}

/// `POST /admin/consents/decide {request_id, approve}`.
#[utoipa::path(
    post,
    path = "/admin/consents/decide",
    tag = "admin",
    operation_id = "decide_consent",
    request_body = DecideBody,
    responses(
        (status = 200, description = "The request decided", body = doc::DecideAnswer),
        (status = 400, response = doc::BadRequest),
        (status = 404, response = doc::NotFound),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 415, response = doc::UnsupportedMediaType),
        (status = 422, response = doc::Unprocessable),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
)]
pub async fn decide(
    State(s): State<ApiState>,
    Json(b): Json<DecideBody>,
) -> Result<Json<Value>, ApiError> {
    if s.node.decide_consent(&b.request_id, b.approve) {
        Ok(Json(json!({"decided": b.request_id})))
    } else {
        Err(NodeError::NotFound(format!("no pending request {}", b.request_id)).into())
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct TrustBody {
    /// A root-signed accreditation or withdrawal (compact JWS).
    jws: String,
}

/// `POST /admin/trust {jws}`: store and spread a root-signed accreditation or withdrawal.
#[utoipa::path(
    post,
    path = "/admin/trust",
    tag = "admin",
    operation_id = "submit_trust",
    request_body = TrustBody,
    responses(
        (status = 200, description = "Stored and spread", body = doc::TrustAnswer),
        (status = 400, response = doc::BadRequest),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 415, response = doc::UnsupportedMediaType),
        (status = 422, response = doc::Unprocessable),
        (status = 500, response = doc::Internal),
        (status = 503, response = doc::Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
)]
pub async fn trust(
    State(s): State<ApiState>,
    Json(b): Json<TrustBody>,
) -> Result<Json<Value>, ApiError> {
    let typ = credentials::jose::CompactJws::parse(b.jws.trim())
        .map_err(|e| bad(format!("jws: {e}")))?
        .header
        .typ
        .unwrap_or_default();
    let msg = if typ == credentials::trust::WITHDRAWAL_TYP {
        GossipMessage::Withdrawal(b.jws.trim().into())
    } else {
        GossipMessage::Accreditation(b.jws.trim().into())
    };
    s.node.submit_trust(msg).await?;
    Ok(Json(json!({"accepted": true})))
}

/// `GET /admin/verifications`: the verifier log.
#[utoipa::path(
    get,
    path = "/admin/verifications",
    tag = "admin",
    operation_id = "list_verifications",
    responses(
        (status = 200, description = "The verifier log, oldest first (verdicts and digests, never claims)", body = Vec<Object>),
        (status = 500, response = doc::Internal),
        (status = 503, response = doc::Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
)]
pub async fn verifications(State(s): State<ApiState>) -> Result<Json<Value>, ApiError> {
    to_json(&s.node.verifications()?)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct DialBody {
    /// A libp2p multiaddr.
    addr: String,
}

/// `POST /admin/dial {addr}`.
#[utoipa::path(
    post,
    path = "/admin/dial",
    tag = "admin",
    operation_id = "dial",
    request_body = DialBody,
    responses(
        (status = 200, description = "Dialling", body = doc::DialAnswer),
        (status = 400, response = doc::BadRequest),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 415, response = doc::UnsupportedMediaType),
        (status = 422, response = doc::Unprocessable),
        (status = 500, response = doc::Internal),
        (status = 503, response = doc::Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
)]
pub async fn dial(
    State(s): State<ApiState>,
    Json(b): Json<DialBody>,
) -> Result<Json<Value>, ApiError> {
    let addr = b.addr.parse().map_err(|e| bad(format!("addr: {e}")))?;
    s.node.net.dial(addr).await?;
    Ok(Json(json!({"dialing": b.addr})))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct AccreditBody {
    /// The issuer's DID.
    issuer: String,
    /// Its name (needed unless withdrawing).
    #[serde(default)]
    name: String,
    /// The kinds it is accredited for (needed unless withdrawing).
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    kinds: Vec<CredentialKind>,
    /// End of the accreditation (RFC 3339).
    valid_until: Option<String>,
    /// Withdraw the accreditation instead.
    #[serde(default)]
    withdraw: bool,
}

/// `POST /admin/accredit`: the root authority signs and spreads an accreditation (or a
/// withdrawal). Only a node whose own DID is its pinned root may do this.
#[utoipa::path(
    post,
    path = "/admin/accredit",
    tag = "admin",
    operation_id = "accredit",
    request_body = AccreditBody,
    responses(
        (status = 200, description = "Signed and spread", body = doc::AccreditAnswer),
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
pub async fn accredit(
    State(s): State<ApiState>,
    Json(b): Json<AccreditBody>,
) -> Result<Json<Value>, ApiError> {
    let n = &s.node;
    if !n.is_root() {
        return Err(NodeError::Forbidden(
            "this node is not the root authority (its DID is not the pinned root_did)".into(),
        )
        .into());
    }
    credentials::did::resolve_key(&b.issuer).map_err(|e| bad(format!("issuer: {e}")))?;
    let now = chrono::Utc::now();
    let version = now.timestamp_millis() as u64;
    let msg = if b.withdraw {
        let w = credentials::trust::Withdrawal {
            issuer: b.issuer.clone(),
            withdrawn: credentials::time::format(now),
            version,
        };
        GossipMessage::Withdrawal(w.sign(&n.identity))
    } else {
        let kinds = b.kinds.clone();
        if kinds.is_empty() || b.name.is_empty() {
            return Err(bad("an accreditation needs a name and at least one kind"));
        }
        if let Some(u) = &b.valid_until {
            credentials::time::parse(u).map_err(|e| bad(format!("valid_until: {e}")))?;
        }
        let a = credentials::trust::Accreditation {
            issuer: b.issuer.clone(),
            name: b.name.clone(),
            kinds,
            valid_from: credentials::time::format(now),
            valid_until: b.valid_until.clone(),
            version,
        };
        GossipMessage::Accreditation(a.sign(&n.identity))
    };
    n.submit_trust(msg).await?;
    Ok(Json(json!({"issuer": b.issuer, "withdrawn": b.withdraw})))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferBody {
    /// An unclaimed claim code.
    code: String,
}

/// `POST /admin/oid4vci/offer {code}`: the OpenID4VCI credential offer of a claim code, as an
/// `openid-credential-offer://` link and an SVG QR code of it, for a phone wallet.
#[utoipa::path(
    post,
    path = "/admin/oid4vci/offer",
    tag = "admin",
    operation_id = "credential_offer",
    request_body = OfferBody,
    responses(
        (status = 200, description = "`{offer, svg}`: the offer link and its QR code"),
        (status = 400, response = doc::BadRequest),
        (status = 403, response = doc::Forbidden),
        (status = 404, response = doc::NotFound),
        (status = 500, response = doc::Internal),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
)]
pub async fn credential_offer(
    State(s): State<ApiState>,
    Json(b): Json<OfferBody>,
) -> Result<Json<Value>, ApiError> {
    if b.code.len() > 64 {
        return Err(bad("code: longer than any claim code"));
    }
    let node = s.node.clone();
    let offer = tokio::task::spawn_blocking(move || {
        let offer = node.credential_offer(&b.code)?.ok_or_else(|| {
            NodeError::NotFound("code: no unclaimed record has this claim code".into())
        })?;
        let svg = crate::qr::Qr::new(&offer)
            .map_err(|e| NodeError::Internal(format!("the offer's QR code: {e}")))?
            .svg();
        Ok::<_, ApiError>(json!({"offer": offer, "svg": svg}))
    })
    .await
    .map_err(NodeError::task)??;
    Ok(Json(offer))
}
