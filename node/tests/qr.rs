//! QR presentations end to end with real PNG images: issue each kind as SD-JWT, present chosen
//! claims with key binding, put the compact form in a QR code, degrade the image like a phone
//! screenshot (scaled, rotated, margin, lower contrast), scan it back and verify. And the ways a
//! QR code must fail: expired, shown to another verifier, revoked after it was made, a disclosure
//! swapped in from another credential.

use chrono::{DateTime, Duration, Utc};
use credentials::compact;
use credentials::issue::{issue, Format};
use credentials::present::{present_sd_jwt, Audience, OPEN_AUDIENCE};
use credentials::verify::{CheckName, MemoryStatus, MemoryTrust, Outcome};
use credentials::{CredentialKind, Identity, VerificationReport, Verifier, VerifyOptions};
use image::{GrayImage, Luma};
use node::qr::{scan, scan_luma, Qr};
use rand::SeedableRng;
use serde_json::Value;

#[path = "../../credentials/tests/support/mod.rs"]
mod support;

use support::{accredited_issuer, request, sample, t, LIST_R};

struct Counter {
    issuer: Identity,
    holder: Identity,
    clinic: Identity,
    school: Identity,
    status: MemoryStatus,
    trust: MemoryTrust,
    verifier: Verifier,
    rng: rand_chacha::ChaCha20Rng,
    now: DateTime<Utc>,
}

impl Counter {
    fn new() -> Self {
        let (issuer, status, trust) = accredited_issuer();
        Self {
            status,
            trust,
            issuer,
            holder: Identity::from_seed(&[2; 32]),
            clinic: Identity::from_seed(&[3; 32]),
            school: Identity::from_seed(&[4; 32]),
            verifier: Verifier::new(),
            rng: rand_chacha::ChaCha20Rng::seed_from_u64(5),
            now: t("2026-11-26T09:00:00Z"),
        }
    }

    fn issue(&mut self, kind: CredentialKind, subject: Value, index: u64) -> String {
        let req = request(kind, subject, &self.holder, index);
        issue(Format::SdJwt, &self.issuer, &req, &mut self.rng)
            .unwrap()
            .to_text()
    }

    /// A presentation for `verifier` (None: any verifier), valid two minutes.
    fn present(&self, credential: &str, claims: &[&str], verifier: Option<&str>) -> String {
        let claims: Vec<String> = claims.iter().map(|c| c.to_string()).collect();
        let audience = Audience {
            challenge: Some("a-nonce-of-the-holder-22".into()),
            domain: Some(verifier.unwrap_or(OPEN_AUDIENCE).into()),
            expires: Some(self.now + Duration::seconds(120)),
        };
        present_sd_jwt(credential, &claims, &self.holder, &audience, self.now).unwrap()
    }

    /// What a counter verifier runs: expects its own DID, accepts open QR codes.
    fn verify_at(&self, text: &str, verifier: &Identity, at: DateTime<Utc>) -> VerificationReport {
        let mut o = VerifyOptions::at(at);
        o.domain = Some(verifier.did().into());
        o.accept_open_audience = true;
        self.verifier.verify(text, &o, &self.status, &self.trust)
    }
}

/// Bilinear sample with a background colour outside the image.
fn sample_px(img: &GrayImage, x: f32, y: f32, bg: f32) -> f32 {
    let (w, h) = img.dimensions();
    let px = |xi: i64, yi: i64| -> f32 {
        if xi < 0 || yi < 0 || xi >= w as i64 || yi >= h as i64 {
            bg
        } else {
            img.get_pixel(xi as u32, yi as u32).0[0] as f32
        }
    };
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let (xi, yi) = (x0 as i64, y0 as i64);
    px(xi, yi) * (1.0 - fx) * (1.0 - fy)
        + px(xi + 1, yi) * fx * (1.0 - fy)
        + px(xi, yi + 1) * (1.0 - fx) * fy
        + px(xi + 1, yi + 1) * fx * fy
}

