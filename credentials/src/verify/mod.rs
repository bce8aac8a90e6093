//! The verification pipeline: decode → schema → signature → validity period → issuer
//! accredited → status → holder binding, challenge and domain. Every check that can run does;
//! each records `Pass`, `Fail { reason }` or `Skip { reason }` in a [`VerificationReport`].
//!
//! Signatures are gathered as plain Ed25519 work items during decoding, so [`Verifier::verify_batch`]
//! can check many inputs with one Ed25519 batch verification, falling back to one-by-one only to
//! name the inputs whose signatures are bad.

pub mod batch;
mod checks;
mod decode;
mod decode_di;
mod decode_vp;
mod report;
pub mod signature;
mod sources;

pub use checks::DEFAULT_MAX_STAPLE_AGE_SECS;
pub use decode::{
    bind_subjects, decode, issuer_did, preview, Decoded, DecodedCredential, PresentationFacts,
    SigItem, MAX_INPUT_BYTES,
};
pub use report::{CheckName, CheckResult, Outcome, Verdict, VerificationReport};
pub use sources::{
    status_bit_of, MemoryStatus, MemoryTrust, Nothing, StatusBit, StatusLookupError, StatusSource,
    TrustSource,
};

use chrono::{DateTime, Utc};
use rayon::prelude::*;
use serde_json::Value;
use std::panic::AssertUnwindSafe;

use crate::did::KeyResolver;
use crate::kind::{CredentialKind, KindError};
use crate::pubkey::{PublicKey, Sig};
use checks::{check_status, missing_presentation, presentation_checks, validity, with_staple};

/// Default tolerance for clocks that disagree ([`VerifyOptions::clock_skew_secs`]).
pub const CLOCK_SKEW_SECS: i64 = 60;
/// Longest life (`exp − iat`) of a presentation made for any verifier (an open QR code): one
/// day, the longest a holder's wallet makes. A photographed open QR code is replayable until
/// it expires, so its life must be short and stated.
pub const MAX_OPEN_AUDIENCE_SECS: i64 = 24 * 3600;
/// Inputs per Ed25519 batch: large enough to amortise, small enough that one bad signature
/// costs little to locate.
pub const BATCH_SIZE: usize = 64;

/// What the verifier expects, and which checks to skip.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// The time to check against (a parameter, so tests pin it).
    pub now: DateTime<Utc>,
    /// The challenge (nonce) the verifier issued, for presentations.
    pub challenge: Option<String>,
    /// The verifier's domain (audience), for presentations.
    pub domain: Option<String>,
    /// Skip the status check.
    pub skip_status: bool,
    /// Oldest acceptable confirmation of a status list (seconds since its owner last said,
    /// by a signed change, snapshot or heartbeat, that the held version is current). Past it
    /// the status check cannot be sure, and says how old the list is. `None`: no limit.
    pub max_status_age_secs: Option<i64>,
    /// Skip the issuer-accredited check.
    pub skip_trust: bool,
    /// Oldest acceptable presentation (`now - iat`), when the presentation has no `exp`.
    pub max_presentation_age_secs: Option<i64>,
    /// Also accept presentations made for any verifier ([`crate::present::OPEN_AUDIENCE`]): a
    /// QR code a citizen shows without knowing who will scan it. They must carry an expiry.
    pub accept_open_audience: bool,
    /// The input must be a presentation with holder binding (a key binding JWT, a signed
    /// `vp+jwt` or a Data Integrity presentation proof). Also implied by an expected
    /// `challenge` or `domain`: a bare credential, or an SD-JWT whose key binding JWT was cut
    /// off, proves nothing about who shows it, so anyone who saw it could replay it.
    pub require_presentation: bool,
    /// How far ahead of this clock an issuer's or holder's clock may be: a credential whose
    /// `validFrom` (or JWT `nbf`, proof `created`, presentation `iat`) is at most this many
    /// seconds in the future is not refused as "not yet valid" (a holder whose clock is a
    /// second behind the issuer's must not find a credential it has just been issued invalid).
    /// Expiry is not extended.
    pub clock_skew_secs: i64,
}

impl VerifyOptions {
    /// Defaults at `now`: nothing skipped, no challenge or domain expected.
    pub fn at(now: DateTime<Utc>) -> Self {
        Self {
            now,
            challenge: None,
            domain: None,
            skip_status: false,
            max_status_age_secs: None,
            skip_trust: false,
            max_presentation_age_secs: None,
            accept_open_audience: false,
            require_presentation: false,
            clock_skew_secs: CLOCK_SKEW_SECS,
        }
    }

