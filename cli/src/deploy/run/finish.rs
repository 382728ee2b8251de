//! The end of every run: how it ended, locks released, the audit record on
//! each node.

use super::state::RunState;
use crate::deploy::event::{Emit, Step};
use crate::deploy::report::{Outcome, Report};
use crate::deploy::steps;
use crate::lock::{self, Holder};

/// Releases the run's lock on each of `locked`, all at once.
pub(super) async fn release(state: &RunState, locked: &[String], holder: &Holder, emit: &Emit) {
    state
        .each(locked, Step::Release, emit, |conn| {
            lock::release(&conn.node, &conn.remote, holder)
        })
        .await;
}

pub(super) async fn audit_nodes(state: &RunState, nodes: &[String], report: &Report) {
    let Ok(line) = serde_json::to_string(report) else {
        return;
    };
    let line = &line;
    let writes = nodes
        .iter()
        .filter_map(|name| state.selected.get(name))
        .map(|conn| async move {
            let _ = steps::append_audit(conn, line).await;
        });
    futures_util::future::join_all(writes).await;
}

/// How a run ended: its outcome, why (when it is not simply done), and the
/// commit it moved to once the nodes agreed on one.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Ending {
    pub(super) outcome: Outcome,
    pub(super) reason: Option<String>,
    pub(super) target: Option<String>,
}

impl Ending {
    /// An ending before any target was known.
    pub(super) fn new(outcome: Outcome, reason: Option<String>) -> Ending {
        Ending {
            outcome,
            reason,
            target: None,
        }
    }
}

/// Nothing was changed, for `reason`.
pub(super) fn untouched(reason: String) -> Ending {
    Ending::new(Outcome::Untouched, Some(reason))
}
