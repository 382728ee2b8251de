//! The engine's view of the connection pool: a node with its open connection,
//! shared by the engine's steps and the lock heartbeat.

use std::sync::Arc;
use std::time::Duration;

use timecoin_shared::fleet::Node;

use crate::remote::{Pool, Remote, RemoteError};

/// A node and its connection.
#[derive(Debug, Clone)]
pub(crate) struct Link {
    pub(crate) node: Node,
    pub(crate) remote: Arc<Remote>,
}

/// Connects to every node at once through the pool, each bounded by `timeout`;
/// results in the order given.
pub(crate) async fn connect_all(
    pool: &Pool,
    nodes: &[Node],
    timeout: Duration,
) -> Vec<Result<Link, RemoteError>> {
    let connects = nodes.iter().map(|node| async move {
        match tokio::time::timeout(timeout, pool.remote(node)).await {
            Ok(Ok(remote)) => Ok(Link {
                node: node.clone(),
                remote,
            }),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(RemoteError::Connect {
                node: node.name.clone(),
                destination: format!("{}:{}", node.host, node.port),
                reason: format!("no connection within {}s", timeout.as_secs()),
            }),
        }
    });
    futures_util::future::join_all(connects).await
}

/// `GET /consensus_info` of a node: what the gates and the quorum read.
///
/// # Errors
/// The RPC did not answer as expected.
pub(crate) async fn consensus_info(
    rpc: &crate::rpc_client::RpcClient,
) -> Result<timecoin_shared::rpc::ConsensusInfo, crate::rpc_client::RpcError> {
    rpc.get("/consensus_info").await
}
