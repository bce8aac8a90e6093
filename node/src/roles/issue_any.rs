//! Issuing a credential of any type a VC-API caller sends whole (`POST /credentials/issue`):
//! checked by the data model's rules, completed with this issuer's DID, an id and an entry on
//! each of its status lists, secured in the asked format, and recorded like every issuance so
//! it can be revoked and suspended. vcnet's own kinds keep their own path (built from the
//! subject, checked against their schema).

use credentials::issue::{secure, Format};
use credentials::prepare::{prepare, PrepareError};
use credentials::status::{MessageScheme, StatusEntry, StatusList, StatusPurpose};
use serde_json::Value;

use super::issuer::{issued_id, IssuerError};
use super::{Node, NodeError};
use crate::config::Role;

/// The status entries a VC-API caller asked for (`options.credentialStatus`).
#[derive(Debug, Clone, Default)]
pub struct StatusAsk {
    /// Revocation and suspension entries asked for (a 2.0 credential gets them anyway).
    pub asked: bool,
    /// A `message` entry: its scheme and `statusReference`.
    pub message: Option<(MessageScheme, Option<Value>)>,
}

impl Node {
    /// Issues `credential` (any VC Data Model 2.0 credential, or a 1.1 one as Data Integrity)
    /// in `format`, with an entry on each of this issuer's status lists when asked, and
    /// always for a 2.0 credential (the 1.1 context lacks the status vocabulary: a 1.1
    /// credential asked to carry it also gets `https://www.w3.org/ns/credentials/status/v1`,
    /// a context most 1.1 verifiers do not hold); with a `message` entry on the shard's list
    /// of the asked scheme when `status.message` asks. Returns its id and its text.
    pub async fn issue_any(
        &self,
        credential: Value,
        format: Format,
        status: StatusAsk,
    ) -> Result<(String, String), NodeError> {
        if !self.cfg.has_role(Role::Issuer) {
            return Err(NodeError::NotRole(Role::Issuer));
        }
        // Checked before an index is spent on it.
        let me = self.identity.did().to_owned();
        let mut rng = rand::rngs::OsRng;
        let mut vc = prepare(&credential, &me, &[], &mut rng).map_err(prepare_error)?;
        if credentials::prepare::is_v1(&vc) && format != Format::DataIntegrity {
            return Err(NodeError::invalid(
                "options.format",
                format_args!(
                    "{format} secures VC Data Model 2.0 credentials only (VC-JOSE-COSE); a 1.1 credential is issued as di"
                ),
            ));
        }
        if format == Format::DataIntegrity {
            let missing = credentials::data_integrity::unbundled_contexts(&credential);
            if !missing.is_empty() {
                return Err(NodeError::invalid(
                    "credential.@context",
                    format_args!(
                        "{} is not a context this issuer holds (contexts are never fetched); issue it as jwt or sd-jwt, or use the bundled contexts",
                        missing.join(", ")
                    ),
                ));
            }
        }
        let with_status =
            status.asked || status.message.is_some() || !credentials::prepare::is_v1(&vc);
        if !with_status {
            // Nothing to revoke: no index is spent and nothing is recorded.
            check_held_schema(&vc)?;
            let text = self.secure_off_thread(format, vc).await?;
            let cred_id = issued_id(&text)?;
            tracing::info!(credential_id = %cred_id, %format, "credential issued over the VC-API without status entries");
            self.metrics.issued(format);
            return Ok((cred_id, text));
        }
        let _guard = self.issuer_lock.lock().await;
        let (shard, index, alloc, new_shard) = self.allocate().await?;
        let mut entries = self.status_entries(shard, index);
        // The message list of this scheme and shard, and the list to open when this issuer
        // does not hold it yet (under the issuer lock: no other issuance opens it meanwhile).
        let mut message_url = None;
        let mut new_message_list = None;
        if let Some((scheme, reference)) = status.message {
            let url = self.message_list_url(&scheme, shard);
            entries.push(StatusEntry {
                id: Some(format!("{url}#{index}")),
                purpose: StatusPurpose::Message,
                index,
                list: url.clone(),
                message: Some(scheme.clone()),
                reference,
            });
            if self.replicator.with_list(&url, |_| ()).is_none() {
                new_message_list = Some(
                    StatusList::new_message(&url, &me, scheme, super::issuer::SHARD_SIZE as usize)
                        .map_err(|e| {
                            NodeError::Internal(format!("opening message list {url}: {e}"))
                        })?,
                );
            }
            message_url = Some(url);
        }
        credentials::prepare::add_status(&mut vc, &entries).map_err(prepare_error)?;
        // (An allocation is only kept by the commit below: a refusal here spends nothing.)
        check_held_schema(&vc)?;
        let holder = vc["credentialSubject"]["id"].as_str().map(str::to_owned);
        let text = self.secure_off_thread(format, vc).await?;
        let cred_id = issued_id(&text)?;
        let mut issued = self.direct_entry(&cred_id, None, holder, format, shard, index);
        issued.message_list = message_url;
        self.commit_direct(&issued, &alloc, new_shard, new_message_list)
            .await?;
        tracing::info!(credential_id = %cred_id, %format, "credential issued over the VC-API");
        self.metrics.issued(format);
        Ok((cred_id, text))
    }

