//! Everything before the first restart: locks, preflight of every node at once,
//! keeping the old binary, staging (pull, build) in parallel, and putting the
//! old files back when staging fails.

use std::time::Instant;

use timecoin_shared::fleet::Node;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use super::finish::{Ending, untouched};
use super::rollout::{restore_files, roll_out};
use super::state::{RunState, not_connected};
use crate::constants::DEPLOY_LOCK_TTL;
use crate::deploy::connected::Connected;
use crate::deploy::error::StepError;
use crate::deploy::event::{Emit, EmitStep, Step};
use crate::deploy::plan::{Build, NodePlan, Plan, Request};
use crate::deploy::report::Outcome;
use crate::deploy::{ship, steps};
use crate::lock::{self, Heartbeat, Holder, Phase, Taken};
use crate::remote::Remote;
use crate::table::short_commit;

/// The nodes whose lock a run took: still held, or given back because another
/// node's was not taken. Both get the run's audit record; only the held ones
/// are released at the end.
#[derive(Debug, Default)]
pub(super) struct Locks {
    pub(super) held: Vec<String>,
    pub(super) given_back: Vec<String>,
}

impl Locks {
    /// Every node whose lock was taken at some point of the run.
    pub(super) fn taken(&self) -> Vec<String> {
        self.held.iter().chain(&self.given_back).cloned().collect()
    }
}

/// Takes the lock on every selected node or on none (see
/// [`lock::acquire_all`]), reporting each lock and give-back as a step; the
/// problems that kept any node's lock from being taken.
pub(super) async fn take_locks(
    request: &Request,
    emit: &Emit,
    holder: &Holder,
    state: &RunState,
    locks: &mut Locks,
) -> Vec<String> {
    let nodes: Vec<(&Node, &Remote)> = state
        .selected
        .iter()
        .map(|conn| (&conn.node, &*conn.remote))
        .collect();
    let progress = |(name, progress): (&str, lock::Progress<'_>)| match progress {
        lock::Progress::Taking => emit.started(name, Step::Lock),
        lock::Progress::Took { began, result } => {
            let shown = match result {
                Ok(taken) => Ok(taken
                    .previous
                    .as_ref()
                    .map(|p| format!("took over from {}", p.who()))),
                Err(e) => Err(e.to_string()),
            };
            emit.finished(name, Step::Lock, began, shown);
        }
        lock::Progress::GivingBack => emit.started(name, Step::Release),
        lock::Progress::GaveBack { began, result } => {
            let shown = result.as_ref().map(|()| None).map_err(|e| e.to_string());
            emit.finished(name, Step::Release, began, shown);
        }
    };
    let ends =
        lock::acquire_all(&nodes, holder, DEPLOY_LOCK_TTL, request.takeover, &progress).await;
    let mut problems = Vec::new();
    for ((node, _), end) in nodes.iter().zip(ends) {
        match end {
            Taken::Held => locks.held.push(node.name.clone()),
            Taken::GivenBack(_) => locks.given_back.push(node.name.clone()),
            Taken::Failed(e) => problems.push(e.to_string()),
        }
    }
    problems
}

pub(super) async fn preflight(request: &Request, emit: &Emit, state: &mut RunState) -> Vec<String> {
    let checks = state.selected.iter().map(|conn| {
        let node = &conn.node;
        let api = state.apis.get(&node.name);
        async move {
            emit.started(&node.name, Step::Preflight);
            let began = Instant::now();
            let running = match api {
                Some(api) => crate::deploy::connected::chain(api.as_ref())
                    .await
                    .and_then(|view| view.commit),
                None => None,
            };
            let mut problems = Vec::new();
            match steps::facts(conn).await {
                Ok(facts) => {
                    if facts.dirty > 0 && !request.allow_dirty {
                        problems.push(format!(
                            "{}: {} tracked file(s) modified in the repo (commit them, or pass --allow-dirty)",
                            node.name, facts.dirty
                        ));
                    }
                    match (facts.binary_bytes, facts.free_bytes) {
                        (None, _) => problems.push(format!(
                            "{}: no binary at {} to keep for rollback (build it once first)",
                            node.name, node.binary
                        )),
                        (Some(size), Some(free)) if free < size.saturating_mul(2) => problems.push(format!(
                            "{}: {free} bytes free, {} needed to keep the old binary beside a new build",
                            node.name,
                            size.saturating_mul(2)
                        )),
                        _ => {}
                    }
                }
                Err(e) => problems.push(format!("{}: {e}", node.name)),
            }
            let shown = if problems.is_empty() {
                Ok(Some(format!("runs {}", running.as_deref().unwrap_or("unknown (RPC down)"))))
            } else {
                Err(problems.join("; "))
            };
            emit.finished(&node.name, Step::Preflight, began, shown);
            (node.name.clone(), running, problems)
        }
    });
    let results = futures_util::future::join_all(checks).await;
    let mut all = Vec::new();
    for (name, running, problems) in results {
        if let Some(row) = state.row(&name) {
            row.from.clone_from(&running);
            row.to = running;
        }
        all.extend(problems);
    }
    all
}

