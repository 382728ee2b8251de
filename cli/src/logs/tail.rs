//! One node's log stream, kept alive: when it drops (SSH dies, the node reboots)
//! it is reported lost, retried with backoff, and resumed strictly after the last
//! journal cursor seen, so nothing is replayed and no gap goes unmarked.

use std::collections::VecDeque;
use std::future::Future;
use std::time::Duration;

use timecoin_shared::classify::LogEntry;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::command::{self, Adjusted, Request};
use super::record::Record;
use crate::constants::{LOGS_RECONNECT_FIRST, LOGS_RECONNECT_MAX, LOGS_WINDOW_RETRIES};
use crate::remote::{LineStream, RemoteError, StreamEnd, StreamEvent};

/// Runs a log command on a node: the transport seen from `logs`.
pub trait LogSource: Send + Sync + 'static {
    /// Starts `command` on `node` (reconnecting first if the way to it broke).
    /// Its stdout lines arrive as they come, then one end; dropping the stream
    /// stops the command.
    fn open(
        &self,
        node: &str,
        command: &Adjusted,
    ) -> impl Future<Output = Result<LineStream, OpenError>> + Send;
}

/// Why a node's log command could not be started.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("{0}: not in the fleet")]
    UnknownNode(String),
    #[error(transparent)]
    Remote(#[from] RemoteError),
}

/// How a stream came back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resume {
    /// Strictly after this journal cursor: nothing missed, nothing repeated.
    AfterCursor(String),
    /// The source has no cursors (a plain log file): lines at or before the last
    /// time seen are skipped; lines without a time may repeat.
    ByTime,
    /// No line had been seen yet: started over.
    FromStart,
}

/// What a node's follower reports to the merger.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    Record(Box<Record>),
    Lost {
        node: String,
        reason: String,
        retry_in: Duration,
    },
    Resumed {
        node: String,
        how: Resume,
    },
    /// The window was read to its end.
    Done {
        node: String,
    },
    /// Gave up: the command itself fails, or a window could not be read.
    Failed {
        node: String,
        reason: String,
    },
}

/// What to stream from one node.
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    pub node: String,
    /// The fleet's logs command, placeholders already filled.
    pub command: String,
    pub follow: bool,
    pub since: Option<String>,
    /// Lines with a time before this (µs since epoch) are dropped: `--since` for
    /// sources that cannot filter themselves.
    pub since_us: Option<i64>,
    pub lines: Option<u32>,
}

