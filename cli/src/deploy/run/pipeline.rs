//! One node's staging as a pipeline: lock, preflight, keep, pull, then build or
//! ship, each step begun as soon as that node's previous step ended. No node
//! waits for the others between these steps: a slow node holds up only itself.
//! The one wait across the fleet is after staging, before any restart
//! (`prepare`).
//!
//! Correctness: a failure on any node stops every other pipeline before its
//! next step, and so does Ctrl-C; a node is counted as touched (its files are
//! put back when the run stops) from the moment its pull begins, since lock,
//! preflight and keep change neither its repo nor its binary.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::{Semaphore, watch};
use tokio_util::sync::CancellationToken;

use super::state::{RunState, not_connected};
use crate::constants::DEPLOY_LOCK_TTL;
use crate::deploy::connected::Connected;
use crate::deploy::event::{Emit, EmitStep, Step};
use crate::deploy::plan::{Build, NodePlan, Plan, Request};
use crate::deploy::ship::{self, Shipment};
use crate::deploy::steps::{self, KeptBinary};
use crate::lock::{self, Heartbeat, Holder, Phase};
use crate::table::short_commit;

/// Why a node's pipeline ended before its last step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Halt {
    /// This node failed `step`; `why` names the node.
    Failed { step: Step, why: String },
    /// Stopped before its next step: another node failed, or Ctrl-C.
    Stopped,
}

/// How one node's staging ended.
#[derive(Debug)]
pub(super) struct NodeStaging {
    pub(super) name: String,
    /// Its lock was taken by this run (released at the end whatever happened).
    pub(super) locked: bool,
    /// The commit its daemon ran at preflight.
    pub(super) running: Option<String>,
    /// Its pull began: its repo or binary may have changed.
    pub(super) touched: bool,
    /// Seconds from its pull to its binary in place.
    pub(super) secs: f64,
    /// The commit it pulled, or why it stopped.
    pub(super) end: Result<String, Halt>,
}

/// What every node's pipeline shares.
struct Shared<'a> {
    request: &'a Request,
    emit: &'a Emit,
    state: &'a RunState,
    heartbeat: &'a Heartbeat,
    cancel: &'a CancellationToken,
    /// Cancelled by the first node that fails.
    failed: CancellationToken,
    /// At most `--parallel` nodes pull, build or receive a shipment at once.
    bound: Semaphore,
    /// `--build-on`: the builder's binary, once built and read.
    shipment: watch::Sender<Option<Arc<Shipment>>>,
}

impl Shared<'_> {
    /// Whether the pipelines may go on to their next step.
    fn go(&self) -> Result<(), Halt> {
        if self.failed.is_cancelled() || self.cancel.is_cancelled() {
            Err(Halt::Stopped)
        } else {
            Ok(())
        }
    }
}

/// Stages every node of `plan`, each in its own pipeline; one result per node,
/// in plan order. Each lock taken is added to `heartbeat`.
pub(super) async fn stage_all(
    request: &Request,
    plan: &Plan,
    emit: &Emit,
    cancel: &CancellationToken,
    state: &RunState,
    heartbeat: &Heartbeat,
) -> Vec<NodeStaging> {
    let shared = Shared {
        request,
        emit,
        state,
        heartbeat,
        cancel,
        failed: CancellationToken::new(),
        bound: Semaphore::new(request.parallel.max(1)),
        shipment: watch::Sender::new(None),
    };
    let shared = &shared;
    let pipelines = plan.nodes.iter().map(|steps| async move {
        let mut staging = NodeStaging {
            name: steps.node.name.clone(),
            locked: false,
            running: None,
            touched: false,
            secs: 0.0,
            end: Err(Halt::Stopped),
        };
        let end = pipeline(shared, steps, &mut staging).await;
        if matches!(end, Err(Halt::Failed { .. })) {
            shared.failed.cancel();
        }
        staging.end = end;
        staging
    });
    futures_util::future::join_all(pipelines).await
}

fn failed(step: Step, why: impl std::fmt::Display) -> Halt {
    Halt::Failed {
        step,
        why: why.to_string(),
    }
}

