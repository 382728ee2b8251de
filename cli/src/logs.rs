//! The parts of `timectl logs`: reading journal or text lines and classifying them
//! (with `timecoin_shared::classify`), following each node's stream through
//! losses, merging the streams in time order, and printing or counting.
//!
//! # Layout
//! - `record`: a classified line ([`record::Record`]), the JSON contract shape.
//! - `filter`: `--events` and `--grep`.
//! - `command`: the node's log command adjusted for follow, since, cursor.
//! - `follow`: one node's stream with loss, backoff and resume.
//! - `source`: the fleet's transports as the streams' source.
//! - `reorder`: the time-ordered merge buffer.
//! - `run`: all nodes at once into a sink.
//! - `offline`: `--from-file`.
//! - `render`, `sink`, `summary`: text, JSON lines, the summary table.
//!
//! Its timings and limits are in [`crate::constants`].

pub(crate) mod command;
pub(crate) mod filter;
pub(crate) mod follow;
pub(crate) mod offline;
pub(crate) mod record;
pub(crate) mod render;
pub(crate) mod reorder;
pub(crate) mod run;
pub(crate) mod sink;
pub(crate) mod source;
pub(crate) mod summary;
