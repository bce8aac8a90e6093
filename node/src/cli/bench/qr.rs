//! `vcnode bench qr`: issues identity and health SD-JWT credentials with fresh keys (the demo's
//! sample records), presents the three counter cases, and reports for each the QR version at
//! error correction level M and the byte budget of the compact form. Repeated with fresh keys,
//! salts and nonces, since sizes vary by a few bytes; the largest version is what counts.

use clap::Args;
use credentials::compact;
use credentials::issue::{issue, CredentialRequest, Format};
use credentials::present::{present_sd_jwt, Audience, OPEN_AUDIENCE};
use credentials::status::{StatusEntry, StatusPurpose};
use credentials::{CredentialKind, Identity};
use serde_json::Value;

use crate::qr::Qr;

#[derive(Args)]
pub struct QrBenchArgs {
    /// Repetitions with fresh keys and salts.
    #[arg(long, default_value_t = 20)]
    runs: usize,
    /// Status list base URL the issuer uses (lists are `{base}/{issuer DID}/{purpose}/0`).
    #[arg(long, default_value = "https://status.vcnet.id")]
    status_base: String,
}

fn sample(rel: &str) -> anyhow::Result<Value> {
    let text = match rel {
        "identity" => include_str!("../../../../schemas/records/citizens.jsonl")
            .lines()
            .next()
            .unwrap_or_default(),
        _ => include_str!("../../../../schemas/health/samples/valid/03-child-immunizations.json"),
    };
    let mut v: Value = serde_json::from_str(text)?;
    if let Some(o) = v.as_object_mut() {
        o.remove("id");
    }
    Ok(v)
}

struct Case {
    name: &'static str,
    kind: CredentialKind,
    claims: &'static [&'static str],
    /// Made for a known verifier (a request's nonce and domain) or for any verifier.
    for_verifier: bool,
}

const CASES: [Case; 3] = [
    Case {
        name: "name + birth date",
        kind: CredentialKind::Identity,
        claims: &["fullName", "dateOfBirth"],
        for_verifier: false,
    },
    Case {
        name: "ageOver18 alone",
        kind: CredentialKind::Identity,
        claims: &["ageOver18"],
        for_verifier: false,
    },
    Case {
        name: "one immunization",
        kind: CredentialKind::HealthRecord,
        claims: &["immunizations[0]"],
        for_verifier: true,
    },
];

pub fn run(a: QrBenchArgs) -> anyhow::Result<i32> {
    let mut rng = rand::rngs::OsRng;
    println!(
        "{:<18} {:>7} {:>6} {:>6} {:>9} {:>6} {:>6} {:>11} {:>8} {:>8} {:>9}",
        "case",
        "version",
        "chars",
        "bytes",
        "digests",
        "sigs",
        "discl",
        "key-binding",
        "raw",
        "skel.z",
        "standard"
    );
    for case in &CASES {
        let mut worst: Option<(i16, usize, compact::ByteBudget)> = None;
        let mut versions = Vec::new();
        for _ in 0..a.runs.max(1) {
            let issuer = Identity::generate(&mut rng);
            let holder = Identity::generate(&mut rng);
            let verifier = Identity::generate(&mut rng);
            let now = chrono::Utc::now();
            let list = |p: &str| format!("{}/{}/{p}/0", a.status_base, issuer.did());
            let index = rand::Rng::gen_range(&mut rng, 0..131_072u64);
            let req = CredentialRequest {
                kind: case.kind,
                subject: sample(if case.kind == CredentialKind::Identity {
                    "identity"
                } else {
                    "health"
                })?,
                holder: Some(holder.did().into()),
                id: None,
                valid_from: now,
                valid_until: Some(now + chrono::Duration::days(3650)),
                status: vec![
                    StatusEntry {
                        id: Some(format!("{}#{index}", list("revocation"))),
                        purpose: StatusPurpose::Revocation,
                        index,
                        list: list("revocation"),
                        message: None,
                        reference: None,
                    },
                    StatusEntry {
                        id: Some(format!("{}#{index}", list("suspension"))),
                        purpose: StatusPurpose::Suspension,
                        index,
                        list: list("suspension"),
                        message: None,
                        reference: None,
                    },
                ],
            };
            let cred = issue(Format::SdJwt, &issuer, &req, &mut rng)?.to_text();
            // As the node makes them: a verifier's request nonce is 18 random bytes, a holder's
            // own nonce for an open QR code 16.
            let nonce = {
                use base64::Engine;
                let mut b = vec![0u8; if case.for_verifier { 18 } else { 16 }];
                rand::RngCore::fill_bytes(&mut rng, &mut b);
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
            };
            let audience = Audience {
                challenge: Some(nonce),
                domain: Some(if case.for_verifier {
                    verifier.did().to_owned()
                } else {
                    OPEN_AUDIENCE.to_owned()
                }),
                expires: Some(now + chrono::Duration::seconds(120)),
            };
            let claims: Vec<String> = case.claims.iter().map(|c| c.to_string()).collect();
            let p = present_sd_jwt(&cred, &claims, &holder, &audience, now)?;
            let (text, b) = compact::encode_with_budget(&p)?;
            anyhow::ensure!(
                compact::decode(&text)? == p,
                "compact form did not round-trip"
            );
            let qr = Qr::new(&text)?;
            versions.push(qr.version());
            if worst
                .as_ref()
                .is_none_or(|(v, c, _)| (qr.version(), text.len()) > (*v, *c))
            {
                worst = Some((qr.version(), text.len(), b));
            }
        }
        if let Some((v, chars, b)) = worst {
            let (min, max) = (
                versions.iter().min().copied().unwrap_or(v),
                versions.iter().max().copied().unwrap_or(v),
            );
            println!(
                "{:<18} {:>7} {:>6} {:>6} {:>9} {:>6} {:>6} {:>11} {:>8} {:>8} {:>9}",
                case.name,
                if min == max {
                    format!("{v}")
                } else {
                    format!("{min}-{max}")
                },
                chars,
                b.compressed,
                format!("{}x32={}", b.digest_count, b.digests),
                b.signatures,
                b.disclosures,
                b.key_binding,
                b.raw,
                b.skeleton_compressed,
                b.standard_chars
            );
        }
    }
    println!(
        "\nversion: QR version at level M (range over {} runs; the other columns are the largest run).\n\
         chars: compact text (VC1: + Base45). bytes: its binary form = compressed skeleton (skel.z) + raw random bytes (raw).\n\
         digests/sigs/discl/key-binding: decoded bytes of those parts of the standard presentation. standard: characters of the standard compact serialization.",
        a.runs.max(1)
    );
    Ok(0)
}
