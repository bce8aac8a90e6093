//! A raw HTTP/1.1 client for the tests: sends exactly the bytes a test chooses (any `Host`, any
//! body, invalid UTF-8 included) and returns the status code and body, so tests can assert
//! 400/413/421/422/503 and the error text.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// An answer: the status code and the body as text (lossy).
#[derive(Debug)]
pub struct Answer {
    /// The HTTP status code.
    pub status: u16,
    /// The `Content-Type` header (empty when absent).
    pub content_type: String,
    /// The body, decoded lossily (chunked bodies are left as sent).
    pub body: String,
    /// The status line and headers, as sent.
    pub head: String,
}

impl Answer {
    /// The value of the first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|l| {
            l.split_once(':')
                .filter(|(k, _)| k.trim().eq_ignore_ascii_case(name))
                .map(|(_, v)| v.trim())
        })
    }
}

/// Sends `method` to `path` with extra header lines (`Name: value`) and `body`.
pub fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<Answer> {
    let extra: String = headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}\r\n"))
        .collect();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    exchange(addr, &head, body)
}

impl Answer {
    /// The body as JSON, an object or an array (`Null` when it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        // The first `{` or `[` to the last `}` or `]`: skips a chunked body's size lines.
        let body = match self.body.find(['{', '[']) {
            Some(i) => &self.body[i..],
            None => "",
        };
        let end = body.rfind(['}', ']']).map_or(0, |i| i + 1);
        serde_json::from_str(&body[..end]).unwrap_or(serde_json::Value::Null)
    }
}

/// POSTs `body` to `path` with the given `Host` and optional bearer token.
pub fn post(
    addr: SocketAddr,
    host: &str,
    path: &str,
    token: Option<&str>,
    body: &[u8],
) -> std::io::Result<Answer> {
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    exchange(addr, &head, body)
}

/// GETs `path` with the given `Host` and, when given, `Accept`.
pub fn get(
    addr: SocketAddr,
    host: &str,
    path: &str,
    accept: Option<&str>,
) -> std::io::Result<Answer> {
    let accept = accept
        .map(|a| format!("Accept: {a}\r\n"))
        .unwrap_or_default();
    let head = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n{accept}Connection: close\r\n\r\n");
    exchange(addr, &head, b"")
}

/// Sends a request head and body; reads the whole answer.
fn exchange(addr: SocketAddr, head: &str, body: &[u8]) -> std::io::Result<Answer> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(60)))?;
    // A server that refuses a body (413) may stop reading it: a blocked write gives up.
    s.set_write_timeout(Some(Duration::from_secs(5)))?;
    s.write_all(head.as_bytes())?;
    // The server may answer (413) and close before the whole body is sent.
    let _ = s.write_all(body);
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("malformed answer: {head:?}")))?;
    let content_type = head
        .lines()
        .find_map(|l| {
            l.split_once(':')
                .filter(|(k, _)| k.eq_ignore_ascii_case("content-type"))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_default();
    Ok(Answer {
        status,
        content_type,
        body: body.to_owned(),
        head: head.to_owned(),
    })
}
