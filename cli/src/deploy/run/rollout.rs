//! Restarts in quorum-sized batches, each node gated on chain health and rolled
//! back when it fails.
//!
//! Correctness: cancellation (Ctrl-C) is looked at only between batches, so a
//! node whose restart began is always gated or rolled back.

use std::time::Instant;

use tokio_util::sync::CancellationToken;

use super::finish::Ending;
use super::state::{RunState, not_connected};
use crate::constants::DEPLOY_ROLLBACK_GATE_FLOOR;
use crate::deploy::connected::Connected;
use crate::deploy::error::StepError;
use crate::deploy::event::{Emit, EmitStep, Event, Step};
use crate::deploy::gate::{self, Expect};
use crate::deploy::plan::{Plan, Request};
use crate::deploy::report::{NodeResult, Outcome};
use crate::deploy::steps;
use crate::lock::{Heartbeat, Phase};
use crate::table::short_commit;

pub(super) async fn roll_out(
    request: &Request,
    plan: &Plan,
    emit: &Emit,
    cancel: &CancellationToken,
    state: &mut RunState,
    heartbeat: &Heartbeat,
    target: &str,
) -> Ending {
    let mut queue: Vec<String> = plan.nodes.iter().map(|n| n.node.name.clone()).collect();
    let mut done: Vec<String> = Vec::new();
    let mut planned = false;
    while !queue.is_empty() {
        let stop = if cancel.is_cancelled() {
            Some((
                Outcome::Interrupted,
                "interrupted: no further restarts".to_owned(),
            ))
        } else if !heartbeat.lost().is_empty() {
            Some((
                Outcome::NeedsHuman,
                format!(
                    "lock taken over on {} mid-deploy",
                    heartbeat.lost().join(", ")
                ),
            ))
        } else {
            None
        };
        let live = state.live_masternodes().await;
        let size = match (stop, plan.batch_size(live)) {
            (Some(stop), _) => Err(stop),
            (None, Ok(size)) => Ok(size),
            (None, Err(why)) if done.is_empty() => Err((Outcome::Untouched, why.to_string())),
            (None, Err(why)) => Err((Outcome::NeedsHuman, format!("stopped mid-rollout: {why}"))),
        };
        let size = match size {
            Ok(size) => size,
            Err((outcome, why)) => {
                restore_files(&queue, emit, state).await;
                return Ending::new(outcome, Some(why));
            }
        };
        if !planned {
            // The first batches are the plan's for the live count just measured.
            emit.emit(Event::Plan {
                batches: plan.batches(live).unwrap_or_default(),
                live_masternodes: live,
                min_masternodes: plan.min_masternodes,
            });
            planned = true;
        }
        let batch: Vec<String> = queue.drain(..size.min(queue.len())).collect();
        let restarting = if batch.len() > 1 {
            state.peer_addresses(&batch).await
        } else {
            Vec::new()
        };
        let expect = Expect {
            commit: target.to_owned(),
            masternodes: live,
            allow_dirty: request.allow_dirty,
            restarted_at: 0,
            restarting,
            timeout: request.gate_timeout,
        };
        let fleet_ref = &*state;
        let restarts = batch.iter().map(|name| {
            let expect = expect.clone();
            async move {
                let began = Instant::now();
                let restart = plan.node(name).map(|n| n.restart.as_str());
                let passed = restart_and_gate(fleet_ref, name, restart, expect, emit).await;
                if passed.is_ok() {
                    fleet_ref.record_named(name, Phase::Done, emit).await;
                }
                (name.clone(), passed, began)
            }
        });
        let results = futures_util::future::join_all(restarts).await;
        let mut failed = Vec::new();
        for (name, passed, began) in results {
            if let Some(row) = state.row(&name) {
                row.rollout_secs = began.elapsed().as_secs_f64();
                if passed.is_ok() {
                    row.result = NodeResult::Deployed;
                    row.to = Some(short_commit(target));
                }
            }
            match passed {
                Ok(()) => done.push(name),
                Err(why) => failed.push((name, why)),
            }
        }
        if failed.is_empty() {
            continue;
        }
        restore_files(&queue, emit, state).await;
        let failed_names: Vec<String> = failed.iter().map(|(n, _)| n.clone()).collect();
        let reasons: Vec<String> = failed.iter().map(|(n, w)| format!("{n}: {w}")).collect();
        if request.no_rollback {
            for name in &failed_names {
                state.record_named(name, Phase::Failed, emit).await;
                if let Some(row) = state.row(name) {
                    row.result = NodeResult::Failed;
                    row.to = Some(format!("{} (unhealthy)", short_commit(target)));
                }
            }
            return Ending::new(
                Outcome::NeedsHuman,
                Some(format!(
                    "gate failed, --no-rollback: {}",
                    reasons.join("; ")
                )),
            );
        }
        let mut back = failed_names.clone();
        if request.rollback_all {
            back.extend(done.iter().rev().cloned());
        }
        let all_back = roll_back_each(state, &back, live, emit).await;
        let reason = format!("gate failed: {}", reasons.join("; "));
        return if all_back {
            Ending::new(Outcome::RolledBack, Some(reason))
        } else {
            Ending::new(
                Outcome::NeedsHuman,
                Some(format!("{reason}; a rollback failed too")),
            )
        };
    }
    Ending::new(Outcome::Deployed, None)
}

