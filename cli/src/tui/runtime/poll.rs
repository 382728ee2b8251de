//! The pollers: one task per node probing it on an interval, one per node
//! reading its deploy lock on a slower one, the log
//! followers of `timectl logs` turned into log-pane lines, and the run's
//! notices turned into the title's notice. Each node has its own
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

use crate::constants::TUI_LOG_QUEUE;
use crate::lock::LockState;
use crate::logs::tail::{self, Event, LogSource, Plan, Resume};
use crate::notice::Notice;
use crate::probe::Head;
use crate::tui::{LockRead, LogLine, Msg, Stream};

/// Past lines of each node shown when the dashboard opens, from a log command
/// that cannot start at a time (a tailed file): enough to see what was
/// happening. A journal is read from a time instead (see [`spawn_logs`]).
const LOG_BACKLOG: u32 = 20;

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

    /// The deploy lock of `node` (which has a repo), or why it could not be
    /// read. Bounds its own time.
    fn lock(&self, node: &Node) -> impl Future<Output = Result<LockState, String>> + Send;
}

impl Prober for crate::pool::Pool {
    async fn probe(&self, node: &Node, head: Head) -> NodeSnapshot {
        crate::probe::probe_with(self, node, head).await
    }

    async fn lock(&self, node: &Node) -> Result<LockState, String> {
        crate::lock::ops::watch_status(self, node).await
    }
}

/// Probes every node every `every`, each in its own task, until `tx` closes or
/// `stop` fires.
///
/// Every node is probed at the same instants, `epoch` plus whole intervals: the
/// answers come in together and are handled in one wake-up of the dashboard
/// rather than one each. A probe that overruns its interval skips to the next
/// instant; a slow node still delays only itself.
pub(crate) fn spawn_probes<P: Prober>(
    tasks: &mut JoinSet<()>,
    prober: &Arc<P>,
    nodes: &[Node],
    (epoch, every): (Instant, Duration),
    tx: &mpsc::Sender<Msg>,
    stop: &CancellationToken,
) {
    for node in nodes {
        let node = node.clone();
        let (prober, tx, stop) = (Arc::clone(prober), tx.clone(), stop.clone());
        tasks.spawn(async move {
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
                tokio::select! {
                    () = tokio::time::sleep_until(next_instant(epoch, every, Instant::now())) => {}
                    () = stop.cancelled() => return,
                }
            }
        });
    }
}

/// Reads the deploy lock of every node that has a repo (where a lock lives)
/// every `every`, each in its own task, until `tx` closes or `stop` fires. One
/// read per node at a time: a slow node's reads queue behind nothing.
pub(crate) fn spawn_locks<P: Prober>(
    tasks: &mut JoinSet<()>,
    prober: &Arc<P>,
    nodes: &[Node],
    every: Duration,
    tx: &mpsc::Sender<Msg>,
    stop: &CancellationToken,
) {
    for node in nodes.iter().filter(|n| n.repo.is_some()) {
        let node = node.clone();
        let (prober, tx, stop) = (Arc::clone(prober), tx.clone(), stop.clone());
        tasks.spawn(async move {
            loop {
                let began = Instant::now();
                let lock = tokio::select! {
                    lock = prober.lock(&node) => lock,
                    () = stop.cancelled() => return,
                };
                let read = LockRead {
                    node: node.name.clone(),
                    lock,
                };
                if tx.send(Msg::Lock(Box::new(read))).await.is_err() {
                    return;
                }
                tokio::select! {
                    () = tokio::time::sleep_until(began + every) => {}
                    () = stop.cancelled() => return,
                }
            }
        });
    }
}

/// The first of `epoch`, `epoch + every`, `epoch + 2 * every`, ... after `now`.
pub(crate) fn next_instant(epoch: Instant, every: Duration, now: Instant) -> Instant {
    let every_ns = every.as_nanos().max(1);
    let elapsed_ns = now.saturating_duration_since(epoch).as_nanos();
    let steps = elapsed_ns / every_ns + 1;
    let offset = every_ns.saturating_mul(steps);
    epoch + Duration::from_nanos(u64::try_from(offset).unwrap_or(u64::MAX))
}

