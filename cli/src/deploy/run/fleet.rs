//! The nodes a run works on: every fleet node's connection and API (the quorum and
//! the fleet's height need them all) and the summary rows of the selected ones.

use std::collections::BTreeMap;

use crate::deploy::connected::Connected;
use crate::deploy::connected::chain;
use crate::deploy::report::NodeReport;
use crate::probe::NodeApi;

/// The least time a rolled-back node gets to pass its gate: the old version is
/// known good, so a short `--gate-timeout` meant for the release must not fail it.
pub(super) const ROLLBACK_GATE_FLOOR: std::time::Duration = std::time::Duration::from_secs(60);

/// Every fleet node's connection and API (for the quorum and the fleet's height), and
/// the per-node rows of the selected ones.
pub(super) struct Fleet {
    pub(super) gate_timeout: std::time::Duration,
    pub(super) connected: BTreeMap<String, Connected>,
    pub(super) apis: BTreeMap<String, Box<dyn NodeApi>>,
    pub(super) rows: Vec<NodeReport>,
}

impl Fleet {
    pub(super) fn row(&mut self, node: &str) -> Option<&mut NodeReport> {
        self.rows.iter_mut().find(|r| r.node == node)
    }

    pub(super) fn others(&self, node: &str) -> Vec<&dyn NodeApi> {
        self.apis
            .iter()
            .filter(|(name, _)| name.as_str() != node)
            .map(|(_, api)| api.as_ref())
            .collect()
    }

    /// The most active masternodes any node reports: the live fleet.
    pub(super) async fn live_masternodes(&self) -> usize {
        let asks = self.apis.values().map(|api| chain(api.as_ref()));
        futures_util::future::join_all(asks)
            .await
            .into_iter()
            .filter_map(|view| view?.active_masternodes)
            .max()
            .unwrap_or(0)
    }
}