/// One node's steps in order; fills `staging` as it goes.
async fn pipeline(
    shared: &Shared<'_>,
    steps: &NodePlan,
    staging: &mut NodeStaging,
) -> Result<String, Halt> {
    let name = &steps.node.name;
    let conn = shared
        .state
        .selected
        .get(name)
        .ok_or_else(|| failed(Step::Lock, not_connected(name)))?;
    shared.go()?;
    // What the daemon runs is asked over its RPC while the lock is taken.
    let (facts, running) = tokio::join!(take_lock(shared, conn), running_commit(shared, conn));
    let facts = facts?;
    staging.locked = true;
    shared
        .heartbeat
        .add(conn.node.clone(), Arc::clone(&conn.remote));
    staging.running = preflight(shared, conn, &facts, running)?;
    shared.go()?;
    let kept = keep(shared, conn, staging.running.as_deref()).await?;
    let permit = shared.bound.acquire().await;
    shared.go()?;
    let began = Instant::now();
    staging.touched = true;
    let target = pull_and_build(steps, shared.emit, conn).await;
    drop(permit);
    let target = target?;
    let is_builder = shared.request.build_on.as_deref() == Some(name.as_str());
    match &steps.build {
        Build::Here(_) if is_builder => {
            let shipment = ship::take(conn)
                .await
                .map_err(|e| failed(Step::Build, format!("{name}: ship from {name}: {e}")))?;
            shared.shipment.send_replace(Some(Arc::new(shipment)));
        }
        Build::Here(_) => {}
        Build::Shipped { from } => receive(shared, conn, from, &kept).await?,
    }
    staging.secs = began.elapsed().as_secs_f64();
    Ok(target)
}

/// Takes the node's lock for the run's holder and reads preflight's facts
/// under it, in one round trip; what [`steps::FACTS`] printed.
async fn take_lock(shared: &Shared<'_>, conn: &Connected) -> Result<String, Halt> {
    let name = &conn.node.name;
    shared.emit.started(name, Step::Lock);
    let began = Instant::now();
    // Taken already in the Staging phase: one round trip fewer than
    // recording it after.
    let holder = Holder {
        phase: Some(Phase::Staging),
        ..shared.state.holder.clone()
    };
    let taken = lock::ops::acquire_then(
        &conn.node,
        &conn.remote,
        &holder,
        DEPLOY_LOCK_TTL,
        shared.request.takeover,
        steps::FACTS,
        &[&conn.node.binary],
    )
    .await;
    let shown = match &taken {
        Ok((taken, _)) => Ok(taken
            .previous
            .as_ref()
            .map(|p| format!("took over from {}", p.who()))),
        Err(e) => Err(e.to_string()),
    };
    shared.emit.finished(name, Step::Lock, began, shown);
    taken
        .map(|(_, facts)| facts)
        .map_err(|e| failed(Step::Lock, e))
}

/// The commit the node's daemon runs, as its RPC says (`None` when it does not).
async fn running_commit(shared: &Shared<'_>, conn: &Connected) -> Option<String> {
    let api = shared.state.apis.get(&conn.node.name)?;
    crate::deploy::connected::chain(api.as_ref())
        .await
        .and_then(|view| view.commit)
}

/// Checks the node can be deployed from the facts read with its lock: a
/// clean repo (unless `--allow-dirty`), a binary to keep and room beside it;
/// `running`, the commit its daemon runs.
fn preflight(
    shared: &Shared<'_>,
    conn: &Connected,
    facts: &str,
    running: Option<String>,
) -> Result<Option<String>, Halt> {
    let node = &conn.node;
    shared.emit.started(&node.name, Step::Preflight);
    let began = Instant::now();
    let facts = steps::facts(facts);
    let mut problems = Vec::new();
    match facts {
        Ok(facts) => {
            if facts.dirty > 0 && !shared.request.allow_dirty {
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
                (Some(size), Some(free)) if free < size.saturating_mul(2) => {
                    problems.push(format!(
                        "{}: {free} bytes free, {} needed to keep the old binary beside a new build",
                        node.name,
                        size.saturating_mul(2)
                    ));
                }
                _ => {}
            }
        }
        Err(e) => problems.push(format!("{}: {e}", node.name)),
    }
    let shown = if problems.is_empty() {
        Ok(Some(format!(
            "runs {}",
            running.as_deref().unwrap_or("unknown (RPC down)")
        )))
    } else {
        Err(problems.join("; "))
    };
    shared
        .emit
        .finished(&node.name, Step::Preflight, began, shown.clone());
    shown
        .map(|_| running)
        .map_err(|why| failed(Step::Preflight, why))
}

