//! The facts a check collects over its window, in the shape the rules read: per
//! node the probes taken at the start, between and at the end, what its journal
//! said (counts per event kind and the first matching lines), and the hash of the
//! block it holds at a height every node has reached.
//!
//! Collecting them (probes, journals, block look-ups) is the caller's job; this
//! module only holds them, so the rules stay pure and the dashboard can feed the
//! same types from its live polls.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::classify::{Classification, EventKind, classify};
use crate::snapshot::NodeSnapshot;

/// Lines kept per node and kind as evidence. Enough to show the pattern (the
/// incident's reset, ACK failure and retry come in threes), few enough that a
/// flood of thousands still gives a readable report; the count says the rest.
pub const SAMPLE_LINES: usize = 3;

/// A kept line is cut to this many characters: a runaway log line must not
/// swamp the report or a Nagios screen.
pub const SAMPLE_LINE_CHARS: usize = 300;

/// Peers whose failed dials are counted apart. Far above any fleet's size; a
/// journal naming more (a scan, a forged log) counts the rest as naming none,
/// so the evidence stays small whatever the journal holds.
pub const MAX_DIALED_PEERS: usize = 256;

/// Where to look when a node's logs command printed nothing while its daemon
/// was busy: the evidence of `check` and the warning of `timectl logs` say it.
pub const EMPTY_JOURNAL_HINT: &str = "check the node's logs command: the unit name \
    (journalctl -u UNIT), that its user may read the journal (group systemd-journal \
    or adm), and the journal namespace (journalctl --namespace)";

/// Everything one check run learned.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CheckFacts {
    /// How many masternodes the fleet should have: every node of the fleet file,
    /// also when only some of them are checked.
    pub fleet_size: usize,
    /// The checked nodes, in fleet-file order.
    pub nodes: Vec<NodeFacts>,
    /// The commit every node must run (`--expect-commit`); `None` compares each
    /// node with its own repo HEAD.
    pub expect_commit: Option<String>,
    /// The height at which the nodes' blocks were compared; `None` when it could
    /// not be chosen (see [`CheckFacts::lowest_end_height`]).
    pub common_height: Option<u64>,
    /// The fleet file's `min_masternodes`: the fewest active masternodes that
    /// still produce blocks, for nodes whose daemon does not report its own.
    #[serde(default)]
    pub min_masternodes: Option<usize>,
}

impl CheckFacts {
    /// The lowest height any node reported in its last probe: a height every
    /// answering node holds a block at, so their blocks there can be compared.
    /// `None` when no node answered its last probe with a height.
    pub fn lowest_end_height(&self) -> Option<u64> {
        self.nodes
            .iter()
            .filter_map(|n| n.last_probe())
            .filter(|s| s.is_reachable())
            .filter_map(|s| s.chain.block_height)
            .min()
    }
}

/// What was learned about one node.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NodeFacts {
    /// The node's name in the fleet file.
    pub name: String,
    /// The fleet file's `host`: the address its peers dial, which names it in
    /// their failed-dial lines. `None` where it is not known.
    #[serde(default)]
    pub host: Option<String>,
    /// Probes in the order taken: the first at the window's start, the last at
    /// its end, any others between.
    pub probes: Vec<NodeSnapshot>,
    /// The node's journal over the window.
    pub journal: Journal,
    /// The hash of the node's block at [`CheckFacts::common_height`], when known.
    pub block_at_common_height: Option<String>,
    /// Why that hash is not known, when it was looked up and the look-up
    /// failed (no answer, an RPC error, no block there): the evidence says so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_unknown_reason: Option<String>,
}

impl NodeFacts {
    /// A node with no probes, an unread journal and no block hash yet.
    pub fn new(name: impl Into<String>) -> Self {
        NodeFacts {
            name: name.into(),
            host: None,
            probes: Vec::new(),
            journal: Journal::Unreadable {
                error: "not read".into(),
            },
            block_at_common_height: None,
            block_unknown_reason: None,
        }
    }

    /// The probe taken at the window's end.
    pub fn last_probe(&self) -> Option<&NodeSnapshot> {
        self.probes.last()
    }
}

/// A node's journal over the window.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Journal {
    /// Read to the window's end and classified.
    Read(LogEvidence),
    /// Could not be read; `error` says why. Every log item of the node is unknown.
    Unreadable { error: String },
}

/// Classified journal lines of one node: how many there were, how many
/// carried each kind, the first few of them, and the failed dials per peer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEvidence {
    #[serde(default)]
    lines: u64,
    counts: BTreeMap<EventKind, u64>,
    samples: BTreeMap<EventKind, Vec<String>>,
    max_attempt: Option<u32>,
    /// `connect_failed` lines per peer address, as the lines name it (lines
    /// naming none, or past [`MAX_DIALED_PEERS`], under the empty string).
    #[serde(default)]
    failed_dials: BTreeMap<String, FailedDials>,
}

/// The failed dials toward one peer address.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedDials {
    pub count: u64,
    /// The first lines, at most [`SAMPLE_LINES`].
    pub samples: Vec<String>,
}

