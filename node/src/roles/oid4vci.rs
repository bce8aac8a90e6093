//! OpenID4VCI 1.0 on an issuer node, pre-authorized code flow: phone wallets receive the
//! record a claim code stands for as an SD-JWT VC (`dc+sd-jwt`) or a VCDM 1.1 JWT
//! (`jwt_vc_json`), bound to the key of the wallet's `jwt` proof, with the same status entries (and so the same gossiped revocation)
//! as every credential vcnet issues.
//!
//! The claim code is the pre-authorized code. The token endpoint exchanges it (and its
//! transaction code, when the record was imported with one) for a short-lived access token;
//! the nonce endpoint hands out single-use `c_nonce`s; the credential endpoint checks the key
//! proof and issues through the same path as a libp2p claim, so the code is spent in the same
//! RocksDB batch that records the credential. Tokens and nonces live in memory only: they last
//! minutes, and a restart simply makes the wallet start again from the offer.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine;
use credentials::issue::Format;
use credentials::oid4vci::{check_proof, CredentialOffer, TxCode, PRE_AUTHORIZED_GRANT};
use credentials::CredentialKind;
use rand::RngCore;
use serde_json::{json, Value};

use super::issuer::code_digest;
use super::{IssuerError, Node};

/// How long an access token and a `c_nonce` last.
pub const TOKEN_SECS: u64 = 300;
pub const NONCE_SECS: u64 = 300;
/// Live tokens and nonces kept at most (each a few dozen bytes); beyond, new ones are refused
/// until old ones expire.
const MAX_LIVE: usize = 100_000;
/// Wrong transaction codes tried on one claim code before it is locked until the node restarts.
pub const MAX_TX_FAILURES: u32 = 5;
/// Largest credential request body read.
pub const MAX_CREDENTIAL_REQUEST_BYTES: usize = 64 * 1024;

/// The short-lived state of the flow; one lock, held for map operations only.
#[derive(Default)]
pub struct Oid4vciState {
    inner: Mutex<Live>,
}

#[derive(Default)]
struct Live {
    /// `c_nonce` → when it expires.
    nonces: HashMap<String, Instant>,
    /// Digest of an access token → the claim code it was exchanged for.
    tokens: HashMap<String, Grant>,
    /// Claim codes with a live token (a code is exchanged once at a time).
    exchanged: HashMap<String, Instant>,
    /// Wrong transaction codes per claim code.
    tx_failures: HashMap<String, u32>,
}

#[derive(Clone)]
struct Grant {
    code_digest: String,
    expires: Instant,
}

impl Live {
    fn purge(&mut self, now: Instant) {
        self.nonces.retain(|_, e| *e > now);
        self.tokens.retain(|_, g| g.expires > now);
        self.exchanged.retain(|_, e| *e > now);
    }
}

