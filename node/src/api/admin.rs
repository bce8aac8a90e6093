//! Admin paths (token required): what `vcnode` subcommands call on a running node.

use axum::extract::{Query, State};
use axum::Json;
use credentials::status::StatusPurpose;
use credentials::{CredentialKind, Format};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{bad, ApiError, ApiState};
use crate::roles::status::GossipMessage;
use crate::roles::views::{RecordSummary, WalletItem};
use crate::roles::NodeError;

/// A JSON answer of any serialisable value.
fn to_json<T: serde::Serialize>(v: &T) -> Result<Json<Value>, ApiError> {
    serde_json::to_value(v)
        .map(Json)
        .map_err(|e| NodeError::Internal(format!("encoding the answer: {e}")).into())
}

#[derive(Deserialize)]
pub struct KindQuery {
    kind: String,
}

/// `POST /admin/records/import?kind=identity` with a JSON Lines or CSV body.
pub async fn import_records(
    State(s): State<ApiState>,
    Query(q): Query<KindQuery>,
    body: String,
) -> Result<Json<Value>, ApiError> {
    let kind = CredentialKind::parse(&q.kind).map_err(|e| bad(format!("kind: {e}")))?;
    let node = s.node.clone();
    let report = tokio::task::spawn_blocking(move || node.import_records(kind, &body))
        .await
        .map_err(NodeError::task)??;
    to_json(&report)
}

/// `GET /admin/records`: imported records and whether each was claimed (no claims data).
pub async fn records(State(s): State<ApiState>) -> Result<Json<Vec<RecordSummary>>, ApiError> {
    Ok(Json(s.node.record_summaries()?))
}

#[derive(Deserialize)]
pub struct ClaimBody {
    issuer: String,
    code: String,
    format: Option<Format>,
}

/// `POST /admin/claim {issuer, code}`: claim a credential into this node's wallet.
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
pub async fn wallet(State(s): State<ApiState>) -> Result<Json<Vec<WalletItem>>, ApiError> {
    Ok(Json(s.node.wallet_items()?))
}

#[derive(Deserialize)]
pub struct PresentBody {
    peer: String,
    #[serde(default)]
    kinds: Vec<CredentialKind>,
    #[serde(default)]
    claims: Vec<String>,
}

/// `POST /admin/request-presentation {peer, kinds, claims}`: ask a holder and verify.
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
pub async fn peers(State(s): State<ApiState>) -> Result<Json<Value>, ApiError> {
    to_json(&s.node.net.peers().await?)
}

/// `GET /admin/status`: who this node is and what it holds.
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
        "statusGossipBytes": stats.status_gossip_bytes,
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

