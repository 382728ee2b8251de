//! Everything before the first restart: every node staged in its own pipeline
//! (`pipeline`), the one wait across the fleet before any restart, and putting
//! the old files back when staging fails anywhere. `rollback`'s locks, taken on
//! every node or none, too.

use timecoin_shared::fleet::Node;
use tokio_util::sync::CancellationToken;

use super::finish::{Ending, untouched};
use super::pipeline::{Halt, stage_all};
use super::rollout::{restore_files, roll_out};
use super::state::RunState;
use crate::constants::DEPLOY_LOCK_TTL;
use crate::deploy::event::{Emit, EmitStep, Step};
use crate::deploy::plan::{Plan, Request};
use crate::deploy::report::Outcome;
use crate::lock::{self, Heartbeat, Holder, Phase, Taken};
use crate::remote::Remote;

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

/// Stages every node in its own pipeline (see `pipeline`), then, once every
/// node has staged and all pulled the same commit, rolls out. When any node
/// failed, disagreed or Ctrl-C came, nothing restarts: the touched nodes get
/// their old files back.
pub(super) async fn stage_and_roll(
    request: &Request,
    plan: &Plan,
    emit: &Emit,
    cancel: &CancellationToken,
    state: &mut RunState,
    heartbeat: &Heartbeat,
    locks: &mut Locks,
) -> Ending {
    let staged = stage_all(request, plan, emit, cancel, state, heartbeat).await;
    let mut targets: Vec<String> = Vec::new();
    let mut failures: Vec<(Step, String)> = Vec::new();
    let mut touched: Vec<String> = Vec::new();
    let mut stopped = false;
    for node in staged {
        if node.locked {
            locks.held.push(node.name.clone());
        }
        if node.touched {
            touched.push(node.name.clone());
        }
        if let Some(row) = state.row(&node.name) {
            row.from.clone_from(&node.running);
            row.to = node.running;
            row.stage_secs = node.secs;
        }
        match node.end {
            Ok(target) => targets.push(target),
            Err(Halt::Failed { step, why }) => failures.push((step, why)),
            Err(Halt::Stopped) => stopped = true,
        }
    }
    targets.sort();
    targets.dedup();
    if !failures.is_empty() || stopped || targets.len() != 1 || cancel.is_cancelled() {
        restore_files(&touched, emit, state).await;
        if cancel.is_cancelled() {
            return Ending::new(
                Outcome::Interrupted,
                Some("interrupted while staging; nothing restarted".into()),
            );
        }
        return untouched(why_not_staged(
            &failures,
            &targets,
            touched.is_empty(),
            emit,
        ));
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

/// Why staging did not end with every node on one commit: the earliest kind
/// of failure wins (lock and preflight, then keep, then pull, build and ship),
/// its problems told one by one as notices where the step's own event may
/// have been missed.
fn why_not_staged(
    failures: &[(Step, String)],
    targets: &[String],
    untouched_all: bool,
    emit: &Emit,
) -> String {
    let of = |steps: &[Step]| -> Vec<&str> {
        failures
            .iter()
            .filter(|(step, _)| steps.contains(step))
            .map(|(_, why)| why.as_str())
            .collect()
    };
    let nothing = if untouched_all {
        "nothing touched"
    } else {
        "nothing restarted, files put back"
    };
    let checked = of(&[Step::Lock, Step::Preflight]);
    if !checked.is_empty() {
        for p in &checked {
            emit.notice(*p);
        }
        return format!("preflight: {} problem(s), {nothing}", checked.len());
    }
    let kept = of(&[Step::Keep]);
    if !kept.is_empty() {
        for p in &kept {
            emit.notice(*p);
        }
        return format!("could not keep the old binary on every node; {nothing}");
    }
    let staged = of(&[Step::Pull, Step::Build, Step::Ship]);
    if !staged.is_empty() {
        return format!(
            "staging failed on {} node(s); nothing restarted: {}",
            staged.len(),
            staged.join("; ")
        );
    }
    format!(
        "the nodes pulled different commits ({}); nothing restarted",
        targets.join(", ")
    )
}
