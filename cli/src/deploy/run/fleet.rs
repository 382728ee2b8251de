//! The nodes a run works on: every fleet node's link and RPC (the quorum and
//! the fleet's height need them all) and the summary rows of the selected ones.

use std::collections::BTreeMap;

use crate::deploy::link::Link;
use crate::deploy::report::NodeReport;
use std::sync::Arc;

use crate::rpc_client::RpcClient;

/// The least time a rolled-back node gets to pass its gate: the old version is
/// known good, so a short `--gate-timeout` meant for the release must not fail it.
pub(super) const ROLLBACK_GATE_FLOOR: std::time::Duration = std::time::Duration::from_secs(60);

/// Every fleet node's link and RPC (for the quorum and the fleet's height), and
/// the per-node rows of the selected ones.
pub(super) struct Fleet {
    pub(super) gate_timeout: std::time::Duration,
    pub(super) links: BTreeMap<String, Link>,
    pub(super) rpcs: BTreeMap<String, Arc<RpcClient>>,
    pub(super) rows: Vec<NodeReport>,
}

impl Fleet {
    pub(super) fn row(&mut self, node: &str) -> Option<&mut NodeReport> {
        self.rows.iter_mut().find(|r| r.node == node)
    }

    pub(super) fn others(&self, node: &str) -> Vec<&RpcClient> {
        self.rpcs
            .iter()
            .filter(|(name, _)| name.as_str() != node)
            .map(|(_, rpc)| rpc.as_ref())
            .collect()
    }

    /// The most active masternodes any node reports: the live fleet.
    pub(super) async fn live_masternodes(&self) -> usize {
        let asks = self
            .rpcs
            .values()
            .map(|rpc| crate::deploy::link::consensus_info(rpc));
        futures_util::future::join_all(asks)
            .await
            .into_iter()
            .filter_map(Result::ok)
            .map(|info| info.active_masternodes)
            .max()
            .unwrap_or(0)
    }
}
