//! A node's HTTP RPC, reached through a port forward over its transport
//! (`rpc = "tunnel"`, the RPC stays on the node's loopback) or a direct URL.

use timecoin_shared::fleet::{Node, RpcAccess};
use timecoin_shared::rpc::{ConsensusInfo, Health, PeerInfo};

use crate::constants::RPC_TIMEOUT;
use crate::remote::{Forward, Remote, RemoteError};

/// Why an RPC call failed. Messages start with the node's name.
#[derive(Debug, thiserror::Error)]
pub enum RpcError {
    #[error(transparent)]
    Remote(#[from] RemoteError),
    #[error("{node}: rpc at {target}: {reason}")]
    Http {
        node: String,
        target: String,
        reason: String,
    },
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
    /// The forward could not be set up, or the HTTP client could not be built.
    pub async fn open(node: &Node, remote: &Remote) -> Result<Self, RpcError> {
        let (base, target, forward) = match &node.rpc {
            RpcAccess::Url(url) => (url.clone(), url.clone(), None),
            RpcAccess::Tunnel => {
                let forward = remote.forward(&node.rpc_host, node.rpc_port).await?;
                let target = format!("{}:{} (tunnel)", node.rpc_host, node.rpc_port);
                (
                    format!("http://{}", forward.local_addr()),
                    target,
                    Some(forward),
                )
            }
        };
        let http = reqwest::Client::builder()
            .timeout(RPC_TIMEOUT)
            .connect_timeout(RPC_TIMEOUT)
            .no_proxy()
            .build()
            .map_err(|e| RpcError::Http {
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

    /// `GET /consensus_info`.
    ///
    /// # Errors
    /// Unreachable, timed out, an error status, or a body of the wrong shape.
    pub async fn consensus_info(&self) -> Result<ConsensusInfo, RpcError> {
        self.get("/consensus_info").await
    }

    /// `GET /peers`.
    ///
    /// # Errors
    /// As [`RpcClient::consensus_info`].
    pub async fn peers(&self) -> Result<Vec<PeerInfo>, RpcError> {
        self.get("/peers").await
    }

    /// `GET /health`.
    ///
    /// # Errors
    /// As [`RpcClient::consensus_info`].
    pub async fn health(&self) -> Result<Health, RpcError> {
        self.get("/health").await
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T, RpcError> {
        let url = format!("{}{path}", self.base);
        let fail = |reason: String| RpcError::Http {
            node: self.node.clone(),
            target: format!("{}{path}", self.target),
            reason,
        };
        let response = self
            .http
            .get(&url)
            .send()
            .await
            .map_err(|e| fail(describe(&e)))?;
        let status = response.status();
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            return Err(fail(format!("HTTP {status}: {}", body.trim())));
        }
        response.json().await.map_err(|e| fail(describe(&e)))
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
        return format!("unexpected answer: {root}");
    }
    format!("{root} (is timed running with its RPC there?)")
}