impl Oid4vciState {
    fn live(&self) -> std::sync::MutexGuard<'_, Live> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// An OAuth error answer (RFC 6749 §5.2, OpenID4VCI §6.3, §8.3.1): its HTTP status, code and
/// description. Never carries a code, token or claim.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {description}")]
pub struct OAuthError {
    pub status: u16,
    pub code: &'static str,
    pub description: String,
}

impl OAuthError {
    fn new(status: u16, code: &'static str, description: impl Into<String>) -> Self {
        Self {
            status,
            code,
            description: description.into(),
        }
    }
    pub(crate) fn request(d: impl Into<String>) -> Self {
        Self::new(400, "invalid_request", d)
    }
    fn grant(d: impl Into<String>) -> Self {
        Self::new(400, "invalid_grant", d)
    }
    fn proof(d: impl Into<String>) -> Self {
        Self::new(400, "invalid_proof", d)
    }
    fn credential_request(d: impl Into<String>) -> Self {
        Self::new(400, "invalid_credential_request", d)
    }
    fn busy(what: &str) -> Self {
        Self::new(
            503,
            "temporarily_unavailable",
            format!("{what}; try again in a minute"),
        )
    }
    pub(crate) fn internal(e: impl std::fmt::Display) -> Self {
        Self::new(500, "server_error", e.to_string())
    }
}

impl From<IssuerError> for OAuthError {
    fn from(e: IssuerError) -> Self {
        match e {
            IssuerError::Internal(_) | IssuerError::Store(_) => Self::internal(e),
            other => Self::new(400, "credential_request_denied", other.to_string()),
        }
    }
}

/// A random token: 32 bytes, base64url.
fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// The formats a wallet can ask for, by their OpenID4VCI names.
pub const FORMATS: [Format; 2] = [Format::SdJwtVc, Format::JwtVcJson];

/// The configuration id of a kind in a format (`identity_dc_sd_jwt`, `identity_jwt_vc_json`).
pub fn configuration_id(kind: CredentialKind, format: Format) -> String {
    let suffix = match format {
        Format::JwtVcJson => "jwt_vc_json",
        _ => "dc_sd_jwt",
    };
    format!("{}_{suffix}", kind.short_name())
}

/// The metadata of one configuration (§12.2.4, Appendix A.1.1.2 and A.3.2).
fn configuration_metadata(kind: CredentialKind, format: Format) -> Value {
    let mut c = match format {
        Format::JwtVcJson => json!({
            "format": "jwt_vc_json",
            "credential_definition": {"type": ["VerifiableCredential", kind.type_name()]},
        }),
        _ => json!({"format": "dc+sd-jwt", "vct": credentials::sd_jwt_vc::vct(kind)}),
    };
    c["scope"] = json!(kind.short_name());
    c["cryptographic_binding_methods_supported"] = json!(["jwk", "did:key", "did:jwk"]);
    c["credential_signing_alg_values_supported"] = json!(["EdDSA"]);
    c["proof_types_supported"] =
        json!({"jwt": {"proof_signing_alg_values_supported": ["EdDSA", "ES256"]}});
    c["credential_metadata"] = json!({"display": [{"name": kind.type_name(), "locale": "en"}]});
    c
}

impl Node {
    /// The credential issuer metadata (§12.2.4): a `dc+sd-jwt` and a `jwt_vc_json`
    /// configuration per kind this node issues, key binding by `jwk` or `did:key`/`did:jwk`,
    /// `jwt` proofs in EdDSA or ES256.
    pub fn oid4vci_issuer_metadata(&self) -> Value {
        let base = &self.public_url;
        let configurations: serde_json::Map<String, Value> = self
            .cfg
            .issue_kinds
            .iter()
            .flat_map(|&kind| {
                FORMATS.map(|f| (configuration_id(kind, f), configuration_metadata(kind, f)))
            })
            .collect();
        json!({
            "credential_issuer": base,
            "credential_endpoint": format!("{base}/oid4vci/credential"),
            "nonce_endpoint": format!("{base}/oid4vci/nonce"),
            "display": [{"name": self.cfg.name, "locale": "en"}],
            "credential_configurations_supported": configurations,
        })
    }

    /// The authorization server metadata (RFC 8414, OpenID4VCI §12.3): the issuer is its own
    /// authorization server and takes the pre-authorized code without client authentication.
    pub fn oid4vci_as_metadata(&self) -> Value {
        let base = &self.public_url;
        json!({
            "issuer": base,
            "token_endpoint": format!("{base}/oid4vci/token"),
            "grant_types_supported": [PRE_AUTHORIZED_GRANT],
            "pre-authorized_grant_anonymous_access_supported": true,
            "token_endpoint_auth_methods_supported": ["none"],
        })
    }

    /// The OpenID4VCI offer of an unclaimed claim code, as an `openid-credential-offer://`
    /// link; `None` for a code this issuer does not hold unclaimed.
    pub fn credential_offer(&self, code: &str) -> Result<Option<String>, IssuerError> {
        let Some(record) = self.store.record_for_code(&code_digest(code))? else {
            return Ok(None);
        };
        let tx = record.tx_code_digest.as_ref().map(|_| TxCode {
            input_mode: Some("numeric".into()),
            length: None,
            description: Some("The transaction code sent to you apart from the letter".into()),
        });
        let mut offer = CredentialOffer::pre_authorized(
            &self.public_url,
            &configuration_id(record.kind, Format::SdJwtVc),
            code.trim(),
            tx,
        );
        // Both formats: the wallet takes the one it keeps (one credential per code).
        offer
            .credential_configuration_ids
            .push(configuration_id(record.kind, Format::JwtVcJson));
        Ok(Some(offer.to_uri()))
    }

