//! The verifier desk (`/desk`): a page for clinic and school staff. It scans a holder's QR
//! code with the device's camera (frames posted to the node, which reads QR codes itself: no
//! decoder in the page, nothing fetched from the internet), or reads a chosen or dropped
//! picture, or pasted `VC1:` text, and shows a full-screen verdict in plain words. The page
//! keeps nothing: the next scan clears what was disclosed. The node logs the verdict and
//! digests, never the claims.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::{bad, ErrorBody};
use super::openapi::schemas as doc;
use super::pages::{asset, lang_of, with_lang, Asset};
use super::{ApiError, ApiState};
use crate::qr::QrError;

/// The largest picture the desk reads (a phone photo).
pub const DESK_BODY_BYTES: usize = 12 * 1024 * 1024;

const PAGE: &str = include_str!("pages/desk.html");
const SCRIPT: &str = include_str!("pages/desk.js");

/// `GET /desk`.
#[utoipa::path(
    get,
    path = "/desk",
    tag = "desk",
    operation_id = "desk_page",
    responses(
        (status = 200, description = "The desk page", content_type = "text/html", body = String),
        (status = 404, description = "This node is not a verifier", body = ErrorBody),
        (status = 503, response = doc::Unavailable),
    ),
)]
pub async fn page(State(s): State<ApiState>, headers: axum::http::HeaderMap) -> Response {
    if !s.node.cfg.has_role(crate::config::Role::Verifier) {
        return (
            StatusCode::NOT_FOUND,
            "this node is not a verifier: the desk runs on verifier nodes",
        )
            .into_response();
    }
    asset(Asset::Html(with_lang(PAGE, lang_of(&headers))))
}

/// `GET /desk/desk.js`.
#[utoipa::path(
    get,
    path = "/desk/desk.js",
    tag = "desk",
    operation_id = "desk_script",
    responses(
        (status = 200, description = "The desk's script", content_type = "text/javascript", body = String),
        (status = 503, response = doc::Unavailable),
    ),
)]
pub async fn script() -> Response {
    asset(Asset::Script(SCRIPT))
}

/// The query of `POST /desk/scan`.
#[derive(Deserialize)]
pub struct ScanQuery {
    /// The desk's own request (its QR text) the code answers, when the desk asked.
    request: Option<String>,
}

/// `POST /desk/scan[?request=…]`: a picture (PNG or JPEG) or the QR code's text. A picture with
/// no QR code in it answers `{"found": false}` (the camera keeps looking); otherwise the
/// verdict.
#[utoipa::path(
    post,
    path = "/desk/scan",
    tag = "desk",
    operation_id = "desk_scan",
    params(("request" = Option<String>, Query, description = "The desk's own request (its QR text) the code answers, when the desk asked")),
    request_body(description = "A picture (PNG, JPEG) or the QR code's text (`VC1:…`)", content(("image/png"), ("image/jpeg"), (String = "text/plain"))),
    responses(
        (status = 200, description = "The verdict, or `found: false` when the picture holds no readable QR code", body = doc::DeskVerdict),
        (status = 400, response = doc::BadRequest),
        (status = 403, response = doc::Forbidden),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 422, response = doc::Unprocessable),
        (status = 500, response = doc::Internal),
        (status = 503, response = doc::Unavailable),
    ),
)]
pub async fn scan(
    State(s): State<ApiState>,
    Query(q): Query<ScanQuery>,
    body: Bytes,
) -> Result<Response, ApiError> {
    if body.is_empty() {
        return Err(bad(
            "nothing was sent: send a picture or the QR code's text",
        ));
    }
    let text = if crate::qr::is_image(&body) {
        let found = tokio::task::spawn_blocking(move || crate::qr::scan(&body, "the picture"))
            .await
            .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
        match found {
            Ok(t) => t,
            Err(e @ (QrError::NotFound { .. } | QrError::Damaged { .. })) => {
                return Ok(Json(json!({"found": false, "reason": e.to_string()})).into_response())
            }
            Err(e) => return Err(bad(e.to_string())),
        }
    } else {
        String::from_utf8(body.to_vec())
            .map_err(|_| bad("neither a picture (PNG, JPEG) nor text"))?
    };
    let text = credentials::compact::restore(&text)
        .map_err(|e| bad(format!("the QR code is not a vcnet code: {e}")))?;
    let report = s.node.verify_at_desk(text, q.request.as_deref()).await?;
    Ok(Json(crate::roles::views::verdict_view(&report)).into_response())
}

/// The body of `POST /desk/request`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = DeskRequestBody)]
pub struct RequestBody {
    /// The kind asked for (`identity`, `health`, `study`).
    #[schema(value_type = String)]
    kind: credentials::CredentialKind,
    /// The claims asked for.
    claims: Vec<String>,
    /// Seconds the request stays valid (default 300).
    #[serde(default = "default_request_secs")]
    valid_for: i64,
}

fn default_request_secs() -> i64 {
    300
}

/// `POST /desk/request`: this desk's signed request for `claims` of `kind`, as QR text and an
/// SVG QR code to show the holder; the answer is then scanned with `?request=` that text.
#[utoipa::path(
    post,
    path = "/desk/request",
    tag = "desk",
    operation_id = "desk_request",
    request_body = RequestBody,
    responses(
        (status = 200, description = "The signed request as QR text and an SVG QR code", body = doc::DeskRequestAnswer),
        (status = 400, response = doc::BadRequest),
        (status = 403, response = doc::Forbidden),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 415, response = doc::UnsupportedMediaType),
        (status = 422, response = doc::Unprocessable),
        (status = 500, response = doc::Internal),
        (status = 503, response = doc::Unavailable),
    ),
)]
pub async fn request(
    State(s): State<ApiState>,
    Json(b): Json<RequestBody>,
) -> Result<Json<Value>, ApiError> {
    let r = s
        .node
        .presentation_request(vec![b.kind], b.claims, b.valid_for)?;
    let svg = crate::qr::Qr::new(&r.compact)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
        .svg();
    Ok(Json(json!({
        "request": r.compact,
        "svg": svg,
        "expires": r.payload.exp,
        "kind": b.kind.short_name(),
        "claims": r.payload.claims,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_photo_is_scaled_and_still_read() {
        let text = "VC1:ABC";
        let qr = crate::qr::Qr::new(text).unwrap();
        let small = image::load_from_memory(&qr.png().unwrap())
            .unwrap()
            .to_luma8();
        // The code in the middle of a 3000 × 2000 white "photo".
        let mut big = image::GrayImage::from_pixel(3000, 2000, image::Luma([255]));
        let scale = 6;
        for (x, y, p) in small.enumerate_pixels() {
            for dx in 0..scale {
                for dy in 0..scale {
                    big.put_pixel(1000 + x * scale + dx, 500 + y * scale + dy, *p);
                }
            }
        }
        let mut jpeg = Vec::new();
        image::DynamicImage::ImageLuma8(big)
            .write_to(
                &mut std::io::Cursor::new(&mut jpeg),
                image::ImageFormat::Jpeg,
            )
            .unwrap();
        assert!(crate::qr::is_image(&jpeg));
        assert_eq!(crate::qr::scan(&jpeg, "the picture").unwrap(), text);
        let blank = image::GrayImage::from_pixel(50, 50, image::Luma([255]));
        let mut png = Vec::new();
        image::DynamicImage::ImageLuma8(blank)
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        assert!(matches!(
            crate::qr::scan(&png, "the picture"),
            Err(QrError::NotFound { .. })
        ));
    }
}