/// A phone screenshot of a QR code: scaled by a non-integer factor, rotated a few degrees,
/// framed in a grey margin, with dark modules dark grey and light modules off-white.
fn screenshot(png: &[u8], scale: f32, degrees: f32, margin: u32) -> GrayImage {
    let src = image::load_from_memory(png).unwrap().to_luma8();
    let (w, h) = src.dimensions();
    let (ow, oh) = (
        (w as f32 * scale) as u32 + 2 * margin,
        (h as f32 * scale) as u32 + 2 * margin,
    );
    let (cx, cy) = (ow as f32 / 2.0, oh as f32 / 2.0);
    let (sin, cos) = degrees.to_radians().sin_cos();
    GrayImage::from_fn(ow, oh, |x, y| {
        // Inverse map: rotate back around the centre, then unscale into the source.
        let (dx, dy) = (x as f32 - cx, y as f32 - cy);
        let (rx, ry) = (dx * cos + dy * sin, -dx * sin + dy * cos);
        let (sx, sy) = (rx / scale + w as f32 / 2.0, ry / scale + h as f32 / 2.0);
        let v = sample_px(&src, sx, sy, 255.0);
        Luma([(40.0 + v * (215.0 / 255.0)) as u8])
    })
}

/// Presentation → compact text → PNG → screenshot → scanned text → standard presentation.
fn through_a_screenshot(presentation: &str) -> (String, i16) {
    let text = compact::encode(presentation).unwrap();
    let qr = Qr::new(&text).unwrap();
    let png = qr.png().unwrap();
    // The clean PNG scans too.
    assert_eq!(scan(&png, "clean.png").unwrap(), text);
    // Shrunk and turned one way, enlarged and turned the other.
    for (scale, degrees) in [(0.71, 4.0), (1.3, -3.0)] {
        let shot = screenshot(&png, scale, degrees, 37);
        assert_eq!(scan_luma(&shot, "screenshot").unwrap(), text);
    }
    (compact::decode(&text).unwrap(), qr.version())
}

fn failed(r: &VerificationReport, check: CheckName) -> String {
    match r.outcome(check) {
        Some(Outcome::Fail { reason }) => reason.clone(),
        other => panic!("{check:?} should fail, got {other:?}\n{r}"),
    }
}

#[test]
fn every_kind_round_trips_through_a_screenshot_and_verifies() {
    let mut c = Counter::new();
    let id = c.issue(
        CredentialKind::Identity,
        sample("identity", "01-adult-with-did.json"),
        10,
    );
    let health = c.issue(
        CredentialKind::HealthRecord,
        sample("health", "03-child-immunizations.json"),
        11,
    );
    let study = c.issue(
        CredentialKind::StudyRecord,
        sample("study", "02-master-graduated.json"),
        12,
    );
    let cases: [(&str, &[&str], Option<&str>); 4] = [
        (&id, &["fullName", "dateOfBirth"], None),
        (&id, &["ageOver18"], Some(c.clinic.did())),
        (&health, &["immunizations[0]"], Some(c.clinic.did())),
        (&study, &["programme", "gpa"], None),
    ];
    for (cred, claims, verifier) in cases {
        let p = c.present(cred, claims, verifier);
        let (back, version) = through_a_screenshot(&p);
        assert_eq!(
            back, p,
            "the scanned QR code restores the exact presentation"
        );
        assert!(version <= 25, "{claims:?}: QR version {version}");
        let r = c.verify_at(&back, &c.clinic, c.now + Duration::seconds(10));
        assert!(r.valid, "{claims:?}\n{r}");
        // Exactly the chosen claims are disclosed (plus the subject id).
        let subject = r.claims.as_ref().unwrap().as_object().unwrap();
        let mut keys: Vec<&str> = subject
            .keys()
            .map(String::as_str)
            .filter(|k| *k != "id")
            .collect();
        keys.sort();
        let mut want: Vec<&str> = claims
            .iter()
            .map(|c| c.split('[').next().unwrap())
            .collect();
        want.sort();
        assert_eq!(keys, want);
    }
}

#[test]
fn age_over_18_alone_hides_the_birth_date() {
    let mut c = Counter::new();
    let id = c.issue(
        CredentialKind::Identity,
        sample("identity", "01-adult-with-did.json"),
        20,
    );
    let (back, _) = through_a_screenshot(&c.present(&id, &["ageOver18"], None));
    let r = c.verify_at(&back, &c.clinic, c.now);
    assert!(r.valid, "{r}");
    assert_eq!(r.claims.as_ref().unwrap()["ageOver18"], true);
    assert!(!back.contains(&{
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("1990")
    }));
    let text = serde_json::to_string(&r.claims).unwrap();
    assert!(!text.contains("dateOfBirth"), "{text}");
}

