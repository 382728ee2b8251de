//! The engine of `timectl logs`: reading journal or text lines and classifying
//! them (with `timecoin_shared::classify`), tailing each node's stream through
//! losses, and merging the streams in time order into [`Event`]s. It never
//! prints: `cmd/logs.rs` renders the events as text, JSON lines or a summary.
//!
//! # Layout
//! - `record`: a classified line ([`record::Record`]), the JSON contract shape.
//! - `filter`: `--events` and `--grep`.
//! - `command`: the node's log command adjusted for follow, since, cursor.
//! - `tail`: one node's stream with loss, backoff and resume.
//! - `source`: the fleet's transports as the streams' source.
//! - `reorder`: the time-ordered merge buffer.
//! - `run`: [`follow`], every node at once, merged.
//! - `offline`: `--from-file`.
//! - `event`: what the engine emits.
//!
//! Its timings and limits are in [`crate::constants`].

pub(crate) mod command;
pub(crate) mod event;
pub(crate) mod filter;
pub(crate) mod lines;
pub(crate) mod offline;
pub(crate) mod record;
pub(crate) mod reorder;
pub(crate) mod run;
pub(crate) mod source;
pub(crate) mod tail;

pub(crate) use event::{Event, Marker, Tally};
pub use run::{NodeLogs, Options, follow};
pub(crate) use run::{Outcome, Since};
