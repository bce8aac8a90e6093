//! A small HTTP/1.1 client for the node's loopback API: the CLI subcommands that operate a
//! running node read `run.json` and `admin.token` from the data dir and call it.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use serde_json::Value;

use crate::config::DataDir;
use crate::runtime::RunInfo;

/// Longest a CLI call waits for the node (a presentation request may wait for consent).
const TIMEOUT: Duration = Duration::from_secs(150);

/// What the CLI reads of an answer at a time until its head has ended.
const HEAD_CHUNK: usize = 16 * 1024;
/// Longest head the CLI accepts.
const MAX_HEAD: usize = 64 * 1024;
/// Most the CLI sets aside for a body ahead of reading it, whatever its announced length.
const MAX_PREALLOCATED: usize = 256 * 1024 * 1024;

/// Connection facts of a running node.
pub struct Client {
    http: String,
    token: String,
    /// For a node serving HTTPS: a client that trusts exactly its certificate.
    tls: Option<std::sync::Arc<rustls::ClientConfig>>,
}

/// Percent-encodes a path segment or query value (credential ids and list URLs contain `/`,
/// `?`, `#`).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

impl Client {
    /// Reads the data dir's run.json and token.
    pub fn for_data_dir(dir: &Path) -> anyhow::Result<Self> {
        let dd = DataDir(dir.to_owned());
        let run = std::fs::read_to_string(dd.run_file()).with_context(|| {
            format!(
                "no running node for {} (start it with `vcnode run --data-dir {}`)",
                dir.display(),
                dir.display()
            )
        })?;
        let info: RunInfo = serde_json::from_str(&run).context("run.json is unreadable")?;
        let token = std::fs::read_to_string(dd.token())
            .with_context(|| format!("reading {}", dd.token().display()))?
            .trim()
            .to_owned();
        let tls = match &info.tls_cert {
            None => None,
            Some(cert) => Some(crate::tls::pinned_client_config(Path::new(cert))?),
        };
        Ok(Self {
            http: info.http,
            token,
            tls,
        })
    }

    /// GET a path, returning the JSON body.
    pub fn get(&self, path: &str) -> anyhow::Result<Value> {
        self.call("GET", path, None, "application/json")
    }

    /// POST JSON to a path.
    pub fn post(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        self.call(
            "POST",
            path,
            Some(body.to_string().into_bytes()),
            "application/json",
        )
    }

    /// POST raw text.
    pub fn post_text(&self, path: &str, body: String) -> anyhow::Result<Value> {
        self.call("POST", path, Some(body.into_bytes()), "text/plain")
    }

