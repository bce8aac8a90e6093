//! The verification pipeline end to end, in memory: each format issues and verifies, and each
//! kind of bad input is rejected by the right named check with a message naming the fault.

use chrono::Duration;
use credentials::issue::{issue, CredentialRequest, Format, Issued};
use credentials::present::{present_di, present_jwt, present_sd_jwt, Audience};
use credentials::trust::{Accreditation, TrustEntry};
use credentials::verify::{CheckName, MemoryStatus, MemoryTrust, Outcome, Verdict};
use credentials::{CredentialKind, Identity, VerificationReport, Verifier, VerifyOptions};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde_json::{json, Value};

#[path = "support/mod.rs"]
mod support;

use support::{accredited_issuer, first_sample, request, sample, t, LIST_R, LIST_S};

struct World {
    issuer: Identity,
    holder: Identity,
    status: MemoryStatus,
    trust: MemoryTrust,
    verifier: Verifier,
    rng: ChaCha20Rng,
}

impl World {
    fn new() -> Self {
        let (issuer, status, trust) = accredited_issuer();
        Self {
            status,
            trust,
            issuer,
            holder: Identity::from_seed(&[2; 32]),
            verifier: Verifier::new(),
            rng: ChaCha20Rng::seed_from_u64(11),
        }
    }

    fn request(&self, kind: CredentialKind, subject: Value, index: u64) -> CredentialRequest {
        request(kind, subject, &self.holder, index)
    }

    fn issue(
        &mut self,
        format: Format,
        kind: CredentialKind,
        subject: Value,
        index: u64,
    ) -> String {
        let req = self.request(kind, subject, index);
        issue(format, &self.issuer, &req, &mut self.rng)
            .unwrap()
            .to_text()
    }

    fn verify(&self, input: &str) -> VerificationReport {
        self.verify_with(input, &opts())
    }

    fn verify_with(&self, input: &str, o: &VerifyOptions) -> VerificationReport {
        self.verifier.verify(input, o, &self.status, &self.trust)
    }
}

fn opts() -> VerifyOptions {
    VerifyOptions::at(t("2026-06-01T00:00:00Z"))
}

fn failed(r: &VerificationReport, check: CheckName) -> String {
    match r.outcome(check) {
        Some(Outcome::Fail { reason }) => reason.clone(),
        other => panic!("expected {check:?} to fail, got {other:?}\n{r}"),
    }
}

fn unsure(r: &VerificationReport, check: CheckName) -> String {
    match r.outcome(check) {
        Some(Outcome::Unsure { reason }) => reason.clone(),
        other => panic!("expected {check:?} to be unsure, got {other:?}\n{r}"),
    }
}

fn assert_only_fails(r: &VerificationReport, check: CheckName) -> String {
    let reason = failed(r, check);
    for c in &r.checks {
        if c.check != check {
            assert!(
                !c.outcome.is_fail(),
                "{:?} also failed: {:?}\n{r}",
                c.check,
                c.outcome
            );
        }
    }
    reason
}

const KINDS: [(CredentialKind, &str); 3] = [
    (CredentialKind::Identity, "identity"),
    (CredentialKind::HealthRecord, "health"),
    (CredentialKind::StudyRecord, "study"),
];
const FORMATS: [Format; 3] = [Format::DataIntegrity, Format::Jwt, Format::SdJwt];

#[test]
fn every_kind_in_every_format_verifies() {
    let mut w = World::new();
    for (kind, dir) in KINDS {
        for format in FORMATS {
            let cred = w.issue(format, kind, first_sample(dir), 10);
            let r = w.verify(&cred);
            assert!(r.valid, "{kind} {format}:\n{r}");
            assert_eq!(r.kind, Some(kind));
            assert_eq!(r.issuer_name.as_deref(), Some("National Identity Agency"));
            assert_eq!(r.holder.as_deref(), Some(w.holder.did()));
        }
    }
}

