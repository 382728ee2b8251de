//! `logs::follow`: every node's tail at once, merged in time order and
//! emitted as [`Event`]s.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::event::{Event, Marker};
use super::filter::Filter;
use super::reorder::Reorder;
use super::tail::{self, LogSource, Plan};
use crate::constants::{LOGS_EVENT_QUEUE, LOGS_REORDER_HOLD};
use crate::emit::Emit;

/// What to read from every node.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Keep streaming new lines; a lost stream is reconnected and resumed.
    pub follow: bool,
    /// Start of the window, if any.
    pub since: Option<Since>,
    /// Past lines first, when no `since` says where to start.
    pub lines: Option<u32>,
    /// Which lines are kept.
    pub filter: Filter,
}

/// The start of a window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Since {
    /// As journalctl takes it (`-600s`, `2026-11-25 04:00:00`).
    pub journal: String,
    /// The same as a time (µs since the epoch) when it can be told, to filter
    /// sources that cannot filter themselves (a tailed file).
    pub time_us: Option<i64>,
}

/// One node to stream: its fleet name and its logs command, placeholders filled.
#[derive(Clone, Debug)]
pub struct NodeLogs {
    pub name: String,
    pub command: String,
}

/// How a run ended.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Nodes whose stream failed for good, with why.
    pub failed: Vec<(String, String)>,
    /// Nodes whose window was read to its end and held no line at all (before
    /// any filter): a logs command reading another unit prints nothing, so
    /// nothing is not the same as quiet.
    pub empty: Vec<String>,
}

fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

/// Streams every node through `emit`, merged, until all streams are done (or
/// forever when following), `stop` fires or `emit` closes: then every node's
/// command is cancelled, and what was read is emitted before returning. A
/// node's trouble is a [`Marker`] and a line of the outcome, never an error.
pub async fn follow<S: LogSource, E: Emit<Event> + ?Sized>(
    source: Arc<S>,
    nodes: Vec<NodeLogs>,
    options: &Options,
    emit: &E,
    stop: &CancellationToken,
) -> Outcome {
    let (tx, mut rx) = mpsc::channel(LOGS_EVENT_QUEUE);
    let mut tasks = JoinSet::new();
    for node in nodes {
        let plan = Plan {
            node: node.name,
            command: node.command,
            follow: options.follow,
            since: options.since.as_ref().map(|s| s.journal.clone()),
            since_us: options.since.as_ref().and_then(|s| s.time_us),
            lines: options.lines,
        };
        let (source, tx, stop) = (Arc::clone(&source), tx.clone(), stop.clone());
        tasks.spawn(async move { tail::tail(&*source, plan, tx, stop).await });
    }
    drop(tx);

    let mut outcome = Outcome::default();
    let mut heard: HashSet<String> = HashSet::new();
    let mut buffer = Reorder::new(LOGS_REORDER_HOLD);
    while !emit.closed() {
        let wake = buffer.next_ready_at();
        let event = tokio::select! {
            event = rx.recv() => event,
            () = sleep_until(wake) => {
                let now = Instant::now();
                while let Some(event) = buffer.pop_ready(now) {
                    emit.emit(event);
                }
                emit.emit(Event::Idle);
                continue;
            }
        };
        let Some(event) = event else { break };
        let (key, event) = match event {
            tail::Event::Record(record) => {
                if let Some(node) = &record.node
                    && !heard.contains(node)
                {
                    heard.insert(node.clone());
                }
                if !options.filter.keeps(&record) {
                    continue;
                }
                (record.time_us.unwrap_or_else(now_us), Event::Record(record))
            }
            tail::Event::Lost {
                node,
                reason,
                retry_in,
            } => marker(node, Marker::Lost { reason, retry_in }),
            tail::Event::Resumed { node, how } => marker(node, Marker::Resumed(how)),
            tail::Event::Failed { node, reason } => {
                outcome.failed.push((node.clone(), reason.clone()));
                marker(node, Marker::Failed(reason))
            }
            tail::Event::Done { node } => {
                if !heard.contains(&node) {
                    outcome.empty.push(node);
                }
                continue;
            }
        };
        buffer.push(key, Instant::now(), event);
    }
    for event in buffer.drain() {
        emit.emit(event);
    }
    tasks.shutdown().await;
    outcome
}