#[test]
fn expired_qr_is_refused() {
    let mut c = Counter::new();
    let id = c.issue(
        CredentialKind::Identity,
        sample("identity", "01-adult-with-did.json"),
        30,
    );
    let (back, _) = through_a_screenshot(&c.present(&id, &["fullName"], None));
    let r = c.verify_at(&back, &c.clinic, c.now + Duration::seconds(121));
    assert!(failed(&r, CheckName::ValidityPeriod).contains("presentation expired"));
}

#[test]
fn qr_made_for_one_verifier_is_refused_by_another() {
    let mut c = Counter::new();
    let id = c.issue(
        CredentialKind::Identity,
        sample("identity", "01-adult-with-did.json"),
        40,
    );
    let (back, _) = through_a_screenshot(&c.present(&id, &["fullName"], Some(c.clinic.did())));
    assert!(c.verify_at(&back, &c.clinic, c.now).valid);
    let r = c.verify_at(&back, &c.school, c.now);
    let reason = failed(&r, CheckName::Domain);
    assert!(
        reason.contains(c.clinic.did()) && reason.contains(c.school.did()),
        "{reason}"
    );
    // An open QR code must carry an expiry to be accepted by any verifier; without the open
    // policy a verifier refuses it.
    let (open, _) = through_a_screenshot(&c.present(&id, &["fullName"], None));
    let mut strict = VerifyOptions::at(c.now);
    strict.domain = Some(c.school.did().into());
    let r = c.verifier.verify(&open, &strict, &c.status, &c.trust);
    assert!(failed(&r, CheckName::Domain).contains(OPEN_AUDIENCE));
}

#[test]
fn qr_of_a_credential_revoked_after_it_was_made_is_refused() {
    let mut c = Counter::new();
    let id = c.issue(
        CredentialKind::Identity,
        sample("identity", "01-adult-with-did.json"),
        50,
    );
    let (back, _) = through_a_screenshot(&c.present(&id, &["fullName", "dateOfBirth"], None));
    assert!(c.verify_at(&back, &c.clinic, c.now).valid);
    let now = c.now;
    c.status
        .get_mut(LIST_R)
        .unwrap()
        .change(&[50], &[], now)
        .unwrap();
    let r = c.verify_at(&back, &c.clinic, c.now);
    assert!(failed(&r, CheckName::Status).starts_with("revoked"));
}

#[test]
fn qr_with_a_disclosure_swapped_in_from_another_credential_is_refused() {
    let mut c = Counter::new();
    let mine = c.issue(
        CredentialKind::Identity,
        sample("identity", "01-adult-with-did.json"),
        60,
    );
    let other = c.issue(
        CredentialKind::Identity,
        sample("identity", "03-sex-unspecified.json"),
        61,
    );
    // The holder presents its own credential but with the fullName disclosure of the other
    // credential, and signs a fresh key binding JWT over the result.
    let p = c.present(&mine, &["fullName"], None);
    let other_p = c.present(&other, &["fullName"], None);
    let swapped_disclosure = other_p.split('~').nth(1).unwrap();
    let jws = p.split('~').next().unwrap();
    let prefix = format!("{jws}~{swapped_disclosure}~");
    let kb = {
        let payload = serde_json::json!({
            "iat": c.now.timestamp(), "sd_hash": credentials::sd_jwt::sd_hash(&prefix),
            "nonce": "a-nonce-of-the-holder-22", "aud": OPEN_AUDIENCE,
            "exp": (c.now + Duration::seconds(120)).timestamp(),
        });
        credentials::jose::sign_compact(
            &credentials::jose::Header::eddsa("kb+jwt", None),
            &serde_json::to_vec(&payload).unwrap(),
            c.holder.signing_key(),
        )
    };
    let forged = format!("{prefix}{kb}");
    let (back, _) = through_a_screenshot(&forged);
    assert_eq!(back, forged);
    let r = c.verify_at(&back, &c.clinic, c.now);
    assert!(!r.valid);
    assert!(
        failed(&r, CheckName::Signature).contains("matches no digest"),
        "{r}"
    );
}
