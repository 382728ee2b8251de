//! The engine's view of the connection pool: a node with its open connection,
//! shared by the engine's steps and the lock heartbeat.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use timecoin_shared::fleet::Node;
use timecoin_shared::snapshot::ChainView;

use crate::pool::Pool;
use crate::probe::NodeApi;
use crate::remote::{Remote, RemoteError};

/// A node and its connection.
#[derive(Debug, Clone)]
pub(crate) struct Connected {
    pub(crate) node: Node,
    pub(crate) remote: Arc<Remote>,
}

/// Connects to every node at once through the pool, each bounded by `timeout`;
/// results in the order given.
pub(crate) async fn connect_all(
    pool: &Pool,
    nodes: &[Node],
    timeout: Duration,
) -> Vec<Result<Connected, RemoteError>> {
    let connects = nodes.iter().map(|node| async move {
        match tokio::time::timeout(timeout, pool.remote(node)).await {
            Ok(Ok(remote)) => Ok(Connected {
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

/// Opens every connected node's API (ours or the upstream daemon's, as its fleet
/// entry says) through the pool: what the gates, the quorum and the commits
/// read. A node whose RPC cannot be opened is left out.
pub(crate) async fn open_apis(
    pool: &Pool,
    connected: impl Iterator<Item = &Connected>,
) -> BTreeMap<String, Box<dyn NodeApi>> {
    let opens = connected.map(|conn| async move {
        let api = crate::probe::api(pool, &conn.node).await;
        (conn.node.name.clone(), api)
    });
    futures_util::future::join_all(opens)
        .await
        .into_iter()
        .filter_map(|(name, api)| api.ok().map(|api| (name, api)))
        .collect()
}

/// A node's chain view, when its API answers.
pub(crate) async fn chain(api: &dyn NodeApi) -> Option<ChainView> {
    api.chain().await.ok()
}
