//! The chain's RPC: `GET /blocks/tip`, `GET /blocks/{height}` and `POST /tx`.
//! Bad input (a height that is not plain digits, a body not declared as JSON, not
//! a JSON object or too large) gets a 4xx with a JSON error, never a panic; a
//! full mempool is a 503 saying so.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;

use super::guard::{MAX_BODY, is_json};
use super::{RpcState, error};
use crate::chain::tx::TxError;
use crate::chain::{SubmitError, TxStatus};

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
    // Plain digits only: `u64::from_str` also takes a leading `+`.
    let parsed = height
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| height.parse::<u64>().ok())
        .flatten();
    match parsed {
        Some(height) => block_response(&state, height),
        None => error(
            StatusCode::BAD_REQUEST,
            format!("block height must be a non-negative integer, not {height:?}"),
        ),
    }
}

fn block_response(state: &RpcState, height: u64) -> Response {
    match state.chain.block(height) {
        Ok(Some(block)) => Json(block).into_response(),
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
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if !is_json(&headers) {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "a transaction must be sent with Content-Type: application/json",
        );
    }
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            return error(
                rejection.status(),
                format!("cannot read the body (at most {MAX_BODY} bytes): {rejection}"),
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
        Err(SubmitError::Invalid(e @ (TxError::NotAnObject | TxError::Malformed(_)))) => {
            error(StatusCode::BAD_REQUEST, e.to_string())
        }
        Err(SubmitError::Invalid(e @ TxError::TooLarge { .. })) => {
            error(StatusCode::PAYLOAD_TOO_LARGE, e.to_string())
        }
        Err(SubmitError::Invalid(e @ TxError::Full { .. })) => {
            error(StatusCode::SERVICE_UNAVAILABLE, e.to_string())
        }
        Err(SubmitError::Store(e)) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}