#[derive(Deserialize)]
pub struct RevokeBody {
    credential_id: String,
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
pub async fn consents(State(s): State<ApiState>) -> Result<Json<Value>, ApiError> {
    to_json(&s.node.pending_consents())
}

#[derive(Deserialize)]
pub struct DecideBody {
    request_id: String,
    approve: bool,
}

/// `POST /admin/consents/decide {request_id, approve}`.
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

#[derive(Deserialize)]
pub struct TrustBody {
    jws: String,
}

/// `POST /admin/trust {jws}`: store and spread a root-signed accreditation or withdrawal.
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
pub async fn verifications(State(s): State<ApiState>) -> Result<Json<Value>, ApiError> {
    to_json(&s.node.verifications()?)
}

#[derive(Deserialize)]
pub struct DialBody {
    addr: String,
}

/// `POST /admin/dial {addr}`.
pub async fn dial(
    State(s): State<ApiState>,
    Json(b): Json<DialBody>,
) -> Result<Json<Value>, ApiError> {
    let addr = b.addr.parse().map_err(|e| bad(format!("addr: {e}")))?;
    s.node.net.dial(addr).await?;
    Ok(Json(json!({"dialing": b.addr})))
}

#[derive(Deserialize)]
pub struct AccreditBody {
    issuer: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kinds: Vec<CredentialKind>,
    valid_until: Option<String>,
    #[serde(default)]
    withdraw: bool,
}

/// `POST /admin/accredit`: the root authority signs and spreads an accreditation (or a
/// withdrawal). Only a node whose own DID is its pinned root may do this.
pub async fn accredit(
    State(s): State<ApiState>,
    Json(b): Json<AccreditBody>,
) -> Result<Json<Value>, ApiError> {
    let n = &s.node;
    if n.cfg.root_did.as_deref() != Some(n.identity.did()) {
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

/// `GET /admin/wallet/{id}`: one credential with its claims and a fresh check.
pub async fn wallet_show(
    State(s): State<ApiState>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (e, report) = s.node.wallet_show(&id).await?;
    let mut shown = to_json(&WalletItem::from(e))?.0;
    shown["claims"] = json!(report.claims);
    shown["valid"] = json!(report.valid);
    shown["report"] = to_json(&report)?.0;
    Ok(Json(shown))
}

#[derive(Deserialize)]
pub struct StapleBody {
    id: String,
}

/// `POST /admin/wallet/staple {id}`: fetch and keep a status staple from the issuer.
pub async fn wallet_staple(
    State(s): State<ApiState>,
    Json(b): Json<StapleBody>,
) -> Result<Json<Value>, ApiError> {
    let staple = s.node.fetch_staple(&b.id).await?;
    let as_of = credentials::jose::CompactJws::parse(&staple)
        .ok()
        .and_then(|p| p.payload_json::<credentials::status::Staple>().ok())
        .and_then(|st| st.at())
        .map(credentials::time::format);
    Ok(Json(json!({"id": b.id, "staple": staple, "asOf": as_of})))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportBody {
    passphrase: String,
    export_passphrase: Option<String>,
    /// Also export the node's key, so the holder can be restored on a new device.
    #[serde(default)]
    with_key: bool,
}

/// `POST /admin/wallet/export {passphrase, exportPassphrase?, withKey?}`: the wallet as an
/// encrypted file (with the node's key when `withKey`).
pub async fn wallet_export(
    State(s): State<ApiState>,
    Json(b): Json<ExportBody>,
) -> Result<Json<Value>, ApiError> {
    let export = b.export_passphrase.unwrap_or_else(|| b.passphrase.clone());
    let (env, count) = s
        .node
        .wallet_export(b.passphrase, export, b.with_key)
        .await?;
    Ok(Json(json!({"count": count, "file": env})))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportBody {
    passphrase: String,
    file: crate::store::Envelope,
}

/// `POST /admin/wallet/import {passphrase, file}`: restore an export, all or nothing.
pub async fn wallet_import(
    State(s): State<ApiState>,
    Json(b): Json<ImportBody>,
) -> Result<Json<Value>, ApiError> {
    let n = s.node.wallet_import(b.file, b.passphrase).await?;
    Ok(Json(json!({"imported": n})))
}

#[derive(Deserialize)]
pub struct DeleteBody {
    id: String,
    passphrase: String,
}

/// `POST /admin/wallet/delete {id, passphrase}`.
pub async fn wallet_delete(
    State(s): State<ApiState>,
    Json(b): Json<DeleteBody>,
) -> Result<Json<Value>, ApiError> {
    s.node.wallet_delete(b.id.clone(), b.passphrase).await?;
    Ok(Json(json!({"deleted": b.id})))
}

/// `POST /admin/wallet/qr {kinds, claims, verifier?, validFor, request?, credentialId?}`: a
/// presentation for a QR code, in standard and compact form, and the code as SVG.
pub async fn wallet_qr(
    State(s): State<ApiState>,
    Json(b): Json<crate::roles::wallet::QrAsk>,
) -> Result<Json<Value>, ApiError> {
    let answer = s.node.present_qr(b).await?;
    let mut shown = to_json(&answer)?.0;
    // The code as an SVG picture, for the wallet page.
    shown["svg"] = json!(crate::qr::Qr::new(&answer.compact)
        .map_err(|e| NodeError::Internal(format!("drawing the QR code: {e}")))?
        .svg());
    Ok(Json(shown))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestQrBody {
    #[serde(default)]
    kinds: Vec<CredentialKind>,
    claims: Vec<String>,
    valid_for: i64,
}

/// `POST /admin/presentation-request {kinds, claims, validFor}`: a signed request for a QR code.
pub async fn presentation_request(
    State(s): State<ApiState>,
    Json(b): Json<RequestQrBody>,
) -> Result<Json<Value>, ApiError> {
    to_json(
        &s.node
            .presentation_request(b.kinds, b.claims, b.valid_for)?,
    )
}
