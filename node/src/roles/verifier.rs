//! Verifier role: asking a holder for a presentation with a fresh challenge, verifying it
//! through the whole pipeline with status and trust from this node's store, and logging the
//! result.

use crate::config::Role;
use credentials::verify::{CheckName, Outcome};
use credentials::{CredentialKind, VerificationReport, VerifyOptions};
use libp2p::PeerId;
use rand::RngCore;

use super::{Node, NodeError};
use crate::net::protocols::{PresentationRequest, PresentationResponse};
use crate::store::VerificationLogEntry;

/// `n` random bytes as base64url (challenges, nonces, request ids).
pub(super) fn random_b64(n: usize) -> String {
    use base64::Engine;
    let mut b = vec![0u8; n];
    rand::rngs::OsRng.fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// Fails the schema check when the presented credential is not of a kind that was asked for
/// (any kind when `kinds` is empty), when the answer carries no credential (a presentation may,
/// but not as the answer to a request for one), or more than the one credential a request asks
/// for (its claims and kind would describe different credentials).
pub fn record_kind_asked(report: &mut VerificationReport, kinds: &[CredentialKind]) {
    if report.credential_count == 0 && report.presentation {
        report.record(
            CheckName::Schema,
            Outcome::fail("the request asked for a credential; the answer carries none"),
        );
    }
    if report.credential_count > 1 {
        report.record(
            CheckName::Schema,
            Outcome::fail(format!(
                "the request asked for one credential; the answer carries {}",
                report.credential_count
            )),
        );
    }
    let Some(k) = report.kind else {
        return;
    };
    if !kinds.is_empty() && !kinds.contains(&k) {
        let asked: Vec<&str> = kinds.iter().map(|k| k.type_name()).collect();
        report.record(
            CheckName::Schema,
            Outcome::fail(format!("asked for {}, got {k}", asked.join("/"))),
        );
    }
}

/// A presentation answering a request must be of a kind it asked for and disclose what it asked.
pub fn answers_request(
    r: &mut credentials::VerificationReport,
    req: &credentials::request::PresentationRequest,
) {
    answers(r, &req.kinds, &req.claims)
}

/// Records in `r` whether it answers a request for one of `kinds` disclosing every one of
/// `claims` (any request: vcnet's own, OpenID4VP's DCQL query).
pub fn answers(
    r: &mut credentials::VerificationReport,
    kinds: &[CredentialKind],
    claims: &[String],
) {
    record_kind_asked(r, kinds);
    let missing: Vec<&str> = claims
        .iter()
        .filter(|c| {
            !r.claims.as_ref().is_some_and(|s| {
                s.pointer(&format!("/{}", c.split('[').next().unwrap_or(c)))
                    .is_some()
            })
        })
        .map(String::as_str)
        .collect();
    if !missing.is_empty() && r.presentation {
        r.record(
            CheckName::Challenge,
            Outcome::fail(format!(
                "the answer does not disclose requested claims: {}",
                missing.join(", ")
            )),
        );
    }
    let finished = std::mem::take(r).finish();
    *r = finished;
}

impl Node {
    /// The domain this verifier puts in requests and expects in answers: its DID, the one name
    /// a holder can check (the Noise handshake proves it over p2p; the signature on a request
    /// QR proves it at a counter).
    pub fn verifier_domain(&self) -> String {
        self.identity.did().to_owned()
    }

    /// Verifies a presentation or credential against this node's store (offline). With a
    /// challenge or domain, only a presentation with holder binding can pass.
    pub async fn verify_text(
        &self,
        text: String,
        challenge: Option<String>,
        domain: Option<String>,
    ) -> Result<VerificationReport, NodeError> {
        self.verify_expecting(text, challenge, domain, false).await
    }

    /// Verifies a presentation against this node's store (offline): a bare credential, or an
    /// SD-JWT without its key binding JWT, fails holder binding even with no challenge given.
    pub async fn verify_presentation_text(
        &self,
        text: String,
        challenge: Option<String>,
        domain: Option<String>,
    ) -> Result<VerificationReport, NodeError> {
        self.verify_expecting(text, challenge, domain, true).await
    }

    /// Verifies what a holder shows at this verifier's desk (a QR code's text): a
    /// presentation made for this verifier, or for any verifier with an expiry (an open QR
    /// code); not a bare credential. With `request` (the text of this desk's own signed
    /// request), the answer to it: its nonce and domain, a kind it asked for, every claim it
    /// asked. Logged (verdict and digests, never the claims) and counted.
    pub async fn verify_at_desk(
        &self,
        text: String,
        request: Option<&str>,
    ) -> Result<VerificationReport, NodeError> {
        if !self.cfg.has_role(Role::Verifier) {
            return Err(NodeError::NotRole(Role::Verifier));
        }
        let now = chrono::Utc::now();
        let request = match request {
            None => None,
            Some(r) => {
                let req = self.open_request(r, now)?;
                if req.iss != self.identity.did() {
                    return Err(NodeError::invalid(
                        "request",
                        format_args!("made by {}, not by this desk", req.iss),
                    ));
                }
                Some(req)
            }
        };
        let mut opts = self.verify_options(now);
        opts.domain = Some(self.verifier_domain());
        opts.accept_open_audience = request.is_none();
        opts.require_presentation = true;
        if let Some(r) = &request {
            opts.challenge = Some(r.nonce.clone());
            opts.domain = Some(r.domain.clone());
        }
        let mut report = self.verify_queue.verify(text, opts).await?;
        if let Some(r) = &request {
            answers_request(&mut report, r);
        }
        self.log_verification(random_b64(12), "desk".into(), &report);
        tracing::info!(valid = report.valid, "presentation verified at the desk");
        self.metrics.verification(&report);
        Ok(report)
    }

    async fn verify_expecting(
        &self,
        text: String,
        challenge: Option<String>,
        domain: Option<String>,
        require_presentation: bool,
    ) -> Result<VerificationReport, NodeError> {
        let mut opts = self.verify_options(chrono::Utc::now());
        opts.challenge = challenge;
        opts.domain = domain;
        opts.require_presentation = require_presentation;
        self.verify_queue.verify(text, opts).await
    }

    /// Verification at `now` under this node's clock skew and status-age policy.
    fn verify_options(&self, now: chrono::DateTime<chrono::Utc>) -> VerifyOptions {
        let mut opts = VerifyOptions::at(now);
        opts.clock_skew_secs = i64::from(self.cfg.clock_skew_secs);
        opts.max_status_age_secs = self.cfg.max_status_age();
        opts
    }

    /// Opens a presentation request's text (its QR text or JWS): signature and expiry checked.
    pub(super) fn open_request(
        &self,
        text: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<credentials::request::PresentationRequest, NodeError> {
        let jws =
            credentials::compact::restore(text).map_err(|e| NodeError::invalid("request", e))?;
        credentials::request::PresentationRequest::open(&jws, self.verifier.keys(), now)
            .map_err(|e| NodeError::invalid("request", e))
    }

    /// Keeps a verification in the verifier log (verdict, ids and digests; never the claims),
    /// for `verifier_log_days`. A failed write is logged, not fatal.
    pub(super) fn log_verification(
        &self,
        request_id: String,
        peer: String,
        report: &VerificationReport,
    ) {
        let entry = VerificationLogEntry::of_report(
            chrono::Utc::now().timestamp_millis(),
            request_id,
            peer,
            report,
        );
        let keep_ms = i64::from(self.cfg.verifier_log_days) * 86_400_000;
        if let Err(e) = self.store.log_verification(&entry, keep_ms) {
            tracing::warn!(error = %e, "verifier log");
        }
    }

    /// Asks a holder for a presentation of `kinds` disclosing `claims`, verifies it, and logs it.
    pub async fn request_presentation(
        &self,
        holder: PeerId,
        kinds: Vec<CredentialKind>,
        claims: Vec<String>,
    ) -> Result<VerificationReport, NodeError> {
        if !self.cfg.has_role(Role::Verifier) {
            return Err(NodeError::NotRole(Role::Verifier));
        }
        let req = PresentationRequest {
            request_id: random_b64(12),
            kinds: kinds.clone(),
            claims,
            challenge: random_b64(24),
            domain: self.verifier_domain(),
        };
        let resp = self.net.request_presentation(holder, req.clone()).await?;
        let presentation = match resp {
            PresentationResponse::Presented { presentation } => presentation,
            PresentationResponse::Refused { reason } => {
                return Err(NodeError::PeerRefused {
                    peer: "holder",
                    reason,
                })
            }
        };
        let mut report = self
            .verify_presentation_text(
                presentation,
                Some(req.challenge.clone()),
                Some(req.domain.clone()),
            )
            .await?;
        // The presenter must be the peer we asked (the connection proved its key).
        let peer_did = crate::net::did_of_peer_id(&holder).unwrap_or_default();
        if report.presentation && report.holder.as_deref() != Some(peer_did.as_str()) {
            report.record(
                CheckName::HolderBinding,
                Outcome::fail(format!(
                    "presentation's holder {:?} is not the peer that answered ({peer_did})",
                    report.holder
                )),
            );
        }
        if !report.presentation {
            report.record(
                CheckName::HolderBinding,
                Outcome::fail("the holder answered with a bare credential, not a presentation"),
            );
        }
        record_kind_asked(&mut report, &kinds);
        let report = report.finish();
        self.log_verification(req.request_id, holder.to_string(), &report);
        tracing::info!(peer = %holder, valid = report.valid, "presentation verified");
        self.metrics.verification(&report);
        Ok(report)
    }
}