/// Keeps the old binary and commit.
async fn keep(
    shared: &Shared<'_>,
    conn: &Connected,
    running: Option<&str>,
) -> Result<KeptBinary, Halt> {
    let name = &conn.node.name;
    shared.emit.started(name, Step::Keep);
    let began = Instant::now();
    let kept = steps::keep(conn, running.unwrap_or("unknown")).await;
    let shown = kept
        .as_ref()
        .map(|kept| Some(format!("sha256 {}", &kept.sha256[..16])))
        .map_err(ToString::to_string);
    shared.emit.finished(name, Step::Keep, began, shown);
    kept.map_err(|e| failed(Step::Keep, format!("{name}: keeping the old binary: {e}")))
}

/// One node's pull and, when the plan builds there, build; the commit pulled.
async fn pull_and_build(steps: &NodePlan, emit: &Emit, conn: &Connected) -> Result<String, Halt> {
    let name = &conn.node.name;
    let began = Instant::now();
    emit.started(name, Step::Pull);
    let (pull, git_ref) = steps.pull.script();
    let pulled = steps::pull(conn, pull, git_ref, emit).await;
    emit.finished(
        name,
        Step::Pull,
        began,
        pulled
            .as_ref()
            .map(|h| Some(format!("at {}", short_commit(h))))
            .map_err(ToString::to_string),
    );
    let target = pulled.map_err(|e| failed(Step::Pull, format!("{name}: pull: {e}")))?;
    let Build::Here(build) = &steps.build else {
        return Ok(target);
    };
    let began = Instant::now();
    emit.started(name, Step::Build);
    let built = steps::build(conn, build, emit).await;
    let shown = built.as_ref().map(|()| None).map_err(ToString::to_string);
    emit.finished(name, Step::Build, began, shown);
    built.map_err(|e| failed(Step::Build, format!("{name}: build: {e}")))?;
    Ok(target)
}

/// Waits for the builder's binary, then delivers it to `conn`'s node, whose
/// binary was `kept`.
async fn receive(
    shared: &Shared<'_>,
    conn: &Connected,
    builder: &str,
    kept: &KeptBinary,
) -> Result<(), Halt> {
    let mut arrived = shared.shipment.subscribe();
    let shipment = tokio::select! {
        () = shared.failed.cancelled() => return Err(Halt::Stopped),
        () = shared.cancel.cancelled() => return Err(Halt::Stopped),
        ready = arrived.wait_for(Option::is_some) => match ready.ok().and_then(|s| s.clone()) {
            Some(shipment) => shipment,
            None => return Err(Halt::Stopped),
        },
    };
    let _permit = shared.bound.acquire().await;
    shared.go()?;
    let name = &conn.node.name;
    shared.emit.started(name, Step::Ship);
    let began = Instant::now();
    let delivered = ship::deliver(conn, &shipment, kept).await;
    let sum = &shipment.sha256[..shipment.sha256.len().min(16)];
    let shown = delivered
        .as_ref()
        .map(|arrival| {
            Some(match arrival {
                ship::Arrival::Sent => format!("from {builder}, sha256 {sum} verified"),
                ship::Arrival::AlreadyThere => {
                    format!("sha256 {sum} already in place, nothing sent")
                }
            })
        })
        .map_err(ToString::to_string);
    shared.emit.finished(name, Step::Ship, began, shown);
    delivered
        .map(drop)
        .map_err(|e| failed(Step::Ship, format!("{name}: ship from {builder}: {e}")))
}