/// A marker keyed at the moment it happened, which is where it belongs among lines.
fn marker(node: String, marker: Marker) -> (i64, Event) {
    let time_us = now_us();
    (
        time_us,
        Event::Marker {
            node,
            time_us,
            marker,
        },
    )
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use timecoin_shared::classify::EventKind;

    use super::*;
    use crate::logs::source::FleetSource;
    use crate::pool::Pool;
    use crate::remote::ConnectOptions;

    /// Local-transport nodes whose logs command prints a file.
    fn nodes(dir: &std::path::Path, logs: &[(&str, &str)]) -> (Vec<NodeLogs>, FleetSource) {
        let mut text = "[fleet]\nname = \"logs\"\n".to_owned();
        for (name, lines) in logs {
            let file = dir.join(format!("{name}.log"));
            std::fs::write(&file, lines).expect("write log");
            let command = format!("cat {}", file.display());
            text.push_str(&format!(
                "\n[[nodes]]\nname = {name:?}\ntransport = \"local\"\ncommands = {{ logs = {command:?} }}\n"
            ));
        }
        let fleet = crate::fleet::parse_named("fleet.toml", &text).expect("fleet");
        let named = fleet
            .nodes
            .iter()
            .map(|n| NodeLogs {
                name: n.name.clone(),
                command: n.commands.logs.clone(),
            })
            .collect();
        (
            named,
            FleetSource::new(fleet.nodes, Pool::new(ConnectOptions::default())),
        )
    }

    #[tokio::test]
    async fn every_node_merged_in_time_order_filtered_and_an_empty_window_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (named, source) = nodes(
            dir.path(),
            &[
                (
                    "a",
                    "2026-11-25T04:00:01.000Z INFO Connected to peer: 10.0.0.2:24100\n\
                     2026-11-25T04:00:03.000Z WARN Connection to 10.0.0.2:24100 failed (attempt 1): Connection reset by peer\n",
                ),
                (
                    "b",
                    "2026-11-25T04:00:02.000Z WARN Connection to 10.0.0.1:24100 failed (attempt 2): Connection reset by peer\n",
                ),
                ("quiet", ""),
            ],
        );
        let options = Options {
            filter: Filter {
                kinds: [EventKind::ConnectionReset].into_iter().collect(),
                grep: None,
            },
            ..Options::default()
        };
        let (tx, mut rx) = mpsc::unbounded_channel();
        let stop = CancellationToken::new();
        let outcome = follow(Arc::new(source), named, &options, &tx, &stop).await;
        assert_eq!(outcome.failed, []);
        assert_eq!(outcome.empty, ["quiet"]);
        let mut kept = Vec::new();
        while let Ok(event) = rx.try_recv() {
            if let Event::Record(record) = event {
                kept.push((
                    record.node.clone().unwrap_or_default(),
                    record.class.attempt,
                ));
            }
        }
        // The filter kept only the resets, b's (04:00:02) before a's (04:00:03).
        assert_eq!(kept, [("b".to_owned(), Some(2)), ("a".to_owned(), Some(1))]);
    }

    #[tokio::test]
    async fn a_closed_renderer_ends_the_run() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (named, source) = nodes(dir.path(), &[("a", "one line\n")]);
        let options = Options {
            follow: true,
            ..Options::default()
        };
        let (tx, rx) = mpsc::unbounded_channel::<Event>();
        drop(rx);
        let stop = CancellationToken::new();
        let run = follow(Arc::new(source), named, &options, &tx, &stop);
        let outcome = tokio::time::timeout(std::time::Duration::from_secs(10), run)
            .await
            .expect("a follow with nobody reading ends");
        assert_eq!(outcome, Outcome::default());
    }
}