    /// Whether these options expect a presentation: asked for, or implied by an expected
    /// challenge or domain.
    pub fn expects_presentation(&self) -> bool {
        self.require_presentation || self.challenge.is_some() || self.domain.is_some()
    }
}

/// Verifies credentials and presentations. Holds the caches that make repeat verification
/// cheap (resolved keys, parsed JSON-LD contexts); share one across threads.
#[derive(Default)]
pub struct Verifier {
    keys: KeyResolver,
}

impl Verifier {
    /// A verifier with empty caches.
    pub fn new() -> Self {
        crate::schema::warm_up();
        Self::default()
    }

    /// The key cache (shared with status/trust message checks).
    pub fn keys(&self) -> &KeyResolver {
        &self.keys
    }

    /// Verifies one input of any supported encoding.
    pub fn verify(
        &self,
        input: &str,
        opts: &VerifyOptions,
        status: &dyn StatusSource,
        trust: &dyn TrustSource,
    ) -> VerificationReport {
        contained(input, || match decode(input, &self.keys) {
            Err(e) => decode_failure(e),
            Ok(d) => {
                let (pending, sigs) = self.check(d, opts, status, trust);
                let verdicts: Vec<_> = sigs.iter().map(check_one).collect();
                pending.finish(&verdicts)
            }
        })
    }

    /// Verifies many inputs: decoding in parallel (rayon), signatures with Ed25519 batch
    /// verification in chunks of [`BATCH_SIZE`] inputs; a chunk that fails is re-checked one by
    /// one to name the bad ones. Reports come back in input order.
    pub fn verify_batch(
        &self,
        inputs: &[&str],
        opts: &VerifyOptions,
        status: &dyn StatusSource,
        trust: &dyn TrustSource,
    ) -> Vec<VerificationReport> {
        with_opts(inputs, opts)
            .par_chunks(BATCH_SIZE)
            .flat_map_iter(|chunk| self.verify_chunk_contained(chunk, status, trust))
            .collect()
    }

    /// Verifies many inputs, each with its own options (a busy verifier's presentations, each
    /// with its own challenge), on the calling thread, signatures batched as in
    /// [`Verifier::verify_batch`]. Reports come back in input order.
    pub fn verify_each_batched(
        &self,
        items: &[(&str, &VerifyOptions)],
        status: &dyn StatusSource,
        trust: &dyn TrustSource,
    ) -> Vec<VerificationReport> {
        items
            .chunks(BATCH_SIZE)
            .flat_map(|chunk| self.verify_chunk_contained(chunk, status, trust))
            .collect()
    }

    /// [`Verifier::verify_chunk`], with a panic contained: the chunk is then verified one input
    /// at a time, so only the input that panics gets an internal-error report.
    fn verify_chunk_contained(
        &self,
        chunk: &[(&str, &VerifyOptions)],
        status: &dyn StatusSource,
        trust: &dyn TrustSource,
    ) -> Vec<VerificationReport> {
        std::panic::catch_unwind(AssertUnwindSafe(|| self.verify_chunk(chunk, status, trust)))
            .unwrap_or_else(|_| {
                chunk
                    .iter()
                    .map(|(input, opts)| self.verify(input, opts, status, trust))
                    .collect()
            })
    }

    /// [`Verifier::verify_batch`] on the calling thread only (for one-core measurements).
    pub fn verify_batch_serial(
        &self,
        inputs: &[&str],
        opts: &VerifyOptions,
        status: &dyn StatusSource,
        trust: &dyn TrustSource,
    ) -> Vec<VerificationReport> {
        self.verify_each_batched(&with_opts(inputs, opts), status, trust)
    }

