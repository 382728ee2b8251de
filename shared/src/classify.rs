//! The log classifier: which event kinds a daemon log line carries, which peer it
//! names, and the numbers in it. Pure (no I/O), shared by `timectl logs`, `check`
//! and the dashboard so they all read a line the same way.
//!
//! It reads our daemon's phrases (DESIGN.md, "Logs") and the incident daemon's
//! wording with its journal prefixes, emoji and `[TAGS]`.
//!
//! # Layout
//! - [`kind`](EventKind): the kinds and a set of them.
//! - `rules`: the phrase table.
//! - [`classifier`](Classifier): runs the table over a line.
//! - [`envelope`](Envelope): splits a line into journal prefix, time, level and message.

mod classifier;
mod envelope;
mod kind;
mod rules;

pub use classifier::{Classification, Classifier, classify};
pub use envelope::{Envelope, parse_rfc3339_us};
pub use kind::{EventKind, KindSet, UnknownKind};