#[test]
fn every_valid_sample_issues_and_every_invalid_sample_is_refused_naming_its_field() {
    let mut w = World::new();
    for (kind, dir) in KINDS {
        let base = format!("{}/../schemas/{dir}/samples", env!("CARGO_MANIFEST_DIR"));
        for e in std::fs::read_dir(format!("{base}/valid")).unwrap() {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            let cred = w.issue(Format::Jwt, kind, sample(dir, &name), 3);
            assert!(w.verify(&cred).valid, "{dir}/{name}");
        }
        for e in std::fs::read_dir(format!("{base}/invalid")).unwrap() {
            let path = e.unwrap().path();
            let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let mut req = w.request(kind, v["subject"].clone(), 3);
            if req.subject.get("id").is_some() {
                // The sample's own subject id is what is under test.
                req.holder = None;
            }
            let err = issue(Format::Jwt, &w.issuer, &req, &mut w.rng).unwrap_err();
            let expected = v["expectedField"].as_str().unwrap();
            match &err {
                credentials::issue::IssueError::Schema { violations, .. } => assert!(
                    violations.iter().any(|x| x.field == expected),
                    "{}: expected a violation at {expected}, got {violations:?}",
                    path.display()
                ),
                other => panic!("{}: expected a schema error, got {other}", path.display()),
            }
        }
    }
}

#[test]
fn tampered_claim_fails_signature_in_every_format() {
    let mut w = World::new();
    // JWT: change the payload.
    let jwt = w.issue(
        Format::Jwt,
        CredentialKind::Identity,
        first_sample("identity"),
        1,
    );
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let parts: Vec<&str> = jwt.split('.').collect();
    let mut payload: Value = serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap();
    payload["credentialSubject"]["fullName"] = json!("Mallory");
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        b64.encode(serde_json::to_vec(&payload).unwrap()),
        parts[2]
    );
    let r = w.verify(&forged);
    assert!(assert_only_fails(&r, CheckName::Signature).contains("does not verify"));
    // DI: change a claim.
    let di = w.issue(
        Format::DataIntegrity,
        CredentialKind::Identity,
        first_sample("identity"),
        1,
    );
    let mut v: Value = serde_json::from_str(&di).unwrap();
    v["credentialSubject"]["fullName"] = json!("Mallory");
    let r = w.verify(&v.to_string());
    assert!(assert_only_fails(&r, CheckName::Signature).contains("does not verify"));
    // SD-JWT: a disclosure swapped in from another credential of the same holder.
    let a = w.issue(
        Format::SdJwt,
        CredentialKind::Identity,
        first_sample("identity"),
        1,
    );
    let b = w.issue(
        Format::SdJwt,
        CredentialKind::Identity,
        first_sample("identity"),
        2,
    );
    let b_disclosure = b.split('~').nth(1).unwrap();
    let mut a_parts: Vec<&str> = a.split('~').collect();
    a_parts[1] = b_disclosure;
    let r = w.verify(&a_parts.join("~"));
    assert!(
        failed(&r, CheckName::Signature).contains("matches no digest"),
        "{r}"
    );
}

#[test]
fn wrong_signing_key_and_unknown_issuer_key() {
    let mut w = World::new();
    let mallory = Identity::from_seed(&[66; 32]);
    // Signed by mallory but claiming the agency as issuer.
    let req = w.request(CredentialKind::Identity, first_sample("identity"), 1);
    let mut vc = credentials::issue::build_credential(w.issuer.did(), &req, &mut w.rng).unwrap();
    let jwt = credentials::issue::sign_jwt(&vc, &mallory);
    let r = w.verify(&jwt);
    assert!(
        failed(&r, CheckName::Signature).contains("signed by"),
        "{r}"
    );
    // Issuer key that is not a resolvable did:key.
    vc["issuer"] = json!("did:web:agency.example");
    let jwt = credentials::issue::sign_jwt(&vc, &mallory);
    let r = w.verify(&jwt);
    failed(&r, CheckName::Signature);
    failed(&r, CheckName::IssuerAccredited);
}

