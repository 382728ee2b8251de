//! "The node's API": what `timectl` asks of a daemon, whichever daemon it is.
//! Callers hold a `Box<dyn NodeApi>` from [`super::api`] and never learn which
//! one answers, so a second API (the upstream daemon's JSON-RPC) is one more
//! implementation and one more arm in [`super::api`], with no caller touched.

use futures_util::future::BoxFuture;
use timecoin_shared::snapshot::{ChainView, PeerView};

use crate::rpc_client::RpcError;

/// A daemon's API as `timectl` uses it. What an API cannot tell is `None`,
/// never a zero that would pass for a fact.
pub trait NodeApi: Send + Sync {
    /// The API's name as the fleet file spells it (`api = "timed"`).
    fn name(&self) -> &'static str;

    /// The node's chain and network: height, tip, masternodes, peers, commit.
    ///
    /// # Errors
    /// The RPC is unreachable, or answers in another shape
    /// ([`RpcError::is_wrong_api`]).
    fn chain(&self) -> BoxFuture<'_, Result<ChainView, RpcError>>;

    /// The node's live links; `Ok(None)` when the API does not list them.
    ///
    /// # Errors
    /// As [`NodeApi::chain`].
    fn peers(&self) -> BoxFuture<'_, Result<Option<Vec<PeerView>>, RpcError>>;

    /// The hash of the node's block at `height` (hex), for fork checks; `Ok(None)`
    /// when the node has no block there (yet).
    ///
    /// # Errors
    /// As [`NodeApi::chain`].
    fn block_hash(&self, height: u64) -> BoxFuture<'_, Result<Option<String>, RpcError>>;

    /// Whether the node says it serves normally: the first gate after a restart.
    ///
    /// # Errors
    /// As [`NodeApi::chain`].
    fn healthy(&self) -> BoxFuture<'_, Result<bool, RpcError>>;
}
