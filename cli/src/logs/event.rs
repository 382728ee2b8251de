//! What the logs engine reports, merged in time order: each kept line, and what
//! happened to a node's stream. `cmd/logs.rs` renders them as text, JSON lines
//! or a summary.

use std::time::Duration;

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
}

/// Something to say about a stream rather than a line of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Marker {
    Lost { reason: String, retry_in: Duration },
    Resumed(Resume),
    Failed(String),
}