#[test]
fn malformed_inputs_fail_decode_without_panicking() {
    let w = World::new();
    let cases = [
        "",
        "{",
        "{}",
        "[]",
        "not a credential",
        "a.b.c",
        "eyJhbGciOiJub25lIn0.e30.",
        "x~y~",
        "~~~",
        "....",
        "{\"type\":[\"VerifiableCredential\"]}",
        "{\"@context\":[\"https://www.w3.org/ns/credentials/v2\"],\"type\":[\"VerifiableCredential\"],\"proof\":{}}",
        "{\"type\":\"EnvelopedVerifiableCredential\",\"id\":\"data:text/plain,hi\"}",
    ];
    for c in cases {
        let r = w.verify(c);
        assert!(!r.valid, "{c:?} accepted");
        failed(&r, CheckName::Decode);
    }
    let huge = "a".repeat(credentials::verify::MAX_INPUT_BYTES + 1);
    assert!(failed(&w.verify(&huge), CheckName::Decode).contains("limit"));
}

#[test]
fn expired_and_not_yet_valid() {
    let mut w = World::new();
    for format in FORMATS {
        let cred = w.issue(
            format,
            CredentialKind::StudyRecord,
            first_sample("study"),
            4,
        );
        let r = w.verify_with(&cred, &VerifyOptions::at(t("2032-01-01T00:00:00Z")));
        assert!(
            assert_only_fails(&r, CheckName::ValidityPeriod).contains("expired"),
            "{format}: {r}"
        );
        let r = w.verify_with(&cred, &VerifyOptions::at(t("2025-01-01T00:00:00Z")));
        assert!(
            assert_only_fails(&r, CheckName::ValidityPeriod).contains("not yet valid"),
            "{format}: {r}"
        );
        // Issue 14: a verifier (or the holder receiving it) whose clock is 30 s behind the
        // issuer's accepts it with the default 60 s skew, not with none; 2 minutes is too far.
        let behind = VerifyOptions::at(t("2025-12-31T23:59:30Z"));
        let r = w.verify_with(&cred, &behind);
        assert!(r.valid, "{format}, clock 30 s behind: {r}");
        let strict = VerifyOptions {
            clock_skew_secs: 0,
            ..behind
        };
        let r = w.verify_with(&cred, &strict);
        assert!(
            assert_only_fails(&r, CheckName::ValidityPeriod).contains("not yet valid"),
            "{format}, no skew: {r}"
        );
        let r = w.verify_with(&cred, &VerifyOptions::at(t("2025-12-31T23:58:00Z")));
        assert!(
            assert_only_fails(&r, CheckName::ValidityPeriod).contains("not yet valid"),
            "{format}, 2 minutes behind: {r}"
        );
    }
}

/// A type vcnet does not issue: checked against the schema it names when that is one this
/// verifier holds; otherwise no schema applies (skipped, not failed); either way its issuer is
/// reported as not accredited for it.
#[test]
fn unknown_kind_is_checked_by_its_held_schema_and_not_accredited() {
    let mut w = World::new();
    let req = w.request(CredentialKind::Identity, first_sample("identity"), 1);
    let mut vc = credentials::issue::build_credential(w.issuer.did(), &req, &mut w.rng).unwrap();
    vc["type"] = json!(["VerifiableCredential", "PassportCredential"]);
    let r = w.verify(&credentials::issue::sign_jwt(&vc, &w.issuer));
    assert!(
        failed(&r, CheckName::Schema).contains(CredentialKind::Identity.schema_url()),
        "{r}"
    );
    assert!(
        failed(&r, CheckName::IssuerAccredited)
            .contains("not accredited for VerifiableCredential, PassportCredential"),
        "{r}"
    );
    vc.as_object_mut().unwrap().remove("credentialSchema");
    let r = w.verify(&credentials::issue::sign_jwt(&vc, &w.issuer));
    assert!(
        matches!(r.outcome(CheckName::Schema), Some(Outcome::Skip { reason }) if reason.contains("not a vcnet kind")),
        "{r}"
    );
    assert!(
        matches!(r.outcome(CheckName::Signature), Some(Outcome::Pass { .. })),
        "{r}"
    );
    assert!(!r.valid, "an unaccredited issuer: {r}");
}

