//! A holder node as an OpenID4VP wallet: it opens a verifier's request (an
//! `openid4vp://` link whose request object is fetched and checked against the verifier's
//! DID), picks an SD-JWT VC of a kind the DCQL query accepts, discloses only the claims asked,
//! binds the presentation to the request (`aud` the `client_id`, `nonce` the request's) with
//! its own key, and posts it to the response URI, encrypted when the verifier asks for
//! `direct_post.jwt`. The holder who runs `vcnode wallet present` has consented.

use credentials::issue::Format;
use credentials::oid4vp::{
    asked_credentials, encrypt_response, parse_invocation, verify_request_object,
};
use credentials::present::{present_sd_jwt_vc, Audience};
use serde_json::{json, Value};

use super::{Node, NodeError};
use crate::config::Role;
use crate::http_client::send;

/// What was presented, to whom.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Presented {
    /// The verifier's `client_id`.
    pub verifier: String,
    /// The wallet credential shown.
    pub credential_id: String,
    /// The claims disclosed.
    pub claims: Vec<String>,
    /// The response mode used.
    pub response_mode: String,
}

fn refused(what: &'static str, e: impl std::fmt::Display) -> NodeError {
    NodeError::invalid(what, e.to_string())
}

impl Node {
    /// Answers an OpenID4VP request link with a credential from this wallet.
    pub async fn present_oid4vp(&self, link: &str) -> Result<Presented, NodeError> {
        if !self.cfg.has_role(Role::Holder) {
            return Err(NodeError::NotRole(Role::Holder));
        }
        let inv = parse_invocation(link).map_err(|e| refused("request", e))?;
        let (client_id, request_uri) = (inv.client_id, inv.request_uri);
        let a = send(
            "GET",
            &request_uri,
            &[("accept", "application/oauth-authz-req+jwt")],
            vec![],
        )
        .await
        .map_err(|e| NodeError::Peer(format!("request_uri: {e}")))?;
        if a.status != 200 {
            return Err(NodeError::PeerRefused {
                peer: "verifier",
                reason: format!("request_uri answered HTTP {}", a.status),
            });
        }
        let jwt = String::from_utf8(a.body.to_vec())
            .map_err(|_| NodeError::Peer("request object: not text".into()))?;
        let now = chrono::Utc::now();
        let req = verify_request_object(jwt.trim(), &client_id, &request_uri, now.timestamp())
            .map_err(|e| refused("request", e))?;
        let s = |name: &str| req.get(name).and_then(Value::as_str).map(str::to_owned);
        if s("response_type").as_deref() != Some("vp_token") {
            return Err(refused("request", "response_type: vp_token expected"));
        }
        let mode = s("response_mode").unwrap_or_default();
        if mode != "direct_post" && mode != "direct_post.jwt" {
            return Err(refused(
                "request",
                format!("response_mode {mode:?}: direct_post or direct_post.jwt expected"),
            ));
        }
        let response_uri =
            s("response_uri").ok_or_else(|| refused("request", "response_uri: missing"))?;
        let nonce = s("nonce").ok_or_else(|| refused("request", "nonce: missing"))?;
        let asked = asked_credentials(req.get("dcql_query").unwrap_or(&Value::Null))
            .map_err(|e| refused("request", e))?;
        let [ask] = asked.as_slice() else {
            return Err(refused(
                "request",
                "dcql_query: this wallet answers one credential query",
            ));
        };
        let wallet = self.store.wallet()?;
        let cred = wallet
            .iter()
            .filter(|w| w.format == Format::SdJwtVc)
            .find(|w| {
                ask.vct_values.is_empty()
                    || ask
                        .vct_values
                        .contains(&credentials::sd_jwt_vc::vct(w.kind))
            })
            .ok_or_else(|| {
                NodeError::NotFound(format!(
                    "no SD-JWT VC in this wallet of a type the verifier asks for ({})",
                    ask.vct_values.join(", ")
                ))
            })?;
        let audience = Audience {
            challenge: Some(nonce.clone()),
            domain: Some(client_id.clone()),
            expires: None,
        };
        let id = self.identity.clone();
        let (text, claims) = (cred.credential.clone(), ask.claims.clone());
        let presentation = tokio::task::spawn_blocking(move || {
            present_sd_jwt_vc(&text, &claims, &id, &audience, now)
        })
        .await
        .map_err(NodeError::task)?
        .map_err(|e| NodeError::Unprocessable(format!("presenting {}: {e}", cred.id)))?;
        let mut fields = json!({"vp_token": {(ask.id.clone()): [presentation]}});
        if let Some(state) = s("state") {
            fields["state"] = json!(state);
        }
        let body = if mode == "direct_post.jwt" {
            let meta = req.get("client_metadata").cloned().unwrap_or(Value::Null);
            let key = meta
                .pointer("/jwks/keys")
                .and_then(Value::as_array)
                .and_then(|keys| {
                    keys.iter().find(|k| {
                        k.get("crv").and_then(Value::as_str) == Some("P-256")
                            && k.get("use")
                                .and_then(Value::as_str)
                                .is_none_or(|u| u == "enc")
                    })
                })
                .cloned()
                .ok_or_else(|| {
                    refused("request", "client_metadata.jwks: no P-256 encryption key")
                })?;
            let enc = meta
                .get("encrypted_response_enc_values_supported")
                .and_then(Value::as_array)
                .and_then(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .find(|e| *e == "A128GCM" || *e == "A256GCM")
                        .map(str::to_owned)
                })
                .unwrap_or_else(|| "A128GCM".into());
            let plain = serde_json::to_vec(&fields).unwrap_or_default();
            let nonce_bytes = nonce.clone().into_bytes();
            let jwe = tokio::task::spawn_blocking(move || {
                encrypt_response(
                    &plain,
                    &key,
                    &enc,
                    Some(&nonce_bytes),
                    &mut rand::rngs::OsRng,
                )
            })
            .await
            .map_err(NodeError::task)?
            .map_err(|e| refused("request", e))?;
            form_urlencoded::Serializer::new(String::new())
                .append_pair("response", &jwe)
                .finish()
        } else {
            let mut f = form_urlencoded::Serializer::new(String::new());
            f.append_pair("vp_token", &fields["vp_token"].to_string());
            if let Some(st) = fields.get("state").and_then(Value::as_str) {
                f.append_pair("state", st);
            }
            f.finish()
        };
        let a = send(
            "POST",
            &response_uri,
            &[("content-type", "application/x-www-form-urlencoded")],
            body.into_bytes(),
        )
        .await
        .map_err(|e| NodeError::Peer(format!("response_uri: {e}")))?;
        if !(200..300).contains(&a.status) {
            return Err(NodeError::PeerRefused {
                peer: "verifier",
                reason: a.refusal(),
            });
        }
        tracing::info!(credential_id = %cred.id, mode, "openid4vp presentation sent");
        Ok(Presented {
            verifier: client_id,
            credential_id: cred.id.clone(),
            claims: ask.claims.clone(),
            response_mode: mode,
        })
    }
}
