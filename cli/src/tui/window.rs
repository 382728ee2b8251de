//! The checklist run live: the last window (the fleet's `[check] window`) of
//! every node's probes and classified log lines, turned into the facts
//! `timectl check` collects and judged by the same rules.
//!
//! A node whose log stream is lost has its log items unknown until the stream
//! is back; a node that never answered has no probes, so its items are unknown
//! too: the rules never pass on missing data. Nor is a node's log judged before
//! it is read back to the window's start: a dashboard that had read a few
//! seconds of it would judge the whole window on them ("no block round
//! logged" while the journal held six).

use std::collections::VecDeque;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use timecoin_shared::checklist::{
    CheckFacts, Journal, LogEvidence, NodeFacts, Report, Thresholds, evaluate,
};
use timecoin_shared::classify::Classification;
use timecoin_shared::snapshot::NodeSnapshot;

use super::logview::{LogLine, Stream};
use super::node::{NodeRow, age};
use super::ui::text::clock;

/// Probes kept per node: a minute at ten a second, far above any sane interval.
const MAX_PROBES: usize = 600;

/// Kind-carrying lines kept per node for the log items. A flood beyond this
/// still counts this many (far above every threshold) and keeps its first lines.
const MAX_LINES: usize = 2000;

/// A line that carried a kind, when it arrived.
#[derive(Clone, Debug)]
struct Seen {
    at: SystemTime,
    text: String,
    class: Classification,
}

/// One node's part of the window.
#[derive(Clone, Debug, Default)]
struct NodeWindow {
    /// Oldest first. A `Vec`, as the rules take it: lent to them for each
    /// evaluation, never copied.
    probes: Vec<NodeSnapshot>,
    lines: VecDeque<Seen>,
    /// Why the node's log is not being read, while it is not.
    unread: Option<String>,
    /// Since when the node's log is read: the earliest time of a line received
    /// (the backlog a log command prints first reaches back to it), or its
    /// arrival for a line without a time; from the start of time for a log
    /// command that prints all since a time before the window.
    read_from: Option<SystemTime>,
    /// Its log command prints everything since a time before the window.
    reads_window: bool,
    /// The journal made of `lines` and `unread`, until either changes: an idle
    /// fleet's window loses and gains a line now and then, not every second.
    journal: Option<Journal>,
}

/// The live checklist's inputs.
#[derive(Clone, Debug)]
pub struct Window {
    pub thresholds: Thresholds,
    /// Every node of the fleet file (masternodes expected), even when only some
    /// are watched.
    pub fleet_size: usize,
    /// The fleet file's `min_masternodes`, for daemons that report none.
    pub min_masternodes: Option<usize>,
    /// Each watched node's `host`, in order: what its peers' failed dials name.
    pub hosts: Vec<String>,
    nodes: Vec<NodeWindow>,
    /// Something arrived since the last evaluation.
    pub changed: bool,
}

impl Window {
    pub fn new(nodes: usize, thresholds: Thresholds) -> Self {
        Window {
            thresholds,
            fleet_size: nodes,
            min_masternodes: None,
            hosts: Vec::new(),
            nodes: vec![
                NodeWindow {
                    unread: Some("no log line yet".into()),
                    ..NodeWindow::default()
                };
                nodes
            ],
            changed: false,
        }
    }

    /// Says, for each node in order, whether its log command prints all it
    /// logged since a time before the window (the dashboard asks that far
    /// back): then its log is judged from its first line, else from when the
    /// lines read reach back to the window's start.
    pub fn reads_window(&mut self, reads: impl IntoIterator<Item = bool>) {
        for (node, reads) in self.nodes.iter_mut().zip(reads) {
            node.reads_window = reads;
        }
    }

    /// Keeps a probe of the node at `index`.
    pub fn probe(&mut self, index: usize, snapshot: &NodeSnapshot) {
        if let Some(node) = self.nodes.get_mut(index) {
            if node.probes.len() == MAX_PROBES {
                node.probes.remove(0);
            }
            node.probes.push(snapshot.clone());
            self.changed = true;
        }
    }