#[test]
fn schema_violation_in_signed_credential_names_field() {
    let mut w = World::new();
    let req = w.request(CredentialKind::Identity, first_sample("identity"), 1);
    let mut vc = credentials::issue::build_credential(w.issuer.did(), &req, &mut w.rng).unwrap();
    vc["credentialSubject"]["personalIdentificationNumber"] = json!("12AB");
    let r = w.verify(&credentials::issue::sign_jwt(&vc, &w.issuer));
    assert!(
        assert_only_fails(&r, CheckName::Schema)
            .contains("/credentialSubject/personalIdentificationNumber"),
        "{r}"
    );
}

#[test]
fn revoked_suspended_reinstated_and_missing_list() {
    let mut w = World::new();
    let cred = w.issue(
        Format::SdJwt,
        CredentialKind::Identity,
        first_sample("identity"),
        777,
    );
    assert!(w.verify(&cred).valid);
    let now = t("2026-06-01T00:00:00Z");
    w.status
        .get_mut(LIST_S)
        .unwrap()
        .change(&[777], &[], now)
        .unwrap();
    assert!(assert_only_fails(&w.verify(&cred), CheckName::Status).starts_with("suspended"));
    w.status
        .get_mut(LIST_S)
        .unwrap()
        .change(&[], &[777], now)
        .unwrap();
    assert!(w.verify(&cred).valid);
    w.status
        .get_mut(LIST_R)
        .unwrap()
        .change(&[777], &[], now)
        .unwrap();
    assert!(assert_only_fails(&w.verify(&cred), CheckName::Status).starts_with("revoked"));
    // A list the verifier does not hold: it cannot be sure, and says so; never a pass.
    let other = w.issue(
        Format::Jwt,
        CredentialKind::Identity,
        first_sample("identity"),
        5,
    );
    let mut o = opts();
    let empty = MemoryStatus::new();
    let r = w.verifier.verify(&other, &o, &empty, &w.trust);
    assert!(unsure(&r, CheckName::Status).contains("not held"), "{r}");
    assert_eq!(r.verdict, Verdict::CannotBeSure);
    assert!(!r.valid);
    o.skip_status = true;
    let r = w.verifier.verify(&other, &o, &empty, &w.trust);
    assert!(r.valid && matches!(r.outcome(CheckName::Status), Some(Outcome::Skip { .. })));
}

#[test]
fn status_index_out_of_range() {
    let mut w = World::new();
    let cred = w.issue(
        Format::Jwt,
        CredentialKind::Identity,
        first_sample("identity"),
        131_072,
    );
    assert!(assert_only_fails(&w.verify(&cred), CheckName::Status).contains("out of range"));
}

#[test]
fn unaccredited_wrong_kind_and_withdrawn_issuer() {
    let mut w = World::new();
    let cred = w.issue(
        Format::Jwt,
        CredentialKind::HealthRecord,
        first_sample("health"),
        8,
    );
    let r = w
        .verifier
        .verify(&cred, &opts(), &w.status, &MemoryTrust::new());
    assert!(assert_only_fails(&r, CheckName::IssuerAccredited).contains("not accredited"));
    let mut only_id = MemoryTrust::new();
    only_id.insert(TrustEntry {
        accreditation: Accreditation {
            issuer: w.issuer.did().into(),
            name: "National Identity Agency".into(),
            kinds: vec![CredentialKind::Identity],
            valid_from: "2020-01-01T00:00:00Z".into(),
            valid_until: None,
            version: 1,
        },
        withdrawn: None,
    });
    let r = w.verifier.verify(&cred, &opts(), &w.status, &only_id);
    assert!(assert_only_fails(&r, CheckName::IssuerAccredited)
        .contains("not accredited for HealthRecordCredential"));
    let mut withdrawn = MemoryTrust::new();
    let mut e = w.trust.accreditation_entry();
    e.withdrawn = Some("2026-03-01T00:00:00Z".into());
    withdrawn.insert(e);
    let r = w.verifier.verify(&cred, &opts(), &w.status, &withdrawn);
    assert!(assert_only_fails(&r, CheckName::IssuerAccredited).contains("withdrawn"));
}