    /// POST a body and return the answer's bytes as they are (for answers that are not one
    /// JSON document, such as JSON Lines). An error status becomes an error with its message.
    pub fn post_raw(&self, path: &str, body: Vec<u8>, ctype: &str) -> anyhow::Result<Vec<u8>> {
        let (status, body) = self.exchange("POST", path, Some(body), ctype)?;
        if status >= 400 {
            let v: Value = serde_json::from_slice(&body)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()));
            bail!("{}", error_message(&v));
        }
        Ok(body)
    }

    fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<Vec<u8>>,
        ctype: &str,
    ) -> anyhow::Result<Value> {
        let (status, body) = self.exchange(method, path, body, ctype)?;
        let text = String::from_utf8_lossy(&body);
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::String(text.into_owned()));
        if status >= 400 {
            // A verification that fails is an answer (422 with the report), not an error.
            if status == 422 && v.get("error").is_none() {
                return Ok(v);
            }
            bail!("{}", error_message(&v));
        }
        Ok(v)
    }

    /// One request, one answer: its status and body (de-chunked).
    fn exchange(
        &self,
        method: &str,
        path: &str,
        body: Option<Vec<u8>>,
        ctype: &str,
    ) -> anyhow::Result<(u16, Vec<u8>)> {
        let tcp = TcpStream::connect(&self.http)
            .with_context(|| format!("connecting to the node at {} (is it running?)", self.http))?;
        tcp.set_read_timeout(Some(TIMEOUT))?;
        let mut s: Box<dyn ReadWrite> = match &self.tls {
            None => Box::new(tcp),
            Some(cfg) => {
                let host = self
                    .http
                    .rsplit_once(':')
                    .map(|(h, _)| h)
                    .unwrap_or(&self.http);
                let conn =
                    rustls::ClientConnection::new(cfg.clone(), crate::tls::server_name(host)?)
                        .context("starting TLS")?;
                Box::new(rustls::StreamOwned::new(conn, tcp))
            }
        };
        let body = body.unwrap_or_default();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            self.http,
            self.token,
            body.len()
        );
        s.write_all(head.as_bytes())?;
        s.write_all(&body)?;
        // The head first, then the body read straight into a buffer of its announced length
        // (a bulk answer is megabytes: no regrowing, no second copy).
        let mut buf = Vec::with_capacity(HEAD_CHUNK);
        let mut chunk = vec![0u8; HEAD_CHUNK];
        let split = loop {
            if let Some(p) = memchr::memmem::find(&buf, b"\r\n\r\n") {
                break p;
            }
            if buf.len() > MAX_HEAD {
                bail!("the node's answer has a head longer than {MAX_HEAD} bytes");
            }
            match s.read(&mut chunk) {
                Ok(0) => bail!("malformed HTTP answer (it ends before its head does)"),
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(anyhow!(e).context("reading the node's answer")),
            }
        };
        let head = String::from_utf8_lossy(&buf[..split]).to_ascii_lowercase();
        let status: u16 = head
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .ok_or_else(|| anyhow!("malformed HTTP status"))?;
        let length = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse::<usize>().ok());
        let mut rest = Vec::with_capacity(length.unwrap_or(0).min(MAX_PREALLOCATED));
        rest.extend_from_slice(&buf[split + 4..]);
        drop(buf);
        match s.read_to_end(&mut rest) {
            Ok(_) => {}
            // A TLS peer that closes without close_notify: complete if as long as announced.
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {}
            Err(e) => return Err(anyhow!(e).context("reading the node's answer")),
        }
        if let Some(n) = length.filter(|&n| rest.len() < n) {
            bail!(
                "the node's answer ended after {} of its {n} bytes",
                rest.len()
            );
        }
        let body = if head.contains("transfer-encoding: chunked") {
            dechunk(&rest)
        } else {
            rest
        };
        Ok((status, body))
    }
}

/// The message of an error answer (its `error`, else the whole answer).
fn error_message(v: &Value) -> String {
    v.get("error")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| v.to_string())
}

/// A connection to the node, plain or TLS.
trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}

fn dechunk(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") {
        let size = String::from_utf8_lossy(&rest[..eol]);
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        let after = &rest[eol + 2..];
        if n == 0 || after.len() < n {
            break;
        }
        out.extend_from_slice(&after[..n]);
        rest = after[n..].strip_prefix(b"\r\n").unwrap_or(&after[n..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// A server that answers one request with `answer` and closes; the client's answer.
    fn exchange_with(answer: &'static [u8]) -> anyhow::Result<(u16, Vec<u8>)> {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let http = listener.local_addr().unwrap().to_string();
        let server = std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            let mut head = [0u8; 1024];
            let _ = conn.read(&mut head);
            conn.write_all(answer).unwrap();
        });
        let client = Client {
            http,
            token: "t".into(),
            tls: None,
        };
        let got = client.exchange("POST", "/x", Some(b"body".to_vec()), "text/plain");
        server.join().unwrap();
        got
    }

    #[test]
    fn answers_are_read_whole_by_length_or_chunks_and_refused_when_cut_short() {
        let (status, body) =
            exchange_with(b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello\nworld").unwrap();
        assert_eq!((status, body.as_slice()), (200, &b"hello\nworld"[..]));
        let (_, body) = exchange_with(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
        )
        .unwrap();
        assert_eq!(body, b"hello world");
        let e = exchange_with(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
            .unwrap_err()
            .to_string();
        assert!(e.contains("ended after 3 of its 10 bytes"), "{e}");
        let e = exchange_with(b"HTTP/1.1 200 OK\r\nContent-")
            .unwrap_err()
            .to_string();
        assert!(e.contains("ends before its head does"), "{e}");
    }
}
