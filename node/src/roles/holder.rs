//! Holder role: claiming credentials from issuers into the wallet, and answering verifiers'
//! presentation requests by the consent policy, disclosing only what was asked (SD-JWT).

use crate::config::{Consent, Role};
use std::time::Duration;

use credentials::present::{present_di, present_jwt, present_sd_jwt_stapled, Audience};
use credentials::{CredentialKind, Format, VerificationReport, VerifyOptions};
use libp2p::PeerId;
use serde::Serialize;
use tokio::sync::oneshot;

use super::{Node, NodeError};
use crate::net::protocols::{
    ClaimRequest, ClaimResponse, PresentationRequest, PresentationResponse,
};
use crate::store::WalletEntry;

/// How long a presentation request waits for the holder's consent (below the protocol timeout).
pub const CONSENT_WAIT: Duration = Duration::from_secs(100);
/// Lifetime of a presentation made for a request.
pub const PRESENTATION_LIFETIME_SECS: i64 = 120;

/// A request waiting for the holder's decision.
pub struct PendingConsent {
    /// What is asked, for display.
    pub summary: ConsentSummary,
    /// Where the decision goes.
    pub decide: oneshot::Sender<bool>,
}

/// What the holder is asked to approve.
#[derive(Debug, Clone, Serialize)]
pub struct ConsentSummary {
    /// Request id.
    pub request_id: String,
    /// The verifier's DID (proven by the Noise handshake).
    pub verifier: String,
    /// Its name as the root authority accredited it; "unverified" when it holds no
    /// accreditation in force (never the name it announced itself, which anyone can choose).
    pub verifier_name: String,
    /// Kinds asked for.
    #[serde(serialize_with = "credentials::kind::serialize_short_seq")]
    pub kinds: Vec<CredentialKind>,
    /// Claims asked for.
    pub claims: Vec<String>,
    /// The credential that would answer is a JWT or Data Integrity credential, which cannot
    /// hide claims: approving shows every claim in it, not only those asked for.
    pub all_claims_shown: bool,
}

/// The one answer a verifier gets when a holder does not present, whatever the reason (declined,
/// or nothing of the kind in the wallet): the refusal must not reveal what the wallet holds.
pub const DECLINED: &str = "the holder declined";

/// The staple a wallet entry holds, as a presentation carries it (when it is readable).
pub(super) fn carried_staple(entry: &WalletEntry) -> Option<credentials::status::Carried> {
    entry
        .staple
        .as_deref()
        .and_then(|s| credentials::status::Staple::carried(s).ok())
}

impl Node {
    /// Asks the issuer of wallet credential `id` for a status staple ("neither revoked nor
    /// suspended as of now", signed), checks it and keeps it with the credential: later
    /// presentations carry it, so a verifier whose lists are stale can still decide. The
    /// issuer learns that this holder is about to show the credential — not where.
    pub async fn fetch_staple(&self, id: &str) -> Result<String, NodeError> {
        let mut entry = self.store.wallet_entry(id)?;
        let issuer = crate::net::peer_id_of_did(&entry.issuer).ok_or_else(|| {
            NodeError::Unprocessable(format!(
                "the credential's issuer {} is not a did:key peer to ask",
                entry.issuer
            ))
        })?;
        let resp = self
            .net
            .claim(
                issuer,
                ClaimRequest {
                    code: String::new(),
                    format: None,
                    staple: Some(id.to_owned()),
                },
            )
            .await?;
        let staple = match resp {
            ClaimResponse::Stapled { staple } => staple,
            ClaimResponse::Refused { reason } => {
                return Err(NodeError::PeerRefused {
                    peer: "issuer",
                    reason,
                })
            }
            ClaimResponse::Issued { .. } => {
                return Err(NodeError::Peer(
                    "the issuer answered a staple request with a credential".into(),
                ))
            }
        };
        let s = credentials::status::Staple::open(&staple, self.verifier.keys())
            .map_err(|e| NodeError::Peer(format!("the issuer's staple: {e}")))?;
        if s.iss != entry.issuer || s.sub != entry.id {
            return Err(NodeError::Peer(format!(
                "the issuer sent a staple for {} by {}, not for {} by {}",
                s.sub, s.iss, entry.id, entry.issuer
            )));
        }
        entry.staple = Some(staple.clone());
        self.store.put_wallet(&entry)?;
        tracing::info!(credential_id = id, "status staple stored");
        Ok(staple)
    }

    /// The accredited name of `did`, or "unverified".
    fn accredited_name(&self, did: &str) -> String {
        use credentials::verify::TrustSource;
        self.replicator
            .accreditation(did)
            .filter(|e| e.active_at(chrono::Utc::now()).is_ok())
            .map_or_else(|| "unverified".to_owned(), |e| e.accreditation.name)
    }