trait EntryOf {
    fn accreditation_entry(&self) -> TrustEntry;
}
impl EntryOf for MemoryTrust {
    fn accreditation_entry(&self) -> TrustEntry {
        use credentials::verify::TrustSource;
        self.accreditation(Identity::from_seed(&[1; 32]).did())
            .unwrap()
    }
}

#[test]
fn sd_jwt_presentation_discloses_only_what_is_asked_and_binds_holder() {
    let mut w = World::new();
    let cred = w.issue(
        Format::SdJwt,
        CredentialKind::Identity,
        first_sample("identity"),
        9,
    );
    let now = t("2026-06-01T00:00:00Z");
    let aud = Audience {
        challenge: Some("n-123".into()),
        domain: Some("clinic.example".into()),
        expires: Some(now + Duration::seconds(120)),
    };
    let claims = vec!["fullName".to_string(), "dateOfBirth".to_string()];
    let vp = present_sd_jwt(&cred, &claims, &w.holder, &aud, now).unwrap();
    let mut o = opts();
    o.now = now;
    o.challenge = Some("n-123".into());
    o.domain = Some("clinic.example".into());
    let r = w.verify_with(&vp, &o);
    assert!(r.valid, "{r}");
    assert!(r.presentation);
    let disclosed = r.claims.as_ref().unwrap().as_object().unwrap();
    let mut keys: Vec<&str> = disclosed.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, vec!["dateOfBirth", "fullName", "id"]);
    // Replayed to another verifier / with another challenge.
    let mut other = o.clone();
    other.domain = Some("bank.example".into());
    assert!(
        assert_only_fails(&w.verify_with(&vp, &other), CheckName::Domain)
            .contains("made for clinic.example")
    );
    let mut other = o.clone();
    other.challenge = Some("n-999".into());
    assert!(
        assert_only_fails(&w.verify_with(&vp, &other), CheckName::Challenge)
            .contains("does not match")
    );
    // Expired presentation.
    let mut late = o.clone();
    late.now = now + Duration::seconds(600);
    assert!(
        assert_only_fails(&w.verify_with(&vp, &late), CheckName::ValidityPeriod)
            .contains("presentation expired")
    );
    // Someone else's key binding: the holder binding fails.
    let thief = Identity::from_seed(&[77; 32]);
    let stolen = present_sd_jwt(&cred, &claims, &thief, &aud, now).unwrap();
    let r = w.verify_with(&stolen, &o);
    assert!(
        failed(&r, CheckName::Signature).contains("key binding JWT does not verify"),
        "{r}"
    );
    // Dropping a disclosure after signing the KB-JWT breaks sd_hash.
    let mut parts: Vec<&str> = vp.split('~').collect();
    parts.remove(1);
    let r = w.verify_with(&parts.join("~"), &o);
    assert!(
        failed(&r, CheckName::HolderBinding).contains("sd_hash"),
        "{r}"
    );
    // One immunization of a health record.
    let health = w.issue(
        Format::SdJwt,
        CredentialKind::HealthRecord,
        first_sample("health"),
        12,
    );
    let one = present_sd_jwt(
        &health,
        &["immunizations[0]".to_string()],
        &w.holder,
        &aud,
        now,
    )
    .unwrap();
    let r = w.verify_with(&one, &o);
    assert!(r.valid, "{r}");
    let c = r.claims.unwrap();
    assert_eq!(c["immunizations"].as_array().unwrap().len(), 1);
    assert!(c.get("bloodType").is_none());
    assert!(present_sd_jwt(&cred, &["passportNumber".to_string()], &w.holder, &aud, now).is_err());
}

