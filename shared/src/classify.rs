//! The log classifier: which event kinds a daemon log line carries, which peer it
//! names, and the numbers in it. Pure (no I/O), shared by `timectl logs`, `check`
//! and the dashboard so they all read a line the same way.
//!
//! It reads our daemon's phrases (DESIGN.md, "Logs"), the incident daemon's
//! wording with its journal prefixes, emoji and `[TAGS]`, and the upstream
//! `time-masternode` daemon as it logs today (colours, `debug.log` lines).
//!
//! # Layout
//! - [`kind`](EventKind): the kinds and a set of them.
//! - `rules`: the phrase table.
//! - `prefilter`: the words each rule needs, read from its regex.
//! - [`classifier`](Classifier): runs the table over a line.
//! - [`envelope`](Envelope): splits a line into journal prefix, time, level and message.
//! - [`entry`](LogEntry): reads an input line, `journalctl -o json` or plain text.
//! - [`yearless`](YearlessTime): a syslog time, placed in a year by the caller's clock.

mod classifier;
mod cover;
mod entry;
mod envelope;
mod kind;
mod prefilter;
mod rules;
mod stamp;
mod veto;
mod yearless;

pub use classifier::{Classification, Classifier, classify};
pub use entry::{LogEntry, Read};
pub use envelope::{Envelope, strip_ansi};
pub use kind::{EventKind, KindSet, UnknownKind};
pub use stamp::{Stamp, parse_rfc3339_us};
pub use yearless::YearlessTime;
