//! The engine of `timectl check`: watches the fleet for one window (probes at its
//! start, middle and end through the connection pool; every node's journal for
//! the window through the logs engine and the shared classifier; the block
//! hash of every node at a common final height), then judges the facts with the
//! shared checklist rules. It emits typed [`Event`]s and never prints: `cmd`
//! chooses the output, and the dashboard can drive the same engine.
//!
//! # Layout
//! - `event`: what the engine reports while it runs.
//! - `journal`: every node's journal over the window, classified.
//! - `run`: one window, start to verdict.
//! - `changes`: what differs between two reports (`--watch`).

mod changes;
mod event;
mod journal;
mod run;

pub(crate) use changes::{Change, changes};
pub(crate) use event::Event;
pub(crate) use run::{Outcome, Plan, run};