#[test]
fn jwt_and_di_presentations() {
    let mut w = World::new();
    let now = t("2026-06-01T00:00:00Z");
    let aud = Audience {
        challenge: Some("c1".into()),
        domain: Some("school.example".into()),
        expires: None,
    };
    let mut o = opts();
    o.challenge = Some("c1".into());
    o.domain = Some("school.example".into());
    let jwt = w.issue(
        Format::Jwt,
        CredentialKind::StudyRecord,
        first_sample("study"),
        20,
    );
    let vp = present_jwt(&[&jwt], &w.holder, &aud, now);
    let r = w.verify_with(&vp, &o);
    assert!(r.valid && r.presentation, "{r}");
    let thief = Identity::from_seed(&[78; 32]);
    let r = w.verify_with(&present_jwt(&[&jwt], &thief, &aud, now), &o);
    assert!(
        failed(&r, CheckName::HolderBinding).contains("presented it"),
        "{r}"
    );

    let di = w.issue(
        Format::DataIntegrity,
        CredentialKind::StudyRecord,
        first_sample("study"),
        21,
    );
    let vc: Value = serde_json::from_str(&di).unwrap();
    let vp = present_di(std::slice::from_ref(&vc), &w.holder, &aud, now).unwrap();
    let r = w.verify_with(&vp.to_string(), &o);
    assert!(r.valid && r.presentation, "{r}");
    let r = w.verify_with(
        &present_di(&[vc], &thief, &aud, now).unwrap().to_string(),
        &o,
    );
    failed(&r, CheckName::HolderBinding);
    let mut wrong = o.clone();
    wrong.challenge = Some("c2".into());
    failed(
        &w.verify_with(&vp.to_string(), &wrong),
        CheckName::Challenge,
    );
}

#[test]
fn batch_verify_matches_single_and_names_bad_ones() {
    let mut w = World::new();
    let mut inputs = Vec::new();
    for i in 0..150u64 {
        let f = FORMATS[(i % 3) as usize];
        inputs.push(w.issue(
            f,
            CredentialKind::Identity,
            first_sample("identity"),
            100 + i,
        ));
    }
    // Corrupt two JWT signatures.
    for bad in [4usize, 97] {
        let s = inputs[bad].clone();
        let last = s.pop_last();
        inputs[bad] = last;
    }
    let refs: Vec<&str> = inputs.iter().map(String::as_str).collect();
    let batch = w.verifier.verify_batch(&refs, &opts(), &w.status, &w.trust);
    let serial = w
        .verifier
        .verify_batch_serial(&refs, &opts(), &w.status, &w.trust);
    for (i, (b, s)) in batch.iter().zip(&serial).enumerate() {
        let single = w.verify(refs[i]);
        assert_eq!(b.valid, single.valid, "input {i}");
        assert_eq!(s.valid, single.valid, "input {i}");
        assert_eq!(b.valid, ![4, 97].contains(&i), "input {i}: {b}");
    }
}

trait PopLast {
    fn pop_last(self) -> String;
}
impl PopLast for String {
    /// Flips the last character of the signature (JWT) so that it no longer verifies.
    fn pop_last(self) -> String {
        let mut s = self;
        let c = s.pop().unwrap();
        s.push(if c == 'A' { 'B' } else { 'A' });
        s
    }
}

