//! The deploy itself: connect and lock, preflight every node at once, keep the
//! old binary, stage (pull, build) in parallel, then restart in quorum-sized
//! batches, each node gated on chain health and rolled back when it fails.
//! Locks are released after the last step whatever happened.
//!
//! Correctness: nothing restarts until every node has staged; a node whose
//! restart began is always gated or rolled back before the run ends, Ctrl-C
//! included (cancellation is only looked at between batches).

use std::collections::BTreeMap;
use std::time::Instant;

use timecoin_shared::fleet::Node;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use super::event::{Emit, Event, Step};
use super::gate::{self, Expect};
use super::link::{Link, close_all, connect_all};
use super::plan::{self, Request};
use super::report::{NodeReport, NodeResult, Outcome, Report};
use super::steps;
use crate::constants::{DEPLOY_LOCK_HEARTBEAT, DEPLOY_LOCK_TTL, DEPLOY_NODE_TIMEOUT};
use crate::lock::{self, Heartbeat, Holder};
use crate::remote::ConnectOptions;
use crate::rpc_client::RpcClient;

/// The least time a rolled-back node gets to pass its gate: the old version is
/// known good, so a short `--gate-timeout` meant for the release must not fail it.
const ROLLBACK_GATE_FLOOR: std::time::Duration = std::time::Duration::from_secs(60);

/// Every fleet node's link and RPC (for the quorum and the fleet's height), and
/// the per-node rows of the selected ones.
struct Fleet {
    gate_timeout: std::time::Duration,
    links: BTreeMap<String, Link>,
    rpcs: BTreeMap<String, RpcClient>,
    rows: Vec<NodeReport>,
}

impl Fleet {
    fn row(&mut self, node: &str) -> Option<&mut NodeReport> {
        self.rows.iter_mut().find(|r| r.node == node)
    }

    fn others(&self, node: &str) -> Vec<&RpcClient> {
        self.rpcs
            .iter()
            .filter(|(name, _)| name.as_str() != node)
            .map(|(_, rpc)| rpc)
            .collect()
    }

    /// The most active masternodes any node reports: the live fleet.
    async fn live_masternodes(&self) -> usize {
        let asks = self.rpcs.values().map(RpcClient::consensus_info);
        futures_util::future::join_all(asks)
            .await
            .into_iter()
            .filter_map(Result::ok)
            .map(|info| info.active_masternodes)
            .max()
            .unwrap_or(0)
    }
}

/// Runs a deploy to its end and reports how it went. Never panics; every
/// failure ends up in the report and the events.
pub async fn deploy(
    request: Request,
    options: ConnectOptions,
    emit: Emit,
    cancel: CancellationToken,
) -> Report {
    let started = Instant::now();
    let holder = Holder::here("deploy", request.git_ref.clone(), request.message.clone());
    let mut report = Report {
        command: "deploy",
        outcome: Outcome::Untouched,
        reason: None,
        fleet: request.fleet.name.clone(),
        target: None,
        user: holder.user.clone(),
        controller: holder.host.clone(),
        started: holder.since,
        secs: 0.0,
        nodes: Vec::new(),
    };
    let selected: Vec<String> = request.nodes.iter().map(|n| n.name.clone()).collect();
    let mut fleet = connect(&request, &options, &emit, &selected).await;
    let mut locked = Vec::new();
    let result = run(&request, &emit, &cancel, &holder, &mut fleet, &mut locked).await;
    let (outcome, reason, target) = result;
    report.outcome = outcome;
    report.reason = reason;
    report.target = target;
    release(&fleet, &locked, &holder, &emit).await;
    report.nodes = std::mem::take(&mut fleet.rows);
    report.secs = started.elapsed().as_secs_f64();
    audit_nodes(&fleet, &locked, &report).await;
    close_all(fleet.links.into_values().collect()).await;
    report
}

