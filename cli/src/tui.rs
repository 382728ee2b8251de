//! `timectl tui` and `timectl demo`: the live fleet dashboard.
//!
//! State, update and drawing are kept apart (the Elm shape): pollers send
//! [`Msg`]s, [`update`] applies them to the plain-data [`App`] synchronously, and
//! [`draw`] reads the state only. The runtime redraws when the state changed or
//! a key was pressed, never on a blind timer, and a slow node only delays its own
//! messages.
//!
//! # Layout
//! - `app`: the state: per-node rows, the log ring, focus, selection, modes.
//! - `node`: one node's row: last snapshot, its age, height history, recent blocks.
//! - `links`: the N x N link matrix derived from every node's `/peers`.
//! - `logview`: the bounded log ring, its filter, pause and cursor.
//! - `msg`: messages and keys.
//! - `update`: the state transitions.
//! - `window`: the live checklist: the last window of probes and lines, judged.
//! - `ui`: drawing, one file per pane, colours in `ui/theme`.
//! - `demo`: `timectl demo`'s devnet and its stop, kill and restart keys.
//! - `runtime`: pollers, the event loop, the terminal, and the plain-text mode
//!   used when stdout is not a terminal.

mod app;
pub(crate) mod demo;
mod links;
mod logview;
mod msg;
mod node;
pub(crate) mod runtime;
mod ui;
mod update;
mod window;

pub use app::App;
pub use logview::LogLine;
pub(crate) use logview::Stream;
pub(crate) use msg::LockRead;
pub use msg::Msg;
pub(crate) use msg::{Command, DemoAction, Key};
pub use ui::draw;
pub(crate) use update::Redraw;
pub use update::update;
pub(crate) use window::Window;

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod snapshots;