pub(super) async fn stage_and_roll(
    request: &Request,
    plan: &Plan,
    emit: &Emit,
    cancel: &CancellationToken,
    state: &mut RunState,
    heartbeat: &Heartbeat,
) -> Ending {
    // Keep the old binary and commit on every node, then stage.
    let shared: &RunState = state;
    let keeps = shared.selected.iter().map(|conn| {
        let node = &conn.node;
        let running = shared
            .rows
            .iter()
            .find(|r| r.node == node.name)
            .and_then(|r| r.from.clone());
        async move {
            shared.record(conn, Phase::Staging, emit).await;
            emit.started(&node.name, Step::Keep);
            let began = Instant::now();
            let kept = steps::keep(conn, running.as_deref().unwrap_or("unknown")).await;
            let shown = kept
                .as_ref()
                .map(|sum| Some(format!("sha256 {}", &sum[..sum.len().min(16)])))
                .map_err(ToString::to_string);
            emit.finished(&node.name, Step::Keep, began, shown);
            kept.map_err(|e| format!("{}: keeping the old binary: {e}", node.name))
        }
    });
    let kept: Vec<String> = futures_util::future::join_all(keeps)
        .await
        .into_iter()
        .filter_map(Result::err)
        .collect();
    if !kept.is_empty() {
        for p in &kept {
            emit.notice(p.clone());
        }
        return untouched("could not keep the old binary on every node".into());
    }

    let staged = stage(request, plan, emit, state).await;
    let mut targets: Vec<String> = staged.iter().filter_map(|(_, r)| r.clone().ok()).collect();
    targets.sort();
    targets.dedup();
    let failures: Vec<String> = staged.iter().filter_map(|(_, r)| r.clone().err()).collect();
    let all_names: Vec<String> = request.nodes.iter().map(|n| n.name.clone()).collect();
    if !failures.is_empty() || targets.len() != 1 || cancel.is_cancelled() {
        restore_files(&all_names, emit, state).await;
        if cancel.is_cancelled() {
            return Ending::new(
                Outcome::Interrupted,
                Some("interrupted while staging; nothing restarted".into()),
            );
        }
        let reason = if failures.is_empty() {
            format!(
                "the nodes pulled different commits ({}); nothing restarted",
                targets.join(", ")
            )
        } else {
            format!(
                "staging failed on {} node(s); nothing restarted: {}",
                failures.len(),
                failures.join("; ")
            )
        };
        return untouched(reason);
    }
    let target = targets.remove(0);
    // From here on the lock names the commit every node pulled, not the ref asked for.
    state.holder.target = Some(target.clone());
    let shared: &RunState = state;
    let staged = shared
        .selected
        .iter()
        .map(|conn| shared.record(conn, Phase::Staged, emit));
    futures_util::future::join_all(staged).await;
    let ending = roll_out(request, plan, emit, cancel, state, heartbeat, &target).await;
    Ending {
        target: Some(target),
        ..ending
    }
}