    /// Each input is decoded and put through every check but the signature verdict right away
    /// (while its claims are fresh in cache; only its signature work items are kept), then the
    /// chunk's signatures are verified together.
    fn verify_chunk(
        &self,
        chunk: &[(&str, &VerifyOptions)],
        status: &dyn StatusSource,
        trust: &dyn TrustSource,
    ) -> Vec<VerificationReport> {
        let checked: Vec<Checked> = chunk
            .iter()
            .map(|(i, opts)| match decode(i, &self.keys) {
                Err(e) => Checked::Done(decode_failure(e)),
                Ok(d) => {
                    let (pending, items) = self.check(d, opts, status, trust);
                    Checked::Pending(pending, items)
                }
            })
            .collect();
        let mut msgs: Vec<&[u8]> = Vec::with_capacity(chunk.len());
        let mut sigs = Vec::with_capacity(chunk.len());
        let mut keys = Vec::with_capacity(chunk.len());
        let mut all_keys = true;
        for c in &checked {
            let Checked::Pending(_, items) = c else {
                continue;
            };
            for s in items {
                // Ed25519 signatures batch; an ECDSA one is checked on its own below.
                match (&s.key, &s.signature) {
                    (Ok(PublicKey::Ed25519(k)), Sig::Ed25519(sig)) => {
                        msgs.push(&s.message);
                        sigs.push(*sig);
                        keys.push(*k);
                    }
                    (Ok(PublicKey::Ed25519(_)), _) | (Err(_), _) => all_keys = false,
                    (Ok(_), _) => {}
                }
            }
        }
        let batch_ok = all_keys && !msgs.is_empty() && batch::verify_batch(&msgs, &sigs, &keys);
        checked
            .into_iter()
            .map(|c| match c {
                Checked::Done(report) => report,
                Checked::Pending(pending, items) => {
                    let verdicts: Vec<_> = if batch_ok {
                        items
                            .iter()
                            .map(|s| match s.key {
                                Ok(PublicKey::Ed25519(_)) => Ok(s.what),
                                _ => check_one(s),
                            })
                            .collect()
                    } else {
                        items.iter().map(check_one).collect()
                    };
                    pending.finish(&verdicts)
                }
            })
            .collect()
    }

