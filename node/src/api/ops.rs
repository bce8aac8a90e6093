//! Operations endpoints: `/metrics` (OpenMetrics text for Prometheus), `/healthz` (the process
//! answers) and `/readyz` (the node can do its work: its network task answers and, when it was
//! given peers to start from, it is connected to at least one).

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::openapi::schemas as doc;
use super::ApiState;

/// `GET /metrics`.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "ops",
    operation_id = "metrics",
    responses(
        (status = 200, description = "OpenMetrics text for Prometheus", content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8", body = String),
    ),
)]
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

/// `GET /health`: the same as `/healthz`.
#[utoipa::path(
    get,
    path = "/health",
    tag = "ops",
    operation_id = "health",
    responses(
        (status = 200, description = "The process serves HTTP (the same as `/healthz`)", content_type = "text/plain", body = String, example = "ok"),
    ),
)]
pub async fn health() -> &'static str {
    healthz().await
}

/// `GET /healthz`: 200 while the process serves HTTP.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "ops",
    operation_id = "healthz",
    responses(
        (status = 200, description = "The process serves HTTP", content_type = "text/plain", body = String, example = "ok"),
    ),
)]
pub async fn healthz() -> &'static str {
    "ok"
}

/// `GET /readyz`: 200 `{"ready": true, …}` or 503 with the reasons.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "ops",
    operation_id = "readyz",
    responses(
        (status = 200, description = "Ready", body = doc::Readiness),
        (status = 503, description = "Not ready: the reasons", body = doc::Readiness),
    ),
)]
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
