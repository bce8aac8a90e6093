//! The adversarial corpus: one row per hostile input, each with the named check that must
//! refuse it (issue 13). The rows run through the verification pipeline exactly as a node runs
//! them (single and batched, mixed with an honest presentation that must still pass), so every
//! row is also a regression test for "never panic, keep serving". The rows that need a running
//! node (HTTP bodies, `Host`, body size) are in `tests/tests/adversarial_http.rs`.
//!
//! Rows cover VC JSON (Data Integrity), vc+jwt, SD-JWT, presentations (SD-JWT + key binding,
//! vp+jwt, Data Integrity) and `VC1:` QR text, including the three reproductions of issue 13:
//! a multi-byte `EnvelopedVerifiableCredential` id, a presentation with its key binding JWT cut
//! off, and a chain of disclosures nested 12,000 levels deep under a zero signature.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use credentials::issue::{issue, Format};
use credentials::present::{present_di, present_jwt, present_sd_jwt, Audience, OPEN_AUDIENCE};
use credentials::sd_jwt::Disclosure;
use credentials::trust::{Accreditation, TrustEntry};
use credentials::verify::{CheckName, MemoryStatus, MemoryTrust, Outcome};
use credentials::{CredentialKind, Identity, VerificationReport, Verifier, VerifyOptions};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde_json::{json, Value};
use std::rc::Rc;

#[path = "../../credentials/tests/support/mod.rs"]
mod support;

use support::{accredited_issuer, first_sample, request, t, LIST_R, LIST_S};

const NOW: &str = "2026-06-01T00:00:00Z";
const CHALLENGE: &str = "c-7f3a";
const DOMAIN: &str = "did:key:z6MkClinicVerifierExample";
const REVOKED: u64 = 20;
const SUSPENDED: u64 = 21;

/// What a row must give.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// An honest control row: valid.
    Valid,
    /// Refused, and this check is among the failures.
    Fails(CheckName),
}

/// How the row's text reaches the verifier.
#[derive(Debug, Clone, Copy)]
enum Via {
    /// As text (an HTTP body, a file, a p2p answer).
    Text,
    /// As `VC1:` QR text: restored first; a restore error is a `decode` refusal.
    Qr,
}

struct Row {
    name: &'static str,
    input: String,
    via: Via,
    opts: VerifyOptions,
    expect: Expect,
}

struct World {
    issuer: Rc<Identity>,
    holder: Rc<Identity>,
    other: Rc<Identity>,
    status: MemoryStatus,
    trust: MemoryTrust,
    rng: ChaCha20Rng,
    now: DateTime<Utc>,
}

impl World {
    fn new() -> Self {
        let (issuer, mut status, mut trust) = accredited_issuer();
        let now = t(NOW);
        for (list, index) in [(LIST_R, REVOKED), (LIST_S, SUSPENDED)] {
            if let Some(l) = status.get_mut(list) {
                l.change(&[index], &[], now).unwrap();
            }
        }
        // A second issuer, accredited for identity credentials only.
        let narrow = Identity::from_seed(&[3; 32]);
        trust.insert(TrustEntry {
            accreditation: Accreditation {
                issuer: narrow.did().into(),
                name: "District Office".into(),
                kinds: vec![CredentialKind::Identity],
                valid_from: "2020-01-01T00:00:00Z".into(),
                valid_until: None,
                version: 1,
            },
            withdrawn: None,
        });
        Self {
            issuer: Rc::new(issuer),
            holder: Rc::new(Identity::from_seed(&[2; 32])),
            other: Rc::new(Identity::from_seed(&[9; 32])),
            status,
            trust,
            rng: ChaCha20Rng::seed_from_u64(13),
            now,
        }
    }

    fn issue_by(&mut self, by: &Identity, format: Format, kind: &str, index: u64) -> String {
        let k = CredentialKind::parse(kind).unwrap();
        let req = request(k, first_sample(kind), &self.holder, index);
        issue(format, by, &req, &mut self.rng).unwrap().to_text()
    }

    fn issue(&mut self, format: Format, index: u64) -> String {
        let issuer = self.issuer.clone();
        self.issue_by(&issuer, format, "identity", index)
    }

    fn audience(&self) -> Audience {
        Audience {
            challenge: Some(CHALLENGE.into()),
            domain: Some(DOMAIN.into()),
            expires: Some(self.now + Duration::seconds(120)),
        }
    }

