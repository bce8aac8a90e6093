//! A small WebDriver client for the browser tests: Debian's `chromium` driven through
//! `chromedriver` (both installed by `scripts/install-deps.sh --browser`), headless, with a fake
//! camera fed from a video file when a test wants one.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// One WebDriver exchange: `method` with a JSON `body` (none when empty); the status and the
/// body, read by its `Content-Length` (chromedriver keeps connections open, so reading to the
/// end would wait for its timeout).
fn json_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: &[u8],
) -> std::io::Result<crate::http::Answer> {
    use std::io::{BufRead, BufReader, Read, Write};
    let mut s = std::net::TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(120)))?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes())?;
    s.write_all(body)?;
    let mut r = BufReader::new(s);
    let mut status_line = String::new();
    r.read_line(&mut status_line)?;
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("malformed answer: {status_line:?}")))?;
    let (mut len, mut content_type) = (0usize, String::new());
    loop {
        let mut line = String::new();
        if r.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().unwrap_or(0);
            } else if k.eq_ignore_ascii_case("content-type") {
                content_type = v.trim().to_owned();
            }
        }
    }
    let mut buf = vec![0; len];
    r.read_exact(&mut buf)?;
    Ok(crate::http::Answer {
        status,
        content_type,
        body: String::from_utf8_lossy(&buf).into_owned(),
        head: status_line,
    })
}

