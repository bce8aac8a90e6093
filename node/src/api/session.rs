//! Signing in to the node's pages: `GET /login` shows a form, `POST /login` with the admin
//! token starts a session — a random id in a cookie that is `HttpOnly`, `SameSite=Strict`,
//! `Path=/`, `Secure` when the node serves HTTPS, for at most [`SESSION_SECS`] — and
//! `POST /logout` ends it. Admin paths then accept the cookie as they accept the bearer token;
//! a state-changing request authenticated by cookie must also come from the node's own pages
//! (`Origin` equal to the request's host, or `Sec-Fetch-Site: same-origin`): cross-site
//! request forgery is refused twice over, by the browser (SameSite) and by the node.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{Form, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::openapi::schemas as doc;
use super::{constant_time_eq, ApiState, ErrorBody};

/// The session cookie's name.
pub const COOKIE: &str = "vcnet_session";
/// How long a session lasts.
pub const SESSION_SECS: u64 = 8 * 3600;
/// Sessions held at most (the oldest is dropped past it).
const MAX_SESSIONS: usize = 64;

const LOGIN_PAGE: &str = include_str!("pages/login.html");

/// The node's open sessions (ids → when they end).
#[derive(Default)]
pub struct Sessions {
    open: Mutex<HashMap<String, Instant>>,
}

impl Sessions {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Instant>> {
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts a session; returns its id.
    pub fn start(&self) -> String {
        let id = random_id();
        let now = Instant::now();
        let mut open = self.lock();
        open.retain(|_, end| *end > now);
        if open.len() >= MAX_SESSIONS {
            if let Some(oldest) = open.iter().min_by_key(|(_, e)| **e).map(|(k, _)| k.clone()) {
                open.remove(&oldest);
            }
        }
        open.insert(id.clone(), now + Duration::from_secs(SESSION_SECS));
        id
    }

    /// Whether `id` is an open session.
    pub fn valid(&self, id: &str) -> bool {
        let now = Instant::now();
        self.lock()
            .iter()
            .any(|(k, end)| constant_time_eq(k.as_bytes(), id.as_bytes()) && *end > now)
    }

    /// Whether a request's cookies carry an open session.
    pub fn signed_in(&self, headers: &HeaderMap) -> bool {
        cookie_of(headers).is_some_and(|id| self.valid(&id))
    }

    /// Ends the session `id`.
    pub fn end(&self, id: &str) {
        self.lock().remove(id);
    }
}

/// 32 random bytes, base64url: a session id.
fn random_id() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// The session id a request's cookies carry.
pub fn cookie_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_owned())
}

/// Whether a cookie-authenticated request may change state: safe methods always; others only
/// from the node's own pages.
pub fn same_origin(method: &Method, headers: &HeaderMap) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
    if h("sec-fetch-site") == Some("same-origin") {
        return true;
    }
    match (h("origin"), h("host")) {
        (Some(origin), Some(host)) => origin
            .split_once("://")
            .is_some_and(|(scheme, rest)| matches!(scheme, "http" | "https") && rest == host),
        _ => false,
    }
}

#[derive(Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    next: String,
}

/// The sign-in page's words: for the wallet (a citizen's passphrase) or the operator's pages
/// (the admin token), in English or Vietnamese.
fn login_words(lang: &str, wallet: bool) -> [&'static str; 4] {
    match (lang, wallet) {
        ("vi", true) => [
            "Mở ví",
            "Mật khẩu của ví",
            "Mở ví",
            "Mật khẩu bạn đặt khi tạo ví (VCNODE_PASSPHRASE).",
        ],
        ("vi", false) => [
            "Đăng nhập nút",
            "Mã quản trị",
            "Đăng nhập",
            "Mã nằm trong tệp admin.token của thư mục dữ liệu nút.",
        ],
        (_, true) => [
            "Open your wallet",
            "Wallet passphrase",
            "Open",
            "The passphrase you chose when the wallet was made (VCNODE_PASSPHRASE).",
        ],
        (_, false) => [
            "Sign in to this node",
            "Admin token",
            "Sign in",
            "The token is in the node's data dir, admin.token.",
        ],
    }
}

/// Escapes text for an HTML attribute or element.
fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// `GET /login[?next=/wallet]`: the form, in the browser's language; the wallet's asks for
/// the passphrase.
#[utoipa::path(
    get,
    path = "/login",
    tag = "session",
    operation_id = "login_page",
    responses(
        (status = 200, description = "The sign-in form", content_type = "text/html", body = String),
        (status = 503, response = doc::Unavailable),
    ),
)]
pub async fn page(headers: HeaderMap, Query(q): Query<LoginQuery>) -> Response {
    let lang = super::pages::lang_of(&headers);
    let next = safe_next(&q.next);
    let [title, label, button, hint] = login_words(lang, next.starts_with("/wallet"));
    let body = LOGIN_PAGE
        .replace("{lang}", lang)
        .replace("{title}", title)
        .replace("{label}", label)
        .replace("{button}", button)
        .replace("{hint}", hint)
        .replace("{next}", &html_escape(next));
    let mut r = (StatusCode::OK, body).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    r
}

