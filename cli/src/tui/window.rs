//! The checklist run live: the last window (the fleet's `[check] window`) of
//! every node's probes and classified log lines, turned into the facts
//! `timectl check` collects and judged by the same rules.
//!
//! A node whose log stream is lost has its log items unknown until the stream
//! is back; a node that never answered has no probes, so its items are unknown
//! too: the rules never pass on missing data.

use std::collections::VecDeque;
use std::time::SystemTime;

use timecoin_shared::checklist::{
    CheckFacts, Journal, LogEvidence, NodeFacts, Report, Thresholds, evaluate,
};
use timecoin_shared::classify::Classification;
use timecoin_shared::snapshot::NodeSnapshot;

use super::logview::{LogLine, Stream};
use super::node::{NodeRow, age};

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
    probes: VecDeque<NodeSnapshot>,
    lines: VecDeque<Seen>,
    /// Why the node's log is not being read, while it is not.
    unread: Option<String>,
}

/// The live checklist's inputs.
#[derive(Clone, Debug)]
pub struct Window {
    pub thresholds: Thresholds,
    /// Every node of the fleet file (masternodes expected), even when only some
    /// are watched.
    pub fleet_size: usize,
    nodes: Vec<NodeWindow>,
    /// Something arrived since the last evaluation.
    pub changed: bool,
}

impl Window {
    pub fn new(nodes: usize, thresholds: Thresholds) -> Self {
        Window {
            thresholds,
            fleet_size: nodes,
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

    /// Keeps a probe of the node at `index`.
    pub fn probe(&mut self, index: usize, snapshot: &NodeSnapshot) {
        if let Some(node) = self.nodes.get_mut(index) {
            if node.probes.len() == MAX_PROBES {
                node.probes.pop_front();
            }
            node.probes.push_back(snapshot.clone());
            self.changed = true;
        }
    }

    /// Keeps a log line of the node at `index` (received at `at`) if it carries
    /// a kind, and follows its stream's state.
    pub fn line(&mut self, index: usize, at: SystemTime, line: &LogLine) {
        let Some(node) = self.nodes.get_mut(index) else {
            return;
        };
        match line.marker {
            Some(stream) if stream.reading() => node.unread = None,
            Some(Stream::Lost | Stream::Ended | Stream::Failed) => {
                node.unread = Some(line.text.clone());
            }
            Some(_) => {}
            None => {
                node.unread = None;
                if line.class.kinds.is_empty() {
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
        self.changed = true;
    }

    /// Forgets what is older than the window at `now`, then judges the rest.
    /// `rows` are the dashboard's rows, in the same order, for the tips seen.
    pub fn evaluate(&mut self, now: SystemTime, rows: &[NodeRow]) -> Report {
        let window = self.thresholds.window;
        for node in &mut self.nodes {
            while node.probes.front().is_some_and(|p| age(now, p.at) > window) {
                node.probes.pop_front();
            }
            while node.lines.front().is_some_and(|l| age(now, l.at) > window) {
                node.lines.pop_front();
            }
        }
        let mut facts = CheckFacts {
            fleet_size: self.fleet_size,
            nodes: self
                .nodes
                .iter()
                .zip(rows)
                .map(|(node, row)| NodeFacts {
                    name: row.name.clone(),
                    probes: node.probes.iter().cloned().collect(),
                    journal: journal(node),
                    block_at_common_height: None,
                })
                .collect(),
            expect_commit: None,
            common_height: None,
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
        evaluate(&facts, &self.thresholds)
    }
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
