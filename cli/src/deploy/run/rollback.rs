//! `timectl rollback`: nodes back to what was kept before the last deploy, one
//! at a time, never below quorum.

use std::time::Instant;

use tokio_util::sync::CancellationToken;

use super::deploy::connect;
use super::finish::{Ending, audit_nodes, release, untouched};
use super::prepare::{Locks, take_locks};
use super::rollout::roll_back_one;
use super::state::RunState;
use crate::deploy::event::{Emit, Event};
use crate::deploy::plan::{self, Request};
use crate::deploy::report::{NodeResult, Outcome, Report};
use crate::lock::Holder;
use crate::lock::TakenBy;
use crate::pool::Pool;

/// `timectl rollback`: each node back to the binary and commit kept before the
/// last deploy, one at a time, each gated on the old commit, never below quorum.
pub(crate) async fn rollback(
    request: Request,
    pool: &Pool,
    emit: impl crate::emit::Emit<Event> + 'static,
    cancel: CancellationToken,
) -> Report {
    let started = Instant::now();
    let holder = Holder::here(TakenBy::Rollback, None, request.message.clone());
    let selected: Vec<String> = request.nodes.iter().map(|n| n.name.clone()).collect();
    let mut state = connect(&request, pool, &emit, &selected, &holder).await;
    let mut locks = Locks::default();
    let Ending {
        outcome, reason, ..
    } = if !state.missing.is_empty() {
        untouched("cannot connect to every node".to_owned())
    } else {
        let problems = take_locks(&request, &emit, &holder, &state, &mut locks).await;
        if problems.is_empty() {
            roll_back_all(&request, &emit, &cancel, &mut state).await
        } else {
            untouched(problems.join("; "))
        }
    };
    release(&state, &locks.held, &holder, &emit).await;
    let report = Report {
        command: "rollback",
        outcome,
        reason,
        fleet: request.fleet.name.clone(),
        target: None,
        user: holder.user.clone(),
        controller: holder.host.clone(),
        message: request.message.clone(),
        started: holder.since,
        secs: started.elapsed().as_secs_f64(),
        nodes: std::mem::take(&mut state.rows),
    };
    audit_nodes(&state, &locks.taken(), &report).await;
    report
}

pub(super) async fn roll_back_all(
    request: &Request,
    emit: &Emit,
    cancel: &CancellationToken,
    state: &mut RunState,
) -> Ending {
    let mut any = false;
    for node in &request.nodes {
        if cancel.is_cancelled() {
            return Ending::new(
                Outcome::Interrupted,
                Some("interrupted: no further rollbacks".into()),
            );
        }
        let live = state.live_masternodes().await;
        if let Err(why) = plan::batch_size(live, request.fleet.min_masternodes, Some(1)) {
            let outcome = if any {
                Outcome::NeedsHuman
            } else {
                Outcome::Untouched
            };
            return Ending::new(outcome, Some(why.to_string()));
        }
        let from = fleet_commit(state, &node.name).await;
        if let Some(row) = state.row(&node.name) {
            row.from = from;
        }
        any = true;
        let began = Instant::now();
        let ok = roll_back_one(state, &node.name, live, emit).await;
        let now = fleet_commit(state, &node.name).await;
        if let Some(row) = state.row(&node.name) {
            row.rollout_secs = began.elapsed().as_secs_f64();
            row.to = now;
            row.result = if ok {
                NodeResult::RolledBack
            } else {
                NodeResult::Failed
            };
        }
        if !ok {
            return Ending::new(
                Outcome::NeedsHuman,
                Some(format!("{}: rollback failed", node.name)),
            );
        }
    }
    Ending::new(Outcome::RolledBack, None)
}

pub(super) async fn fleet_commit(state: &RunState, name: &str) -> Option<String> {
    let api = state.apis.get(name)?;
    crate::deploy::connected::chain(api.as_ref()).await?.commit
}
