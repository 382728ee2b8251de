//! The HTTP RPC: `GET /consensus_info`, `GET /peers`, `GET /health`. Answers are
//! JSON; every error (unknown path, wrong method, missing token) is a 4xx with an
//! `ErrorBody`, never a panic. Bound to a non-loopback address it requires a bearer
//! token (config refuses to start without one).

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use timecoin_shared::rpc::{ConsensusInfo, ErrorBody, Health, PeerInfo};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::net::Network;
use crate::version::{COMMIT, VERSION};

/// What the handlers read.
pub struct RpcState {
    pub net: Network,
    pub min_masternodes: usize,
    pub started: Instant,
    /// Required bearer token, if any.
    pub token: Option<String>,
}

/// The RPC routes over `state`.
pub fn router(state: Arc<RpcState>) -> Router {
    Router::new()
        .route("/consensus_info", get(consensus_info))
        .route("/peers", get(peers))
        .route("/health", get(health))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), require_token))
        .with_state(state)
}

/// Serves `router` on `listener` until `shutdown` is cancelled.
///
/// # Errors
/// When the server fails (not on client errors, which get 4xx answers).
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(async move { shutdown.cancelled().await })
        .await
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (
        status,
        Json(ErrorBody {
            error: message.into(),
        }),
    )
        .into_response()
}

async fn require_token(
    State(state): State<Arc<RpcState>>,
    request: Request,
    next: Next,
) -> Response {
    if let Some(token) = &state.token {
        let presented = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if presented != Some(token.as_str()) {
            return error(StatusCode::UNAUTHORIZED, "missing or wrong bearer token");
        }
    }
    next.run(request).await
}

async fn consensus_info(State(state): State<Arc<RpcState>>) -> Json<ConsensusInfo> {
    let net = &state.net;
    Json(ConsensusInfo {
        active_masternodes: net.active_masternodes().len(),
        connected_peers: net.peers().len(),
        // Chain fields stay at their empty values until the chain is wired in.
        pending_transactions: 0,
        finalized_transactions: 0,
        block_height: 0,
        tip_hash: "00".repeat(32),
        node_id: net.node_id(),
        network: net.network().to_owned(),
        version: VERSION.to_owned(),
        commit: COMMIT.to_owned(),
        uptime_secs: state.started.elapsed().as_secs(),
        last_block_age_secs: None,
        min_masternodes: state.min_masternodes,
    })
}

async fn peers(State(state): State<Arc<RpcState>>) -> Json<Vec<PeerInfo>> {
    Json(state.net.peers().iter().map(|p| p.to_info()).collect())
}

async fn health() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        version: VERSION.to_owned(),
        commit: COMMIT.to_owned(),
    })
}

async fn not_found(request: Request) -> Response {
    error(
        StatusCode::NOT_FOUND,
        format!("no such endpoint: {}", request.uri().path()),
    )
}

async fn method_not_allowed(request: Request) -> Response {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        format!(
            "method {} not allowed on {}",
            request.method(),
            request.uri().path()
        ),
    )
}