async fn connect(
    request: &Request,
    options: &ConnectOptions,
    emit: &Emit,
    selected: &[String],
) -> Fleet {
    for name in selected {
        emit.started(name, Step::Connect);
    }
    let began = Instant::now();
    let all: Vec<Node> = request.fleet.nodes.clone();
    let connected = connect_all(&all, options, DEPLOY_NODE_TIMEOUT).await;
    let mut links = BTreeMap::new();
    for (node, result) in all.iter().zip(connected) {
        let is_selected = selected.contains(&node.name);
        match result {
            Ok(link) => {
                if is_selected {
                    emit.finished(&node.name, Step::Connect, began, Ok(None));
                }
                links.insert(node.name.clone(), link);
            }
            Err(e) if is_selected => {
                emit.finished(&node.name, Step::Connect, began, Err(e.to_string()))
            }
            Err(e) => emit.notice(format!("{e} (counted as down)")),
        }
    }
    let opens = links.values().map(|link| async move {
        (
            link.node.name.clone(),
            RpcClient::open(&link.node, &link.remote).await,
        )
    });
    let rpcs = futures_util::future::join_all(opens)
        .await
        .into_iter()
        .filter_map(|(name, rpc)| rpc.ok().map(|rpc| (name, rpc)))
        .collect();
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
    Fleet {
        gate_timeout: request.gate_timeout,
        links,
        rpcs,
        rows,
    }
}

type Ending = (Outcome, Option<String>, Option<String>);

fn untouched(reason: String) -> Ending {
    (Outcome::Untouched, Some(reason), None)
}

async fn run(
    request: &Request,
    emit: &Emit,
    cancel: &CancellationToken,
    holder: &Holder,
    fleet: &mut Fleet,
    locked: &mut Vec<String>,
) -> Ending {
    let selected: Vec<String> = request.nodes.iter().map(|n| n.name.clone()).collect();
    let missing: Vec<&String> = selected
        .iter()
        .filter(|n| !fleet.links.contains_key(*n))
        .collect();
    if !missing.is_empty() {
        return untouched(format!("cannot connect to {}", join(&missing)));
    }
    // Locks, then every preflight problem of every node at once.
    let mut problems = take_locks(request, emit, holder, fleet, locked).await;
    if problems.is_empty() {
        problems = preflight(request, emit, fleet).await;
    }
    if !problems.is_empty() {
        for p in &problems {
            emit.notice(p.clone());
        }
        return untouched(format!(
            "preflight: {} problem(s), nothing touched",
            problems.len()
        ));
    }
    let heartbeat = Heartbeat::start(
        selected
            .iter()
            .map(|n| (fleet.links[n].node.clone(), fleet.links[n].remote.clone()))
            .collect(),
        holder.clone(),
        DEPLOY_LOCK_HEARTBEAT,
    );
    let ending = stage_and_roll(request, emit, cancel, fleet, &heartbeat).await;
    heartbeat.stop().await;
    ending
}

async fn take_locks(
    request: &Request,
    emit: &Emit,
    holder: &Holder,
    fleet: &Fleet,
    locked: &mut Vec<String>,
) -> Vec<String> {
    let takes = request.nodes.iter().map(|node| {
        let link = &fleet.links[&node.name];
        async move {
            emit.started(&node.name, Step::Lock);
            let began = Instant::now();
            let result = lock::acquire(
                &link.node,
                &link.remote,
                holder,
                DEPLOY_LOCK_TTL,
                request.takeover,
            )
            .await;
            let shown = match &result {
                Ok(taken) => Ok(taken
                    .previous
                    .as_ref()
                    .map(|p| format!("took over from {}", p.who()))),
                Err(e) => Err(e.to_string()),
            };
            emit.finished(&node.name, Step::Lock, began, shown);
            (node.name.clone(), result)
        }
    });
    let mut problems = Vec::new();
    for (name, result) in futures_util::future::join_all(takes).await {
        match result {
            Ok(_) => locked.push(name),
            Err(e) => problems.push(e.to_string()),
        }
    }
    problems
}