    fn present(&self, sd_jwt: &str, audience: &Audience) -> String {
        let claims = vec!["fullName".to_string(), "dateOfBirth".to_string()];
        present_sd_jwt(sd_jwt, &claims, &self.holder, audience, self.now).unwrap()
    }
}

fn at(now: &str) -> VerifyOptions {
    VerifyOptions::at(t(now))
}

/// The verifier's options for a presentation it asked for.
fn asked() -> VerifyOptions {
    let mut o = at(NOW);
    o.challenge = Some(CHALLENGE.into());
    o.domain = Some(DOMAIN.into());
    o
}

fn b64json(v: &Value) -> String {
    B64.encode(serde_json::to_vec(v).unwrap())
}

/// The JSON of a compact JWS's part (0 header, 1 payload).
fn part(jws: &str, i: usize) -> Value {
    let p = jws.split('.').nth(i).unwrap();
    serde_json::from_slice(&B64.decode(p).unwrap()).unwrap()
}

/// A compact JWS with the given header JSON and payload JSON, signed (Ed25519) by `key`.
fn raw_jws(header: &Value, payload: &Value, key: &Identity) -> String {
    use ed25519_dalek::Signer;
    let input = format!("{}.{}", b64json(header), b64json(payload));
    let sig = key.signing_key().sign(input.as_bytes());
    format!("{input}.{}", B64.encode(sig.to_bytes()))
}

/// Replaces the signature of a compact JWS with `bytes` zero bytes.
fn zero_sig(jws: &str, bytes: usize) -> String {
    let (input, _) = jws.rsplit_once('.').unwrap();
    format!("{input}.{}", B64.encode(vec![0u8; bytes]))
}

/// Re-signs the payload of a JWS under a header with other fields.
fn reheader(jws: &str, key: &Identity, edit: impl FnOnce(&mut Value)) -> String {
    let mut h = part(jws, 0);
    edit(&mut h);
    raw_jws(&h, &part(jws, 1), key)
}

/// Changes the payload of a JWS without re-signing it.
fn tamper_payload(jws: &str, edit: impl FnOnce(&mut Value)) -> String {
    let mut parts: Vec<String> = jws.split('.').map(str::to_owned).collect();
    let mut p = part(jws, 1);
    edit(&mut p);
    parts[1] = b64json(&p);
    parts.join(".")
}

fn edit_json(text: &str, edit: impl FnOnce(&mut Value)) -> String {
    let mut v: Value = serde_json::from_str(text).unwrap();
    edit(&mut v);
    v.to_string()
}

fn nested(depth: usize) -> String {
    format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth))
}

/// Issue 13, reproduction 3: `n` disclosures, each hiding the next one's digest `depth`
/// levels down, under an all-zero issuer signature.
fn disclosure_chain(issuer: &Identity, n: usize, depth: usize, rng: &mut ChaCha20Rng) -> String {
    let mut next: Option<String> = None;
    let mut encoded = Vec::new();
    for _ in 0..n {
        let mut v = match &next {
            Some(d) => json!({ "_sd": [d] }),
            None => json!("end"),
        };
        for _ in 0..depth {
            v = json!({ "x": v });
        }
        let d = Disclosure::new(rng, Some("c"), v);
        next = Some(d.digest.clone());
        encoded.push(d.encoded);
    }
    encoded.reverse();
    let header = json!({"alg": "EdDSA", "typ": "vc+sd-jwt", "kid": issuer.verification_method()});
    let payload = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential", "IdentityCredential"],
        "issuer": issuer.did(),
        "credentialSubject": { "_sd": [next.unwrap()] },
        "_sd_alg": "sha-256",
    });
    let jws = zero_sig(&raw_jws(&header, &payload, issuer), 64);
    format!("{jws}~{}~", encoded.join("~"))
}

