//! What the logs engine reports, merged in time order: each kept line, and what
//! happened to a node's stream; or, for a summary of a file, the lines counted.
//! `cmd/logs.rs` renders them as text, JSON lines or a summary.

use std::time::Duration;

use timecoin_shared::classify::EventKind;

use super::record::Record;
use super::tail::Resume;

/// One merged item of a `logs` run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A classified line the filter kept.
    Record(Box<Record>),
    /// Something about a node's stream rather than a line of it, at the moment
    /// it happened (µs since the epoch), which is where it belongs among lines.
    Marker {
        node: String,
        time_us: i64,
        marker: Marker,
    },
    /// Nothing more is ready for now: a live view shows what it has.
    Idle,
    /// A file's kept lines counted per node and kind, once at its end, when
    /// only a summary was asked for ([`Detail::Counts`](super::offline::Detail)).
    Counted(Tally),
}

/// Lines counted per node, in the order nodes were first counted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub nodes: Vec<NodeTally>,
}

/// One node's lines, and of them how many carry each kind.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeTally {
    /// `None` for lines that name no node and have no neighbour that does.
    pub node: Option<String>,
    pub lines: u64,
    /// By [`EventKind::ALL`] order.
    pub kinds: [u64; EventKind::ALL.len()],
}

/// Something to say about a stream rather than a line of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Marker {
    Lost { reason: String, retry_in: Duration },
    Resumed(Resume),
    Failed(String),
}
