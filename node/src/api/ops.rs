//! Operations endpoints: `/metrics` (OpenMetrics text for Prometheus), `/healthz` (the process
//! answers) and `/readyz` (the node can do its work: its network task answers and, when it was
//! given peers to start from, it is connected to at least one).

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::ApiState;

/// `GET /metrics`.
pub async fn metrics(State(s): State<ApiState>) -> Response {
    let peers = s.node.net.connected().await.unwrap_or(0);
    let per_issuer = s.node.replicator.per_issuer(chrono::Utc::now());
    s.node.metrics.set_state(peers, &per_issuer);
    (
        [(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)],
        s.node.metrics.encode(),
    )
        .into_response()
}

/// `GET /healthz`: 200 while the process serves HTTP.
pub async fn healthz() -> &'static str {
    "ok"
}

/// `GET /readyz`: 200 `{"ready": true, …}` or 503 with the reasons.
pub async fn readyz(State(s): State<ApiState>) -> Response {
    let mut reasons = Vec::new();
    let connected = match s.node.net.connected().await {
        Ok(n) => n,
        Err(e) => {
            reasons.push(format!("the network task does not answer: {e}"));
            0
        }
    };
    if !s.node.cfg.bootstrap.is_empty() && connected == 0 {
        reasons.push(format!(
            "connected to none of its {} bootstrap peers yet",
            s.node.cfg.bootstrap.len()
        ));
    }
    let ready = reasons.is_empty();
    let code = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        code,
        Json(json!({"ready": ready, "connectedPeers": connected, "reasons": reasons})),
    )
        .into_response()
}
