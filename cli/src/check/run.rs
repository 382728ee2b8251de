//! One check, start to verdict: open the window, probe every node at its start,
//! middle and end, read the journals, compare blocks at the lowest final height,
//! and judge the facts with the shared rules.

use std::time::{Duration, SystemTime};

use timecoin_shared::checklist::{CheckFacts, NodeFacts, Report, Thresholds, evaluate};
use timecoin_shared::fleet::Node;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::event::{Event, Phase};
use super::journal;
use crate::emit::Emit;
use crate::pool::Pool;
use crate::probe::{self, Head};

/// What to check.
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    /// The nodes to check, in fleet order.
    pub nodes: Vec<Node>,
    /// How many masternodes the fleet has: every node of the fleet file.
    pub fleet_size: usize,
    /// The fleet file's `min_masternodes`, for daemons that report none.
    pub min_masternodes: usize,
    pub thresholds: Thresholds,
    /// The commit every node must run; `None` compares with each repo HEAD.
    pub expect_commit: Option<String>,
}

/// What one check found and concluded.
#[derive(Clone, Debug)]
pub(crate) struct Outcome {
    pub facts: CheckFacts,
    pub report: Report,
}

/// Runs one check over `plan.thresholds.window`. Takes the window plus the time
/// of the end probe, the journal reads and the block look-ups (seconds).
///
/// Returns `None` when `stop` fired before the verdict.
///
/// # Cancel safety
/// Stops at the next step when `stop` fires; remote commands are cancelled.
pub(crate) async fn run(
    pool: &Pool,
    plan: &Plan,
    emit: &dyn Emit<Event>,
    stop: &CancellationToken,
) -> Option<Outcome> {
    let window = plan.thresholds.window;
    let opened = Instant::now();
    let since = SystemTime::now();
    emit.emit(Event::Started {
        nodes: plan.nodes.len(),
        window,
    });
    let mut facts = CheckFacts {
        fleet_size: plan.fleet_size,
        nodes: plan
            .nodes
            .iter()
            .map(|n| NodeFacts {
                host: Some(n.host.clone()),
                ..NodeFacts::new(&n.name)
            })
            .collect(),
        expect_commit: plan.expect_commit.clone(),
        common_height: None,
        min_masternodes: Some(plan.min_masternodes),
    };
    for (phase, at) in [
        (Phase::Start, Duration::ZERO),
        (Phase::Middle, window / 2),
        (Phase::End, window),
    ] {
        tokio::select! {
            () = stop.cancelled() => return None,
            () = tokio::time::sleep_until(opened + at) => {}
        }
        // Only the end probe's repo HEAD is judged (same_commit): reading it
        // at the start and middle too ran `git` on every node twice for
        // nothing, a remote command each, which at a hundred nodes behind one
        // sshd kept the window's probes waiting on sessions.
        let head = match phase {
            Phase::End => Head::Read,
            Phase::Start | Phase::Middle => Head::Known(None),
        };
        let snapshots = tokio::select! {
            () = stop.cancelled() => return None,
            snapshots = probe::probe_all_with(pool, &plan.nodes, &head) => snapshots,
        };
        emit.emit(Event::Probed {
            phase,
            answered: snapshots.iter().filter(|s| s.is_reachable()).count(),
            of: snapshots.len(),
        });
        for (node, snapshot) in facts.nodes.iter_mut().zip(snapshots) {
            node.probes.push(snapshot);
        }
    }

    // The window ends with the end probe.
    let until = SystemTime::now();
    let journals = journal::read(pool, &plan.nodes, (since, until), emit, stop).await;
    if stop.is_cancelled() {
        return None;
    }
    for (node, journal) in facts.nodes.iter_mut().zip(journals) {
        node.journal = journal;
    }

    facts.common_height = facts.lowest_end_height();
    emit.emit(Event::Compared {
        height: facts.common_height,
    });
    if let Some(height) = facts.common_height {
        let hashes = tokio::select! {
            () = stop.cancelled() => return None,
            hashes = block_hashes(pool, plan, &facts, height) => hashes,
        };
        for (node, hash) in facts.nodes.iter_mut().zip(hashes) {
            match hash {
                Ok(hash) => node.block_at_common_height = Some(hash),
                Err(reason) => node.block_unknown_reason = Some(reason),
            }
        }
    }
    let report = evaluate(&facts, &plan.thresholds);
    Some(Outcome { facts, report })
}

/// Each node's block hash at `height`, asked of the nodes that answered the end
/// probe, all at once; where it could not be learned, why.
async fn block_hashes(
    pool: &Pool,
    plan: &Plan,
    facts: &CheckFacts,
    height: u64,
) -> Vec<Result<String, String>> {
    let mut tasks = JoinSet::new();
    let mut hashes = vec![Err("did not answer the end probe".to_owned()); plan.nodes.len()];
    for (index, (node, found)) in plan.nodes.iter().zip(&facts.nodes).enumerate() {
        if !found.last_probe().is_some_and(|p| p.is_reachable()) {
            continue;
        }
        if let Some(slot) = hashes.get_mut(index) {
            *slot = Err("the look-up did not finish".to_owned());
        }
        let (pool, node) = (pool.clone(), node.clone());
        tasks.spawn(async move {
            let hash = match probe::api(&pool, &node).await {
                Err(e) => Err(format!("no RPC to ask: {e}")),
                Ok(api) => match api.block_hash(height).await {
                    Ok(Some(hash)) => Ok(hash),
                    Ok(None) => Err("the node named no block at that height".to_owned()),
                    Err(e) => Err(format!("asking for it: {e}")),
                },
            };
            (index, hash)
        });
    }
    while let Some(joined) = tasks.join_next().await {
        if let Ok((index, hash)) = joined
            && let Some(slot) = hashes.get_mut(index)
        {
            *slot = hash;
        }
    }
    hashes
}