/// Whether a round of probes goes out at `at`: an instant on the grid of
/// `epoch` plus whole multiples of `every`.
pub(crate) fn probes_at(epoch: Instant, every: Duration, at: Instant) -> bool {
    let every_ns = every.as_nanos().max(1);
    at.checked_duration_since(epoch)
        .is_some_and(|since| since.as_nanos() % every_ns == 0)
}

/// Follows every node's log (its fleet `logs` command) and sends its lines and
/// stream markers, until `tx` closes or `stop` fires (which cancels the remote
/// commands and waits for them).
///
/// A journal is read from two checklist `window`s back: the checklist judges
/// the last window, and a line from before it shows the read reaches back far
/// enough (see `Window::line`).
pub(crate) fn spawn_logs<S: LogSource>(
    tasks: &mut JoinSet<()>,
    source: &Arc<S>,
    (nodes, window): (&[Node], Duration),
    tx: &mpsc::Sender<Msg>,
    stop: &CancellationToken,
) {
    let (events, mut rx) = mpsc::channel(TUI_LOG_QUEUE);
    let since = format!("-{}s", (window * 2).as_secs().max(1));
    for node in nodes {
        let plan = Plan {
            node: node.name.clone(),
            command: node.commands.logs.clone(),
            follow: true,
            since: Some(since.clone()),
            since_us: None,
            lines: Some(LOG_BACKLOG),
        };
        let (source, events, stop) = (Arc::clone(source), events.clone(), stop.clone());
        tasks.spawn(async move { tail::tail(&*source, plan, events, stop).await });
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

/// Forwards each notice to the dashboard, in its short form: the title has no
/// room for a fingerprint.
pub(crate) fn spawn_notices(
    tasks: &mut JoinSet<()>,
    mut notices: mpsc::UnboundedReceiver<Notice>,
    tx: &mpsc::Sender<Msg>,
    stop: &CancellationToken,
) {
    let (tx, stop) = (tx.clone(), stop.clone());
    tasks.spawn(async move {
        loop {
            let notice = tokio::select! {
                () = stop.cancelled() => return,
                notice = notices.recv() => notice,
            };
            let Some(notice) = notice else { return };
            if tx.send(Msg::Notice(notice.short())).await.is_err() {
                return;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::time::Instant;

    use super::{next_instant, probes_at};

    #[test]
    fn probes_keep_to_one_schedule_and_skip_the_instants_they_missed() {
        let epoch = Instant::now();
        let second = Duration::from_secs(1);
        let at = |ms| epoch + Duration::from_millis(ms);
        assert_eq!(next_instant(epoch, second, epoch), at(1000));
        assert_eq!(next_instant(epoch, second, at(10)), at(1000));
        assert_eq!(next_instant(epoch, second, at(1000)), at(2000));
        // A probe that took 2.5 intervals waits for the next instant on the grid.
        assert_eq!(next_instant(epoch, second, at(3500)), at(4000));
        let odd = Duration::from_millis(300);
        assert_eq!(next_instant(epoch, odd, at(1000)), at(1200));
    }

    #[test]
    fn a_tick_knows_whether_probes_go_out_with_it() {
        let epoch = Instant::now();
        let at = |ms| epoch + Duration::from_millis(ms);
        let second = Duration::from_secs(1);
        assert!(probes_at(epoch, second, epoch));
        assert!(probes_at(epoch, second, at(3000)));
        let two = Duration::from_secs(2);
        assert!(!probes_at(epoch, two, at(1000)));
        assert!(probes_at(epoch, two, at(4000)));
        assert!(!probes_at(epoch, second, at(1500)), "off the grid");
    }
}