    /// Claims a credential from an issuer peer with a code; checks it and stores it in the wallet.
    pub async fn claim_from(
        &self,
        issuer: PeerId,
        code: &str,
        format: Option<Format>,
    ) -> Result<WalletEntry, NodeError> {
        if !self.cfg.has_role(Role::Holder) {
            return Err(NodeError::NotRole(Role::Holder));
        }
        let resp = self
            .net
            .claim(
                issuer,
                ClaimRequest {
                    code: code.trim().to_owned(),
                    format,
                    staple: None,
                },
            )
            .await?;
        let (credential_id, kind, format, credential) = match resp {
            ClaimResponse::Issued {
                credential_id,
                kind,
                format,
                credential,
            } => (credential_id, kind, format, credential),
            ClaimResponse::Refused { reason } => {
                return Err(NodeError::PeerRefused {
                    peer: "issuer",
                    reason,
                })
            }
            ClaimResponse::Stapled { .. } => {
                return Err(NodeError::Peer(
                    "the issuer answered a claim with a status staple".into(),
                ))
            }
        };
        let issuer_did = crate::net::did_of_peer_id(&issuer).ok_or_else(|| {
            NodeError::invalid("issuer", "the peer's key is not Ed25519 (no did:key)")
        })?;
        let issuer_name = self
            .store
            .peers()
            .ok()
            .and_then(|ps| ps.into_iter().find(|p| p.did == issuer_did).map(|p| p.name));
        let checked = self
            .check_delivered(&credential, Some(&issuer_did))
            .await
            .map_err(|e| NodeError::Peer(format!("the issuer sent {e}")))?;
        if checked.kind != Some(kind) || checked.credential_id.as_deref() != Some(&credential_id) {
            return Err(NodeError::Peer(format!(
                "the issuer said it sent {kind} {credential_id} but sent {:?} {:?}",
                checked.kind, checked.credential_id
            )));
        }
        self.keep(checked, credential, format, issuer_name)
    }

    /// Keeps a credential received out of band (issued directly, e.g. over the VC-API) in the
    /// wallet, after the same checks as a claimed one: it verifies, and it is issued to this
    /// holder.
    pub async fn keep_credential(
        &self,
        credential: String,
        format: Format,
        issuer_name: Option<String>,
    ) -> Result<WalletEntry, NodeError> {
        if !self.cfg.has_role(Role::Holder) {
            return Err(NodeError::NotRole(Role::Holder));
        }
        let checked = self
            .check_delivered(&credential, None)
            .await
            .map_err(|e| NodeError::Unprocessable(format!("credential: {e}")))?;
        self.keep(checked, credential, format, issuer_name)
    }

    /// Checks a credential delivered to this holder: signed and well formed (status and trust
    /// are checked when it is shown), issued to this holder, by `issuer` when given. The error
    /// says what is wrong with it ("an invalid credential: …").
    async fn check_delivered(
        &self,
        credential: &str,
        issuer: Option<&str>,
    ) -> Result<VerificationReport, String> {
        let verifier = self.verifier.clone();
        let text = credential.to_owned();
        let mut opts = VerifyOptions::at(chrono::Utc::now());
        opts.clock_skew_secs = i64::from(self.cfg.clock_skew_secs);
        opts.skip_status = true;
        opts.skip_trust = true;
        let report = tokio::task::spawn_blocking(move || {
            verifier.verify(
                &text,
                &opts,
                &credentials::verify::Nothing,
                &credentials::verify::Nothing,
            )
        })
        .await
        .map_err(|e| format!("a credential the verifier failed on: {e}"))?;
        if !report.valid {
            return Err(format!(
                "an invalid credential: {}",
                report.first_failure().unwrap_or_default()
            ));
        }
        if report.holder.as_deref() != Some(self.identity.did()) {
            return Err(format!(
                "a credential for {:?}, not for this holder",
                report.holder
            ));
        }
        if let Some(expected) = issuer {
            if report.issuer.as_deref() != Some(expected) {
                return Err(format!(
                    "a credential issued by {:?}, not by the peer asked ({expected})",
                    report.issuer
                ));
            }
        }
        Ok(report)
    }

    /// Stores a checked credential in the wallet.
    fn keep(
        &self,
        checked: VerificationReport,
        credential: String,
        format: Format,
        issuer_name: Option<String>,
    ) -> Result<WalletEntry, NodeError> {
        let (Some(id), Some(kind), Some(issuer)) =
            (checked.credential_id, checked.kind, checked.issuer)
        else {
            return Err(NodeError::Unprocessable(
                "the credential has no id, kind or issuer".into(),
            ));
        };
        let entry = WalletEntry {
            id,
            kind,
            format,
            issuer,
            issuer_name,
            credential,
            received_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            staple: None,
        };
        self.store.put_wallet(&entry)?;
        tracing::info!(credential_id = %entry.id, kind = %entry.kind, "credential stored in wallet");
        Ok(entry)
    }

    /// Requests waiting for consent.
    pub fn pending_consents(&self) -> Vec<ConsentSummary> {
        self.consents
            .lock()
            .map(|c| c.values().map(|p| p.summary.clone()).collect())
            .unwrap_or_default()
    }

