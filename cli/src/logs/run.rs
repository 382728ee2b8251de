//! Driving every node's follower at once and merging their output in time order.

use std::collections::HashSet;
use std::io::{self, Write};
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::filter::Filter;
use super::follow::{self, Event, LogSource, Plan};
use super::record::Record;
use super::reorder::Reorder;
use super::sink::{Marker, Sink};
use crate::constants::{LOGS_EVENT_QUEUE, LOGS_REORDER_HOLD};

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

enum Item {
    Record(Box<Record>),
    Marker(String, i64, Marker),
}

fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

/// Streams every plan through `sink`, merged, until all streams are done (or
/// forever when following) or `stop` fires: then every node's command is
/// cancelled, and what was read is printed before returning.
///
/// # Errors
/// Only the sink's: a node's trouble is a marker, not an error.
pub async fn run<S: LogSource, W: Write>(
    source: Arc<S>,
    plans: Vec<Plan>,
    filter: &Filter,
    sink: &mut Sink<W>,
    stop: &CancellationToken,
) -> io::Result<Outcome> {
    let (tx, mut rx) = mpsc::channel(LOGS_EVENT_QUEUE);
    let mut tasks = JoinSet::new();
    for plan in plans {
        let (source, tx, stop) = (Arc::clone(&source), tx.clone(), stop.clone());
        tasks.spawn(async move { follow::follow(&*source, plan, tx, stop).await });
    }
    drop(tx);

    let mut outcome = Outcome::default();
    let mut heard: HashSet<String> = HashSet::new();
    let mut buffer = Reorder::new(LOGS_REORDER_HOLD);
    loop {
        let wake = buffer.next_ready_at();
        let event = tokio::select! {
            event = rx.recv() => event,
            () = sleep_until(wake) => {
                let now = Instant::now();
                while let Some(item) = buffer.pop_ready(now) {
                    emit(sink, item)?;
                }
                sink.flush()?;
                continue;
            }
        };
        let Some(event) = event else { break };
        let (key, item) = match event {
            Event::Record(record) => {
                if let Some(node) = &record.node
                    && !heard.contains(node)
                {
                    heard.insert(node.clone());
                }
                if !filter.keeps(&record) {
                    continue;
                }
                (record.time_us.unwrap_or_else(now_us), Item::Record(record))
            }
            Event::Lost {
                node,
                reason,
                retry_in,
            } => marker(node, Marker::Lost { reason, retry_in }),
            Event::Resumed { node, how } => marker(node, Marker::Resumed(how)),
            Event::Failed { node, reason } => {
                outcome.failed.push((node.clone(), reason.clone()));
                marker(node, Marker::Failed(reason))
            }
            Event::Done { node } => {
                if !heard.contains(&node) {
                    outcome.empty.push(node);
                }
                continue;
            }
        };
        buffer.push(key, Instant::now(), item);
    }
    for item in buffer.drain() {
        emit(sink, item)?;
    }
    sink.finish()?;
    tasks.shutdown().await;
    Ok(outcome)
}

fn emit<W: Write>(sink: &mut Sink<W>, item: Item) -> io::Result<()> {
    match item {
        Item::Record(record) => sink.record(&record),
        Item::Marker(node, time_us, marker) => sink.marker(time_us, &node, &marker),
    }
}

/// A marker keyed at the moment it happened, which is where it belongs among lines.
fn marker(node: String, marker: Marker) -> (i64, Item) {
    let time_us = now_us();
    (time_us, Item::Marker(node, time_us, marker))
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}
