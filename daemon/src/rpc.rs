//! The HTTP RPC: `GET /consensus_info`, `GET /peers`, `GET /health`, and the
//! chain's `GET /blocks/tip`, `GET /blocks/{height}`, `POST /tx`, `GET /metrics`
//! (in `chain_routes` and `metrics`). Answers are
//! JSON; every error (unknown path, wrong method, missing token) is a 4xx with an
//! `ErrorBody`, never a panic. Bound to a non-loopback address it requires a bearer
//! token (config refuses to start without one).
//!
//! Hostile clients meet limits at two levels: per connection in `server` (a
//! connection limit, a header timeout, a stalled-write timeout) and per request in
//! `guard` (an early 413, the constant-time token check, a request timeout).

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use timecoin_shared::rpc::{ConsensusInfo, ErrorBody, Health, PeerInfo};
use tokio::time::Instant;

use crate::chain::Chain;
use crate::chain::block::unix_millis;
use crate::net::Network;
use crate::version::{COMMIT, VERSION};

mod chain_routes;
mod guard;
mod metrics;

/// What the handlers read.
pub(crate) struct RpcState {
    pub net: Network,
    pub min_masternodes: usize,
    /// Whether this node's id is a masternode of the network definition.
    pub in_network_definition: bool,
    pub started: Instant,
    /// Required bearer token, if any.
    pub token: Option<String>,
    /// Longest a request may take once its headers are in.
    pub request_timeout: std::time::Duration,
    pub chain: Arc<Chain>,
}

/// The RPC routes over `state`.
pub(crate) fn router(state: Arc<RpcState>) -> Router {
    Router::new()
        .route("/consensus_info", get(consensus_info))
        .route("/peers", get(peers))
        .route("/health", get(health))
        .route("/blocks/tip", get(chain_routes::tip))
        .route("/blocks/{height}", get(chain_routes::at_height))
        .route("/tx", post(chain_routes::submit))
        .route("/metrics", get(metrics::metrics))
        .layer(DefaultBodyLimit::max(guard::MAX_BODY))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), guard::guard))
        .with_state(state)
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

async fn consensus_info(State(state): State<Arc<RpcState>>) -> Json<ConsensusInfo> {
    let net = &state.net;
    let chain = chain_info(&state);
    Json(ConsensusInfo {
        active_masternodes: net.active_masternodes().len(),
        connected_peers: net.peers().len(),
        pending_transactions: chain.pending,
        finalized_transactions: chain.finalized,
        block_height: chain.block_height,
        tip_hash: chain.tip_hash,
        node_id: net.node_id(),
        network: net.network().to_owned(),
        version: VERSION.to_owned(),
        commit: COMMIT.to_owned(),
        uptime_secs: state.started.elapsed().as_secs(),
        last_block_age_secs: chain.last_block_age_secs,
        min_masternodes: state.min_masternodes,
        in_network_definition: Some(state.in_network_definition),
        final_height: Some(chain.final_height),
        consensus_round: chain.consensus_round,
    })
}

/// The chain's figures as the RPC reports them.
struct ChainFigures {
    block_height: u64,
    tip_hash: String,
    last_block_age_secs: Option<u64>,
    final_height: u64,
    consensus_round: Option<u32>,
    pending: usize,
    finalized: u64,
}

fn chain_info(state: &RpcState) -> ChainFigures {
    let info = state.chain.info();
    ChainFigures {
        block_height: info.height,
        tip_hash: info.tip_hash.to_string(),
        last_block_age_secs: info
            .tip_timestamp_ms
            .map(|ts| unix_millis().saturating_sub(ts) / 1000),
        final_height: info.final_height,
        consensus_round: info.consensus_round,
        pending: info.pending_transactions,
        finalized: info.finalized_transactions,
    }
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