    /// The token endpoint (§6): exchanges a pre-authorized code, and its transaction code when
    /// the record has one, for an access token. Unknown form members (`user_pin`, `resource`,
    /// `client_id`) are ignored, as §6.1 asks.
    pub fn oid4vci_token(&self, form: &HashMap<String, String>) -> Result<Value, OAuthError> {
        if !self.cfg.has_role(crate::config::Role::Issuer) {
            return Err(OAuthError::new(
                400,
                "unauthorized_client",
                "this node is not an issuer",
            ));
        }
        match form.get("grant_type").map(String::as_str) {
            Some(PRE_AUTHORIZED_GRANT) => {}
            Some(_) => {
                return Err(OAuthError::new(
                    400,
                    "unsupported_grant_type",
                    format!("grant_type: only {PRE_AUTHORIZED_GRANT} is supported"),
                ))
            }
            None => return Err(OAuthError::request("grant_type: missing")),
        }
        let code = form
            .get("pre-authorized_code")
            .filter(|c| !c.is_empty() && c.len() <= 128)
            .ok_or_else(|| OAuthError::request("pre-authorized_code: missing or too long"))?;
        let digest = code_digest(code);
        let record = self
            .store
            .record_for_code(&digest)
            .map_err(OAuthError::internal)?
            .ok_or_else(|| {
                OAuthError::grant("pre-authorized_code: unknown, expired or already used")
            })?;
        let tx = form.get("tx_code");
        let now = Instant::now();
        let mut live = self.oid4vci.live();
        match (&record.tx_code_digest, tx) {
            (None, None) => {}
            (None, Some(_)) => {
                return Err(OAuthError::request(
                    "tx_code: this offer asked for no transaction code",
                ))
            }
            (Some(_), None) => {
                return Err(OAuthError::request(
                    "tx_code: this offer needs its transaction code",
                ))
            }
            (Some(expected), Some(given)) => {
                let failures = live.tx_failures.get(&digest).copied().unwrap_or(0);
                if failures >= MAX_TX_FAILURES {
                    return Err(OAuthError::grant(
                        "tx_code: too many wrong transaction codes; ask the issuer for a new letter",
                    ));
                }
                let ok = given.len() <= 16 && {
                    use subtle::ConstantTimeEq;
                    bool::from(code_digest(given).as_bytes().ct_eq(expected.as_bytes()))
                };
                if !ok {
                    *live.tx_failures.entry(digest).or_insert(0) += 1;
                    return Err(OAuthError::grant("tx_code: wrong transaction code"));
                }
            }
        }
        live.purge(now);
        if live.exchanged.contains_key(&digest) {
            return Err(OAuthError::grant(
                "pre-authorized_code: already exchanged for a token that is still live",
            ));
        }
        if live.tokens.len() >= MAX_LIVE {
            return Err(OAuthError::busy("too many wallets at once"));
        }
        let token = random_token();
        let expires = now + Duration::from_secs(TOKEN_SECS);
        live.tokens.insert(
            code_digest(&token),
            Grant {
                code_digest: digest.clone(),
                expires,
            },
        );
        live.exchanged.insert(digest, expires);
        live.tx_failures.remove(&code_digest(code));
        tracing::info!("openid4vci: pre-authorized code exchanged");
        Ok(json!({"access_token": token, "token_type": "Bearer", "expires_in": TOKEN_SECS}))
    }

    /// The nonce endpoint (§7): a fresh single-use `c_nonce`.
    pub fn oid4vci_nonce(&self) -> Result<String, OAuthError> {
        let now = Instant::now();
        let mut live = self.oid4vci.live();
        if live.nonces.len() >= MAX_LIVE {
            live.purge(now);
            if live.nonces.len() >= MAX_LIVE {
                return Err(OAuthError::busy("too many nonces outstanding"));
            }
        }
        let nonce = random_token();
        live.nonces
            .insert(nonce.clone(), now + Duration::from_secs(NONCE_SECS));
        Ok(nonce)
    }