async fn preflight(request: &Request, emit: &Emit, fleet: &mut Fleet) -> Vec<String> {
    let checks = request.nodes.iter().map(|node| {
        let link = &fleet.links[&node.name];
        let rpc = fleet.rpcs.get(&node.name);
        async move {
            emit.started(&node.name, Step::Preflight);
            let began = Instant::now();
            let running = match rpc {
                Some(rpc) => rpc.consensus_info().await.ok().map(|i| i.commit),
                None => None,
            };
            let mut problems = Vec::new();
            match steps::facts(link).await {
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
                            node.name,
                            plan::BINARY
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
        if let Some(row) = fleet.row(&name) {
            row.from.clone_from(&running);
            row.to = running;
        }
        all.extend(problems);
    }
    all
}

async fn stage_and_roll(
    request: &Request,
    emit: &Emit,
    cancel: &CancellationToken,
    fleet: &mut Fleet,
    heartbeat: &Heartbeat,
) -> Ending {
    // Keep the old binary and commit on every node, then stage.
    let keeps = request.nodes.iter().map(|node| {
        let link = &fleet.links[&node.name];
        let running = fleet
            .rows
            .iter()
            .find(|r| r.node == node.name)
            .and_then(|r| r.from.clone());
        async move {
            emit.started(&node.name, Step::Keep);
            let began = Instant::now();
            let kept = steps::keep(link, running.as_deref().unwrap_or("unknown")).await;
            let shown = kept
                .clone()
                .map(|sum| Some(format!("sha256 {}", &sum[..sum.len().min(16)])));
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

    let staged = stage(request, emit, fleet).await;
    let mut targets: Vec<String> = staged.iter().filter_map(|(_, r)| r.clone().ok()).collect();
    targets.sort();
    targets.dedup();
    let failures: Vec<String> = staged.iter().filter_map(|(_, r)| r.clone().err()).collect();
    let all_names: Vec<String> = request.nodes.iter().map(|n| n.name.clone()).collect();
    if !failures.is_empty() || targets.len() != 1 || cancel.is_cancelled() {
        restore_files(&all_names, emit, fleet).await;
        if cancel.is_cancelled() {
            return (
                Outcome::Interrupted,
                Some("interrupted while staging; nothing restarted".into()),
                None,
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
    let ending = roll_out(request, emit, cancel, fleet, heartbeat, &target).await;
    (ending.0, ending.1, Some(target))
}

/// Pull then build on every node, at most `parallel` at once; each node's
/// target commit or why it failed.
async fn stage(
    request: &Request,
    emit: &Emit,
    fleet: &mut Fleet,
) -> Vec<(String, Result<String, String>)> {
    let bound = Semaphore::new(request.parallel.max(1));
    let bound = &bound;
    let jobs = request.nodes.iter().map(|node| {
        let link = &fleet.links[&node.name];
        async move {
            let _permit = bound.acquire().await;
            let began = Instant::now();
            let result = stage_one(request, emit, link).await;
            (node.name.clone(), result, began.elapsed().as_secs_f64())
        }
    });
    let results = futures_util::future::join_all(jobs).await;
    results
        .into_iter()
        .map(|(name, result, secs)| {
            if let Some(row) = fleet.row(&name) {
                row.stage_secs = secs;
            }
            (name, result)
        })
        .collect()
}

async fn stage_one(request: &Request, emit: &Emit, link: &Link) -> Result<String, String> {
    let name = &link.node.name;
    let began = Instant::now();
    emit.started(name, Step::Pull);
    let pull = plan::pull_script(&link.node, request.git_ref.as_deref());
    let pulled = steps::stream(link, Step::Pull, &pull, request.git_ref.as_deref(), emit).await;
    let pulled = match pulled {
        Ok(()) => steps::head(link).await,
        Err(e) => Err(e),
    };
    emit.finished(
        name,
        Step::Pull,
        began,
        pulled.clone().map(|h| Some(format!("at {}", short(&h)))),
    );
    let target = pulled.map_err(|e| format!("{name}: pull: {e}"))?;
    let began = Instant::now();
    emit.started(name, Step::Build);
    let built = steps::stream(link, Step::Build, &link.node.commands.build, None, emit).await;
    emit.finished(name, Step::Build, began, built.clone().map(|()| None));
    built.map_err(|e| format!("{name}: build: {e}"))?;
    Ok(target)
}

/// Puts the kept binary and commit back on nodes that staged but never
/// restarted, so a later restart by anyone runs the old code.
async fn restore_files(names: &[String], emit: &Emit, fleet: &Fleet) {
    let restores = names.iter().map(|name| {
        let link = &fleet.links[name];
        async move {
            emit.started(name, Step::Restore);
            let began = Instant::now();
            let result = steps::restore(link).await;
            emit.finished(name, Step::Restore, began, result.map(|()| None));
        }
    });
    futures_util::future::join_all(restores).await;
}

async fn roll_out(
    request: &Request,
    emit: &Emit,
    cancel: &CancellationToken,
    fleet: &mut Fleet,
    heartbeat: &Heartbeat,
    target: &str,
) -> (Outcome, Option<String>) {
    let mut queue: Vec<String> = request.nodes.iter().map(|n| n.name.clone()).collect();
    let mut done: Vec<String> = Vec::new();
    let min = request.fleet.min_masternodes;
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
        let live = fleet.live_masternodes().await;
        let size = match (stop, plan::batch_size(live, min, request.max_unavailable)) {
            (Some(stop), _) => Err(stop),
            (None, Ok(size)) => Ok(size),
            (None, Err(why)) if done.is_empty() => Err((Outcome::Untouched, why)),
            (None, Err(why)) => Err((Outcome::NeedsHuman, format!("stopped mid-rollout: {why}"))),
        };
        let size = match size {
            Ok(size) => size,
            Err((outcome, why)) => {
                restore_files(&queue, emit, fleet).await;
                return (outcome, Some(why));
            }
        };
        if !planned {
            emit.send(Event::Plan {
                batches: plan::batches(&queue, size),
                live_masternodes: live,
                min_masternodes: min,
            });
            planned = true;
        }
        let batch: Vec<String> = queue.drain(..size.min(queue.len())).collect();
        let expect = Expect {
            commit: target.to_owned(),
            masternodes: live,
            allow_dirty: request.allow_dirty,
            restarted_at: 0,
            timeout: request.gate_timeout,
        };
        let fleet_ref = &*fleet;
        let restarts = batch.iter().map(|name| {
            let expect = expect.clone();
            async move {
                let began = Instant::now();
                let passed = restart_and_gate(fleet_ref, name, expect, emit).await;
                (name.clone(), passed, began)
            }
        });
        let results = futures_util::future::join_all(restarts).await;
        let mut failed = Vec::new();
        for (name, passed, began) in results {
            if let Some(row) = fleet.row(&name) {
                row.rollout_secs = began.elapsed().as_secs_f64();
                if passed.is_ok() {
                    row.result = NodeResult::Deployed;
                    row.to = Some(short(target).to_owned());
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
        restore_files(&queue, emit, fleet).await;
        let failed_names: Vec<String> = failed.iter().map(|(n, _)| n.clone()).collect();
        let reasons: Vec<String> = failed.iter().map(|(n, w)| format!("{n}: {w}")).collect();
        if request.no_rollback {
            for name in &failed_names {
                if let Some(row) = fleet.row(name) {
                    row.result = NodeResult::Failed;
                    row.to = Some(format!("{} (unhealthy)", short(target)));
                }
            }
            return (
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
        let all_back = roll_back_each(fleet, &back, live, emit).await;
        let reason = format!("gate failed: {}", reasons.join("; "));
        return if all_back {
            (Outcome::RolledBack, Some(reason))
        } else {
            (
                Outcome::NeedsHuman,
                Some(format!("{reason}; a rollback failed too")),
            )
        };
    }
    (Outcome::Deployed, None)
}

async fn restart_and_gate(
    fleet: &Fleet,
    name: &str,
    mut expect: Expect,
    emit: &Emit,
) -> Result<(), String> {
    let link = &fleet.links[name];
    emit.started(name, Step::Restart);
    let began = Instant::now();
    let restarted = tokio::time::timeout(expect.timeout, steps::restart(link))
        .await
        .unwrap_or_else(|_| Err(format!("no end within {}s", expect.timeout.as_secs())));
    emit.finished(name, Step::Restart, began, restarted.clone().map(|_| None));
    expect.restarted_at = restarted.map_err(|e| format!("restart: {e}"))?;
    let Some(rpc) = fleet.rpcs.get(name) else {
        return Err("no RPC to gate on (the tunnel could not be opened)".into());
    };
    emit.started(name, Step::Gate);
    let began = Instant::now();
    let (passed, checks) = gate::wait(link, rpc, &fleet.others(name), &expect).await;
    let failing: Vec<String> = checks
        .iter()
        .filter(|c| !c.ok)
        .map(|c| format!("{}: {}", c.name, c.evidence))
        .collect();
    emit.send(Event::Gate {
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
async fn roll_back_each(fleet: &mut Fleet, names: &[String], live: usize, emit: &Emit) -> bool {
    let mut all = true;
    for name in names {
        let ok = roll_back_one(fleet, name, live, emit).await;
        if let Some(row) = fleet.row(name) {
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
async fn roll_back_one(fleet: &Fleet, name: &str, live: usize, emit: &Emit) -> bool {
    let link = &fleet.links[name];
    emit.started(name, Step::Rollback);
    let began = Instant::now();
    let kept = steps::kept(link).await;
    let result = match kept {
        Ok(kept) => match steps::restore(link).await {
            Ok(()) => {
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
                    timeout: fleet.gate_timeout.max(ROLLBACK_GATE_FLOOR),
                };
                restart_and_gate(fleet, name, expect, emit).await
            }
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    let ok = result.is_ok();
    emit.finished(name, Step::Rollback, began, result.map(|()| None));
    ok
}

/// `timectl rollback`: each node back to the binary and commit kept before the
/// last deploy, one at a time, each gated on the old commit, never below quorum.
pub async fn rollback(
    request: Request,
    options: ConnectOptions,
    emit: Emit,
    cancel: CancellationToken,
) -> Report {
    let started = Instant::now();
    let holder = Holder::here("rollback", None, request.message.clone());
    let selected: Vec<String> = request.nodes.iter().map(|n| n.name.clone()).collect();
    let mut fleet = connect(&request, &options, &emit, &selected).await;
    let mut locked = Vec::new();
    let (outcome, reason) = if selected.iter().any(|n| !fleet.links.contains_key(n)) {
        (
            Outcome::Untouched,
            Some("cannot connect to every node".to_owned()),
        )
    } else {
        let problems = take_locks(&request, &emit, &holder, &fleet, &mut locked).await;
        if problems.is_empty() {
            roll_back_all(&request, &emit, &cancel, &mut fleet).await
        } else {
            (Outcome::Untouched, Some(problems.join("; ")))
        }
    };
    release(&fleet, &locked, &holder, &emit).await;
    let report = Report {
        command: "rollback",
        outcome,
        reason,
        fleet: request.fleet.name.clone(),
        target: None,
        user: holder.user.clone(),
        controller: holder.host.clone(),
        started: holder.since,
        secs: started.elapsed().as_secs_f64(),
        nodes: std::mem::take(&mut fleet.rows),
    };
    audit_nodes(&fleet, &locked, &report).await;
    close_all(fleet.links.into_values().collect()).await;
    report
}

async fn roll_back_all(
    request: &Request,
    emit: &Emit,
    cancel: &CancellationToken,
    fleet: &mut Fleet,
) -> (Outcome, Option<String>) {
    let mut any = false;
    for node in &request.nodes {
        if cancel.is_cancelled() {
            return (
                Outcome::Interrupted,
                Some("interrupted: no further rollbacks".into()),
            );
        }
        let live = fleet.live_masternodes().await;
        if let Err(why) = plan::batch_size(live, request.fleet.min_masternodes, Some(1)) {
            let outcome = if any {
                Outcome::NeedsHuman
            } else {
                Outcome::Untouched
            };
            return (outcome, Some(why));
        }
        let from = fleet_commit(fleet, &node.name).await;
        if let Some(row) = fleet.row(&node.name) {
            row.from = from;
        }
        any = true;
        let began = Instant::now();
        let ok = roll_back_one(fleet, &node.name, live, emit).await;
        let now = fleet_commit(fleet, &node.name).await;
        if let Some(row) = fleet.row(&node.name) {
            row.rollout_secs = began.elapsed().as_secs_f64();
            row.to = now;
            row.result = if ok {
                NodeResult::RolledBack
            } else {
                NodeResult::Failed
            };
        }
        if !ok {
            return (
                Outcome::NeedsHuman,
                Some(format!("{}: rollback failed", node.name)),
            );
        }
    }
    (Outcome::RolledBack, None)
}

async fn fleet_commit(fleet: &Fleet, name: &str) -> Option<String> {
    let rpc = fleet.rpcs.get(name)?;
    rpc.consensus_info().await.ok().map(|i| i.commit)
}

async fn release(fleet: &Fleet, locked: &[String], holder: &Holder, emit: &Emit) {
    let releases = locked.iter().map(|name| {
        let link = &fleet.links[name];
        async move {
            emit.started(name, Step::Release);
            let began = Instant::now();
            let result = match lock::release(&link.node, &link.remote, holder).await {
                Ok(true) => Ok(None),
                Ok(false) => Err("the lock was no longer ours".to_owned()),
                Err(e) => Err(e.to_string()),
            };
            emit.finished(name, Step::Release, began, result);
        }
    });
    futures_util::future::join_all(releases).await;
}

async fn audit_nodes(fleet: &Fleet, nodes: &[String], report: &Report) {
    let Ok(line) = serde_json::to_string(report) else {
        return;
    };
    let line = &line;
    let writes = nodes
        .iter()
        .filter_map(|name| fleet.links.get(name))
        .map(|link| async move {
            let _ = steps::append_audit(link, line).await;
        });
    futures_util::future::join_all(writes).await;
}

fn short(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

fn join(names: &[&String]) -> String {
    names
        .iter()
        .map(|n| n.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