    /// Keeps a log line of the node at `index` (received at `arrival`) if it carries
    /// a kind, and follows its stream's state.
    ///
    /// A line counts from when it was logged, as in `check`, or from its arrival
    /// if it has no time or claims a later one: the backlog a log command
    /// prints on start-up (a whole file, for `tail -n +1`) is mostly older than
    /// the window and does not count as the last minute's.
    pub fn line(&mut self, index: usize, arrival: SystemTime, line: &LogLine) {
        let window = self.thresholds.window;
        let Some(node) = self.nodes.get_mut(index) else {
            return;
        };
        let at = line
            .logged_at()
            .map_or(arrival, |logged| arrival.min(logged));
        match line.marker {
            Some(stream) if stream.reading() => node.unread = None,
            Some(Stream::Lost | Stream::Ended | Stream::Failed) => {
                node.unread = Some(line.text.clone());
            }
            Some(_) => return,
            None => {
                let from = if node.reads_window { UNIX_EPOCH } else { at };
                node.read_from = Some(node.read_from.map_or(from, |read| read.min(from)));
                let was_unread = node.unread.take().is_some();
                if line.class.kinds.is_empty() || age(arrival, at) > window {
                    if was_unread {
                        node.journal = None;
                        self.changed = true;
                    }
                    return;
                }
                if node.lines.len() == MAX_LINES {
                    node.lines.pop_front();
                }
                node.lines.push_back(Seen {
                    at,
                    text: line.text.clone(),
                    class: line.class.clone(),
                });
            }
        }
        node.journal = None;
        self.changed = true;
    }

    /// Forgets what is older than the window at `now`, then judges the rest.
    /// `rows` are the dashboard's rows, in the same order, for the tips seen.
    pub fn evaluate(&mut self, now: SystemTime, rows: &[NodeRow]) -> Report {
        let window = self.thresholds.window;
        for node in &mut self.nodes {
            let expired = node.probes.partition_point(|p| age(now, p.at) > window);
            node.probes.drain(..expired);
            while node.lines.front().is_some_and(|l| age(now, l.at) > window) {
                node.lines.pop_front();
                node.journal = None;
            }
        }
        // The probes and journals are lent to the facts and taken back below;
        // a journal not read back to the window's start is not judged yet.
        let pending: Vec<Option<Journal>> = self
            .nodes
            .iter()
            .map(|node| pending(node, now, window))
            .collect();
        let mut facts = CheckFacts {
            fleet_size: self.fleet_size,
            nodes: self
                .nodes
                .iter_mut()
                .zip(rows)
                .zip(&pending)
                .enumerate()
                .map(|(i, ((node, row), pending))| NodeFacts {
                    name: row.name.clone(),
                    host: self.hosts.get(i).cloned(),
                    probes: std::mem::take(&mut node.probes),
                    journal: match pending {
                        Some(pending) => pending.clone(),
                        None => node.journal.take().unwrap_or_else(|| journal(node)),
                    },
                    block_at_common_height: None,
                    block_unknown_reason: None,
                })
                .collect(),
            expect_commit: None,
            common_height: None,
            min_masternodes: self.min_masternodes,
        };
        // The forks item compares the nodes' blocks at a height all reached:
        // the tips the dashboard saw at that height (unknown where it saw none).
        if let Some(height) = facts.lowest_end_height() {
            facts.common_height = Some(height);
            for (node, row) in facts.nodes.iter_mut().zip(rows) {
                node.block_at_common_height = row
                    .blocks
                    .iter()
                    .find(|b| b.height == height)
                    .and_then(|b| b.hash.clone());
            }
        }
        self.changed = false;
        let report = evaluate(&facts, &self.thresholds);
        for ((node, lent), pending) in self.nodes.iter_mut().zip(facts.nodes).zip(pending) {
            node.probes = lent.probes;
            node.journal = pending.is_none().then_some(lent.journal);
        }
        report
    }
}

/// The journal to judge while the node's log is read, but not yet back to the
/// window's start: none (not judged), with when it will be.
fn pending(node: &NodeWindow, now: SystemTime, window: Duration) -> Option<Journal> {
    if node.unread.is_some() {
        return None;
    }
    let from = node.read_from?;
    let start = now.checked_sub(window)?;
    (from > start).then(|| Journal::Unreadable {
        error: format!(
            "still reading the window's log (read from {}, judged from {})",
            clock(from),
            clock(from + window)
        ),
    })
}

