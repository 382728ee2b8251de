//! JSON-RPC 2.0 over HTTP POST, as the upstream daemon speaks it: `jsonrpc`,
//! `method` and `params` always sent (it refuses a request without `params`),
//! and an `error` object in an HTTP 200 taken as the error it is.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::rpc_client::{RpcClient, RpcError};

/// The path posted to; the upstream daemon ignores it.
const PATH: &str = "/";

#[derive(Serialize)]
struct Request<'a> {
    jsonrpc: &'static str,
    id: u64,
    method: &'a str,
    params: &'a [Value],
}

/// An answer: exactly one of `result` and `error` is meaningful.
#[derive(Deserialize)]
struct Response {
    jsonrpc: String,
    #[serde(default)]
    result: Option<Value>,
    #[serde(default)]
    error: Option<ErrorObject>,
}

#[derive(Deserialize)]
struct ErrorObject {
    code: i64,
    message: String,
}

/// Calls `method` with `params`, its `result` as `T`.
///
/// # Errors
/// The RPC is unreachable or refuses us (401, 429), answers with an error
/// object ([`RpcError::Call`]), or with something that is not a JSON-RPC 2.0
/// answer or not a `T` ([`RpcError::Shape`]).
pub(crate) async fn call<T: DeserializeOwned>(
    rpc: &RpcClient,
    method: &str,
    params: &[Value],
) -> Result<T, RpcError> {
    let request = Request {
        jsonrpc: "2.0",
        id: 1,
        method,
        params,
    };
    let shape = |reason: String| RpcError::Shape {
        node: rpc.node().to_owned(),
        target: rpc.target().to_owned(),
        reason: format!("{method}: {reason}"),
    };
    let response: Response = rpc.post(PATH, &request).await?;
    if response.jsonrpc != "2.0" {
        return Err(shape(format!(
            "not a JSON-RPC 2.0 answer (jsonrpc {:?})",
            response.jsonrpc
        )));
    }
    match (response.error, response.result) {
        (Some(error), _) => Err(RpcError::Call {
            node: rpc.node().to_owned(),
            target: rpc.target().to_owned(),
            method: method.to_owned(),
            code: error.code,
            message: error.message,
        }),
        (None, Some(result)) => serde_json::from_value(result).map_err(|e| shape(e.to_string())),
        (None, None) => Err(shape("neither result nor error".into())),
    }
}
