//! A holder node as an OpenID4VCI wallet: it receives a credential from a credential offer
//! (a vcnet issuer's or any other pre-authorized one), with a key proof signed by its own key,
//! checks it as every delivered credential is checked, and keeps it. The node's key never
//! leaves it; only the proof does.

use credentials::issue::Format;
use credentials::oid4vci::{parse_offer, sign_proof, CredentialOffer, OfferRef};
use credentials::pubkey::SecretKey;
use serde_json::{json, Value};

use super::{Node, NodeError};
use crate::config::Role;
use crate::http_client::{send, Answer};
use crate::store::WalletEntry;

/// `url` with `well_known` inserted between its host and its path (OpenID4VCI §12.2.2,
/// RFC 8414 §3.1): `https://a.example/tenant` → `https://a.example/.well-known/x/tenant`.
pub fn well_known_url(url: &str, well_known: &str) -> Result<String, NodeError> {
    let parsed = url::Url::parse(url)
        .map_err(|e| NodeError::invalid("credential_issuer", format!("not an URL: {e}")))?;
    let path = parsed.path().trim_end_matches('/');
    let origin = parsed.origin().ascii_serialization();
    Ok(format!("{origin}/.well-known/{well_known}{path}"))
}

/// What an OpenID4VC peer answered, as JSON, or why not: an OAuth error is quoted.
fn json_answer(
    what: &str,
    a: Result<Answer, crate::http_client::HttpError>,
) -> Result<Value, NodeError> {
    let a = a.map_err(|e| NodeError::Peer(format!("{what}: {e}")))?;
    if !(200..300).contains(&a.status) {
        return Err(NodeError::PeerRefused {
            peer: "issuer",
            reason: format!("{what}: {}", a.refusal()),
        });
    }
    a.json()
        .ok_or_else(|| NodeError::Peer(format!("{what}: the answer is not JSON")))
}