    /// Runs every check except the signature verdict, which needs the returned work items.
    fn check<'a>(
        &self,
        d: Decoded<'a>,
        opts: &VerifyOptions,
        status: &dyn StatusSource,
        trust: &dyn TrustSource,
    ) -> (Pending, Vec<SigItem<'a>>) {
        let mut r = VerificationReport {
            format: Some(d.format.to_owned()),
            presentation: d.presentation.is_some(),
            credential_count: d.credentials.len(),
            checks: Vec::with_capacity(CheckName::ALL.len()),
            ..Default::default()
        };
        // A document that breaks the data model's rules is not a credential at all, whatever
        // checks were asked for (VC 1.1 documents follow their own, older rules).
        let problems: Vec<String> = d
            .credentials
            .iter()
            .enumerate()
            .filter(|(_, c)| !crate::prepare::is_v1(&c.credential))
            .filter_map(|(i, c)| {
                crate::data_model::check(&c.credential)
                    .err()
                    .map(|e| match d.credentials.len() {
                        1 => e.to_string(),
                        _ => format!("credential #{i}: {e}"),
                    })
            })
            .collect();
        r.record(
            CheckName::Decode,
            if problems.is_empty() {
                Outcome::pass_with(format!(
                    "{} {}",
                    d.format,
                    if d.presentation.is_some() {
                        "presentation"
                    } else {
                        "credential"
                    }
                ))
            } else {
                Outcome::fail(problems.join("; "))
            },
        );
        if d.credentials.is_empty() {
            for check in [
                CheckName::Schema,
                CheckName::ValidityPeriod,
                CheckName::IssuerAccredited,
                CheckName::Status,
            ] {
                r.record(
                    check,
                    Outcome::skip("the presentation carries no credential"),
                );
            }
        }
        for (i, c) in d.credentials.iter().enumerate() {
            let prefix = if d.credentials.len() > 1 {
                format!("credential #{i}: ")
            } else {
                String::new()
            };
            let staple = d.presentation.as_ref().and_then(|p| p.staple.as_ref());
            self.credential_checks(&mut r, c, &prefix, opts, status, trust, staple);
        }
        match &d.presentation {
            None if opts.expects_presentation() => missing_presentation(&mut r, opts),
            None => {
                for c in [
                    CheckName::HolderBinding,
                    CheckName::Challenge,
                    CheckName::Domain,
                ] {
                    r.record(c, Outcome::skip("not a presentation"));
                }
            }
            Some(p) => presentation_checks(&mut r, p, opts),
        }
        let holder = d.presentation.and_then(|p| p.holder);
        // Decode-time binding problems count against the signature.
        let mut sig_problems = Vec::new();
        let mut credentials = d.credentials.into_iter();
        // The checks are done: the first credential's parts move into the report.
        if let Some(c) = credentials.next() {
            sig_problems.extend(c.sig_problem);
            r.disclosed = c.disclosed;
            r.credential_id = c
                .credential
                .get("id")
                .and_then(Value::as_str)
                .map(str::to_owned);
            r.issuer = issuer_did(&c.credential).map(str::to_owned);
            r.claims = match c.credential {
                Value::Object(mut m) => m.remove("credentialSubject"),
                _ => None,
            };
        }
        sig_problems.extend(credentials.filter_map(|c| c.sig_problem));
        r.holder = holder.or_else(|| {
            r.claims
                .as_ref()
                .and_then(|c| c.get("id"))
                .and_then(Value::as_str)
                .map(str::to_owned)
        });
        (
            Pending {
                report: r,
                sig_problems,
            },
            d.sigs,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn credential_checks(
        &self,
        r: &mut VerificationReport,
        c: &DecodedCredential,
        prefix: &str,
        opts: &VerifyOptions,
        status: &dyn StatusSource,
        trust: &dyn TrustSource,
        staple: Option<&Result<crate::status::Carried, String>>,
    ) {
        let types: Vec<&str> = match c.credential.get("type") {
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            Some(Value::String(s)) => vec![s.as_str()],
            _ => vec![],
        };
        let kind = CredentialKind::of_credential(&c.credential);
        // schema
        match &kind {
            Err(KindError::Unknown { types }) => r.record(
                CheckName::Schema,
                crate::schema::held_schema(&c.credential).map_or_else(
                    || {
                        Outcome::skip(format!(
                            "{prefix}{} is not a vcnet kind and names no credentialSchema this verifier holds",
                            types.join(", ")
                        ))
                    },
                    |k| match crate::schema::validate(k, &c.credential, c.partial) {
                        Ok(()) => Outcome::pass_with(k.schema_url().to_owned()),
                        Err(v) => Outcome::fail(format!(
                            "{prefix}{}: {}",
                            k.schema_url(),
                            v.iter().map(|x| x.to_string()).collect::<Vec<_>>().join("; ")
                        )),
                    },
                ),
            ),
            Err(e) => r.record(CheckName::Schema, Outcome::fail(format!("{prefix}{e}"))),
            Ok(k) => {
                r.kind.get_or_insert(*k);
                match crate::schema::validate(*k, &c.credential, c.partial) {
                    Ok(()) => r.record(
                        CheckName::Schema,
                        Outcome::pass_with(if c.partial {
                            format!(
                                "{} (disclosed claims checked; withheld claims are not)",
                                k.schema_url()
                            )
                        } else {
                            k.schema_url().to_owned()
                        }),
                    ),
                    Err(v) => r.record(
                        CheckName::Schema,
                        Outcome::fail(format!(
                            "{prefix}{}",
                            v.iter()
                                .map(|x| x.to_string())
                                .collect::<Vec<_>>()
                                .join("; ")
                        )),
                    ),
                }
            }
        }
        // validity period
        r.record(
            CheckName::ValidityPeriod,
            validity(c, opts.now, opts.clock_skew_secs.max(0)).map_or_else(
                |e| Outcome::fail(format!("{prefix}{e}")),
                Outcome::pass_with,
            ),
        );
        // issuer accredited
        let issuer = issuer_did(&c.credential);
        if opts.skip_trust {
            r.record(
                CheckName::IssuerAccredited,
                Outcome::skip("skipped by request (--skip trust)"),
            );
        } else {
            match (issuer, &kind) {
                (None, _) => r.record(
                    CheckName::IssuerAccredited,
                    Outcome::fail(format!("{prefix}credential has no issuer")),
                ),
                (Some(iss), Err(_)) => r.record(
                    CheckName::IssuerAccredited,
                    Outcome::fail(format!(
                        "{prefix}issuer not accredited: {iss} is not accredited for {} (the root authority accredits issuers of identity, health and study credentials)",
                        types.join(", ")
                    )),
                ),
                (Some(iss), Ok(k)) => match trust.accreditation(iss) {
                    None => r.record(
                        CheckName::IssuerAccredited,
                        Outcome::fail(format!(
                            "{prefix}issuer not accredited: {iss} is not in the trust registry"
                        )),
                    ),
                    Some(entry) => {
                        r.issuer_name = Some(entry.accreditation.name.clone());
                        match entry.permits(*k, opts.now) {
                            Ok(()) => r.record(
                                CheckName::IssuerAccredited,
                                Outcome::pass_with(format!(
                                    "{} is accredited for {k}",
                                    entry.accreditation.name
                                )),
                            ),
                            Err(e) => r.record(
                                CheckName::IssuerAccredited,
                                Outcome::fail(format!("{prefix}{e}")),
                            ),
                        }
                    }
                },
            }
        }
        // status
        if opts.skip_status {
            r.record(
                CheckName::Status,
                Outcome::skip("skipped by request (--skip status)"),
            );
        } else {
            let outcome = match check_status(&c.credential, issuer, status, opts) {
                Outcome::Unsure { reason } => {
                    with_staple(reason, &c.credential, issuer, staple, opts, &self.keys)
                }
                other => other,
            };
            let outcome = match outcome {
                Outcome::Fail { reason } => Outcome::fail(format!("{prefix}{reason}")),
                Outcome::Unsure { reason } => Outcome::unsure(format!("{prefix}{reason}")),
                other => other,
            };
            r.record(CheckName::Status, outcome);
        }
    }
}

/// Every input paired with the same options.
fn with_opts<'a>(inputs: &[&'a str], opts: &'a VerifyOptions) -> Vec<(&'a str, &'a VerifyOptions)> {
    inputs.iter().map(|i| (*i, opts)).collect()
}

