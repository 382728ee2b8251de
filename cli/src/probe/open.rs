//! Opening a node's daemon API: the one its fleet entry names (`api`), over
//! the node's pooled RPC client.

use timecoin_shared::fleet::{DaemonApi, Node};

use super::{NodeApi, timed, upstream};
use crate::pool::Pool;
use crate::rpc_client::RpcError;

/// The node's API over its pooled RPC client (opened on first use).
///
/// # Errors
/// The node or its RPC cannot be reached.
// `pub` for `testing::node_api`; the module itself stays private.
#[cfg_attr(not(feature = "testing"), allow(unreachable_pub))]
pub async fn api(pool: &Pool, node: &Node) -> Result<Box<dyn NodeApi>, RpcError> {
    let rpc = pool.rpc(node).await?;
    Ok(match node.api {
        DaemonApi::Timed => Box::new(timed::TimedApi::new(rpc)),
        DaemonApi::TimeMasternode => Box::new(upstream::UpstreamApi::new(rpc)),
    })
}
