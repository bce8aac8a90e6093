//! The citizen's wallet: showing, exporting (encrypted), importing and deleting credentials,
//! presentations for QR codes (SD-JWT disclosing only the chosen claims, key binding with a
//! short expiry, answering a verifier's signed request when there is one), and, on a verifier,
//! signed presentation requests to show as a QR code.

use crate::config::Role;
use credentials::compact::{self, ByteBudget};
use credentials::present::{present_sd_jwt_stapled, Audience, OPEN_AUDIENCE};
use credentials::request::PresentationRequest;
use credentials::{CredentialKind, Format, VerificationReport};
use serde::{Deserialize, Serialize};

use super::verifier::random_b64;
use super::{Node, NodeError};
use crate::store::{Backup, Envelope, WalletEntry};

/// Longest lifetime a QR presentation may be given.
pub const MAX_QR_VALID_SECS: i64 = 24 * 3600;
/// Longest lifetime of a verifier's presentation request.
pub const MAX_REQUEST_VALID_SECS: i64 = 3600;

/// What the holder wants in a QR code.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QrAsk {
    /// Kinds to choose the credential from (empty: any).
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub kinds: Vec<CredentialKind>,
    /// Claims to disclose (ignored when answering a request: the request says).
    #[serde(default)]
    pub claims: Vec<String>,
    /// The verifier's DID or domain, when known.
    pub verifier: Option<String>,
    /// Lifetime in seconds.
    pub valid_for: i64,
    /// A verifier's signed request (JWS, or its compact `VC1:` form) to answer.
    pub request: Option<String>,
    /// Leave out the status staple the wallet holds for the credential (it tells the verifier
    /// when the holder last asked the issuer).
    #[serde(default)]
    pub no_staple: bool,
    /// The credential to present (the wallet page's card); without it, the newest of `kinds`.
    #[serde(default)]
    pub credential_id: Option<String>,
}

/// A QR presentation made.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QrAnswer {
    /// The standard SD-JWT presentation.
    pub presentation: String,
    /// Its compact form (what the QR code holds).
    pub compact: String,
    /// Where its bytes go.
    pub budget: ByteBudget,
    /// The credential presented.
    pub credential_id: String,
    /// Its kind.
    #[serde(serialize_with = "credentials::kind::serialize_short")]
    pub kind: CredentialKind,
    /// The claims disclosed.
    pub claims: Vec<String>,
    /// Audience of the key binding JWT.
    pub audience: String,
    /// The request answered, if any.
    pub request: Option<PresentationRequest>,
    /// Expiry (RFC 3339).
    pub expires: String,
}

/// A verifier's request made for a QR code.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestQr {
    /// The signed request (JWS).
    pub request: String,
    /// Its compact form.
    pub compact: String,
    /// What it asks.
    pub payload: PresentationRequest,
}

impl Node {
    /// The most recently received wallet credential of one of `kinds` (any kind if empty).
    pub(super) fn pick_credential(
        &self,
        kinds: &[CredentialKind],
    ) -> Result<WalletEntry, NodeError> {
        let mut wallet = self.store.wallet()?;
        wallet.sort_by(|a, b| a.received_at.cmp(&b.received_at));
        wallet
            .into_iter()
            .rev()
            .find(|w| kinds.is_empty() || kinds.contains(&w.kind))
            .ok_or_else(|| {
                let names: Vec<&str> = kinds.iter().map(|k| k.short_name()).collect();
                NodeError::NotFound(format!(
                    "no credential of kind {} in this wallet",
                    names.join("/")
                ))
            })
    }

