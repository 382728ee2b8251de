//! A node's HTTP RPC, reached through a port forward over its transport
//! (`rpc = "tunnel"`, the RPC stays on the node's loopback) or a direct URL.
//! It knows HTTP and JSON, not what the paths mean: that is the daemon API's
//! business (`crate::probe`).

use serde::de::DeserializeOwned;
use timecoin_shared::fleet::{Node, RpcAccess};

use crate::constants::RPC_TIMEOUT;
use crate::remote::{Forward, Remote, RemoteError};

/// Why an RPC call failed. Messages start with the node's name.
#[derive(Debug, thiserror::Error)]
pub enum RpcError {
    #[error(transparent)]
    Remote(#[from] RemoteError),
    /// Nothing answered, or not in time.
    #[error("{node}: rpc at {target}: {reason}")]
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
}

impl RpcError {
    /// Whether something answered, but not as the API we expect would: a
    /// missing path or a body of another shape.
    pub fn is_wrong_api(&self) -> bool {
        matches!(
            self,
            RpcError::Shape { .. } | RpcError::Status { status: 404, .. }
        )
    }
}

/// An RPC client for one node. Holds its port forward open while it lives.
#[derive(Debug)]
pub struct RpcClient {
    node: String,
    base: String,
    /// Where the RPC is, as the operator knows it (not the local forward's port).
    target: String,
    http: reqwest::Client,
    _forward: Option<Forward>,
}

impl RpcClient {
    /// Opens the node's RPC: a forward over `remote` for `tunnel`, else its URL.
    ///
    /// # Errors
    /// A tunnel without a connection, the forward could not be set up, or the
    /// HTTP client could not be built.
    pub async fn open(node: &Node, remote: Option<&Remote>) -> Result<Self, RpcError> {
        let tunnel_target = format!("{}:{} (tunnel)", node.rpc_host, node.rpc_port);
        let (base, target, forward) = match (&node.rpc, remote) {
            (RpcAccess::Url(url), _) => (url.trim_end_matches('/').to_owned(), url.clone(), None),
            (RpcAccess::Tunnel, Some(remote)) => {
                let forward = remote.forward(&node.rpc_host, node.rpc_port).await?;
                (
                    format!("http://{}", forward.local_addr()),
                    tunnel_target,
                    Some(forward),
                )
            }
            (RpcAccess::Tunnel, None) => {
                return Err(RpcError::Unreachable {
                    node: node.name.clone(),
                    target: tunnel_target,
                    reason: "a tunnel needs a connection to the node".into(),
                });
            }
        };
        let http = reqwest::Client::builder()
            .timeout(RPC_TIMEOUT)
            .connect_timeout(RPC_TIMEOUT)
            .no_proxy()
            .build()
            .map_err(|e| RpcError::Unreachable {
                node: node.name.clone(),
                target: target.clone(),
                reason: e.to_string(),
            })?;
        Ok(RpcClient {
            node: node.name.clone(),
            base,
            target,
            http,
            _forward: forward,
        })
    }

    /// `GET path`, its JSON body as `T`.
    ///
    /// # Errors
    /// Unreachable, timed out, an error status, or a body of the wrong shape.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, RpcError> {
        let url = format!("{}{path}", self.base);
        let target = || format!("{}{path}", self.target);
        let response = self
            .http
            .get(&url)
            .send()
            .await
            .map_err(|e| RpcError::Unreachable {
                node: self.node.clone(),
                target: target(),
                reason: describe(&e),
            })?;
        let status = response.status();
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            return Err(RpcError::Status {
                node: self.node.clone(),
                target: target(),
                status: status.as_u16(),
                body: body.trim().to_owned(),
            });
        }
        response.json().await.map_err(|e| {
            let reason = describe(&e);
            if e.is_decode() {
                RpcError::Shape {
                    node: self.node.clone(),
                    target: target(),
                    reason,
                }
            } else {
                RpcError::Unreachable {
                    node: self.node.clone(),
                    target: target(),
                    reason,
                }
            }
        })
    }
}

/// The root cause: reqwest's outer layers repeat the URL, which here is a local
/// forward port the operator never chose.
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return format!("timed out after {}s", RPC_TIMEOUT.as_secs());
    }
    let mut root: &dyn std::error::Error = e;
    while let Some(cause) = root.source() {
        root = cause;
    }
    if e.is_decode() {
        return root.to_string();
    }
    format!("{root} (is timed running with its RPC there?)")
}