impl LogEvidence {
    /// Adds one line and what the classifier made of it. Lines with no kind
    /// count as lines: they show the journal was read.
    pub fn record(&mut self, line: &str, classification: &Classification) {
        self.lines += 1;
        for kind in classification.kinds.iter() {
            *self.counts.entry(kind).or_default() += 1;
            keep(self.samples.entry(kind).or_default(), line);
        }
        if classification.kinds.contains(EventKind::ConnectFailed) {
            self.max_attempt = self.max_attempt.max(classification.attempt);
            let mut peer = classification.peer.clone().unwrap_or_default();
            if !self.failed_dials.contains_key(&peer) && self.failed_dials.len() >= MAX_DIALED_PEERS
            {
                peer = String::new();
            }
            let dials = self.failed_dials.entry(peer).or_default();
            dials.count += 1;
            keep(&mut dials.samples, line);
        }
    }

    /// How many lines were recorded, with a kind or not.
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// `connect_failed` lines per peer address as the lines name it; the empty
    /// address gathers the lines that name none.
    pub fn failed_dials(&self) -> &BTreeMap<String, FailedDials> {
        &self.failed_dials
    }

    /// How many lines carried `kind`.
    pub fn count(&self, kind: EventKind) -> u64 {
        self.counts.get(&kind).copied().unwrap_or(0)
    }

    /// The first lines that carried `kind`, at most [`SAMPLE_LINES`].
    pub fn samples(&self, kind: EventKind) -> &[String] {
        self.samples.get(&kind).map_or(&[], Vec::as_slice)
    }

    /// The highest dial attempt number a `connect_failed` line gave.
    pub fn max_attempt(&self) -> Option<u32> {
        self.max_attempt
    }
}

/// Keeps `line`, cut to [`SAMPLE_LINE_CHARS`], while `kept` holds fewer than
/// [`SAMPLE_LINES`].
fn keep(kept: &mut Vec<String>, line: &str) {
    if kept.len() < SAMPLE_LINES {
        kept.push(line.trim_end().chars().take(SAMPLE_LINE_CHARS).collect());
    }
}

/// Classifies raw journal lines with the shared classifier, for callers that
/// have not classified them already.
impl<'a> FromIterator<&'a str> for LogEvidence {
    fn from_iter<I: IntoIterator<Item = &'a str>>(lines: I) -> Self {
        let mut log = LogEvidence::default();
        for line in lines {
            log.record(line, &classify(line));
        }
        log
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_counts_every_line_and_keeps_the_first_few() {
        let mut log = LogEvidence::default();
        for attempt in 1..=5 {
            let line = format!(
                "WARN Connection to 10.0.0.1 failed (attempt {attempt}): Handshake ACK failed: Connection reset by peer (os error 104)"
            );
            log.record(&line, &classify(&line));
        }
        log.record("INFO nothing to see", &classify("INFO nothing to see"));
        assert_eq!(log.count(EventKind::ConnectionReset), 5);
        let again: LogEvidence = ["INFO Starting new block round", "INFO idle"]
            .into_iter()
            .collect();
        assert_eq!(again.count(EventKind::BlockRound), 1);
        assert_eq!(log.count(EventKind::ConnectFailed), 5);
        assert_eq!(log.count(EventKind::BlockRound), 0);
        assert_eq!(log.samples(EventKind::ConnectionReset).len(), SAMPLE_LINES);
        assert!(log.samples(EventKind::ConnectionReset)[0].contains("attempt 1"));
        assert_eq!(log.max_attempt(), Some(5));
        assert_eq!(log.lines(), 6);
        assert_eq!(again.lines(), 2);
        let dials = &log.failed_dials()["10.0.0.1"];
        assert_eq!(dials.count, 5);
        assert_eq!(dials.samples.len(), SAMPLE_LINES);
        assert_eq!(log.failed_dials().len(), 1);
    }

    #[test]
    fn failed_dials_to_more_peers_than_kept_count_as_naming_none() {
        let mut log = LogEvidence::default();
        for i in 0..MAX_DIALED_PEERS + 5 {
            let line = format!(
                "WARN Connection to 10.1.{}.{}:24100 failed (attempt 1): refused",
                i / 256,
                i % 256
            );
            log.record(&line, &classify(&line));
        }
        assert_eq!(log.failed_dials().len(), MAX_DIALED_PEERS + 1);
        assert_eq!(log.failed_dials()[""].count, 5);
        assert_eq!(
            log.count(EventKind::ConnectFailed),
            MAX_DIALED_PEERS as u64 + 5
        );
    }

    #[test]
    fn a_kept_line_is_cut_on_a_char_boundary() {
        let mut log = LogEvidence::default();
        let line = format!("Skipping block production {}", "⚠️".repeat(400));
        log.record(&line, &classify(&line));
        let kept = &log.samples(EventKind::ProductionSkipped)[0];
        assert_eq!(kept.chars().count(), SAMPLE_LINE_CHARS);
    }
}