#[test]
fn issued_credentials_follow_the_data_model() {
    let mut w = World::new();
    let req = w.request(CredentialKind::Identity, first_sample("identity"), 1);
    let issued = issue(Format::DataIntegrity, &w.issuer, &req, &mut w.rng).unwrap();
    let Issued::Json(v) = issued else { panic!() };
    assert_eq!(v["@context"][0], "https://www.w3.org/ns/credentials/v2");
    assert!(v["id"].as_str().unwrap().starts_with("urn:uuid:"));
    assert_eq!(v["credentialSchema"]["type"], "JsonSchema");
    assert_eq!(v["credentialStatus"].as_array().unwrap().len(), 2);
    assert_eq!(v["proof"]["cryptosuite"], "eddsa-rdfc-2022");
    assert_eq!(v["credentialSubject"]["id"], w.holder.did());
    let sd = w.issue(
        Format::SdJwt,
        CredentialKind::Identity,
        first_sample("identity"),
        1,
    );
    // 11 subject claims, each its own disclosure.
    assert_eq!(sd.trim_end_matches('~').split('~').count() - 1, 11);
}

/// Issue 14, staleness: past the maximum age, a list that says "not revoked" cannot be
/// trusted to still say so — the verdict is "cannot be sure", naming how old the copy is; a
/// suspension seen on a stale copy may have been lifted, so it cannot be sure either; a
/// revocation is permanent, so a stale copy that shows one is still a failure.
#[test]
fn stale_lists_cannot_be_sure_but_a_revocation_is_final() {
    let mut w = World::new();
    let cred = w.issue(
        Format::SdJwt,
        CredentialKind::Identity,
        first_sample("identity"),
        321,
    );
    let now = t("2026-06-01T00:00:00Z");
    let mut o = opts();
    o.max_status_age_secs = Some(3600);
    // Never confirmed by the owner: cannot be sure.
    let r = w.verify_with(&cred, &o);
    assert!(
        unsure(&r, CheckName::Status).contains("never confirmed"),
        "{r}"
    );
    assert_eq!(r.verdict, Verdict::CannotBeSure);
    assert!(r.to_string().starts_with("CANNOT BE SURE"), "{r}");
    // Confirmed 30 minutes ago: valid.
    let relist = |w: &mut World, at| {
        for id in [LIST_R, LIST_S] {
            let l = w.status.get_mut(id).unwrap().clone();
            w.status.insert_confirmed(l, at);
        }
    };
    relist(&mut w, now - Duration::minutes(30));
    let r = w.verify_with(&cred, &o);
    assert!(r.valid, "{r}");
    assert_eq!(r.verdict, Verdict::Valid);
    // Confirmed 3 h 5 min ago: cannot be sure, and says how old.
    relist(&mut w, now - Duration::minutes(185));
    let r = w.verify_with(&cred, &o);
    let why = unsure(&r, CheckName::Status);
    assert!(
        why.contains("last confirmed 3 h 5 min ago (at most 1 h accepted)"),
        "{why}"
    );
    assert!(
        r.problems().iter().all(|p| p.contains("cannot be sure")),
        "{r}"
    );
    // No limit set: the same copy passes.
    assert!(w.verify(&cred).valid);
    // Suspended on a stale copy: cannot be sure (it may have been lifted).
    w.status
        .get_mut(LIST_S)
        .unwrap()
        .change(&[321], &[], now)
        .unwrap();
    let r = w.verify_with(&cred, &o);
    assert!(
        unsure(&r, CheckName::Status).contains("may have been lifted"),
        "{r}"
    );
    // Revoked on a stale copy: invalid, whatever its age.
    w.status
        .get_mut(LIST_R)
        .unwrap()
        .change(&[321], &[], now)
        .unwrap();
    let r = w.verify_with(&cred, &o);
    assert!(failed(&r, CheckName::Status).starts_with("revoked"), "{r}");
    assert_eq!(r.verdict, Verdict::Invalid);
}

