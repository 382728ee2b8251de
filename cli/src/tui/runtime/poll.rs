//! The pollers: one task per node probing it on an interval, and the log
//! followers of `timectl logs` turned into log-pane lines. Each node has its own
//! task, so a slow or dead node delays only its own messages, never the others
//! or the keys.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use timecoin_shared::fleet::Node;
use timecoin_shared::snapshot::NodeSnapshot;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::logs::follow::{self, Event, LogSource, Plan, Resume};
use crate::probe::Head;
use crate::tui::{LogLine, Msg, Stream};

/// Past lines of each node shown when the dashboard opens: enough to see what
/// was happening, few enough to read at a glance.
const LOG_BACKLOG: u32 = 20;

/// Events in flight between the log followers and the dashboard; a flood waits
/// here instead of growing memory.
const LOG_QUEUE: usize = 1024;

/// Probes between two reads of a node's repo HEAD: `git rev-parse` is a
/// process on the node (over SSH for a remote one), and a HEAD moves when
/// someone commits or pulls, not every second.
const HEAD_EVERY: u64 = 30;

/// Where node snapshots come from: the probe over the connection pool, or a
/// stand-in in tests and benchmarks.
pub(crate) trait Prober: Send + Sync + 'static {
    /// One probe of `node`, reading its repo HEAD or reusing `head`. Never fails
    /// (what went wrong is in the snapshot) and bounds its own time.
    fn probe(&self, node: &Node, head: Head) -> impl Future<Output = NodeSnapshot> + Send;
}

impl Prober for crate::remote::Pool {
    async fn probe(&self, node: &Node, head: Head) -> NodeSnapshot {
        crate::probe::probe_with(self, node, head).await
    }
}

/// Probes every node every `every`, each in its own task, until `tx` closes or
/// `stop` fires.
pub(crate) fn spawn_probes<P: Prober>(
    tasks: &mut JoinSet<()>,
    prober: &Arc<P>,
    nodes: &[Node],
    every: Duration,
    tx: &mpsc::Sender<Msg>,
    stop: &CancellationToken,
) {
    for node in nodes {
        let node = node.clone();
        let (prober, tx, stop) = (Arc::clone(prober), tx.clone(), stop.clone());
        tasks.spawn(async move {
            let mut next = Instant::now();
            let mut head: Option<String> = None;
            for round in 0u64.. {
                // The first probe reads the HEAD, and so does any after a miss.
                let ask = if round % HEAD_EVERY == 0 || head.is_none() {
                    Head::Read
                } else {
                    Head::Known(head.clone())
                };
                let snapshot = tokio::select! {
                    snapshot = prober.probe(&node, ask) => snapshot,
                    () = stop.cancelled() => return,
                };
                head.clone_from(&snapshot.repo_head);
                if tx.send(Msg::Snapshot(Box::new(snapshot))).await.is_err() {
                    return;
                }
                // A probe slower than the interval starts the next one at once.
                next = (next + every).max(Instant::now());
                tokio::select! {
                    () = tokio::time::sleep_until(next) => {}
                    () = stop.cancelled() => return,
                }
            }
        });
    }
}

/// Follows every node's log (its fleet `logs` command) and sends its lines and
/// stream markers, until `tx` closes or `stop` fires (which cancels the remote
/// commands and waits for them).
pub(crate) fn spawn_logs<S: LogSource>(
    tasks: &mut JoinSet<()>,
    source: &Arc<S>,
    nodes: &[Node],
    tx: &mpsc::Sender<Msg>,
    stop: &CancellationToken,
) {
    let (events, mut rx) = mpsc::channel(LOG_QUEUE);
    for node in nodes {
        let plan = Plan {
            node: node.name.clone(),
            command: node.commands.logs.clone(),
            follow: true,
            since: None,
            since_us: None,
            lines: Some(LOG_BACKLOG),
        };
        let (source, events, stop) = (Arc::clone(source), events.clone(), stop.clone());
        tasks.spawn(async move { follow::follow(&*source, plan, events, stop).await });
    }
    let tx = tx.clone();
    tasks.spawn(async move {
        while let Some(event) = rx.recv().await {
            if tx.send(Msg::Log(Box::new(line(event)))).await.is_err() {
                return;
            }
        }
    });
}

/// A follower's event as a log-pane line.
fn line(event: Event) -> LogLine {
    let now = now_us();
    match event {
        Event::Record(record) => {
            let node = record.node.clone().unwrap_or_default();
            LogLine::from_record(&record, &node)
        }
        Event::Lost {
            node,
            reason,
            retry_in,
        } => LogLine::marker(
            &node,
            now,
            Stream::Lost,
            format!(
                "stream lost: {reason}; retrying in {}",
                humantime::format_duration(retry_in)
            ),
        ),
        Event::Resumed { node, how } => {
            let how = match how {
                Resume::AfterCursor(_) => "after the last cursor: no gap",
                Resume::ByTime => "by time: lines logged meanwhile may be missing",
                Resume::FromStart => "from the start",
            };
            LogLine::marker(&node, now, Stream::Resumed, format!("stream resumed {how}"))
        }
        Event::Done { node } => LogLine::marker(&node, now, Stream::Ended, "stream ended".into()),
        Event::Failed { node, reason } => LogLine::marker(
            &node,
            now,
            Stream::Failed,
            format!("stream failed: {reason}"),
        ),
    }
}

fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}
