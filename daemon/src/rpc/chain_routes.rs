//! The chain's RPC: `GET /blocks/tip`, `GET /blocks/{height}` and `POST /tx`.
//! Bad input (a height that is not a number, a body that is not a JSON object or
//! is too large) gets a 4xx with a JSON error, never a panic.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;

use super::{RpcState, error};
use crate::chain::mempool::TxError;
use crate::chain::{SubmitError, TxStatus};

/// Largest `POST /tx` body read. Correctness: above the 64 KiB transaction limit
/// (which counts canonical bytes) so that the same object with whitespace or
/// escapes still reaches the precise size check and its clear error.
pub(super) const MAX_TX_BODY: usize = 256 * 1024;

pub(super) async fn tip(State(state): State<Arc<RpcState>>) -> Response {
    let height = state.chain.info().height;
    if height == 0 {
        return error(StatusCode::NOT_FOUND, "the chain is empty");
    }
    block_response(&state, height)
}

pub(super) async fn at_height(
    State(state): State<Arc<RpcState>>,
    Path(height): Path<String>,
) -> Response {
    match height.parse::<u64>() {
        Ok(height) => block_response(&state, height),
        Err(_) => error(
            StatusCode::BAD_REQUEST,
            format!("block height must be a non-negative integer, not {height:?}"),
        ),
    }
}

fn block_response(state: &RpcState, height: u64) -> Response {
    match state.chain.block(height) {
        Ok(Some(block)) => Json(block.to_value()).into_response(),
        Ok(None) => error(
            StatusCode::NOT_FOUND,
            format!("no block at height {height}"),
        ),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

/// The answer to `POST /tx`.
#[derive(Serialize)]
struct TxReceipt {
    /// Hex id: the hash of the transaction's canonical JSON.
    id: String,
    /// `pending`, `included` or `final`.
    status: &'static str,
    /// Height of the block holding it, once included.
    height: Option<u64>,
}

pub(super) async fn submit(
    State(state): State<Arc<RpcState>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            return error(
                rejection.status(),
                format!("cannot read the body (at most {MAX_TX_BODY} bytes): {rejection}"),
            );
        }
    };
    let tx: Value = match serde_json::from_slice(&body) {
        Ok(tx) => tx,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("body is not JSON: {e}")),
    };
    match state.chain.submit_tx(tx) {
        Ok((id, status)) => {
            let (status, height) = match status {
                TxStatus::Pending => ("pending", None),
                TxStatus::Included { height } => ("included", Some(height)),
                TxStatus::Final { height } => ("final", Some(height)),
            };
            Json(TxReceipt {
                id: id.to_string(),
                status,
                height,
            })
            .into_response()
        }
        Err(SubmitError::Invalid(e @ TxError::NotAnObject)) => {
            error(StatusCode::BAD_REQUEST, e.to_string())
        }
        Err(SubmitError::Invalid(e @ TxError::TooLarge { .. })) => {
            error(StatusCode::PAYLOAD_TOO_LARGE, e.to_string())
        }
        Err(SubmitError::Invalid(e @ TxError::Full)) => {
            error(StatusCode::SERVICE_UNAVAILABLE, e.to_string())
        }
        Err(SubmitError::Store(e)) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}