#[test]
fn sd_jwt_vc_verifies_as_its_kind_with_status_from_the_gossiped_lists() {
    let mut w = World::new();
    for (kind, dir) in KINDS {
        let cred = w.issue(Format::SdJwtVc, kind, first_sample(dir), 12);
        let jws = cred.split('~').next().unwrap();
        let header = credentials::jose::CompactJws::parse(jws).unwrap().header;
        assert_eq!(header.typ.as_deref(), Some("dc+sd-jwt"));
        let r = w.verify(&cred);
        assert!(r.valid, "{kind}:\n{r}");
        assert_eq!(r.format.as_deref(), Some("dc+sd-jwt"));
        assert_eq!(r.kind, Some(kind));
        assert_eq!(r.holder.as_deref(), Some(w.holder.did()));
        assert_eq!(
            r.credential_id.as_deref(),
            Some(credentials::sd_jwt_vc::credential_id(jws).as_str())
        );
    }
    let cred = w.issue(
        Format::SdJwtVc,
        CredentialKind::Identity,
        first_sample("identity"),
        778,
    );
    // The status claim names the Token Status List standing for the shard's two lists.
    let payload: Value = credentials::jose::CompactJws::parse(cred.split('~').next().unwrap())
        .unwrap()
        .payload_json()
        .unwrap();
    assert_eq!(
        payload["status"]["status_list"],
        json!({"idx": 778, "uri": "https://status.example/agency/tsl/0"})
    );
    let now = t("2026-06-01T00:00:00Z");
    w.status
        .get_mut(LIST_S)
        .unwrap()
        .change(&[778], &[], now)
        .unwrap();
    assert!(assert_only_fails(&w.verify(&cred), CheckName::Status).starts_with("suspended"));
    w.status
        .get_mut(LIST_R)
        .unwrap()
        .change(&[778], &[], now)
        .unwrap();
    assert!(failed(&w.verify(&cred), CheckName::Status).starts_with("revoked"));
    // A disclosure the issuer did not sign fails the signature check.
    let mut parts: Vec<String> = cred.split('~').map(str::to_owned).collect();
    parts[1] = base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        r#"["c2FsdA","givenName","Mallory"]"#,
    );
    let r = w.verify(&parts.join("~"));
    assert!(!r.valid);
    failed(&r, CheckName::Signature);
}

#[test]
fn jwt_vc_json_verifies_as_its_kind_and_its_status_is_checked() {
    let mut w = World::new();
    for (kind, dir) in KINDS {
        let cred = w.issue(Format::JwtVcJson, kind, first_sample(dir), 21);
        let jws = credentials::jose::CompactJws::parse(&cred).unwrap();
        assert_eq!(jws.header.typ.as_deref(), Some("JWT"));
        let claims: Value = jws.payload_json().unwrap();
        assert_eq!(
            claims["vc"]["@context"][0],
            credentials::jwt_vc_json::V1_CONTEXT
        );
        assert_eq!(claims["sub"], w.holder.did());
        assert!(claims["vc"].get("issuanceDate").is_some() && claims["nbf"].is_i64());
        let r = w.verify(&cred);
        assert!(r.valid, "{kind}:\n{r}");
        assert_eq!(r.format.as_deref(), Some("jwt_vc_json"));
        assert_eq!(r.kind, Some(kind));
        assert_eq!(r.holder.as_deref(), Some(w.holder.did()));
        assert_eq!(r.credential_id.as_deref(), claims["jti"].as_str());
    }
    let cred = w.issue(
        Format::JwtVcJson,
        CredentialKind::Identity,
        first_sample("identity"),
        779,
    );
    w.status
        .get_mut(LIST_R)
        .unwrap()
        .change(&[779], &[], t("2026-06-01T00:00:00Z"))
        .unwrap();
    assert!(assert_only_fails(&w.verify(&cred), CheckName::Status).starts_with("revoked"));
    // A claim changed after signing fails the signature.
    let parts: Vec<&str> = cred.split('.').collect();
    let mut claims: Value = credentials::jose::CompactJws::parse(&cred)
        .unwrap()
        .payload_json()
        .unwrap();
    claims["vc"]["credentialSubject"]["fullName"] = json!("Mallory");
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            serde_json::to_vec(&claims).unwrap()
        ),
        parts[2]
    );
    failed(&w.verify(&forged), CheckName::Signature);
}