    /// The credential endpoint (§8): the bearer token's record, issued as an SD-JWT VC to the
    /// key of the request's one `jwt` proof. The token is spent with the credential.
    pub async fn oid4vci_credential(
        &self,
        bearer: Option<&str>,
        body: &[u8],
    ) -> Result<Value, OAuthError> {
        let token_digest = bearer.map(code_digest).ok_or_else(|| {
            OAuthError::new(
                401,
                "invalid_token",
                "Authorization: Bearer <access token> is required",
            )
        })?;
        let grant = {
            let mut live = self.oid4vci.live();
            live.purge(Instant::now());
            live.tokens.get(&token_digest).cloned()
        }
        .ok_or_else(|| {
            OAuthError::new(
                401,
                "invalid_token",
                "the access token is unknown or expired",
            )
        })?;
        if body.len() > MAX_CREDENTIAL_REQUEST_BYTES {
            return Err(OAuthError::credential_request(format!(
                "the request is {} bytes; at most {MAX_CREDENTIAL_REQUEST_BYTES} are read",
                body.len()
            )));
        }
        let req: Value = serde_json::from_slice(body)
            .map_err(|e| OAuthError::credential_request(format!("not a JSON object: {e}")))?;
        if req.get("credential_identifier").is_some() {
            return Err(OAuthError::new(
                400,
                "unknown_credential_identifier",
                "credential_identifier: this issuer gives none; name credential_configuration_id",
            ));
        }
        let configuration = req
            .get("credential_configuration_id")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                OAuthError::credential_request("credential_configuration_id: missing")
            })?;
        let (kind, format) = self
            .cfg
            .issue_kinds
            .iter()
            .flat_map(|&k| FORMATS.map(|f| (k, f)))
            .find(|&(k, f)| configuration_id(k, f) == configuration)
            .ok_or_else(|| {
                OAuthError::new(
                    400,
                    "unknown_credential_configuration",
                    format!(
                        "credential_configuration_id: {} is not offered here",
                        credentials::verify::preview(configuration, 40)
                    ),
                )
            })?;
        // The offer's kind, checked before any signature is (the record is read again under
        // the issuer lock to issue).
        if let Some(record) = self
            .store
            .record_for_code(&grant.code_digest)
            .map_err(OAuthError::internal)?
        {
            if record.kind != kind {
                return Err(OAuthError::credential_request(format!(
                    "credential_configuration_id: the offer was for {}",
                    record.kind.short_name()
                )));
            }
        }
        if req.get("credential_response_encryption").is_some() {
            return Err(OAuthError::new(
                400,
                "invalid_encryption_parameters",
                "credential_response_encryption: this issuer does not encrypt responses",
            ));
        }
        let proofs = req
            .get("proofs")
            .and_then(|p| p.get("jwt"))
            .and_then(Value::as_array)
            .ok_or_else(|| OAuthError::proof("proofs.jwt: missing"))?;
        let proof = match proofs.as_slice() {
            [Value::String(p)] => p.clone(),
            [] => return Err(OAuthError::proof("proofs.jwt: empty")),
            [_] => return Err(OAuthError::proof("proofs.jwt[0]: not a string")),
            _ => {
                return Err(OAuthError::credential_request(
                    "proofs.jwt: one proof per request (this issuer does not issue batches)",
                ))
            }
        };
        let issuer = self.public_url.clone();
        let now = chrono::Utc::now().timestamp();
        let checked = tokio::task::spawn_blocking(move || check_proof(&proof, &issuer, now))
            .await
            .map_err(OAuthError::internal)?
            .map_err(|e| OAuthError::new(400, e.oauth_code(), e.to_string()))?;
        let nonce = checked.nonce.ok_or_else(|| {
            OAuthError::proof("key proof: no `nonce` (get a c_nonce from the nonce endpoint)")
        })?;
        let fresh = {
            let mut live = self.oid4vci.live();
            live.nonces
                .remove(&nonce)
                .is_some_and(|e| e > Instant::now())
        };
        if !fresh {
            return Err(OAuthError::new(
                400,
                "invalid_nonce",
                "key proof: the c_nonce is unknown, used or expired; get a new one",
            ));
        }
        let holder = checked.holder;
        let _guard = self.issuer_lock.lock().await;
        let record = self
            .store
            .record_for_code(&grant.code_digest)
            .map_err(OAuthError::internal)?;
        // A record's kind never changes: it was checked against the configuration above.
        let text = match record {
            Some(record) => {
                self.issue_for_record(&grant.code_digest, &record, &holder, format)
                    .await?
                    .1
            }
            // Spent while this token lived: only the same holder gets the same credential.
            None => match self
                .store
                .claimed_code(&grant.code_digest)
                .map_err(OAuthError::internal)?
            {
                Some(c) if c.holder == holder && c.format == format => c.credential,
                _ => {
                    return Err(OAuthError::new(
                        400,
                        "credential_request_denied",
                        "the claim code was used by another holder",
                    ))
                }
            },
        };
        {
            let mut live = self.oid4vci.live();
            live.tokens.remove(&token_digest);
            live.exchanged.remove(&grant.code_digest);
        }
        Ok(json!({"credentials": [{"credential": text}]}))
    }
}