/// Pull then build on every node as the plan says (with `--build-on`, build on
/// that one and ship its binary to the rest), at most `parallel` at once; each
/// node's target commit or why it failed.
pub(super) async fn stage(
    request: &Request,
    plan: &Plan,
    emit: &Emit,
    state: &mut RunState,
) -> Vec<(String, Result<String, String>)> {
    let bound = Semaphore::new(request.parallel.max(1));
    let bound = &bound;
    let jobs = plan.nodes.iter().map(|steps| {
        let conn = state.selected.get(&steps.node.name);
        async move {
            let _permit = bound.acquire().await;
            let began = Instant::now();
            let result = match conn {
                Some(conn) => stage_one(steps, emit, conn).await,
                None => Err(not_connected(&steps.node.name).to_string()),
            };
            (
                steps.node.name.clone(),
                result,
                began.elapsed().as_secs_f64(),
            )
        }
    });
    let mut results: Vec<(String, Result<String, String>)> = Vec::new();
    for (name, result, secs) in futures_util::future::join_all(jobs).await {
        if let Some(row) = state.row(&name) {
            row.stage_secs = secs;
        }
        results.push((name, result));
    }
    if let Some(builder) = &request.build_on
        && results.iter().all(|(_, r)| r.is_ok())
    {
        ship_all(request, emit, state, builder, &mut results).await;
    }
    results
}

/// Reads the builder's binary once and delivers it to every other node, at most
/// `parallel` at once; a node it did not reach intact gets its failure.
async fn ship_all(
    request: &Request,
    emit: &Emit,
    state: &RunState,
    builder: &str,
    results: &mut [(String, Result<String, String>)],
) {
    let taken = match state.selected.get(builder) {
        Some(conn) => ship::take(conn).await,
        None => Err(not_connected(builder)),
    };
    let shipment = match taken {
        Ok(shipment) => shipment,
        Err(e) => {
            for (name, result) in results.iter_mut() {
                *result = Err(format!("{name}: ship from {builder}: {e}"));
            }
            return;
        }
    };
    let shipment = &shipment;
    let bound = Semaphore::new(request.parallel.max(1));
    let bound = &bound;
    let deliveries =
        results
            .iter()
            .filter(|(name, _)| name != builder)
            .map(|(name, _)| async move {
                let _permit = bound.acquire().await;
                emit.started(name, Step::Ship);
                let began = Instant::now();
                let delivered = match state.selected.get(name) {
                    Some(conn) => ship::deliver(conn, shipment).await,
                    None => Err(not_connected(name)),
                };
                let sum = &shipment.sha256[..shipment.sha256.len().min(16)];
                let shown = delivered
                    .as_ref()
                    .map(|arrival| {
                        Some(match arrival {
                            ship::Arrival::Sent => {
                                format!("from {builder}, sha256 {sum} verified")
                            }
                            ship::Arrival::AlreadyThere => {
                                format!("sha256 {sum} already in place, nothing sent")
                            }
                        })
                    })
                    .map_err(ToString::to_string);
                emit.finished(name, Step::Ship, began, shown);
                (name.clone(), delivered.map(drop))
            });
    let failed: Vec<(String, StepError)> = futures_util::future::join_all(deliveries)
        .await
        .into_iter()
        .filter_map(|(name, delivered)| delivered.err().map(|e| (name, e)))
        .collect();
    for (name, e) in failed {
        if let Some((_, result)) = results.iter_mut().find(|(n, _)| *n == name) {
            *result = Err(format!("{name}: ship from {builder}: {e}"));
        }
    }
}

/// One node's pull and, when the plan builds there, build.
pub(super) async fn stage_one(
    steps: &NodePlan,
    emit: &Emit,
    conn: &Connected,
) -> Result<String, String> {
    let name = &conn.node.name;
    let began = Instant::now();
    emit.started(name, Step::Pull);
    let (pull, git_ref) = steps.pull.script();
    let pulled = steps::stream(conn, Step::Pull, pull, git_ref, emit).await;
    let pulled = match pulled {
        Ok(()) => steps::head(conn).await,
        Err(e) => Err(e),
    };
    emit.finished(
        name,
        Step::Pull,
        began,
        pulled
            .as_ref()
            .map(|h| Some(format!("at {}", short_commit(h))))
            .map_err(ToString::to_string),
    );
    let target = pulled.map_err(|e| format!("{name}: pull: {e}"))?;
    let Build::Here(build) = &steps.build else {
        return Ok(target);
    };
    let began = Instant::now();
    emit.started(name, Step::Build);
    let built = steps::stream(conn, Step::Build, build, None, emit).await;
    let shown = built.as_ref().map(|()| None).map_err(ToString::to_string);
    emit.finished(name, Step::Build, began, shown);
    built.map_err(|e| format!("{name}: build: {e}"))?;
    Ok(target)
}