fn rows(w: &mut World) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut row = |name: &'static str, input: String, opts: VerifyOptions, expect: Expect| {
        rows.push(Row {
            name,
            input,
            via: Via::Text,
            opts,
            expect,
        })
    };
    use CheckName::*;
    use Expect::*;

    // ---- VC JSON (Data Integrity eddsa-rdfc-2022) ----
    let di = w.issue(Format::DataIntegrity, 10);
    row("di: honest", di.clone(), at(NOW), Valid);
    row(
        "di: claim changed",
        edit_json(&di, |v| {
            v["credentialSubject"]["fullName"] = json!("Mallory")
        }),
        at(NOW),
        Fails(Signature),
    );
    let zero_proof = format!("z{}", bs58::encode([0u8; 64]).into_string());
    row(
        "di: all-zero proofValue",
        edit_json(&di, |v| v["proof"]["proofValue"] = json!(zero_proof)),
        at(NOW),
        Fails(Signature),
    );
    row(
        "di: proof removed",
        edit_json(&di, |v| {
            v.as_object_mut().unwrap().remove("proof");
        }),
        at(NOW),
        Fails(Decode),
    );
    row(
        "di: unknown cryptosuite",
        edit_json(&di, |v| v["proof"]["cryptosuite"] = json!("eddsa-xyz-2099")),
        at(NOW),
        Fails(Decode),
    );
    row(
        "di: cryptosuite swapped to eddsa-jcs-2022 (the same key, another transformation)",
        edit_json(&di, |v| v["proof"]["cryptosuite"] = json!("eddsa-jcs-2022")),
        at(NOW),
        Fails(Signature),
    );
    row(
        "di: cryptosuite swapped to ecdsa-rdfc-2019 (an Ed25519 key cannot make it)",
        edit_json(&di, |v| {
            v["proof"]["cryptosuite"] = json!("ecdsa-rdfc-2019")
        }),
        at(NOW),
        Fails(Signature),
    );
    row(
        "di: proof set of the honest proof and a forged one",
        edit_json(&di, |v| {
            let mut forged = v["proof"].clone();
            forged["proofValue"] = json!(zero_proof);
            v["proof"] = json!([v["proof"].clone(), forged]);
        }),
        at(NOW),
        Fails(Signature),
    );
    row(
        "di: verificationMethod of another key",
        edit_json(&di, |v| {
            v["proof"]["verificationMethod"] = json!(w.other.verification_method())
        }),
        at(NOW),
        Fails(Signature),
    );
    row(
        "di: @context removed",
        edit_json(&di, |v| {
            v.as_object_mut().unwrap().remove("@context");
        }),
        at(NOW),
        Fails(Decode),
    );
    row(
        "di: type is not VerifiableCredential",
        edit_json(&di, |v| v["type"] = json!(["Thing"])),
        at(NOW),
        Fails(Decode),
    );
    row(
        "di: expired (checked in 2032)",
        di.clone(),
        at("2032-01-01T00:00:00Z"),
        Fails(ValidityPeriod),
    );
    row(
        "di: not yet valid (checked in 2025)",
        di.clone(),
        at("2025-01-01T00:00:00Z"),
        Fails(ValidityPeriod),
    );
    row(
        "di: revoked",
        w.issue(Format::DataIntegrity, REVOKED),
        at(NOW),
        Fails(Status),
    );
    row(
        "di: suspended",
        w.issue(Format::DataIntegrity, SUSPENDED),
        at(NOW),
        Fails(Status),
    );
    let other = w.other.clone();
    row(
        "di: unaccredited issuer",
        w.issue_by(&other, Format::DataIntegrity, "identity", 10),
        at(NOW),
        Fails(IssuerAccredited),
    );
    let narrow = Identity::from_seed(&[3; 32]);
    row(
        "di: issuer not accredited for this kind",
        w.issue_by(&narrow, Format::DataIntegrity, "health", 10),
        at(NOW),
        Fails(IssuerAccredited),
    );
    row(
        "di: proof created in the future (re-signed honestly)",
        {
            let req = request(
                CredentialKind::Identity,
                first_sample("identity"),
                &w.holder,
                10,
            );
            let vc =
                credentials::issue::build_credential(w.issuer.did(), &req, &mut w.rng).unwrap();
            credentials::data_integrity::sign(
                &vc,
                &w.issuer,
                t("2026-09-01T00:00:00Z"),
                "assertionMethod",
                None,
                None,
            )
            .unwrap()
            .to_string()
        },
        at(NOW),
        Fails(ValidityPeriod),
    );
    row(
        "json: nested 200 levels",
        nested(200),
        at(NOW),
        Fails(Decode),
    );
    row(
        "json: 2 MiB body",
        format!("{{\"a\":\"{}\"}}", "x".repeat(2 << 20)),
        at(NOW),
        Fails(Decode),
    );
    row(
        "json: enveloped id of multi-byte characters (issue 13 #1)",
        json!({"type": "EnvelopedVerifiableCredential", "id": format!("a{}", "é".repeat(16))})
            .to_string(),
        at(NOW),
        Fails(Decode),
    );
    row(
        "json: enveloped id not a data: URL",
        json!({"type": "EnvelopedVerifiableCredential", "id": "https://evil.example/vc"})
            .to_string(),
        at(NOW),
        Fails(Decode),
    );
    row("text: empty", "   ".into(), at(NOW), Fails(Decode));
    row(
        "text: unrecognised",
        "hello verifier".into(),
        at(NOW),
        Fails(Decode),
    );
    row(
        "text: replacement characters of invalid UTF-8",
        "\u{FFFD}\u{FFFD}.\u{FFFD}.\u{FFFD}".into(),
        at(NOW),
        Fails(Decode),
    );

    // ---- vc+jwt ----
    let jwt = w.issue(Format::Jwt, 10);
    row("jwt: honest", jwt.clone(), at(NOW), Valid);
    row(
        "jwt: all-zero signature",
        zero_sig(&jwt, 64),
        at(NOW),
        Fails(Signature),
    );
    row(
        "jwt: 63-byte signature",
        zero_sig(&jwt, 63),
        at(NOW),
        Fails(Decode),
    );
    row(
        "jwt: alg none, no signature",
        {
            let mut h = part(&jwt, 0);
            h["alg"] = json!("none");
            format!("{}.{}.", b64json(&h), jwt.split('.').nth(1).unwrap())
        },
        at(NOW),
        Fails(Decode),
    );
    let issuer = w.issuer.clone();
    row(
        "jwt: alg HS256",
        reheader(&jwt, &issuer, |h| h["alg"] = json!("HS256")),
        at(NOW),
        Fails(Decode),
    );
    row(
        "jwt: alg ES256 over an Ed25519 key (an ES256 signature the issuer's key cannot check)",
        reheader(&jwt, &issuer, |h| h["alg"] = json!("ES256")),
        at(NOW),
        Fails(Signature),
    );
    row(
        "jwt: typ vp+jwt on a credential",
        reheader(&jwt, &issuer, |h| h["typ"] = json!("vp+jwt")),
        at(NOW),
        Fails(Decode),
    );
    row(
        "jwt: typ kb+jwt",
        reheader(&jwt, &issuer, |h| h["typ"] = json!("kb+jwt")),
        at(NOW),
        Fails(Decode),
    );
    row(
        "jwt: no typ",
        reheader(&jwt, &issuer, |h| {
            h.as_object_mut().unwrap().remove("typ");
        }),
        at(NOW),
        Fails(Decode),
    );
    row(
        "jwt: kid names another DID",
        reheader(&jwt, &issuer, |h| {
            h["kid"] = json!(other.verification_method())
        }),
        at(NOW),
        Fails(Signature),
    );
    row(
        "jwt: no kid",
        reheader(&jwt, &issuer, |h| {
            h.as_object_mut().unwrap().remove("kid");
        }),
        at(NOW),
        Fails(Signature),
    );
    row(
        "jwt: claim changed, not re-signed",
        tamper_payload(&jwt, |p| {
            p["credentialSubject"]["fullName"] = json!("Mallory")
        }),
        at(NOW),
        Fails(Signature),
    );
    row(
        "jwt: re-signed by another key under the issuer's kid",
        {
            let other = w.other.clone();
            raw_jws(&part(&jwt, 0), &part(&jwt, 1), &other)
        },
        at(NOW),
        Fails(Signature),
    );
    row(
        "jwt: truncated (no signature part)",
        jwt.rsplit_once('.').unwrap().0.to_owned(),
        at(NOW),
        Fails(Decode),
    );
    row(
        "jwt: cut in the middle",
        jwt[..jwt.len() / 2].to_owned(),
        at(NOW),
        Fails(Decode),
    );
    row(
        "jwt: payload not JSON",
        format!(
            "{}.{}.{}",
            jwt.split('.').next().unwrap(),
            B64.encode(b"not json"),
            jwt.rsplit('.').next().unwrap()
        ),
        at(NOW),
        Fails(Decode),
    );
    row(
        "jwt: payload a JSON array",
        tamper_payload(&jwt, |p| *p = json!([1, 2])),
        at(NOW),
        Fails(Decode),
    );
    row(
        "jwt: revoked",
        w.issue(Format::Jwt, REVOKED),
        at(NOW),
        Fails(Status),
    );
    row(
        "jwt: expired",
        jwt.clone(),
        at("2031-06-01T00:00:00Z"),
        Fails(ValidityPeriod),
    );

    // ---- SD-JWT ----
    let sd = w.issue(Format::SdJwt, 10);
    row("sd-jwt: honest credential", sd.clone(), at(NOW), Valid);
    let (sd_jws, sd_rest) = sd.split_once('~').unwrap();
    row(
        "sd-jwt: all-zero issuer signature",
        format!("{}~{sd_rest}", zero_sig(sd_jws, 64)),
        at(NOW),
        Fails(Signature),
    );
    let mut rng = ChaCha20Rng::seed_from_u64(99);
    let foreign = Disclosure::new(&mut rng, Some("fullName"), json!("Mallory"));
    row(
        "sd-jwt: foreign disclosure added",
        format!("{sd}{}~", foreign.encoded),
        at(NOW),
        Fails(Signature),
    );
    let first = sd_rest.split('~').next().unwrap();
    row(
        "sd-jwt: disclosure repeated",
        format!("{sd}{first}~"),
        at(NOW),
        Fails(Signature),
    );
    let sd2 = w.issue(Format::SdJwt, 11);
    let swapped = sd2.split('~').nth(1).unwrap();
    row(
        "sd-jwt: disclosure swapped in from another credential",
        format!("{sd}{swapped}~"),
        at(NOW),
        Fails(Signature),
    );
    row(
        "sd-jwt: empty disclosure (~~)",
        format!("{sd_jws}~~{sd_rest}"),
        at(NOW),
        Fails(Decode),
    );
    row(
        "sd-jwt: typ vc+jwt on an SD-JWT",
        format!(
            "{}~{sd_rest}",
            reheader(sd_jws, &issuer, |h| h["typ"] = json!("vc+jwt"))
        ),
        at(NOW),
        Fails(Decode),
    );
    row(
        "sd-jwt: 600 disclosures",
        format!("{sd}{}", format!("{first}~").repeat(600)),
        at(NOW),
        Fails(Decode),
    );
    row(
        "sd-jwt: disclosure chain 100 x 120 levels, zero signature (issue 13 #3)",
        disclosure_chain(&issuer, 100, 120, &mut rng),
        at(NOW),
        Fails(Signature),
    );
    row(
        "sd-jwt: disclosure not base64url",
        format!("{sd}%%%~"),
        at(NOW),
        Fails(Decode),
    );
    row(
        "sd-jwt: revoked",
        w.issue(Format::SdJwt, REVOKED),
        at(NOW),
        Fails(Status),
    );
    row(
        "sd-jwt: suspended",
        w.issue(Format::SdJwt, SUSPENDED),
        at(NOW),
        Fails(Status),
    );

    // ---- SD-JWT presentations (key binding) ----
    let aud = w.audience();
    let vp = w.present(&sd, &aud);
    row("kb: honest presentation", vp.clone(), asked(), Valid);
    let cut = format!("{}~", vp.rsplit_once('~').unwrap().0);
    row(
        "kb: key binding JWT cut off, challenge expected (issue 13 #2)",
        cut.clone(),
        asked(),
        Fails(HolderBinding),
    );
    let mut required = at(NOW);
    required.require_presentation = true;
    row(
        "kb: key binding JWT cut off, presentation required",
        cut.clone(),
        required,
        Fails(HolderBinding),
    );
    let mut qr_opts = at(NOW);
    qr_opts.domain = Some(DOMAIN.into());
    qr_opts.accept_open_audience = true;
    row(
        "kb: key binding JWT cut off, as an open QR code",
        cut,
        qr_opts.clone(),
        Fails(HolderBinding),
    );
    let mut replay = asked();
    replay.challenge = Some("a-later-challenge".into());
    row(
        "kb: replayed (another request's challenge)",
        vp.clone(),
        replay,
        Fails(Challenge),
    );
    let mut elsewhere = asked();
    elsewhere.domain = Some("did:key:z6MkAnotherClinic".into());
    row(
        "kb: made for another verifier",
        vp.clone(),
        elsewhere,
        Fails(Domain),
    );
    let holder = w.holder.clone();
    let thief = Identity::from_seed(&[77; 32]);
    row(
        "kb: key binding signed by another key",
        present_sd_jwt(&sd, &["fullName".to_string()], &thief, &aud, w.now).unwrap(),
        asked(),
        Fails(Signature),
    );
    let kb = vp.rsplit('~').next().unwrap();
    let disclosures: Vec<&str> = vp.split('~').skip(1).collect();
    row(
        "kb: a disclosure dropped after key binding (sd_hash)",
        format!(
            "{}~{}~{kb}",
            vp.split('~').next().unwrap(),
            disclosures[..disclosures.len() - 2].join("~")
        ),
        asked(),
        Fails(HolderBinding),
    );
    row(
        "kb: presentation expired",
        vp.clone(),
        {
            let mut o = asked();
            o.now = w.now + Duration::seconds(600);
            o
        },
        Fails(ValidityPeriod),
    );
    row(
        "kb: presentation dated in the future",
        vp.clone(),
        {
            let mut o = asked();
            o.now = w.now - Duration::seconds(3600);
            o
        },
        Fails(ValidityPeriod),
    );
    row(
        "kb: typ jwt instead of kb+jwt",
        format!(
            "{}~{}",
            vp.rsplit_once('~').unwrap().0,
            reheader(kb, &holder, |h| h["typ"] = json!("jwt"))
        ),
        asked(),
        Fails(Decode),
    );
    row(
        "kb: key binding JWT with all-zero signature",
        format!("{}~{}", vp.rsplit_once('~').unwrap().0, zero_sig(kb, 64)),
        asked(),
        Fails(Signature),
    );
    let open = Audience {
        challenge: Some("n".into()),
        domain: Some(OPEN_AUDIENCE.into()),
        expires: None,
    };
    row(
        "qr: open audience without expiry",
        w.present(&sd, &open),
        qr_opts.clone(),
        Fails(Domain),
    );
    let open_exp = Audience {
        expires: Some(w.now + Duration::seconds(60)),
        ..open
    };
    let two_days = Audience {
        challenge: Some("n".into()),
        domain: Some(OPEN_AUDIENCE.into()),
        expires: Some(w.now + Duration::days(2)),
    };
    row(
        "qr: open audience valid for two days",
        w.present(&sd, &two_days),
        qr_opts.clone(),
        Fails(Domain),
    );
    let mut strict = at(NOW);
    strict.domain = Some(DOMAIN.into());
    row(
        "qr: open audience where only this verifier is accepted",
        w.present(&sd, &open_exp),
        strict,
        Fails(Domain),
    );

    // ---- vp+jwt ----
    let vp_jwt = present_jwt(&[&jwt], &holder, &aud, w.now);
    row("vp+jwt: honest", vp_jwt.clone(), asked(), Valid);
    row(
        "vp+jwt: presented by someone else",
        present_jwt(&[&jwt], &thief, &aud, w.now),
        asked(),
        Fails(HolderBinding),
    );
    row(
        "vp+jwt: no nonce where a challenge is expected",
        present_jwt(
            &[&jwt],
            &holder,
            &Audience {
                challenge: None,
                ..w.audience()
            },
            w.now,
        ),
        asked(),
        Fails(Challenge),
    );
    row(
        "vp+jwt: changed after signing",
        tamper_payload(&vp_jwt, |p| p["nonce"] = json!("other")),
        asked(),
        Fails(Signature),
    );
    row(
        "vp+jwt: carries a bare JSON credential",
        raw_jws(
            &json!({"alg": "EdDSA", "typ": "vp+jwt", "kid": holder.verification_method()}),
            &json!({"holder": holder.did(), "nonce": CHALLENGE, "aud": DOMAIN,
                    "verifiableCredential": [serde_json::from_str::<Value>(&di).unwrap()]}),
            &holder,
        ),
        asked(),
        Fails(Decode),
    );
    row(
        "vp+jwt: bare vc+jwt where a presentation is expected",
        jwt.clone(),
        asked(),
        Fails(HolderBinding),
    );

    // ---- Data Integrity presentations ----
    let di_v: Value = serde_json::from_str(&di).unwrap();
    let vp_di = present_di(std::slice::from_ref(&di_v), &holder, &aud, w.now)
        .unwrap()
        .to_string();
    row("vp di: honest", vp_di.clone(), asked(), Valid);
    row(
        "vp di: challenge from another request",
        vp_di.clone(),
        {
            let mut o = asked();
            o.challenge = Some("other".into());
            o
        },
        Fails(Challenge),
    );
    row(
        "vp di: credential changed inside the presentation",
        edit_json(&vp_di, |v| {
            v["verifiableCredential"][0]["credentialSubject"]["fullName"] = json!("Mallory")
        }),
        asked(),
        Fails(Signature),
    );
    row(
        "vp di: bare credential where a presentation is expected",
        di.clone(),
        asked(),
        Fails(HolderBinding),
    );

    // ---- VC1: QR text ----
    let compact = credentials::compact::encode(&vp).unwrap();
    let mut qr = |name: &'static str, input: String, opts: VerifyOptions, expect: Expect| {
        rows.push(Row {
            name,
            input,
            via: Via::Qr,
            opts,
            expect,
        })
    };
    qr("VC1: honest", compact.clone(), asked(), Valid);
    qr(
        "VC1: truncated",
        compact[..compact.len() - 20].to_owned(),
        asked(),
        Fails(Decode),
    );
    qr(
        "VC1: not Base45",
        "VC1:this is not base45!".into(),
        asked(),
        Fails(Decode),
    );
    qr("VC1: empty", "VC1:".into(), asked(), Fails(Decode));
    qr(
        "VC1: one character changed",
        {
            let mut c: Vec<char> = compact.chars().collect();
            let i = c.len() / 2;
            c[i] = if c[i] == '0' { '1' } else { '0' };
            c.into_iter().collect()
        },
        asked(),
        Fails(Signature),
    );
    qr(
        "VC1: a valid QR of a presentation whose key binding was cut off",
        credentials::compact::encode(&format!("{}~", vp.rsplit_once('~').unwrap().0))
            .unwrap_or_else(|_| "VC1:".into()),
        qr_opts,
        Fails(HolderBinding),
    );
    rows
}

