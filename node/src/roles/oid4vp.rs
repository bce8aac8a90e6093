//! OpenID4VP 1.0 on a verifier node: the desk asks a phone wallet for an SD-JWT VC. A request
//! is a signed request object served by reference (`client_id`
//! `decentralized_identifier:<the node's DID>`), its DCQL query naming the kind's `vct` and the
//! claims wanted; the wallet answers at the request's own response URI, `direct_post` or
//! `direct_post.jwt` (encrypted to a key made for that request alone). The answer is verified
//! by the node's own pipeline, offline: the key binding's nonce and audience must be this
//! request's, status and trust come from the node's store. The outcome waits for the desk page
//! and goes in the verifier log (verdict and digests, never the claims).
//!
//! Sessions live in memory for [`SESSION_SECS`]: each is answered once.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine;
use credentials::oid4vp::{
    dcql_sd_jwt_vc, invocation_link, sign_request_object, ResponseKey, DID_PREFIX, SELF_ISSUED_AUD,
};
use credentials::pubkey::SecretKey;
use credentials::CredentialKind;
use rand::RngCore;
use serde_json::{json, Value};

use super::{Node, NodeError, OAuthError};
use crate::config::Role;

/// How long a request can be answered, and its result read.
pub const SESSION_SECS: u64 = 600;
/// Requests kept at most; beyond, a new one waits for old ones to expire.
const MAX_SESSIONS: usize = 10_000;
/// The DCQL credential query id vcnet asks under.
pub const QUERY_ID: &str = "credential";

/// The response modes a request may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseMode {
    DirectPost,
    DirectPostJwt,
}

impl ResponseMode {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "direct_post" => Some(Self::DirectPost),
            "direct_post.jwt" => Some(Self::DirectPostJwt),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DirectPost => "direct_post",
            Self::DirectPostJwt => "direct_post.jwt",
        }
    }
}

struct Session {
    nonce: String,
    state: String,
    client_id: String,
    kind: CredentialKind,
    claims: Vec<String>,
    mode: ResponseMode,
    /// The request's own response decryption key (`direct_post.jwt`).
    key: Option<ResponseKey>,
    request_object: String,
    expires: Instant,
    outcome: Option<Value>,
}

/// Requests waiting for (or holding) an answer.
#[derive(Default)]
pub struct Oid4vpState {
    sessions: Mutex<HashMap<String, Session>>,
}