/// The W3C WebDriver element reference key.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A browser session (chromedriver and its Chromium), ended on drop.
pub struct Browser {
    driver: Child,
    addr: SocketAddr,
    session: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn find(cmd: &str) -> Option<String> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(cmd))
            .find(|p| p.is_file())
            .map(|p| p.display().to_string())
    })
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session (`extra_args` added to Chromium's),
    /// or says what is missing.
    pub fn start(extra_args: &[String]) -> Result<Self, String> {
        let driver_bin = find("chromedriver").ok_or(
            "chromedriver is not installed: run scripts/install-deps.sh --browser (Debian's chromium-driver)",
        )?;
        let chromium = find("chromium").ok_or(
            "chromium is not installed: run scripts/install-deps.sh --browser (Debian's chromium)",
        )?;
        let port = free_port();
        let driver = Command::new(driver_bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("starting chromedriver: {e}"))?;
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let mut b = Browser {
            driver,
            addr,
            session: String::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(a) = json_request(addr, "GET", "/status", b"") {
                if a.json()["value"]["ready"] == json!(true) {
                    break;
                }
            }
            if Instant::now() > deadline {
                return Err("chromedriver did not become ready in 30 s".into());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let mut args: Vec<String> = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--window-size=430,932",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.extend_from_slice(extra_args);
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": args}
        }}});
        let v = b.call("POST", "/session", Some(caps))?;
        b.session = v["sessionId"]
            .as_str()
            .ok_or_else(|| format!("no session id in {v}"))?
            .to_owned();
        Ok(b)
    }

    /// One WebDriver command; its `value`, or the driver's error.
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let a = json_request(self.addr, method, path, body.as_bytes())
            .map_err(|e| format!("{method} {path}: {e}"))?;
        let v = a.json();
        if a.status != 200 {
            return Err(format!("{method} {path}: {} {}", a.status, v["value"]));
        }
        Ok(v["value"].clone())
    }

    fn at(&self, rest: &str) -> String {
        format!("/session/{}{rest}", self.session)
    }

    /// Opens `url`.
    pub fn goto(&self, url: &str) -> Result<(), String> {
        self.call("POST", &self.at("/url"), Some(json!({"url": url})))
            .map(|_| ())
    }

    fn element(&self, css: &str) -> Result<String, String> {
        let v = self.call(
            "POST",
            &self.at("/element"),
            Some(json!({"using": "css selector", "value": css})),
        )?;
        v[ELEMENT]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("no element {css}: {v}"))
    }

    /// Clicks the element `css` selects.
    pub fn click(&self, css: &str) -> Result<(), String> {
        let e = self.element(css)?;
        self.call(
            "POST",
            &self.at(&format!("/element/{e}/click")),
            Some(json!({})),
        )
        .map(|_| ())
    }

    /// Types `text` into the element `css` selects (a file input takes a file's path).
    pub fn type_into(&self, css: &str, text: &str) -> Result<(), String> {
        let e = self.element(css)?;
        self.call(
            "POST",
            &self.at(&format!("/element/{e}/value")),
            Some(json!({"text": text})),
        )
        .map(|_| ())
    }

    /// The visible text of the element `css` selects ("" when it is hidden).
    pub fn text(&self, css: &str) -> Result<String, String> {
        let e = self.element(css)?;
        self.call("GET", &self.at(&format!("/element/{e}/text")), None)
            .map(|v| v.as_str().unwrap_or_default().to_owned())
    }

    /// The current value of the form field `css` selects.
    pub fn value(&self, css: &str) -> Result<String, String> {
        self.property(css, "value")
    }

    /// A string property (`value`, `href`, …) of the element `css` selects.
    pub fn property(&self, css: &str, name: &str) -> Result<String, String> {
        let e = self.element(css)?;
        self.call(
            "GET",
            &self.at(&format!("/element/{e}/property/{name}")),
            None,
        )
        .map(|v| v.as_str().unwrap_or_default().to_owned())
    }

    /// Waits until the element `css` selects shows text for which `ok` holds; returns it.
    pub fn wait_text(
        &self,
        css: &str,
        within: Duration,
        ok: impl Fn(&str) -> bool,
    ) -> Result<String, String> {
        let deadline = Instant::now() + within;
        let mut last = String::new();
        while Instant::now() < deadline {
            if let Ok(t) = self.text(css) {
                if ok(&t) {
                    return Ok(t);
                }
                last = t;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        Err(format!("{css} still shows {last:?} after {within:?}"))
    }

    /// Resizes the window (a phone-sized one at start; a desktop for the console).
    pub fn window(&self, width: u32, height: u32) -> Result<(), String> {
        self.call(
            "POST",
            &self.at("/window/rect"),
            Some(json!({"width": width, "height": height})),
        )
        .map(|_| ())
    }

    /// Signs in on the node's `/login` page the browser shows with `secret` (the admin token
    /// or a wallet passphrase).
    pub fn sign_in(&self, secret: &str) -> Result<(), String> {
        self.type_into("#token", secret)?;
        self.click("button[type=submit]")
    }

    /// Saves a screenshot (PNG) of the page to `path`.
    pub fn screenshot(&self, path: &Path) -> Result<(), String> {
        use base64::Engine;
        let v = self.call("GET", &self.at("/screenshot"), None)?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap_or_default())
            .map_err(|e| format!("screenshot: {e}"))?;
        std::fs::write(path, png).map_err(|e| format!("{}: {e}", path.display()))
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self.call("DELETE", &self.at(""), None);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Writes a Y4M video (4:2:0, 640 × 480, 10 fps, `frames` frames) showing `img` centred and
/// scaled to 460 × 460: Chromium's fake camera plays it in a loop.
pub fn y4m_of(img: &image::GrayImage, path: &Path, frames: usize) -> std::io::Result<()> {
    let (w, h) = (640u32, 480u32);
    let side = h - 20;
    let fitted = image::imageops::resize(img, side, side, image::imageops::FilterType::Nearest);
    let (ox, oy) = ((w - side) / 2, (h - side) / 2);
    let mut luma = vec![255u8; (w * h) as usize];
    for (x, y, p) in fitted.enumerate_pixels() {
        luma[((oy + y) * w + ox + x) as usize] = p[0];
    }
    let chroma = vec![128u8; (w * h / 4) as usize];
    let mut out = format!("YUV4MPEG2 W{w} H{h} F10:1 Ip A1:1 C420jpeg\n").into_bytes();
    for _ in 0..frames {
        out.extend_from_slice(b"FRAME\n");
        out.extend_from_slice(&luma);
        out.extend_from_slice(&chroma);
        out.extend_from_slice(&chroma);
    }
    std::fs::write(path, out)
}
