//! What changes the dashboard's state: keys, poll results, log lines, the clock,
//! and what the state asks the runtime to do in return.

use std::time::SystemTime;

use timecoin_shared::snapshot::NodeSnapshot;

use super::logview::LogLine;
use crate::lock::LockState;

/// A key press, in the dashboard's own terms (the runtime maps the terminal's
/// events onto these, so `update` and its tests never see a terminal type).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    Char(char),
    /// A letter with Ctrl held.
    Ctrl(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
    Backspace,
}

/// One thing that happened.
#[derive(Clone, Debug)]
pub enum Msg {
    Key(Key),
    /// The terminal changed size: nothing to update, everything to redraw.
    Resize,
    /// The wall clock moved on: ages and staleness are computed against it.
    Tick(SystemTime),
    /// A probe of one node finished (answered or not).
    Snapshot(Box<NodeSnapshot>),
    /// A read of one node's deploy lock finished (answered or not).
    Lock(Box<LockRead>),
    /// A classified log line, or a marker about a node's stream.
    Log(Box<LogLine>),
    /// What became of a demo action, for the status line.
    Notice(String),
}

/// One read of a node's deploy lock.
#[derive(Clone, Debug)]
pub struct LockRead {
    pub node: String,
    /// The lock, or why it could not be read.
    pub lock: Result<LockState, String>,
}

/// A demo-mode action on one devnet node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DemoAction {
    /// SIGTERM: the daemon shuts down cleanly.
    Stop,
    /// SIGKILL: a crash.
    Kill,
    /// Start it again with the flags it was started with.
    Restart,
}

impl DemoAction {
    /// The verb shown in the status line.
    pub fn verb(self) -> &'static str {
        match self {
            DemoAction::Stop => "stop",
            DemoAction::Kill => "kill",
            DemoAction::Restart => "restart",
        }
    }
}

/// What `update` asks the runtime to do (the state itself never does I/O).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    Quit,
    Demo { node: String, action: DemoAction },
}
