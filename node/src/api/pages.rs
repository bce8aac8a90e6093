//! What every page of the node shares: the headers its assets are served with (nothing cached,
//! nothing framed, scripts only from the node itself, nothing from the internet), the shared
//! stylesheet, the sign-in gate of the pages that change things, and the page language chosen
//! from the browser's `Accept-Language`.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::openapi::schemas as doc;
use super::ApiState;

const STYLE: &str = include_str!("pages/vcnet.css");
const COMMON_SCRIPT: &str = include_str!("pages/common.js");

/// A page asset.
pub enum Asset {
    /// An HTML page.
    Html(String),
    /// A script.
    Script(&'static str),
    /// A stylesheet.
    Style(&'static str),
}

/// An asset with the headers every page part gets: nothing cached, nothing framed, scripts
/// and connections only to this node, the camera only for this origin.
pub fn asset(a: Asset) -> Response {
    let (content_type, body) = match a {
        Asset::Html(b) => ("text/html; charset=utf-8", b),
        Asset::Script(b) => ("text/javascript; charset=utf-8", b.to_owned()),
        Asset::Style(b) => ("text/css; charset=utf-8", b.to_owned()),
    };
    let mut r = (StatusCode::OK, body).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(self), microphone=()"),
    );
    r
}

/// `GET /pages/vcnet.css`.
#[utoipa::path(
    get,
    path = "/pages/vcnet.css",
    tag = "pages",
    operation_id = "pages_style",
    responses(
        (status = 200, description = "The pages' style sheet", content_type = "text/css", body = String),
        (status = 503, response = doc::Unavailable),
    ),
)]
pub async fn style() -> Response {
    asset(Asset::Style(STYLE))
}

/// `GET /pages/common.js`: what the pages' scripts share (words, claim labels).
#[utoipa::path(
    get,
    path = "/pages/common.js",
    tag = "pages",
    operation_id = "pages_common_script",
    responses(
        (status = 200, description = "What the pages' scripts share", content_type = "text/javascript", body = String),
        (status = 503, response = doc::Unavailable),
    ),
)]
pub async fn common_script() -> Response {
    asset(Asset::Script(COMMON_SCRIPT))
}

/// The page's language from `Accept-Language`: Vietnamese when the browser prefers it to
/// English, else English.
pub fn lang_of(headers: &HeaderMap) -> &'static str {
    let Some(v) = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
    else {
        return "en";
    };
    let mut best = ("en", -1.0f32);
    for part in v.split(',').take(32) {
        let mut it = part.split(';');
        let tag = it.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = it
            .find_map(|p| p.trim().strip_prefix("q=").map(str::to_owned))
            .and_then(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        let lang = match tag.split('-').next() {
            Some("vi") => "vi",
            Some("en") => "en",
            _ => continue,
        };
        if q > best.1 {
            best = (lang, q);
        }
    }
    best.0
}

/// A page that needs a signed-in session (the admin token, or a holder's passphrase): the
/// page with its `lang` set, or a redirect to `/login?next=<path>`.
pub fn signed_in_page(s: &ApiState, headers: &HeaderMap, path: &str, page: &str) -> Response {
    if !s.sessions.signed_in(headers) {
        let mut r = StatusCode::SEE_OTHER.into_response();
        if let Ok(l) = HeaderValue::from_str(&format!("/login?next={path}")) {
            r.headers_mut().insert(header::LOCATION, l);
        }
        return r;
    }
    asset(Asset::Html(with_lang(page, lang_of(headers))))
}

/// The page with `<html lang="…">` set.
pub fn with_lang(page: &str, lang: &str) -> String {
    page.replacen("<html lang=\"en\">", &format!("<html lang=\"{lang}\">"), 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_browser_language_picks_the_page_language() {
        let h = |v: &'static str| {
            let mut m = HeaderMap::new();
            m.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static(v));
            m
        };
        assert_eq!(lang_of(&HeaderMap::new()), "en");
        assert_eq!(lang_of(&h("vi-VN,vi;q=0.9,en;q=0.8")), "vi");
        assert_eq!(lang_of(&h("en-US,en;q=0.9,vi;q=0.5")), "en");
        assert_eq!(lang_of(&h("fr-FR,vi;q=0.7,en;q=0.3")), "vi");
        assert_eq!(lang_of(&h("de")), "en");
        assert_eq!(lang_of(&h("en;q=0.2,vi;q=0.8")), "vi");
        assert_eq!(
            with_lang("<html lang=\"en\"><p>", "vi"),
            "<html lang=\"vi\"><p>"
        );
    }
}