    /// Makes a presentation for a QR code.
    pub async fn present_qr(&self, ask: QrAsk) -> Result<QrAnswer, NodeError> {
        if !self.cfg.has_role(Role::Holder) {
            return Err(NodeError::NotRole(Role::Holder));
        }
        let now = chrono::Utc::now();
        let request = match &ask.request {
            Some(r) => Some(self.open_request(r, now)?),
            None => None,
        };
        let (kinds, claims) = match &request {
            Some(r) => (r.kinds.clone(), r.claims.clone()),
            None => (ask.kinds.clone(), ask.claims.clone()),
        };
        if claims.is_empty() {
            return Err(NodeError::invalid(
                "claims",
                "choose the claims to disclose (--claims), e.g. fullName,dateOfBirth",
            ));
        }
        if !(1..=MAX_QR_VALID_SECS).contains(&ask.valid_for) {
            return Err(NodeError::invalid(
                "validFor",
                format_args!(
                    "valid-for must be 1 s to {MAX_QR_VALID_SECS} s, got {} s",
                    ask.valid_for
                ),
            ));
        }
        let cred = match &ask.credential_id {
            Some(id) => {
                let cred = self.store.wallet_entry(id)?;
                if !kinds.is_empty() && !kinds.contains(&cred.kind) {
                    return Err(NodeError::invalid(
                        "credentialId",
                        format_args!("credential {id} is not of the kind asked for"),
                    ));
                }
                cred
            }
            None => self.pick_credential(&kinds)?,
        };
        if cred.format != Format::SdJwt {
            return Err(NodeError::Unprocessable(format!(
                "credential {} is {}; a QR presentation needs an SD-JWT credential (claim it with --format sd-jwt)",
                cred.id, cred.format
            )));
        }
        let (challenge, domain) = match &request {
            Some(r) => (r.nonce.clone(), r.domain.clone()),
            None => (
                random_b64(16),
                ask.verifier
                    .clone()
                    .unwrap_or_else(|| OPEN_AUDIENCE.to_owned()),
            ),
        };
        let expires = now + chrono::Duration::seconds(ask.valid_for);
        let audience = Audience {
            challenge: Some(challenge),
            domain: Some(domain.clone()),
            expires: Some(expires),
        };
        let id = self.identity.clone();
        let credential = cred.credential.clone();
        let disclosed = claims.clone();
        let staple = (!ask.no_staple)
            .then(|| super::holder::carried_staple(&cred))
            .flatten();
        let cred_id = cred.id.clone();
        let (presentation, compact, budget) = tokio::task::spawn_blocking(move || {
            let p = present_sd_jwt_stapled(
                &credential,
                &disclosed,
                &id,
                &audience,
                now,
                staple.as_ref(),
            )
            .map_err(|e| NodeError::Internal(format!("presenting {cred_id}: {e}")))?;
            let (c, b) = compact::encode_with_budget(&p)
                .map_err(|e| NodeError::TooLarge(format!("the QR code: {e}")))?;
            Ok::<_, NodeError>((p, c, b))
        })
        .await
        .map_err(NodeError::task)??;
        tracing::info!(credential_id = %cred.id, audience = %domain, "QR presentation made");
        Ok(QrAnswer {
            presentation,
            compact,
            budget,
            credential_id: cred.id,
            kind: cred.kind,
            claims,
            audience: domain,
            request,
            expires: credentials::time::format(expires),
        })
    }

    /// A signed presentation request for a QR code (verifier).
    pub fn presentation_request(
        &self,
        kinds: Vec<CredentialKind>,
        claims: Vec<String>,
        valid_for: i64,
    ) -> Result<RequestQr, NodeError> {
        if !self.cfg.has_role(Role::Verifier) {
            return Err(NodeError::NotRole(Role::Verifier));
        }
        if claims.is_empty() {
            return Err(NodeError::invalid(
                "claims",
                "a request must name the claims it needs (--claims)",
            ));
        }
        if !(1..=MAX_REQUEST_VALID_SECS).contains(&valid_for) {
            return Err(NodeError::invalid(
                "validFor",
                format_args!(
                    "valid-for must be 1 s to {MAX_REQUEST_VALID_SECS} s, got {valid_for} s"
                ),
            ));
        }
        let now = chrono::Utc::now().timestamp();
        let payload = PresentationRequest {
            iss: self.identity.did().to_owned(),
            name: Some(self.cfg.name.clone()),
            kinds,
            claims,
            nonce: random_b64(18),
            domain: self.verifier_domain(),
            iat: now,
            exp: now + valid_for,
        };
        let request = payload.sign(&self.identity);
        let compact = compact::encode(&request)
            .map_err(|e| NodeError::TooLarge(format!("the QR code: {e}")))?;
        Ok(RequestQr {
            request,
            compact,
            payload,
        })
    }