    /// Secures a prepared credential on a blocking thread (signing is CPU work).
    async fn secure_off_thread(&self, format: Format, vc: Value) -> Result<String, NodeError> {
        let identity = self.identity.clone();
        tokio::task::spawn_blocking(move || {
            secure(
                format,
                &vc,
                &identity,
                chrono::Utc::now(),
                &mut rand::rngs::OsRng,
            )
            .map(|i| i.to_text())
        })
        .await
        .map_err(NodeError::task)?
        .map_err(|e| NodeError::Issuer(IssuerError::Credential(e)))
    }
}

fn prepare_error(e: PrepareError) -> NodeError {
    match e {
        PrepareError::Field { field, reason } => NodeError::Invalid { field, reason },
        PrepareError::ForeignIssuer { .. } => NodeError::Unprocessable(e.to_string()),
    }
}

/// A credential naming one of vcnet's schemas in `credentialSchema` is checked against it (the
/// schemas this node holds); any other schema is not fetched.
fn check_held_schema(vc: &Value) -> Result<(), NodeError> {
    let Some(kind) = credentials::schema::held_schema(vc) else {
        return Ok(());
    };
    credentials::schema::validate(kind, vc, false).map_err(|violations| {
        let first = violations
            .first()
            .map(|v| format!("{}: {}", v.field, v.reason))
            .unwrap_or_default();
        NodeError::Unprocessable(format!(
            "credential does not meet its credentialSchema {}: {first}",
            kind.schema_url()
        ))
    })
}

impl Node {
    /// Proves a presentation as this holder (VC-API `POST /presentations/prove`): the caller's
    /// presentation, completed with this node as `holder`, with an `eddsa-rdfc-2022`
    /// `authentication` proof bound to `challenge` and `domain` when given.
    pub async fn prove_presentation(
        &self,
        presentation: Value,
        challenge: Option<String>,
        domain: Option<String>,
    ) -> Result<Value, NodeError> {
        if !self.cfg.has_role(Role::Holder) {
            return Err(NodeError::NotRole(Role::Holder));
        }
        let vp = credentials::prepare::prepare_presentation(&presentation, self.identity.did())
            .map_err(prepare_error)?;
        let missing = credentials::data_integrity::unbundled_contexts(&vp);
        if !missing.is_empty() {
            return Err(NodeError::invalid(
                "presentation.@context",
                format_args!(
                    "{} is not a context this node holds (contexts are never fetched)",
                    missing.join(", ")
                ),
            ));
        }
        let identity = self.identity.clone();
        tokio::task::spawn_blocking(move || {
            credentials::data_integrity::sign(
                &vp,
                &identity,
                chrono::Utc::now(),
                "authentication",
                challenge.as_deref(),
                domain.as_deref(),
            )
            .map_err(|e| NodeError::Unprocessable(format!("presentation: {e}")))
        })
        .await
        .map_err(NodeError::task)?
    }
}