/// Restarts one node with `restart` (the fleet's restart command when `None`)
/// and waits for its gate.
pub(super) async fn restart_and_gate(
    state: &RunState,
    name: &str,
    restart: Option<&str>,
    mut expect: Expect,
    emit: &Emit,
) -> Result<(), String> {
    let conn = state
        .selected
        .get(name)
        .ok_or_else(|| not_connected(name).to_string())?;
    let restart = restart.unwrap_or(&conn.node.commands.restart);
    state.record(conn, Phase::Restarting, emit).await;
    emit.started(name, Step::Restart);
    let began = Instant::now();
    let restarted = tokio::time::timeout(expect.timeout, steps::restart(conn, restart))
        .await
        .unwrap_or(Err(StepError::Timeout(expect.timeout)));
    let shown = restarted
        .as_ref()
        .map(|_| None)
        .map_err(ToString::to_string);
    emit.finished(name, Step::Restart, began, shown);
    expect.restarted_at = restarted.map_err(|e| format!("restart: {e}"))?;
    let Some(api) = state.apis.get(name) else {
        return Err("no RPC to gate on (the tunnel could not be opened)".into());
    };
    emit.started(name, Step::Gate);
    let began = Instant::now();
    // The gate only reads the chain: its phase is recorded while it begins
    // rather than one round trip before.
    let others = state.others(name);
    let ((), (passed, checks)) = tokio::join!(
        state.record(conn, Phase::Gating, emit),
        gate::wait(conn, api.as_ref(), &others, &expect)
    );
    let failing: Vec<String> = checks
        .iter()
        .filter(|c| !c.ok)
        .map(|c| format!("{}: {}", c.name, c.evidence))
        .collect();
    emit.emit(Event::Gate {
        node: name.to_owned(),
        passed,
        checks,
    });
    let result = if passed {
        Ok(None)
    } else {
        Err(failing.join("; "))
    };
    emit.finished(name, Step::Gate, began, result.clone());
    result.map(drop)
}

/// Rolls nodes back one at a time; whether every one came back healthy.
pub(super) async fn roll_back_each(
    state: &mut RunState,
    names: &[String],
    live: usize,
    emit: &Emit,
) -> bool {
    let mut all = true;
    for name in names {
        let ok = roll_back_one(state, name, live, emit).await;
        if let Some(row) = state.row(name) {
            row.result = if ok {
                NodeResult::RolledBack
            } else {
                NodeResult::Failed
            };
            if ok {
                row.to.clone_from(&row.from);
            }
        }
        all &= ok;
    }
    all
}

/// Puts the kept binary and commit back on one node, restarts it and gates it
/// on the old commit.
pub(super) async fn roll_back_one(state: &RunState, name: &str, live: usize, emit: &Emit) -> bool {
    state.record_named(name, Phase::RollingBack, emit).await;
    emit.started(name, Step::Rollback);
    let began = Instant::now();
    let result = match state.selected.get(name) {
        Some(conn) => restore_and_gate(state, conn, live, emit).await,
        None => Err(not_connected(name).to_string()),
    };
    let ok = result.is_ok();
    let phase = if ok { Phase::RolledBack } else { Phase::Failed };
    state.record_named(name, phase, emit).await;
    emit.finished(name, Step::Rollback, began, result.map(|()| None));
    ok
}

/// Restores the kept binary and commit on `conn`'s node, restarts it and gates
/// it on the kept commit.
async fn restore_and_gate(
    state: &RunState,
    conn: &Connected,
    live: usize,
    emit: &Emit,
) -> Result<(), String> {
    let kept = steps::kept(conn).await.map_err(|e| e.to_string())?;
    steps::restore(conn).await.map_err(|e| e.to_string())?;
    let commit = if kept.commit == "unknown" {
        kept.head.clone()
    } else {
        kept.commit.clone()
    };
    let expect = Expect {
        allow_dirty: commit.ends_with("-dirty"),
        commit: commit.trim_end_matches("-dirty").to_owned(),
        masternodes: live,
        restarted_at: 0,
        restarting: Vec::new(),
        timeout: state.gate_timeout.max(DEPLOY_ROLLBACK_GATE_FLOOR),
    };
    restart_and_gate(state, &conn.node.name, None, expect, emit).await
}

/// Puts the kept binary and commit back on nodes that staged but never
/// restarted, so a later restart by anyone runs the old code.
pub(super) async fn restore_files(names: &[String], emit: &Emit, state: &RunState) {
    state.each(names, Step::Restore, emit, steps::restore).await;
}
