//! The issuer console (`/console`, issuer or root authority nodes, signed in): import a records
//! file, hand out claim codes (a download, and printable claim letters with the code as a QR
//! code), find issued credentials and revoke, suspend or reinstate them with a reason, see each
//! status list's version and how many peers hold it; for the root authority, accreditations.
//! The page only calls the admin paths; this module serves it and the console's own reads.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::pages::{asset, signed_in_page, Asset};
use super::{bad, ApiError, ApiState};
use crate::config::Role;
use crate::roles::console::{AccreditationView, IssuedPage, ListHoldings};

const PAGE: &str = include_str!("pages/console.html");
const SCRIPT: &str = include_str!("pages/console.js");

/// Claim letters made in one request, at most.
pub const MAX_LETTERS: usize = 500;

/// `GET /console`: the page, for a signed-in operator of an issuer or the root authority.
pub async fn page(State(s): State<ApiState>, headers: axum::http::HeaderMap) -> Response {
    let n = &s.node;
    let root = n.cfg.root_did.as_deref() == Some(n.identity.did());
    if !n.cfg.has_role(Role::Issuer) && !root {
        return (
            StatusCode::NOT_FOUND,
            "this node is neither an issuer nor the root authority: the console runs on those",
        )
            .into_response();
    }
    signed_in_page(&s, &headers, "/console", PAGE)
}

/// `GET /console/console.js`.
pub async fn script() -> Response {
    asset(Asset::Script(SCRIPT))
}

/// `GET /admin/console`: what the console needs to know about this node.
pub async fn about(State(s): State<ApiState>) -> Json<Value> {
    let n = &s.node;
    Json(json!({
        "name": n.cfg.name,
        "did": n.identity.did(),
        "peerId": n.net.local_peer_id().to_string(),
        "issuer": n.cfg.has_role(Role::Issuer),
        "root": n.cfg.root_did.as_deref() == Some(n.identity.did()),
    }))
}

#[derive(Deserialize)]
pub struct IssuedQuery {
    #[serde(default)]
    q: String,
    #[serde(default = "default_limit")]
    limit: usize,
}

fn default_limit() -> usize {
    100
}

/// `GET /admin/issued?q=&limit=`: issued credentials matching a search, with their status.
pub async fn issued(
    State(s): State<ApiState>,
    Query(q): Query<IssuedQuery>,
) -> Result<Json<IssuedPage>, ApiError> {
    if q.q.len() > 256 {
        return Err(bad("q: a search is at most 256 bytes"));
    }
    let node = s.node.clone();
    let page = tokio::task::spawn_blocking(move || node.search_issued(&q.q, q.limit))
        .await
        .map_err(crate::roles::NodeError::task)??;
    Ok(Json(page))
}

/// `GET /admin/lists`: this issuer's status lists and how many connected peers hold each.
pub async fn lists(State(s): State<ApiState>) -> Result<Json<ListHoldings>, ApiError> {
    Ok(Json(s.node.list_holdings().await?))
}

/// `GET /admin/accreditations`: the accreditations this node holds.
pub async fn accreditations(
    State(s): State<ApiState>,
) -> Result<Json<Vec<AccreditationView>>, ApiError> {
    Ok(Json(s.node.accreditations()?))
}

/// One claim code to print.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LetterCode {
    record: String,
    code: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LettersBody {
    codes: Vec<LetterCode>,
}

/// What a claim letter's QR code holds: the issuer's peer id and the code, which a wallet
/// reads back (the wallet page's claim form).
pub fn claim_text(peer: &str, code: &str) -> String {
    format!("VCCLAIM:{peer}/{code}")
}

/// `POST /admin/claim-letters {codes: [{record, code}]}`: for each code, the text and an SVG
/// QR code to print on the citizen's letter (at most [`MAX_LETTERS`] at once).
pub async fn claim_letters(
    State(s): State<ApiState>,
    Json(b): Json<LettersBody>,
) -> Result<Json<Value>, ApiError> {
    if b.codes.len() > MAX_LETTERS {
        return Err(bad(format!(
            "codes: at most {MAX_LETTERS} letters at once (got {})",
            b.codes.len()
        )));
    }
    let peer = s.node.net.local_peer_id().to_string();
    let issuer = s.node.cfg.name.clone();
    let letters = tokio::task::spawn_blocking(move || {
        b.codes
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if c.code.len() > 64 || c.record.len() > 256 {
                    return Err(bad(format!("codes[{i}]: record or code too long")));
                }
                let text = claim_text(&peer, &c.code);
                let svg = crate::qr::Qr::new(&text)
                    .map_err(|e| bad(format!("codes[{i}]: {e}")))?
                    .svg();
                Ok(json!({"record": c.record, "code": c.code, "text": text, "svg": svg}))
            })
            .collect::<Result<Vec<Value>, ApiError>>()
    })
    .await
    .map_err(crate::roles::NodeError::task)??;
    Ok(Json(json!({"issuer": issuer, "letters": letters})))
}
