//! `deploy`'s top: connect, then stage (each node's lock, preflight, keep,
//! pull, build or ship) and roll out; the report whatever happened.

use std::collections::BTreeMap;
use std::time::Instant;

use timecoin_shared::fleet::Node;
use tokio_util::sync::CancellationToken;

use super::finish::{Ending, audit_nodes, release, untouched};
use super::prepare::{Locks, stage_and_roll};
use super::state::{RunState, Selected};
use crate::constants::{DEPLOY_LOCK_HEARTBEAT, DEPLOY_NODE_TIMEOUT};
use crate::deploy::connected::connect_all;
use crate::deploy::event::{Emit, EmitStep, Event, Step};
use crate::deploy::plan::{Plan, Request};
use crate::deploy::report::{NodeReport, NodeResult, Outcome, Report};
use crate::lock::TakenBy;
use crate::lock::{Heartbeat, Holder};
use crate::pool::Pool;

/// Runs a deploy to its end and reports how it went. Never panics; every
/// failure ends up in the report and the events, which end with the run
/// (`emit` is dropped then).
pub(crate) async fn deploy(
    request: Request,
    pool: &Pool,
    emit: impl crate::emit::Emit<Event> + 'static,
    cancel: CancellationToken,
) -> Report {
    let started = Instant::now();
    let holder = Holder::here(
        TakenBy::Deploy,
        request.git_ref.clone(),
        request.message.clone(),
    );
    let mut report = Report {
        command: "deploy",
        outcome: Outcome::Untouched,
        reason: None,
        fleet: request.fleet.name.clone(),
        target: None,
        user: holder.user.clone(),
        controller: holder.host.clone(),
        message: request.message.clone(),
        started: holder.since,
        secs: 0.0,
        nodes: Vec::new(),
    };
    let selected: Vec<String> = request.nodes.iter().map(|n| n.name.clone()).collect();
    let mut state = connect(&request, pool, &emit, &selected, &holder).await;
    let mut locks = Locks::default();
    let ending = run(&request, &emit, &cancel, &holder, &mut state, &mut locks).await;
    report.outcome = ending.outcome;
    report.reason = ending.reason;
    report.target = ending.target;
    release(&state, &locks.held, &holder, &emit).await;
    report.nodes = std::mem::take(&mut state.rows);
    report.secs = started.elapsed().as_secs_f64();
    audit_nodes(&state, &locks.taken(), &report).await;
    report
}

pub(super) async fn connect(
    request: &Request,
    pool: &Pool,
    emit: &Emit,
    selected: &[String],
    holder: &Holder,
) -> RunState {
    for name in selected {
        emit.started(name, Step::Connect);
    }
    let began = Instant::now();
    let all: Vec<Node> = request.fleet.nodes.clone();
    let attempts = connect_all(pool, &all, DEPLOY_NODE_TIMEOUT).await;
    let mut connected = BTreeMap::new();
    for (node, result) in all.iter().zip(attempts) {
        let is_selected = selected.contains(&node.name);
        match result {
            Ok(conn) => {
                if is_selected {
                    emit.finished(&node.name, Step::Connect, began, Ok(None));
                }
                connected.insert(node.name.clone(), conn);
            }
            Err(e) if is_selected => {
                emit.finished(&node.name, Step::Connect, began, Err(e.to_string()))
            }
            Err(e) => emit.notice(format!("{e} (counted as down)")),
        }
    }
    let apis = crate::deploy::connected::open_apis(pool, connected.values()).await;
    let (selected, missing) = Selected::take(selected, &mut connected);
    let rows = request
        .nodes
        .iter()
        .map(|n| NodeReport {
            node: n.name.clone(),
            from: None,
            to: None,
            result: NodeResult::Untouched,
            stage_secs: 0.0,
            rollout_secs: 0.0,
        })
        .collect();
    RunState {
        gate_timeout: request.gate_timeout,
        selected,
        missing,
        apis,
        rows,
        holder: holder.clone(),
    }
}

pub(super) async fn run(
    request: &Request,
    emit: &Emit,
    cancel: &CancellationToken,
    holder: &Holder,
    state: &mut RunState,
    locks: &mut Locks,
) -> Ending {
    if !state.missing.is_empty() {
        return untouched(format!("cannot connect to {}", state.missing.join(", ")));
    }
    // Each lock is refreshed from the moment its node's pipeline took it.
    let heartbeat = Heartbeat::start(holder.clone(), DEPLOY_LOCK_HEARTBEAT);
    let plan = Plan::new(request);
    let ending = stage_and_roll(request, &plan, emit, cancel, state, &heartbeat, locks).await;
    heartbeat.stop().await;
    ending
}
