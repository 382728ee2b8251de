//! The storm of a [`Plan`] as a list of timed actions on the simulation, ending
//! with a heal that leaves every link healthy and every node running.

use std::time::Duration;

use super::plan::{FLAKY_LOSS, FaultKind, NodeIx, Plan};

/// One thing the driver does to the simulation at a given simulated time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Action {
    /// Hold every message between two nodes in flight.
    Hold(NodeIx, NodeIx),
    /// Deliver everything held between two nodes.
    Release(NodeIx, NodeIx),
    /// Drop every message between two nodes.
    Partition(NodeIx, NodeIx),
    /// Let messages between two nodes through again.
    Repair(NodeIx, NodeIx),
    /// Lose each message between two nodes with the given probability (0 ends it).
    Loss(NodeIx, NodeIx, f64),
    /// Cut a node off from every other.
    Isolate(NodeIx),
    /// Undo [`Action::Isolate`].
    Reconnect(NodeIx),
    /// Kill the node's process: its tasks and sockets are dropped.
    Crash(NodeIx),
    /// Ask the node to shut down gracefully (its shutdown token: SIGTERM).
    Stop(NodeIx),
    /// Start the node's software if it is down; if it is shutting down
    /// gracefully, as soon as it has exited; if it runs, leave it be.
    Resume(NodeIx),
    /// Crash the node's software and start it again at once.
    Restart(NodeIx),
    /// Release, repair and reconnect everything, start every stopped node.
    HealAll,
}

/// The plan's faults as actions sorted by time (stable, so actions at the same
/// instant keep the order the fault gives them), closed by [`Action::HealAll`]
/// at [`Plan::heals_at`].
pub(crate) fn timeline(plan: &Plan) -> Vec<(Duration, Action)> {
    let mut actions = Vec::new();
    for f in &plan.faults {
        let (at, end) = (f.at, f.ends());
        match f.kind {
            FaultKind::Hold(a, b) => {
                actions.push((at, Action::Hold(a, b)));
                actions.push((end, Action::Release(a, b)));
            }
            FaultKind::Flaky(a, b) => {
                actions.push((at, Action::Loss(a, b, FLAKY_LOSS)));
                actions.push((end, Action::Loss(a, b, 0.0)));
                actions.push((end, Action::Repair(a, b)));
            }
            FaultKind::Partition(a, b) => {
                actions.push((at, Action::Partition(a, b)));
                actions.push((end, Action::Repair(a, b)));
            }
            FaultKind::Kill(a) => {
                actions.push((at, Action::Crash(a)));
                actions.push((end, Action::Resume(a)));
            }
            FaultKind::PowerLoss(a) => {
                // Cut off first, so the dying process's FINs and RSTs are lost.
                actions.push((at, Action::Isolate(a)));
                actions.push((at, Action::Crash(a)));
                actions.push((end, Action::Resume(a)));
                actions.push((end, Action::Reconnect(a)));
            }
            FaultKind::Restart(a) => actions.push((at, Action::Restart(a))),
            FaultKind::Stop(a) => {
                actions.push((at, Action::Stop(a)));
                actions.push((end, Action::Resume(a)));
            }
        }
    }
    actions.sort_by_key(|(at, _)| *at);
    actions.push((plan.heals_at(), Action::HealAll));
    actions
}