/// The sign-in form.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginForm {
    /// The admin token (the data dir's `admin.token`).
    token: String,
    /// Where to go after signing in (a path on this node; `/` otherwise).
    #[serde(default)]
    next: String,
}

/// Where to go after signing in: a path on this node only (never another site).
fn safe_next(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains(['\\', '\r', '\n']) {
        next
    } else {
        "/"
    }
}

/// Whether `secret` is the admin token, or on a holder node the wallet's passphrase (checked
/// against the vault: slow by design, off the async threads).
async fn accepted(s: &ApiState, secret: &str) -> bool {
    if constant_time_eq(secret.trim().as_bytes(), s.token.as_bytes()) {
        return true;
    }
    if !s.node.cfg.has_role(crate::config::Role::Holder) || secret.is_empty() || secret.len() > 1024
    {
        return false;
    }
    s.node.passphrase_opens(secret.to_owned()).await
}

/// `POST /login` (a form: `token` — the admin token, or a holder's wallet passphrase — and
/// `next`): 303 to `next` with the session cookie, or 401.
#[utoipa::path(
    post,
    path = "/login",
    tag = "session",
    operation_id = "login",
    request_body(content = LoginForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "Signed in: the session cookie is set and `Location` is `next` (a path on this node)", headers(("Set-Cookie" = String, description = "`vcnet_session=…; Path=/; HttpOnly; SameSite=Strict`"), ("Location" = String))),
        (status = 401, description = "Wrong token", body = ErrorBody),
        (status = 400, response = doc::BadRequest),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 415, response = doc::UnsupportedMediaType),
        (status = 422, response = doc::Unprocessable),
        (status = 503, response = doc::Unavailable),
    ),
)]
pub async fn login(State(s): State<ApiState>, Form(f): Form<LoginForm>) -> Response {
    if !accepted(&s, &f.token).await {
        // A wrong token costs the guesser time (the token itself is 32 random characters).
        tokio::time::sleep(Duration::from_millis(500)).await;
        return (
            StatusCode::UNAUTHORIZED,
            "wrong token or passphrase: the token is in the node's data dir, admin.token; a wallet opens with its passphrase",
        )
            .into_response();
    }
    let id = s.sessions.start();
    let secure = if s.node.cfg.tls { "; Secure" } else { "" };
    let cookie =
        format!("{COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={SESSION_SECS}{secure}");
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let (Ok(c), Ok(l)) = (
        HeaderValue::from_str(&cookie),
        HeaderValue::from_str(safe_next(&f.next)),
    ) {
        r.headers_mut().insert(header::SET_COOKIE, c);
        r.headers_mut().insert(header::LOCATION, l);
    }
    r
}

/// `POST /logout`: ends the session and clears the cookie.
#[utoipa::path(
    post,
    path = "/logout",
    tag = "session",
    operation_id = "logout",
    responses(
        (status = 303, description = "Signed out: the cookie is cleared and `Location` is `/login`", headers(("Set-Cookie" = String), ("Location" = String))),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 503, response = doc::Unavailable),
    ),
)]
pub async fn logout(State(s): State<ApiState>, headers: HeaderMap) -> Response {
    if let Some(id) = cookie_of(&headers) {
        s.sessions.end(&id);
    }
    let mut r = StatusCode::SEE_OTHER.into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("vcnet_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    r.headers_mut()
        .insert(header::LOCATION, HeaderValue::from_static("/login"));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_open_end_and_are_bounded() {
        let s = Sessions::default();
        let id = s.start();
        assert!(s.valid(&id));
        assert!(!s.valid("not-a-session"));
        s.end(&id);
        assert!(!s.valid(&id));
        let first = s.start();
        for _ in 0..MAX_SESSIONS {
            s.start();
        }
        assert!(!s.valid(&first), "the oldest is dropped past the bound");
        assert!(s.lock().len() <= MAX_SESSIONS);
    }

    #[test]
    fn only_the_nodes_own_pages_change_state() {
        let h = |pairs: &[(&'static str, &'static str)]| {
            let mut m = HeaderMap::new();
            for (k, v) in pairs {
                m.insert(*k, HeaderValue::from_static(v));
            }
            m
        };
        assert!(same_origin(&Method::GET, &h(&[])));
        assert!(!same_origin(
            &Method::POST,
            &h(&[("host", "127.0.0.1:8080")])
        ));
        assert!(same_origin(
            &Method::POST,
            &h(&[
                ("host", "127.0.0.1:8080"),
                ("origin", "http://127.0.0.1:8080")
            ])
        ));
        assert!(!same_origin(
            &Method::POST,
            &h(&[
                ("host", "127.0.0.1:8080"),
                ("origin", "https://evil.example")
            ])
        ));
        assert!(same_origin(
            &Method::POST,
            &h(&[("sec-fetch-site", "same-origin")])
        ));
        assert!(!same_origin(
            &Method::POST,
            &h(&[("sec-fetch-site", "cross-site")])
        ));
        assert_eq!(safe_next("/console"), "/console");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "console",
            "/\\evil",
        ] {
            assert_eq!(safe_next(bad), "/", "{bad}");
        }
    }
}