    /// Approves or denies a waiting request. False if there is no such request.
    pub fn decide_consent(&self, request_id: &str, approve: bool) -> bool {
        let pending = self
            .consents
            .lock()
            .ok()
            .and_then(|mut c| c.remove(request_id));
        match pending {
            Some(p) => p.decide.send(approve).is_ok(),
            None => false,
        }
    }

    pub(super) async fn handle_presentation_request(
        &self,
        peer: PeerId,
        req: PresentationRequest,
    ) -> PresentationResponse {
        match self.present(peer, req).await {
            Ok(p) => PresentationResponse::Presented { presentation: p },
            Err(e) => {
                let reason = e.to_string();
                tracing::info!(%peer, %reason, "presentation refused");
                PresentationResponse::Refused { reason }
            }
        }
    }

    async fn present(&self, peer: PeerId, req: PresentationRequest) -> Result<String, NodeError> {
        if !self.cfg.has_role(Role::Holder) {
            return Err(NodeError::NotRole(Role::Holder));
        }
        if req.challenge.len() < 16 {
            return Err(NodeError::invalid(
                "challenge",
                "too short (at least 16 characters of randomness)",
            ));
        }
        let verifier = crate::net::did_of_peer_id(&peer)
            .ok_or_else(|| NodeError::Forbidden("the verifier's key is not Ed25519".into()))?;
        // The answer is bound to the requester: its DID, proven by the Noise handshake.
        if req.domain != verifier {
            return Err(NodeError::invalid(
                "domain",
                format_args!(
                    "`{}` is not the requesting peer's DID {verifier}",
                    credentials::verify::preview(&req.domain, 80)
                ),
            ));
        }
        let auto = self.cfg.consent == Consent::Auto
            || self.cfg.auto_verifiers.iter().any(|v| v == &verifier);
        // Consent comes before the wallet is looked at, and every refusal after it reads
        // "declined": a verifier learns nothing about what the wallet holds unless the holder
        // agrees to show it.
        if !auto {
            let (tx, rx) = oneshot::channel();
            let summary = ConsentSummary {
                request_id: req.request_id.clone(),
                verifier: verifier.clone(),
                verifier_name: self.accredited_name(&verifier),
                kinds: req.kinds.clone(),
                claims: req.claims.clone(),
                all_claims_shown: self
                    .pick_credential(&req.kinds)
                    .map(|c| c.format != Format::SdJwt)
                    .unwrap_or(false),
            };
            if let Ok(mut c) = self.consents.lock() {
                c.insert(
                    req.request_id.clone(),
                    PendingConsent {
                        summary,
                        decide: tx,
                    },
                );
            }
            tracing::info!(request_id = %req.request_id, %verifier, "presentation request waiting for consent");
            let decision = tokio::time::timeout(CONSENT_WAIT, rx).await;
            if let Ok(mut c) = self.consents.lock() {
                c.remove(&req.request_id);
            }
            match decision {
                Ok(Ok(true)) => {}
                Ok(Ok(false)) => return Err(NodeError::Forbidden(DECLINED.into())),
                _ => {
                    return Err(NodeError::Unavailable(
                        "the holder did not answer in time".into(),
                    ))
                }
            }
        }
        let cred = self.pick_credential(&req.kinds).map_err(|reason| {
            tracing::info!(request_id = %req.request_id, %reason, "nothing to present; answered as declined");
            NodeError::Forbidden(DECLINED.into())
        })?;
        let now = chrono::Utc::now();
        let audience = Audience {
            challenge: Some(req.challenge.clone()),
            domain: Some(req.domain.clone()),
            expires: Some(now + chrono::Duration::seconds(PRESENTATION_LIFETIME_SECS)),
        };
        let id = self.identity.clone();
        let claims = req.claims.clone();
        let staple = carried_staple(&cred);
        tokio::task::spawn_blocking(move || match cred.format {
            Format::SdJwt => present_sd_jwt_stapled(
                &cred.credential,
                &claims,
                &id,
                &audience,
                now,
                staple.as_ref(),
            )
            .map_err(|e| NodeError::Internal(format!("presenting {}: {e}", cred.id))),
            Format::Jwt => Ok(present_jwt(&[&cred.credential], &id, &audience, now)),
            Format::Cose => Err(NodeError::Unprocessable(format!(
                "wallet credential {} is vc+cose, which this holder does not present",
                cred.id
            ))),
            Format::SdJwtVc | Format::JwtVcJson => Err(NodeError::Unprocessable(format!(
                "wallet credential {} is {}, received for phone-wallet protocols (OpenID4VC), not presented to a vcnet peer",
                cred.id, cred.format
            ))),
            Format::DataIntegrity => {
                let v: serde_json::Value = serde_json::from_str(&cred.credential).map_err(|e| {
                    NodeError::Internal(format!("wallet credential {} is not JSON: {e}", cred.id))
                })?;
                present_di(&[v], &id, &audience, now)
                    .map(|p| p.to_string())
                    .map_err(|e| NodeError::Internal(format!("presenting {}: {e}", cred.id)))
            }
        })
        .await
        .map_err(NodeError::task)?
    }
}