fn run(verifier: &Verifier, w: &World, row: &Row) -> VerificationReport {
    let text = match row.via {
        Via::Text => row.input.clone(),
        Via::Qr => match credentials::compact::restore(&row.input) {
            Ok(t) => t,
            Err(e) => {
                // The node's readers refuse it before the pipeline: the same as a decode failure.
                let mut r = VerificationReport::default();
                r.record(CheckName::Decode, Outcome::fail(e.to_string()));
                return r.finish();
            }
        },
    };
    verifier.verify(&text, &row.opts, &w.status, &w.trust)
}

fn check_row(row: &Row, r: &VerificationReport) -> Result<(), String> {
    match row.expect {
        Expect::Valid if r.valid => Ok(()),
        Expect::Valid => Err(format!("expected VALID, got:\n{r}")),
        Expect::Fails(check) => match r.outcome(check) {
            _ if r.valid => Err(format!("expected {check:?} to refuse it, got VALID:\n{r}")),
            Some(Outcome::Fail { reason })
                if !reason.starts_with(credentials::verify::INTERNAL_ERROR) =>
            {
                Ok(())
            }
            other => Err(format!("expected {check:?} to fail, got {other:?}:\n{r}")),
        },
    }
}

#[test]
fn every_row_is_refused_by_its_named_check() {
    let mut w = World::new();
    let rows = rows(&mut w);
    assert!(rows.len() >= 60, "the corpus has {} rows", rows.len());
    eprintln!("adversarial corpus: {} rows", rows.len());
    let verifier = Verifier::new();
    let mut failures = Vec::new();
    for row in &rows {
        let r = run(&verifier, &w, row);
        if let Err(e) = check_row(row, &r) {
            failures.push(format!("{}: {e}", row.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows gave the wrong verdict:\n\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n\n")
    );
}

/// The node verifies whatever is waiting as one batch: every hostile row, batched with an
/// honest presentation, gets its own verdict and leaves the honest one valid.
#[test]
fn batched_with_an_honest_presentation_every_verdict_stands() {
    let mut w = World::new();
    let rows = rows(&mut w);
    let honest_credential = w.issue(Format::SdJwt, 12);
    let honest = w.present(&honest_credential, &w.audience());
    let verifier = Verifier::new();
    let honest_opts = asked();
    for row in rows.iter().filter(|r| matches!(r.via, Via::Text)) {
        let items = [
            (honest.as_str(), &honest_opts),
            (row.input.as_str(), &row.opts),
            (honest.as_str(), &honest_opts),
        ];
        let reports = verifier.verify_each_batched(&items, &w.status, &w.trust);
        assert!(
            reports[0].valid && reports[2].valid,
            "{}: honest presentation refused beside it:\n{}",
            row.name,
            reports[0]
        );
        if let Err(e) = check_row(row, &reports[1]) {
            panic!("{} (batched): {e}", row.name);
        }
    }
}
