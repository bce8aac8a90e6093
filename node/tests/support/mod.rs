//! What the process-level tests share: starting `vcnode` processes and reading the run info
//! they print, and a minimal HTTP client for their APIs.

#![allow(dead_code)] // each test binary uses its own part

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

/// Spawns `command` (a `vcnode run …`, possibly behind a wrapper such as `ip netns exec`),
/// waits for the run info it prints on its first line, and returns the child with it.
pub fn spawn_node(mut command: Command, stderr: Stdio) -> (Child, Value) {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let info: Value = serde_json::from_str(&line)
        .unwrap_or_else(|e| panic!("node printed no run info ({e}): {line:?}"));
    (child, info)
}

/// Starts `vcnode run` (the `vcnode` command `c`, its environment set) on `dir`, listening on
/// loopback ports of its choosing, dialing `peer` if given.
pub fn run_local(
    mut c: Command,
    dir: &std::path::Path,
    peer: Option<&str>,
    stderr: Stdio,
) -> (Child, Value) {
    c.args([
        "run",
        "--data-dir",
        dir.to_str().unwrap(),
        "--listen",
        "/ip4/127.0.0.1/tcp/0",
        "--http",
        "127.0.0.1:0",
    ]);
    if let Some(p) = peer {
        c.args(["--peer", p]);
    }
    spawn_node(c, stderr)
}

/// The first listen address in run info.
pub fn first_listen(info: &Value) -> String {
    info["listen"][0].as_str().unwrap_or_default().to_owned()
}

/// POSTs JSON with a bearer token; the status code and the JSON body (`Null` when the body is
/// not JSON), or the I/O error (e.g. the process was killed: nothing acknowledged).
pub fn post(
    addr: SocketAddr,
    path: &str,
    token: &str,
    body: &Value,
) -> std::io::Result<(u16, Value)> {
    let body = body.to_string();
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut buf = String::new();
    s.read_to_string(&mut buf)?;
    let (head, body) = buf
        .split_once("\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("answer cut off"))?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status line"))?;
    Ok((status, serde_json::from_str(body).unwrap_or(Value::Null)))
}
