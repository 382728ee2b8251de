//! Why an RPC call failed, from the transport up to a JSON-RPC error object,
//! and which failures mean the node speaks another API.

use super::settings::SettingsError;
use crate::remote::RemoteError;

/// Why an RPC call failed. Messages start with the node's name.
#[derive(Debug, thiserror::Error)]
pub enum RpcError {
    #[error(transparent)]
    Remote(#[from] RemoteError),
    /// Nothing answered, or not in time.
    #[error("{node}: no answer from the daemon's RPC at {target}: {reason}")]
    Unreachable {
        node: String,
        target: String,
        reason: String,
    },
    /// Something answered with an error status.
    #[error("{node}: rpc at {target}: HTTP {status}: {body}")]
    Status {
        node: String,
        target: String,
        status: u16,
        body: String,
    },
    /// Something answered, but not with the JSON expected.
    #[error("{node}: rpc at {target}: unexpected answer: {reason}")]
    Shape {
        node: String,
        target: String,
        reason: String,
    },
    /// HTTP 401: no credentials, or wrong ones.
    #[error(
        "{node}: rpc at {target}: HTTP 401: {}",
        if *sent {
            "the node refused the credentials (check rpc_user/rpc_password or rpc_cookie)"
        } else {
            "the node wants credentials: set rpc_user and rpc_password, or rpc_cookie, in the fleet file"
        }
    )]
    Unauthorized {
        node: String,
        target: String,
        /// Whether credentials were sent.
        sent: bool,
    },
    /// HTTP 429: the node limits requests from this address.
    #[error(
        "{node}: rpc at {target}: HTTP 429: the node is rate-limiting this address; probe less often"
    )]
    RateLimited { node: String, target: String },
    /// A JSON-RPC error object (in an HTTP 200).
    #[error("{node}: rpc at {target}: {method}: error {code}: {message}")]
    Call {
        node: String,
        target: String,
        method: String,
        code: i64,
        message: String,
    },
    /// The fleet file's credentials or certificate trust cannot be used.
    #[error("{node}: rpc at {target}: {source}")]
    Settings {
        node: String,
        target: String,
        #[source]
        source: SettingsError,
    },
}

/// JSON-RPC's code for a method the server does not have.
const METHOD_NOT_FOUND: i64 = -32601;

impl RpcError {
    /// Whether something answered, but not as the API we expect would: a
    /// missing path or a body of another shape.
    pub fn is_wrong_api(&self) -> bool {
        matches!(
            self,
            RpcError::Shape { .. }
                | RpcError::Status {
                    status: 404 | 405,
                    ..
                }
                | RpcError::Call {
                    code: METHOD_NOT_FOUND,
                    ..
                }
        )
    }
}
