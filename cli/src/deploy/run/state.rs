//! What a deploy or rollback holds while it runs: the selected nodes'
//! connections and summary rows, every fleet node's API (the quorum and the
//! fleet's height need them all), and the holder of their locks, through which
//! each node's phase is recorded where others can see it.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Instant;

use crate::constants::DEPLOY_NODE_TIMEOUT;
use crate::deploy::connected::Connected;
use crate::deploy::connected::chain;
use crate::deploy::error::StepError;
use crate::deploy::event::{Emit, EmitStep, Step};
use crate::deploy::report::NodeReport;
use crate::lock::{self, Holder, Phase};
use crate::probe::NodeApi;
use timecoin_shared::rpc::Direction;
use timecoin_shared::snapshot::PeerView;

/// A run's state: the selected nodes' connections and rows, and every fleet
/// node's API (for the quorum and the fleet's height). (Not a `Fleet`, which is
/// the fleet file's model.)
pub(super) struct RunState {
    pub(super) gate_timeout: std::time::Duration,
    pub(super) selected: Selected,
    /// Selected nodes that could not be connected to.
    pub(super) missing: Vec<String>,
    pub(super) apis: BTreeMap<String, Box<dyn NodeApi>>,
    pub(super) rows: Vec<NodeReport>,
    /// Who this run's locks are taken for.
    pub(super) holder: Holder,
}

/// The selected nodes that connected, each owning its connection, in
/// selection order: a step runs on one it is handed or finds here, never on a
/// name it indexes a map with.
#[derive(Debug, Default)]
pub(super) struct Selected(Vec<Connected>);

impl Selected {
    /// Those of `names` found in `connected`, in `names` order, and the names
    /// that were not.
    pub(super) fn take(
        names: &[String],
        connected: &mut BTreeMap<String, Connected>,
    ) -> (Selected, Vec<String>) {
        let mut missing = Vec::new();
        let mut found = Vec::new();
        for name in names {
            match connected.remove(name) {
                Some(conn) => found.push(conn),
                None => missing.push(name.clone()),
            }
        }
        (Selected(found), missing)
    }

    pub(super) fn iter(&self) -> std::slice::Iter<'_, Connected> {
        self.0.iter()
    }

    /// The node named `name`, when it is selected and connected.
    pub(super) fn get(&self, name: &str) -> Option<&Connected> {
        self.0.iter().find(|c| c.node.name == name)
    }
}

/// Why a step found no connection for a node: it was not selected or not
/// connected, which the run refuses before any step; a clear error, not a panic.
pub(super) fn not_connected(name: &str) -> StepError {
    StepError::NotConnected(name.to_owned())
}

impl RunState {
    /// Runs `step` on each of `names` that is selected and connected, all at
    /// once, each reported as `step` starting and ending.
    pub(super) async fn each<'a, F, Fut, E>(
        &'a self,
        names: &[String],
        step: Step,
        emit: &Emit,
        run: F,
    ) where
        F: Fn(&'a Connected) -> Fut,
        Fut: Future<Output = Result<(), E>>,
        E: std::fmt::Display,
    {
        let runs = names
            .iter()
            .filter_map(|name| self.selected.get(name))
            .map(|conn| {
                let done = run(conn);
                async move {
                    emit.started(&conn.node.name, step);
                    let began = Instant::now();
                    let shown = done.await.map(|()| None).map_err(|e| e.to_string());
                    emit.finished(&conn.node.name, step, began, shown);
                }
            });
        futures_util::future::join_all(runs).await;
    }

    /// Records in `conn`'s lock that its node is now in `phase`, before the
    /// step it names begins, so a watcher never sees a step before its phase. A
    /// node that cannot be told is a notice, not a failure: the phase is for
    /// watchers, and the step itself will meet whatever is wrong with the node.
    pub(super) async fn record(&self, conn: &Connected, phase: Phase, emit: &Emit) {
        let holder = Holder {
            phase: Some(phase),
            ..self.holder.clone()
        };
        let recorded = tokio::time::timeout(
            DEPLOY_NODE_TIMEOUT,
            lock::ops::record_phase(&conn.node, &conn.remote, &holder),
        )
        .await;
        let why = match recorded {
            Ok(Ok(())) => return,
            Ok(Err(e)) => e.to_string(),
            Err(_) => format!(
                "{}: recording the phase timed out after {}s",
                conn.node.name,
                DEPLOY_NODE_TIMEOUT.as_secs()
            ),
        };
        emit.notice(why);
    }

    /// [`RunState::record`] on the node named `name`, when it is selected and
    /// connected.
    pub(super) async fn record_named(&self, name: &str, phase: Phase, emit: &Emit) {
        if let Some(conn) = self.selected.get(name) {
            self.record(conn, phase, emit).await;
        }
    }

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

    /// The addresses the fleet dials `names` at: each one's node id (its RPC
    /// says), then every outbound peer with that id in any node's peer list.
    /// Nodes that do not answer add nothing.
    pub(super) async fn peer_addresses(&self, names: &[String]) -> Vec<String> {
        let asks = names
            .iter()
            .filter_map(|name| self.apis.get(name))
            .map(|api| chain(api.as_ref()));
        let ids: Vec<String> = futures_util::future::join_all(asks)
            .await
            .into_iter()
            .filter_map(|view| view?.node_id)
            .collect();
        let lists = self.apis.values().map(|api| api.peers());
        dialled_at(
            &ids,
            futures_util::future::join_all(lists)
                .await
                .into_iter()
                .filter_map(|list| list.ok().flatten())
                .flatten(),
        )
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

/// The addresses of `peers` (every node's peer lists) that are outbound
/// links to one of `ids`: where those nodes listen. Each once.
fn dialled_at(ids: &[String], peers: impl Iterator<Item = PeerView>) -> Vec<String> {
    let mut addrs: Vec<String> = peers
        .filter(|p| p.direction == Some(Direction::Outbound))
        .filter(|p| p.node_id.as_ref().is_some_and(|id| ids.contains(id)))
        .map(|p| p.addr)
        .collect();
    addrs.sort();
    addrs.dedup();
    addrs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer(id: &str, addr: &str, direction: Direction) -> PeerView {
        PeerView {
            node_id: Some(id.into()),
            addr: addr.into(),
            direction: Some(direction),
            connected_secs: None,
            rtt_ms: None,
            block_height: None,
        }
    }

    #[test]
    fn a_batch_is_dialled_where_the_fleet_reaches_it_outbound() {
        let ids = ["b".to_owned(), "c".to_owned()];
        let peers = vec![
            peer("b", "127.0.0.1:4002", Direction::Outbound),
            peer("b", "127.0.0.1:4002", Direction::Outbound),
            // An inbound link's address is the dialler's own port: not where b listens.
            peer("b", "127.0.0.1:51234", Direction::Inbound),
            peer("c", "127.0.0.3:4003", Direction::Outbound),
            peer("d", "127.0.0.1:4004", Direction::Outbound),
        ];
        assert_eq!(
            dialled_at(&ids, peers.into_iter()),
            ["127.0.0.1:4002", "127.0.0.3:4003"]
        );
    }
}
