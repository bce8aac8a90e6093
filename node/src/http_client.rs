//! A small outbound HTTP/1.1 client (hyper, rustls with the system's roots) for the node's
//! OpenID4VC wallet side: it fetches issuer metadata and posts token and credential requests
//! to other nodes and to any standard issuer or verifier. Every answer is bounded in size and
//! time; a redirect is not followed.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;

/// Longest answer body read.
pub const MAX_ANSWER_BYTES: usize = 1024 * 1024;
/// Longest a request may take, connection included.
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("{url}: not an http(s) URL ({reason})")]
    Url { url: String, reason: String },
    #[error("{url}: {reason}")]
    Io { url: String, reason: String },
    #[error("{url}: no answer within {} s", TIMEOUT.as_secs())]
    Timeout { url: String },
    #[error("{url}: the answer is larger than {MAX_ANSWER_BYTES} bytes")]
    TooLarge { url: String },
}

/// An answer.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: Bytes,
}

impl Answer {
    /// The body as JSON, if it is.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// Why a peer refused, for a message: its OAuth error object (`error: error_description`),
    /// else the HTTP status.
    pub fn refusal(&self) -> String {
        self.json()
            .and_then(|v| {
                let code = v.get("error")?.as_str()?.to_owned();
                let desc = v.get("error_description").and_then(|d| d.as_str());
                Some(format!("{code}: {}", desc.unwrap_or_default()))
            })
            .unwrap_or_else(|| format!("HTTP {}", self.status))
    }
}

fn roots() -> Result<Arc<rustls::ClientConfig>, String> {
    static ROOTS: OnceLock<Result<Arc<rustls::ClientConfig>, String>> = OnceLock::new();
    ROOTS
        .get_or_init(|| {
            crate::tls::roots_client_config(std::path::Path::new(crate::tls::SYSTEM_ROOTS))
                .map_err(|e| format!("the system's CA certificates: {e}"))
        })
        .clone()
}

/// Sends one request: `method` to `url` with `headers` and `body`.
pub async fn send(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> Result<Answer, HttpError> {
    tokio::time::timeout(TIMEOUT, send_inner(method, url, headers, body))
        .await
        .map_err(|_| HttpError::Timeout {
            url: url.to_owned(),
        })?
}

async fn send_inner(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> Result<Answer, HttpError> {
    let bad_url = |reason: String| HttpError::Url {
        url: credentials::verify::preview(url, 80),
        reason,
    };
    let io = |reason: String| HttpError::Io {
        url: credentials::verify::preview(url, 80),
        reason,
    };
    let parsed = url::Url::parse(url).map_err(|e| bad_url(e.to_string()))?;
    let tls = match parsed.scheme() {
        "http" => false,
        "https" => true,
        other => return Err(bad_url(format!("scheme {other}"))),
    };
    let host = parsed
        .host_str()
        .ok_or_else(|| bad_url("no host".into()))?
        .to_owned();
    let port = parsed
        .port_or_known_default()
        .ok_or_else(|| bad_url("no port".into()))?;
    let authority = match parsed.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.clone(),
    };
    let target = match parsed.query() {
        Some(q) => format!("{}?{q}", parsed.path()),
        None => parsed.path().to_owned(),
    };
    let connect_host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let tcp = tokio::net::TcpStream::connect((connect_host.as_str(), port))
        .await
        .map_err(|e| io(format!("connecting: {e}")))?;
    let mut req = hyper::Request::builder()
        .method(method)
        .uri(target)
        .header(hyper::header::HOST, authority);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = req
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| bad_url(e.to_string()))?;
    let resp = if tls {
        let cfg = roots().map_err(io)?;
        let name = crate::tls::server_name(&host).map_err(|e| io(e.to_string()))?;
        let stream = tokio_rustls::TlsConnector::from(cfg)
            .connect(name, tcp)
            .await
            .map_err(|e| io(format!("TLS: {e}")))?;
        exchange(TokioIo::new(stream), req).await
    } else {
        exchange(TokioIo::new(tcp), req).await
    }
    .map_err(io)?;
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = Limited::new(resp.into_body(), MAX_ANSWER_BYTES)
        .collect()
        .await
        .map_err(|e| {
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some()
            {
                HttpError::TooLarge {
                    url: credentials::verify::preview(url, 80),
                }
            } else {
                io(format!("reading the answer: {e}"))
            }
        })?
        .to_bytes();
    Ok(Answer {
        status,
        content_type,
        body,
    })
}

async fn exchange<T>(
    io: TokioIo<T>,
    req: hyper::Request<Full<Bytes>>,
) -> Result<hyper::Response<hyper::body::Incoming>, String>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|e| format!("HTTP handshake: {e}"))?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    sender
        .send_request(req)
        .await
        .map_err(|e| format!("sending the request: {e}"))
}
