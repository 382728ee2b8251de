//! The seam between the deploy engine and the transports: a node with its open
//! connection, shared by the engine's steps and the lock heartbeat.
//!
//! Kept small on purpose so a connection pool can take its place.

use std::sync::Arc;

use timecoin_shared::fleet::Node;

use crate::remote::{ConnectOptions, Remote, RemoteError};

/// A node and its connection.
#[derive(Debug, Clone)]
pub struct Link {
    pub node: Node,
    pub remote: Arc<Remote>,
}

/// Connects to every node at once, each bounded by `timeout`; results in the
/// order given.
pub async fn connect_all(
    nodes: &[Node],
    options: &ConnectOptions,
    timeout: std::time::Duration,
) -> Vec<Result<Link, RemoteError>> {
    let connects = nodes.iter().map(|node| async move {
        match tokio::time::timeout(timeout, Remote::connect(node, options)).await {
            Ok(Ok(remote)) => Ok(Link {
                node: node.clone(),
                remote: Arc::new(remote),
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

/// Closes every connection (for ssh: stops the masters).
pub async fn close_all(links: Vec<Link>) {
    let closes = links.into_iter().filter_map(|link| {
        Arc::try_unwrap(link.remote)
            .ok()
            .map(|remote| async move { drop(remote.close().await) })
    });
    futures_util::future::join_all(closes).await;
}