impl Node {
    /// Receives the credential of an OpenID4VCI offer (`openid-credential-offer://…`) in the
    /// pre-authorized code flow, with `tx_code` when the offer asks for one, and keeps it.
    pub async fn receive_offer(
        &self,
        offer: &str,
        tx_code: Option<&str>,
    ) -> Result<WalletEntry, NodeError> {
        if !self.cfg.has_role(Role::Holder) {
            return Err(NodeError::NotRole(Role::Holder));
        }
        let offer = match parse_offer(offer)
            .map_err(|e| NodeError::invalid("offer", e.to_string()))?
        {
            OfferRef::Value(o) => o,
            OfferRef::Uri(u) => {
                let v = json_answer("credential_offer_uri", send("GET", &u, &[], vec![]).await)?;
                let o: CredentialOffer = serde_json::from_value(v)
                    .map_err(|e| NodeError::Peer(format!("credential_offer_uri: {e}")))?;
                o.check().map_err(|e| NodeError::Peer(e.to_string()))?;
                o
            }
        };
        let grant = offer
            .pre_authorized_grant()
            .map_err(|e| NodeError::invalid("offer", e.to_string()))?;
        if grant.tx_code.is_some() && tx_code.is_none() {
            return Err(NodeError::invalid(
                "txCode",
                "this offer needs the transaction code the issuer sent apart from the letter",
            ));
        }
        let issuer = offer.credential_issuer.as_str();
        let accept = [("accept", "application/json")];
        let meta_url = well_known_url(issuer, "openid-credential-issuer")?;
        let meta = json_answer(
            "issuer metadata",
            send("GET", &meta_url, &accept, vec![]).await,
        )?;
        if meta.get("credential_issuer").and_then(Value::as_str) != Some(issuer) {
            return Err(NodeError::Peer(format!(
                "issuer metadata: credential_issuer is not {issuer} (§12.2.4: the metadata is unusable)"
            )));
        }
        // The first offered configuration in a format this wallet keeps, dc+sd-jwt first.
        let format_of = |id: &str| {
            meta.pointer(&format!(
                "/credential_configurations_supported/{}/format",
                id.replace('~', "~0").replace('/', "~1")
            ))
            .and_then(Value::as_str)
            .map(str::to_owned)
        };
        let (configuration, format) = ["dc+sd-jwt", "jwt_vc_json"]
            .iter()
            .find_map(|wanted| {
                offer
                    .credential_configuration_ids
                    .iter()
                    .find(|id| format_of(id).as_deref() == Some(*wanted))
                    .map(|id| (id.clone(), *wanted))
            })
            .ok_or_else(|| {
                NodeError::Peer(
                    "the offer names no dc+sd-jwt or jwt_vc_json configuration (the formats this wallet keeps)"
                        .into(),
                )
            })?;
        let format = if format == "jwt_vc_json" {
            Format::JwtVcJson
        } else {
            Format::SdJwtVc
        };
        let endpoint = |name: &str, m: &Value| {
            m.get(name)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| NodeError::Peer(format!("metadata: no {name}")))
        };
        let credential_endpoint = endpoint("credential_endpoint", &meta)?;
        let auth_server = meta
            .get("authorization_servers")
            .and_then(|a| a.get(0))
            .and_then(Value::as_str)
            .unwrap_or(issuer)
            .to_owned();
        let as_meta = json_answer(
            "authorization server metadata",
            send(
                "GET",
                &well_known_url(&auth_server, "oauth-authorization-server")?,
                &accept,
                vec![],
            )
            .await,
        )?;
        let token_endpoint = endpoint("token_endpoint", &as_meta)?;
        // The form is built before any await (its serializer is not `Send`).
        let form = {
            let mut f = form_urlencoded::Serializer::new(String::new());
            f.append_pair("grant_type", credentials::oid4vci::PRE_AUTHORIZED_GRANT)
                .append_pair("pre-authorized_code", &grant.code);
            if let (Some(_), Some(tx)) = (&grant.tx_code, tx_code) {
                f.append_pair("tx_code", tx.trim());
            }
            f.finish()
        };
        let token = json_answer(
            "token request",
            send(
                "POST",
                &token_endpoint,
                &[("content-type", "application/x-www-form-urlencoded")],
                form.into_bytes(),
            )
            .await,
        )?;
        let access = token
            .get("access_token")
            .and_then(Value::as_str)
            .ok_or_else(|| NodeError::Peer("token answer: no access_token".into()))?
            .to_owned();
        let nonce = match meta.get("nonce_endpoint").and_then(Value::as_str) {
            Some(url) => Some(
                json_answer("nonce request", send("POST", url, &[], vec![]).await)?
                    .get("c_nonce")
                    .and_then(Value::as_str)
                    .ok_or_else(|| NodeError::Peer("nonce answer: no c_nonce".into()))?
                    .to_owned(),
            ),
            None => None,
        };
        let id = self.identity.clone();
        let aud = issuer.to_owned();
        let proof = tokio::task::spawn_blocking(move || {
            sign_proof(
                &SecretKey::Ed25519(id.signing_key().clone()),
                id.verification_method(),
                &aud,
                nonce.as_deref(),
                chrono::Utc::now().timestamp(),
            )
        })
        .await
        .map_err(NodeError::task)?;
        let bearer = format!("Bearer {access}");
        let answer = json_answer(
            "credential request",
            send(
                "POST",
                &credential_endpoint,
                &[
                    ("content-type", "application/json"),
                    ("authorization", bearer.as_str()),
                ],
                json!({"credential_configuration_id": configuration, "proofs": {"jwt": [proof]}})
                    .to_string()
                    .into_bytes(),
            )
            .await,
        )?;
        let credential = answer
            .pointer("/credentials/0/credential")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                NodeError::Peer("credential answer: no credentials[0].credential string (a deferred issuance is not supported)".into())
            })?
            .to_owned();
        let name = meta
            .pointer("/display/0/name")
            .and_then(Value::as_str)
            .map(|n| credentials::verify::preview(n, 80));
        self.keep_credential(credential, format, name).await
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn well_known_goes_between_host_and_path() {
        assert_eq!(
            super::well_known_url("https://a.example/tenant", "openid-credential-issuer").unwrap(),
            "https://a.example/.well-known/openid-credential-issuer/tenant"
        );
        assert_eq!(
            super::well_known_url("http://127.0.0.1:8080", "oauth-authorization-server").unwrap(),
            "http://127.0.0.1:8080/.well-known/oauth-authorization-server"
        );
    }
}
