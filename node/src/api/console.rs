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

use super::error::ErrorBody;
use super::openapi::schemas as doc;
use super::pages::{asset, signed_in_page, Asset};
use super::{bad, ApiError, ApiState};
use crate::config::Role;
use crate::roles::console::{AccreditationView, IssuedPage, ListHoldings};

const PAGE: &str = include_str!("pages/console.html");
const SCRIPT: &str = include_str!("pages/console.js");

/// Claim letters made in one request, at most.
pub const MAX_LETTERS: usize = 500;

/// `GET /console`: the page, for a signed-in operator of an issuer or the root authority.
#[utoipa::path(
    get,
    path = "/console",
    tag = "pages",
    operation_id = "console_page",
    responses(
        (status = 200, description = "The issuer console (signed in with the admin token)", content_type = "text/html", body = String),
        (status = 303, description = "Not signed in: `Location` is `/login?next=…`", headers(("Location" = String))),
        (status = 404, description = "This node does not have the role the page needs", body = ErrorBody),
        (status = 503, response = doc::Unavailable),
    ),
)]
pub async fn page(State(s): State<ApiState>, headers: axum::http::HeaderMap) -> Response {
    if !s.node.cfg.has_role(Role::Issuer) && !s.node.is_root() {
        return (
            StatusCode::NOT_FOUND,
            "this node is neither an issuer nor the root authority: the console runs on those",
        )
            .into_response();
    }
    signed_in_page(&s, &headers, "/console", PAGE)
}

/// `GET /console/console.js`.
#[utoipa::path(
    get,
    path = "/console/console.js",
    tag = "pages",
    operation_id = "console_script",
    responses(
        (status = 200, description = "The console's script", content_type = "text/javascript", body = String),
        (status = 503, response = doc::Unavailable),
    ),
)]
pub async fn script() -> Response {
    asset(Asset::Script(SCRIPT))
}

/// `GET /admin/console`: what the console needs to know about this node.
#[utoipa::path(
    get,
    path = "/admin/console",
    tag = "admin",
    operation_id = "console_about",
    responses(
        (status = 200, description = "This node's name, DID, peer id and whether it is an issuer and the root authority", body = Object),
        (status = 503, response = doc::Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
)]
pub async fn about(State(s): State<ApiState>) -> Json<Value> {
    let n = &s.node;
    Json(json!({
        "name": n.cfg.name,
        "did": n.identity.did(),
        "peerId": n.net.local_peer_id().to_string(),
        "issuer": n.cfg.has_role(Role::Issuer),
        "root": n.is_root(),
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
#[utoipa::path(
    get,
    path = "/admin/issued",
    tag = "admin",
    operation_id = "search_issued",
    params(("q" = Option<String>, Query, description = "Part of a credential id, record id or holder DID, or a kind"), ("limit" = Option<usize>, Query, description = "At most this many (1 to 500; default 100)")),
    responses(
        (status = 200, description = "Issued credentials matching the search, with their status and status history", body = IssuedPage),
        (status = 400, response = doc::BadRequest),
        (status = 500, response = doc::Internal),
        (status = 503, response = doc::Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
)]
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
#[utoipa::path(
    get,
    path = "/admin/lists",
    tag = "admin",
    operation_id = "list_holdings",
    responses(
        (status = 200, description = "This issuer's status lists, each with how many connected peers hold its current version", body = ListHoldings),
        (status = 500, response = doc::Internal),
        (status = 502, response = doc::PeerFailed),
        (status = 503, response = doc::Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
)]
pub async fn lists(State(s): State<ApiState>) -> Result<Json<ListHoldings>, ApiError> {
    Ok(Json(s.node.list_holdings().await?))
}

/// `GET /admin/accreditations`: the accreditations this node holds.
#[utoipa::path(
    get,
    path = "/admin/accreditations",
    tag = "admin",
    operation_id = "list_accreditations",
    responses(
        (status = 200, description = "The accreditations this node holds, with withdrawals", body = Vec<AccreditationView>),
        (status = 503, response = doc::Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
)]
pub async fn accreditations(State(s): State<ApiState>) -> Json<Vec<AccreditationView>> {
    Json(s.node.accreditations())
}

/// One claim code to print.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LetterCode {
    record: String,
    code: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
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
#[utoipa::path(
    post,
    path = "/admin/claim-letters",
    tag = "admin",
    operation_id = "claim_letters",
    request_body = LettersBody,
    responses(
        (status = 200, description = "For each code, the text and an SVG QR code for a printed claim letter", body = Object),
        (status = 400, response = doc::BadRequest),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 415, response = doc::UnsupportedMediaType),
        (status = 422, response = doc::Unprocessable),
        (status = 500, response = doc::Internal),
        (status = 503, response = doc::Unavailable),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
)]
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
    let node = s.node.clone();
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
                let mut letter =
                    json!({"record": c.record, "code": c.code, "text": text, "svg": svg});
                // The same code as an OpenID4VCI offer, for a phone wallet.
                if let Some(offer) = node.credential_offer(&c.code).map_err(ApiError::from)? {
                    let offer_svg = crate::qr::Qr::new(&offer)
                        .map_err(|e| bad(format!("codes[{i}]: the offer: {e}")))?
                        .svg();
                    letter["offer"] = json!(offer);
                    letter["offerSvg"] = json!(offer_svg);
                }
                Ok(letter)
            })
            .collect::<Result<Vec<Value>, ApiError>>()
    })
    .await
    .map_err(crate::roles::NodeError::task)??;
    Ok(Json(json!({"issuer": issuer, "letters": letters})))
}