fn journal(node: &NodeWindow) -> Journal {
    if let Some(why) = &node.unread {
        return Journal::Unreadable { error: why.clone() };
    }
    let mut evidence = LogEvidence::default();
    for line in &node.lines {
        evidence.record(&line.text, &line.class);
    }
    Journal::Read(evidence)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use timecoin_shared::checklist::{Journal, Thresholds};
    use timecoin_shared::classify::{EventKind, classify};

    use super::Window;
    use crate::tui::logview::LogLine;
    use crate::tui::node::NodeRow;

    /// 2026-11-25 04:00:00 UTC.
    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_795_579_200)
    }

    /// A duplicate rejection logged `ago` before now (no time if `None`).
    fn rejection(ago: Option<Duration>) -> LogLine {
        let text =
            "INFO timed::net: Rejecting duplicate inbound from 127.0.0.2:40000 after handshake";
        LogLine {
            node: "node1".into(),
            time_us: ago.map(|ago| {
                let at = (now() - ago).duration_since(UNIX_EPOCH).unwrap_or_default();
                i64::try_from(at.as_micros()).unwrap_or(i64::MAX)
            }),
            class: classify(text),
            text: text.into(),
            marker: None,
        }
    }

    /// The duplicate rejections node1's journal holds after an evaluation.
    fn rejections(window: &mut Window) -> u64 {
        window.evaluate(now(), &[NodeRow::new("node1")]);
        match &window.nodes[0].journal {
            Some(Journal::Read(log)) => log.count(EventKind::DuplicateRejected),
            other => panic!("journal not read: {other:?}"),
        }
    }

    #[test]
    fn a_log_read_from_a_time_before_the_window_is_judged_from_its_first_line() {
        let mut window = Window::new(1, Thresholds::default());
        window.reads_window([true]);
        window.line(0, now(), &rejection(Some(Duration::from_secs(12))));
        assert_eq!(rejections(&mut window), 1);
    }

    #[test]
    fn a_log_not_read_back_to_the_window_start_is_not_judged_until_it_is() {
        let mut window = Window::new(1, Thresholds::default());
        let minute = Thresholds::default().window;
        // A log command without backlog: read from 12 s ago only.
        window.line(0, now(), &rejection(Some(Duration::from_secs(12))));
        window.evaluate(now(), &[NodeRow::new("node1")]);
        match &window.nodes[0].journal {
            None => {}
            other => panic!("judged on 12 s of a 60 s window: {other:?}"),
        }
        // Once the window is all read, the line counts.
        let later = now() + minute - Duration::from_secs(12);
        window.evaluate(later, &[NodeRow::new("node1")]);
        match &window.nodes[0].journal {
            Some(Journal::Read(log)) => assert_eq!(log.count(EventKind::DuplicateRejected), 1),
            other => panic!("journal not read: {other:?}"),
        }
    }

    #[test]
    fn a_line_counts_from_when_it_was_logged_not_from_its_arrival() {
        let mut window = Window::new(1, Thresholds::default());
        let minute = Thresholds::default().window;
        // The backlog a log command prints on start-up: long before the window.
        window.line(0, now(), &rejection(Some(minute * 10)));
        window.line(0, now(), &rejection(Some(minute + Duration::from_secs(1))));
        assert_eq!(rejections(&mut window), 0);
        // Within the window, without a time, or claiming a time to come: counted.
        window.line(0, now(), &rejection(Some(minute / 2)));
        window.line(0, now(), &rejection(None));
        window.line(
            0,
            now() - Duration::from_secs(5),
            &rejection(Some(Duration::ZERO)),
        );
        assert_eq!(rejections(&mut window), 3);
    }

    #[test]
    fn the_kept_journal_follows_new_and_expired_lines() {
        let mut window = Window::new(1, Thresholds::default());
        let minute = Thresholds::default().window;
        // The journal read reaches back past the window.
        window.line(0, now(), &rejection(Some(minute * 2)));
        window.line(0, now(), &rejection(Some(minute - Duration::from_secs(1))));
        assert_eq!(rejections(&mut window), 1);
        assert_eq!(rejections(&mut window), 1, "judged again unchanged");
        window.line(0, now(), &rejection(Some(Duration::ZERO)));
        assert_eq!(rejections(&mut window), 2, "a new line");
        // Two seconds on, the first line has left the window.
        let later = now() + Duration::from_secs(2);
        window.evaluate(later, &[NodeRow::new("node1")]);
        match &window.nodes[0].journal {
            Some(Journal::Read(log)) => assert_eq!(log.count(EventKind::DuplicateRejected), 1),
            other => panic!("journal not read: {other:?}"),
        }
    }
}