/// Streams `plan` until done, failed, the receiver of `events` is gone, or
/// `stop` fires: then the remote command is cancelled and waited for, so
/// nothing is left running on the node.
pub(crate) async fn tail<S: LogSource>(
    source: &S,
    plan: Plan,
    events: mpsc::Sender<Event>,
    stop: CancellationToken,
) {
    let node = plan.node.clone();
    let mut cursor: Option<String> = None;
    let mut last_time: Option<i64> = None;
    // The time of the last line read, kept or not.
    let mut line_time: Option<i64> = None;
    let mut seen_any = false;
    let mut failures = 0u32;
    let mut backoff = LOGS_RECONNECT_FIRST;
    let mut reconnecting = false;
    loop {
        let request = Request {
            follow: plan.follow,
            since: plan.since.clone(),
            after_cursor: cursor.clone(),
            lines: if seen_any { None } else { plan.lines },
        };
        let command = match command::adjust(&plan.command, &request) {
            Ok(c) => c,
            Err(e) => {
                let _ = events
                    .send(Event::Failed {
                        node,
                        reason: e.to_string(),
                    })
                    .await;
                return;
            }
        };
        // A source that cannot limit itself to the last N lines (a tailed file)
        // when not following: keep the last N here and send them at the end.
        let mut tail = (!plan.follow && command.args.is_empty())
            .then_some(request.lines)
            .flatten()
            .map(|n| (n as usize, VecDeque::new()));
        let mut lines_this_time = 0u64;
        let opened = tokio::select! {
            () = stop.cancelled() => return,
            opened = source.open(&node, &command) => opened,
        };
        let end = match opened {
            Err(e) => StreamEnd::Lost {
                reason: e.to_string(),
            },
            Ok(mut stream) => {
                if reconnecting {
                    let how = match (&cursor, seen_any) {
                        (Some(c), _) => Resume::AfterCursor(c.clone()),
                        (None, true) => Resume::ByTime,
                        (None, false) => Resume::FromStart,
                    };
                    if events
                        .send(Event::Resumed {
                            node: node.clone(),
                            how,
                        })
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
                loop {
                    let next = tokio::select! {
                        () = stop.cancelled() => {
                            stream.cancel();
                            while let Some(StreamEvent::Line(_)) = stream.next().await {}
                            return;
                        }
                        next = stream.next() => next,
                    };
                    match next {
                        Some(StreamEvent::Line(line)) => {
                            lines_this_time += 1;
                            let mut record = Record::new(LogEntry::parse(&line), Some(&node));
                            // A line that is no log line of its own (a restart
                            // banner) was written with the line before it; with
                            // none before it, it cannot be placed in a window.
                            if record.standalone {
                                line_time = record.time_us.or(line_time);
                            } else {
                                record.time_us = line_time;
                                if plan.since_us.is_some() && line_time.is_none() {
                                    continue;
                                }
                            }
                            let resumed_by_time = reconnecting && cursor.is_none();
                            if resumed_by_time
                                && record
                                    .time_us
                                    .zip(last_time)
                                    .is_some_and(|(t, last)| t <= last)
                            {
                                continue;
                            }
                            if record
                                .time_us
                                .zip(plan.since_us)
                                .is_some_and(|(t, since)| t < since)
                            {
                                continue;
                            }
                            seen_any = true;
                            if record.cursor.is_some() {
                                cursor.clone_from(&record.cursor);
                            }
                            last_time = record.time_us.or(last_time);
                            if let Some((keep, tail)) = tail.as_mut() {
                                tail.push_back(record);
                                if tail.len() > *keep {
                                    tail.pop_front();
                                }
                            } else if events.send(Event::Record(Box::new(record))).await.is_err() {
                                return;
                            }
                        }
                        Some(StreamEvent::End(end)) => break end,
                        None => {
                            break StreamEnd::Lost {
                                reason: "stream closed".to_owned(),
                            };
                        }
                    }
                }
            }
        };
        let reason = match end {
            StreamEnd::Cancelled => return,
            StreamEnd::Exited { code: Some(0), .. } if !plan.follow => {
                for record in tail.into_iter().flat_map(|(_, t)| t) {
                    if events.send(Event::Record(Box::new(record))).await.is_err() {
                        return;
                    }
                }
                let _ = events.send(Event::Done { node }).await;
                return;
            }
            StreamEnd::Exited { code, stderr } => {
                let how = code.map_or_else(
                    || "killed by a signal".to_owned(),
                    |c| format!("exit code {c}"),
                );
                let detail = match stderr.trim() {
                    "" => how,
                    err => format!("{how}: {err}"),
                };
                if code != Some(0) && lines_this_time == 0 && !reconnecting {
                    // The command itself is wrong (bad flag, no such unit):
                    // retrying would only repeat it.
                    let _ = events
                        .send(Event::Failed {
                            node,
                            reason: format!("log command failed ({detail})"),
                        })
                        .await;
                    return;
                }
                format!("log command ended ({detail})")
            }
            StreamEnd::Lost { reason } => reason,
        };
        if lines_this_time > 0 {
            backoff = LOGS_RECONNECT_FIRST;
            failures = 0;
        }
        failures += 1;
        if !plan.follow && failures > LOGS_WINDOW_RETRIES {
            let reason = format!("gave up after {LOGS_WINDOW_RETRIES} reconnects: {reason}");
            let _ = events.send(Event::Failed { node, reason }).await;
            return;
        }
        let lost = Event::Lost {
            node: node.clone(),
            reason,
            retry_in: backoff,
        };
        if events.send(lost).await.is_err() {
            return;
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(LOGS_RECONNECT_MAX);
        reconnecting = true;
    }
}