    /// A wallet credential with its claims and a fresh check against this node's store.
    pub async fn wallet_show(
        &self,
        id: &str,
    ) -> Result<(WalletEntry, VerificationReport), NodeError> {
        let entry = self.store.wallet_entry(id)?;
        let report = self
            .verify_text(entry.credential.clone(), None, None)
            .await?;
        Ok((entry, report))
    }

    /// Whether `passphrase` opens this node's vault (the wallet's sign-in). Slow by design
    /// (the vault's key derivation), so off the async threads.
    pub async fn passphrase_opens(&self, passphrase: String) -> bool {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || store.check_passphrase(&passphrase).is_ok())
            .await
            .unwrap_or(false)
    }

    /// The whole wallet encrypted under `export_passphrase`, after checking the wallet's own
    /// passphrase (only the owner exports).
    pub async fn wallet_export(
        &self,
        passphrase: String,
        export_passphrase: String,
        with_key: bool,
    ) -> Result<(Envelope, usize), NodeError> {
        let store = self.store.clone();
        let me = self.identity.did().to_owned();
        tokio::task::spawn_blocking(move || {
            store.check_passphrase(&passphrase)?;
            let entries = store.wallet()?;
            let seed =
                if with_key {
                    let seed = store.node_seed()?;
                    Some(seed.ok_or_else(|| {
                        NodeError::NotFound("this node has no key to export".into())
                    })?)
                } else {
                    None
                };
            let count = entries.len();
            let env = Backup::new(&me, seed.as_deref(), entries)
                .seal(&export_passphrase)
                .map_err(|e| NodeError::invalid("exportPassphrase", e))?;
            tracing::info!(count, with_key, holder = %me, "wallet exported");
            Ok((env, count))
        })
        .await
        .map_err(NodeError::task)?
    }

    /// Imports an export file: all credentials in one batch, or none. A backup of another
    /// holder is refused: its credentials are bound to that holder's key.
    pub async fn wallet_import(
        &self,
        envelope: Envelope,
        export_passphrase: String,
    ) -> Result<usize, NodeError> {
        let store = self.store.clone();
        let me = self.identity.did().to_owned();
        tokio::task::spawn_blocking(move || {
            let backup = Backup::open(&envelope, &export_passphrase).map_err(|e| match e {
                e @ crate::store::BackupError::Envelope(
                    crate::store::VaultError::WrongPassphrase,
                ) => NodeError::Forbidden(e.to_string()),
                other => NodeError::invalid("file", other),
            })?;
            if let Some(holder) = backup.holder.as_deref().filter(|h| *h != me) {
                return Err(NodeError::Conflict(format!(
                    "export file holds the wallet of {holder}, but this node is {me}: its \
                     credentials are bound to that holder's key. Restore it into a new data \
                     dir with `vcnode init --restore FILE` (an export made with --with-key)"
                )));
            }
            store.put_wallet_all(&backup.credentials)?;
            tracing::info!(count = backup.credentials.len(), holder = %me, "wallet imported");
            Ok(backup.credentials.len())
        })
        .await
        .map_err(NodeError::task)?
    }

    /// Deletes a wallet credential after checking the wallet's passphrase.
    pub async fn wallet_delete(&self, id: String, passphrase: String) -> Result<(), NodeError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || {
            store.check_passphrase(&passphrase)?;
            Ok(store.delete_wallet(&id)?)
        })
        .await
        .map_err(NodeError::task)?
    }
}