impl Oid4vpState {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.sessions.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A request just made: what the desk shows.
#[derive(Debug, Clone)]
pub struct CreatedRequest {
    pub id: String,
    /// The invocation link (`openid4vp://?client_id=…&request_uri=…`), for a QR code or a
    /// same-device link.
    pub link: String,
    pub request_uri: String,
    pub expires_in: u64,
}

fn random_id(n: usize) -> String {
    let mut b = vec![0u8; n];
    rand::rngs::OsRng.fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

impl Node {
    /// The `client_id` this verifier uses: its DID with the `decentralized_identifier:` prefix.
    pub fn oid4vp_client_id(&self) -> String {
        format!("{DID_PREFIX}{}", self.identity.did())
    }

    /// Makes a request for `claims` of a `kind` SD-JWT VC, answered in `mode`.
    pub fn oid4vp_request(
        &self,
        kind: CredentialKind,
        claims: Vec<String>,
        mode: ResponseMode,
    ) -> Result<CreatedRequest, NodeError> {
        if !self.cfg.has_role(Role::Verifier) {
            return Err(NodeError::NotRole(Role::Verifier));
        }
        if claims.len() > 64 || claims.iter().any(|c| c.is_empty() || c.len() > 128) {
            return Err(NodeError::invalid(
                "claims",
                "at most 64 claim names of at most 128 characters",
            ));
        }
        let id = random_id(18);
        let (nonce, state) = (random_id(24), random_id(18));
        let client_id = self.oid4vp_client_id();
        let base = &self.public_url;
        let request_uri = format!("{base}/oid4vp/request/{id}");
        let now = chrono::Utc::now().timestamp();
        let key = (mode == ResponseMode::DirectPostJwt)
            .then(|| ResponseKey::generate(&random_id(9), &mut rand::rngs::OsRng));
        let mut client_metadata = json!({
            "vp_formats_supported": {
                "dc+sd-jwt": {"sd-jwt_alg_values": ["EdDSA", "ES256"], "kb-jwt_alg_values": ["EdDSA", "ES256"]}
            }
        });
        if let Some(k) = &key {
            client_metadata["jwks"] = json!({"keys": [k.public_jwk()]});
            client_metadata["encrypted_response_enc_values_supported"] =
                json!(["A128GCM", "A256GCM"]);
        }
        // No `iss` (optional here): with a prefixed `client_id` it would name no DID, and a
        // wallet (oid4vc-ts, seen) then takes its value for the signer's DID and refuses.
        let payload = json!({
            "aud": SELF_ISSUED_AUD,
            "client_id": client_id,
            "response_type": "vp_token",
            "response_mode": mode.as_str(),
            "response_uri": format!("{base}/oid4vp/response/{id}"),
            "nonce": nonce,
            "state": state,
            "dcql_query": dcql_sd_jwt_vc(QUERY_ID, &credentials::sd_jwt_vc::vct(kind), &claims),
            "client_metadata": client_metadata,
            "iat": now,
            "exp": now + SESSION_SECS as i64,
        });
        let request_object = sign_request_object(
            &payload,
            &SecretKey::Ed25519(self.identity.signing_key().clone()),
            self.identity.verification_method(),
        );
        let mut sessions = self.oid4vp.lock();
        let at = Instant::now();
        sessions.retain(|_, s| s.expires > at);
        if sessions.len() >= MAX_SESSIONS {
            return Err(NodeError::Unavailable(
                "too many presentation requests waiting; try again in a minute".into(),
            ));
        }
        sessions.insert(
            id.clone(),
            Session {
                nonce,
                state,
                client_id: client_id.clone(),
                kind,
                claims,
                mode,
                key,
                request_object,
                expires: at + Duration::from_secs(SESSION_SECS),
                outcome: None,
            },
        );
        tracing::info!(
            mode = mode.as_str(),
            kind = kind.short_name(),
            "openid4vp request made"
        );
        Ok(CreatedRequest {
            link: invocation_link(&client_id, &request_uri),
            id,
            request_uri,
            expires_in: SESSION_SECS,
        })
    }

    /// The signed request object of a live, unanswered request.
    pub fn oid4vp_request_object(&self, id: &str) -> Option<String> {
        let sessions = self.oid4vp.lock();
        let s = sessions.get(id)?;
        (s.expires > Instant::now() && s.outcome.is_none()).then(|| s.request_object.clone())
    }

    /// A request's outcome for the desk: `{"status": "waiting"}`, or the verdict.
    pub fn oid4vp_outcome(&self, id: &str) -> Option<Value> {
        let sessions = self.oid4vp.lock();
        let s = sessions.get(id)?;
        if s.expires <= Instant::now() {
            return None;
        }
        Some(
            s.outcome
                .clone()
                .unwrap_or_else(|| json!({"status": "waiting"})),
        )
    }

    /// The wallet's answer at `…/oid4vp/response/{id}` (a form): `vp_token` and `state`, or
    /// `response` (the same, encrypted). Verified, then kept for the desk and logged. A request
    /// is answered once; what is wrong with the answer itself goes in the verdict, what is wrong
    /// with the message is refused.
    pub async fn oid4vp_response(
        &self,
        id: &str,
        form: &HashMap<String, String>,
    ) -> Result<Value, OAuthError> {
        let (nonce, state, client_id, kind, claims, mode, key) = {
            let sessions = self.oid4vp.lock();
            let s = sessions
                .get(id)
                .filter(|s| s.expires > Instant::now())
                .ok_or_else(|| OAuthError::request("no such request, or it expired"))?;
            if s.outcome.is_some() {
                return Err(OAuthError::request("this request was answered already"));
            }
            (
                s.nonce.clone(),
                s.state.clone(),
                s.client_id.clone(),
                s.kind,
                s.claims.clone(),
                s.mode,
                s.key.clone(),
            )
        };
        let fields: Value = match mode {
            ResponseMode::DirectPost => json!({
                "vp_token": form.get("vp_token").cloned(),
                "state": form.get("state").cloned(),
            }),
            ResponseMode::DirectPostJwt => {
                let jwe = form
                    .get("response")
                    .ok_or_else(|| {
                        OAuthError::request(
                            "response: missing (this request asked for direct_post.jwt)",
                        )
                    })?
                    .clone();
                let key = key.ok_or_else(|| {
                    OAuthError::internal("a direct_post.jwt request without its key")
                })?;
                let plain = tokio::task::spawn_blocking(move || key.decrypt(&jwe))
                    .await
                    .map_err(OAuthError::internal)?
                    .map_err(|e| OAuthError::request(e.to_string()))?;
                serde_json::from_slice(&plain).map_err(|e| {
                    OAuthError::request(format!("the decrypted response is not JSON: {e}"))
                })?
            }
        };
        if fields.get("state").and_then(Value::as_str) != Some(state.as_str()) {
            return Err(OAuthError::request("state: not this request's"));
        }
        let vp_token = match fields.get("vp_token") {
            Some(Value::String(s)) => serde_json::from_str::<Value>(s)
                .map_err(|e| OAuthError::request(format!("vp_token: not JSON: {e}")))?,
            Some(v @ Value::Object(_)) => v.clone(),
            _ => return Err(OAuthError::request("vp_token: missing")),
        };
        let presentation = match vp_token
            .get(QUERY_ID)
            .and_then(Value::as_array)
            .map(Vec::as_slice)
        {
            Some([Value::String(p)]) => p.clone(),
            _ => {
                return Err(OAuthError::request(format!(
                    "vp_token: one presentation under `{QUERY_ID}` expected"
                )))
            }
        };
        let mut report = self
            .verify_presentation_text(presentation, Some(nonce), Some(client_id))
            .await
            .map_err(OAuthError::internal)?;
        super::verifier::answers(&mut report, &[kind], &claims);
        let mut outcome = super::views::verdict_view(&report);
        outcome["status"] = json!("answered");
        {
            let mut sessions = self.oid4vp.lock();
            match sessions.get_mut(id) {
                Some(s) if s.outcome.is_none() => s.outcome = Some(outcome),
                _ => return Err(OAuthError::request("this request was answered already")),
            }
        }
        self.log_verification(id.to_owned(), "openid4vp".into(), &report);
        self.metrics.verification(&report);
        tracing::info!(valid = report.valid, "openid4vp presentation verified");
        Ok(json!({}))
    }
}