/// One input of a chunk: undecodable (its report is final) or waiting for its signatures.
enum Checked<'a> {
    Done(VerificationReport),
    Pending(Pending, Vec<SigItem<'a>>),
}

/// A report with every check recorded except the signature, which waits for the signature
/// verdicts (one by one, or a whole batch).
struct Pending {
    report: VerificationReport,
    /// Signature problems found while decoding (wrong `kid`, unsigned disclosures, …).
    sig_problems: Vec<String>,
}

impl Pending {
    /// Records the signature check: every item must verify, and no decode-time problem may
    /// exist. `verdicts` are per work item, in order.
    fn finish(self, verdicts: &[Result<&'static str, String>]) -> VerificationReport {
        let Pending {
            mut report,
            sig_problems,
        } = self;
        let mut fail: Vec<String> = verdicts
            .iter()
            .filter_map(|s| s.as_ref().err().cloned())
            .collect();
        fail.extend(sig_problems);
        report.record(
            CheckName::Signature,
            if fail.is_empty() {
                Outcome::pass_with(
                    verdicts
                        .iter()
                        .filter_map(|s| s.as_ref().ok().copied())
                        .collect::<Vec<_>>()
                        .join(", ")
                        + " valid",
                )
            } else {
                Outcome::fail(fail.join("; "))
            },
        );
        report.finish()
    }
}

/// The start of the `decode` failure reason when checking an input panicked: a bug in vcnet,
/// contained so that the thread keeps serving. The node logs such reports with the digest.
pub const INTERNAL_ERROR: &str = "internal error while checking this input";

/// Runs one input's checks, turning a panic (a bug, never an expected outcome) into a report
/// that refuses the input and names its blake3 digest, so the worker thread that runs
/// untrusted input goes on serving.
fn contained(input: &str, f: impl FnOnce() -> VerificationReport) -> VerificationReport {
    std::panic::catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
        decode_failure(format!(
            "{INTERNAL_ERROR} (blake3 {}); nothing in it was accepted",
            blake3::hash(input.as_bytes()).to_hex()
        ))
    })
}

fn decode_failure(e: String) -> VerificationReport {
    let mut r = VerificationReport::default();
    r.record(CheckName::Decode, Outcome::fail(e));
    for c in CheckName::ALL.into_iter().skip(1) {
        r.record(c, Outcome::skip("input could not be decoded"));
    }
    r.finish()
}

/// One signature, Ed25519 strictly (see [`signature`]).
fn check_one(s: &SigItem<'_>) -> Result<&'static str, String> {
    match &s.key {
        Err(e) => Err(format!("{}: {e}", s.what)),
        Ok(k) => k
            .verify(&s.message, &s.signature)
            .map(|()| s.what)
            .map_err(|e| format!("{} {e}", s.what)),
    }
}
