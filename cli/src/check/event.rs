//! What a check reports while it runs, for a caller that shows progress: which
//! probe round answered, which journal was read or could not be.

use std::time::Duration;

/// The probe rounds of a window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    Start,
    Middle,
    End,
}

impl Phase {
    /// The word used in progress lines.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Phase::Start => "start",
            Phase::Middle => "middle",
            Phase::End => "end",
        }
    }
}

/// One step of a check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// The window opened.
    Started { nodes: usize, window: Duration },
    /// A probe round finished: how many nodes answered it.
    Probed {
        phase: Phase,
        answered: usize,
        of: usize,
    },
    /// A node's journal stream dropped and is being read again.
    JournalLost { node: String, reason: String },
    /// A node's journal for the window was read: how many lines it held.
    JournalRead { node: String, lines: u64 },
    /// A node's journal could not be read; its log items are unknown.
    JournalUnreadable { node: String, reason: String },
    /// The nodes' blocks were compared at this height (`None`: no height known).
    Compared { height: Option<u64> },
}
