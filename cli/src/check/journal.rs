//! Every node's journal over the window, read once the window has closed through
//! the logs engine (the fleet's `logs` command, without following, from the
//! window's start) and counted by the shared classifier into [`LogEvidence`].
//! Lines stamped before the window's start or after its end are not in it: the
//! read runs after the end, and a log keeps growing meanwhile.
//! A stream that drops is read again by the engine; one that cannot be read is
//! [`Journal::Unreadable`], which makes that node's log items unknown.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use timecoin_shared::checklist::{Journal, LogEvidence};
use timecoin_shared::fleet::Node;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::event::Event;
use crate::constants::CHECK_JOURNAL_READ_TIMEOUT;
use crate::constants::LOGS_EVENT_QUEUE;
use crate::emit::Emit;
use crate::logs::source::FleetSource;
use crate::logs::tail::{self, Plan};
use crate::pool::Pool;

/// Extra seconds asked of `journalctl --since`: its relative times count whole
/// seconds, so the window's first lines are not cut off. Lines before the
/// window's start are dropped by time afterwards.
const SINCE_SLACK_SECS: u64 = 1;

/// Reads every node's journal from `since` to `until`, in `nodes` order.
///
/// # Cancel safety
/// Returns early with what was read when `stop` fires; every remote command is
/// cancelled before it returns.
pub(super) async fn read(
    pool: &Pool,
    nodes: &[Node],
    (since, until): (SystemTime, SystemTime),
    emit: &dyn Emit<Event>,
    stop: &CancellationToken,
) -> Vec<Journal> {
    let back = SystemTime::now()
        .duration_since(since)
        .unwrap_or(Duration::ZERO)
        .as_secs()
        + SINCE_SLACK_SECS;
    let since_us = unix_us(since);
    let until_us = unix_us(until);
    let source = Arc::new(FleetSource::new(nodes.iter().cloned(), pool.clone()));
    let (tx, mut rx) = mpsc::channel(LOGS_EVENT_QUEUE);
    // Our own token: the reads stop at the deadline as well as on Ctrl-C.
    let reads_stop = stop.child_token();
    let mut tasks = JoinSet::new();
    for node in nodes {
        let plan = Plan {
            node: node.name.clone(),
            command: node.commands.logs.clone(),
            follow: false,
            since: Some(format!("-{back}s")),
            since_us,
            lines: None,
        };
        let (source, tx, stop) = (Arc::clone(&source), tx.clone(), reads_stop.clone());
        tasks.spawn(async move { tail::tail(&*source, plan, tx, stop).await });
    }
    drop(tx);

    let mut read: HashMap<String, (LogEvidence, u64)> = HashMap::new();
    let mut ended: HashMap<String, Journal> = HashMap::new();
    let deadline = tokio::time::sleep(CHECK_JOURNAL_READ_TIMEOUT);
    tokio::pin!(deadline);
    loop {
        let event = tokio::select! {
            event = rx.recv() => event,
            () = &mut deadline => break,
            () = stop.cancelled() => break,
        };
        let Some(event) = event else { break };
        match event {
            tail::Event::Record(record) => {
                if record
                    .time_us
                    .zip(until_us)
                    .is_some_and(|(at, until)| at > until)
                {
                    continue;
                }
                let (log, lines) = read
                    .entry(record.node.clone().unwrap_or_default())
                    .or_default();
                log.record(&record.line, &record.class);
                *lines += 1;
            }
            tail::Event::Lost { node, reason, .. } => {
                emit.emit(Event::JournalLost { node, reason });
            }
            tail::Event::Resumed { .. } => {}
            tail::Event::Done { node } => {
                let (log, lines) = read.remove(&node).unwrap_or_default();
                emit.emit(Event::JournalRead {
                    node: node.clone(),
                    lines,
                });
                ended.insert(node, Journal::Read(log));
            }
            tail::Event::Failed { node, reason } => {
                emit.emit(Event::JournalUnreadable {
                    node: node.clone(),
                    reason: reason.clone(),
                });
                ended.insert(node, Journal::Unreadable { error: reason });
            }
        }
    }
    reads_stop.cancel();
    tasks.shutdown().await;
    nodes
        .iter()
        .map(|node| {
            ended.remove(&node.name).unwrap_or_else(|| {
                let error = format!(
                    "not read to the end within {}s",
                    CHECK_JOURNAL_READ_TIMEOUT.as_secs()
                );
                emit.emit(Event::JournalUnreadable {
                    node: node.name.clone(),
                    reason: error.clone(),
                });
                Journal::Unreadable { error }
            })
        })
        .collect()
}

fn unix_us(at: SystemTime) -> Option<i64> {
    at.duration_since(UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_micros()).ok())
}
