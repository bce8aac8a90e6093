//! `vcnode qr` (holder: a presentation as a QR code) and `vcnode request-qr` (verifier: a signed
//! presentation request as a QR code). The running node makes and signs; this draws PNG, SVG or
//! terminal output and reports the QR version and where the bytes go.

use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::Args;
use serde_json::{json, Value};

use super::client::Client;
use super::node_cmds::DataDirArg;
use crate::qr::Qr;

/// Parses `120`, `120s`, `2m`, `1h` into seconds.
pub(crate) fn parse_secs(s: &str) -> Result<i64, String> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, "s"),
    };
    let n: i64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a duration like 120s, 2m or 1h"))?;
    let mult = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        _ => return Err(format!("`{s}`: unit must be s, m or h")),
    };
    Ok(n * mult)
}

#[derive(Args)]
pub struct Output {
    /// Write the QR code here: `.png` or `.svg`.
    #[arg(long, required_unless_present = "terminal")]
    out: Option<PathBuf>,
    /// Draw it in the terminal.
    #[arg(long)]
    terminal: bool,
    /// Also write the QR code's text (the compact form) to this file.
    #[arg(long)]
    text_out: Option<PathBuf>,
}

impl Output {
    fn emit(&self, text: &str) -> anyhow::Result<Qr> {
        let qr = Qr::new(text)?;
        if let Some(p) = &self.out {
            qr.write(p)?;
        }
        if self.terminal {
            println!("{}", qr.terminal());
        }
        if let Some(p) = &self.text_out {
            std::fs::write(p, text).with_context(|| format!("writing {}", p.display()))?;
        }
        Ok(qr)
    }
}

#[derive(Args)]
pub struct QrArgs {
    #[command(flatten)]
    d: DataDirArg,
    /// Kind of credential to present: identity, health or study.
    #[arg(long, value_delimiter = ',')]
    kind: Vec<String>,
    /// Claims to disclose, comma-separated (e.g. fullName,dateOfBirth or immunizations[0]).
    #[arg(long, value_delimiter = ',')]
    claims: Vec<String>,
    /// The verifier's DID or domain, when known (otherwise any verifier may accept it).
    #[arg(long)]
    verifier: Option<String>,
    /// How long the QR code stays valid.
    #[arg(long, default_value = "120s", value_parser = parse_secs)]
    valid_for: i64,
    /// Answer a verifier's request: its QR image or text (`-` for standard input).
    #[arg(long)]
    request: Option<String>,
    #[command(flatten)]
    output: Output,
    /// Print the facts as JSON.
    #[arg(long)]
    json: bool,
}

/// Reads a QR image or text file: the text it holds.
pub(crate) fn read_qr_or_text(path: &str) -> anyhow::Result<String> {
    let bytes = super::read_input_bytes(path)?;
    if crate::qr::is_image(&bytes) {
        return Ok(crate::qr::scan(&bytes, path)?);
    }
    String::from_utf8(bytes).with_context(|| format!("{path} is neither an image nor text"))
}

pub fn qr(a: QrArgs) -> anyhow::Result<i32> {
    let request = a.request.as_deref().map(read_qr_or_text).transpose()?;
    if request.is_none() && a.claims.is_empty() {
        bail!("--claims is required (which claims to disclose), unless answering a --request");
    }
    let v = Client::for_data_dir(&a.d.data_dir)?.post(
        "/admin/wallet/qr",
        &json!({
            "kinds": a.kind, "claims": a.claims, "verifier": a.verifier,
            "validFor": a.valid_for, "request": request,
        }),
    )?;
    let text = v["compact"]
        .as_str()
        .context("node answered without a presentation")?;
    let qr = a.output.emit(text)?;
    let facts = json!({
        "credentialId": v["credentialId"], "kind": v["kind"], "claims": v["claims"],
        "audience": v["audience"], "expires": v["expires"],
        "request": v["request"],
        "qrVersion": qr.version(), "errorCorrection": "M", "modules": qr.width(),
        "qrChars": qr.chars, "budget": v["budget"],
    });
    if a.json {
        println!("{}", serde_json::to_string_pretty(&facts)?);
    } else {
        print_facts(&facts, a.output.out.as_ref());
    }
    Ok(0)
}

fn print_facts(f: &Value, out: Option<&PathBuf>) {
    let b = &f["budget"];
    let claims: Vec<&str> = f["claims"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    eprintln!(
        "{} credential {}: discloses {} to {} until {}",
        f["kind"].as_str().unwrap_or(""),
        f["credentialId"].as_str().unwrap_or(""),
        claims.join(", "),
        f["audience"].as_str().unwrap_or(""),
        f["expires"].as_str().unwrap_or("")
    );
    eprintln!(
        "QR version {} (level M, {}×{} modules), {} characters{}",
        f["qrVersion"],
        f["modules"],
        f["modules"],
        f["qrChars"],
        out.map(|p| format!(", written to {}", p.display()))
            .unwrap_or_default()
    );
    eprintln!(
        "bytes: {} digests = {} B, signatures {} B, {} disclosures {} B, key binding {} B, other issuer JWT {} B; compressed {} B (standard form: {} characters)",
        b["digestCount"], b["digests"], b["signatures"], b["disclosureCount"], b["disclosures"],
        b["keyBinding"], b["issuerJwtOther"], b["compressed"], b["standardChars"]
    );
}

#[derive(Args)]
pub struct RequestQrArgs {
    #[command(flatten)]
    d: DataDirArg,
    /// Kinds wanted.
    #[arg(long, value_delimiter = ',')]
    kind: Vec<String>,
    /// Claims wanted, comma-separated.
    #[arg(long, value_delimiter = ',', required = true)]
    claims: Vec<String>,
    /// How long the request stands.
    #[arg(long, default_value = "300s", value_parser = parse_secs)]
    valid_for: i64,
    #[command(flatten)]
    output: Output,
}

pub fn request_qr(a: RequestQrArgs) -> anyhow::Result<i32> {
    let v = Client::for_data_dir(&a.d.data_dir)?.post(
        "/admin/presentation-request",
        &json!({"kinds": a.kind, "claims": a.claims, "validFor": a.valid_for}),
    )?;
    let text = v["compact"]
        .as_str()
        .context("node answered without a request")?;
    let qr = a.output.emit(text)?;
    eprintln!(
        "request for {} from {}, challenge {}, until {}: QR version {} (level M)",
        a.claims.join(", "),
        v["payload"]["domain"].as_str().unwrap_or(""),
        v["payload"]["nonce"].as_str().unwrap_or(""),
        chrono::DateTime::from_timestamp(v["payload"]["exp"].as_i64().unwrap_or(0), 0)
            .map(|t| t.to_rfc3339())
            .unwrap_or_default(),
        qr.version()
    );
    Ok(0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations() {
        assert_eq!(super::parse_secs("120s"), Ok(120));
        assert_eq!(super::parse_secs("2m"), Ok(120));
        assert_eq!(super::parse_secs("90"), Ok(90));
        assert_eq!(super::parse_secs("1h"), Ok(3600));
        assert!(super::parse_secs("soon").is_err());
        assert!(super::parse_secs("5d").is_err());
    }
}
