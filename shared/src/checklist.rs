//! The monitoring checklist as pure functions: facts collected over a window in,
//! one verdict per item out. `timectl check` and the dashboard run the same rules.
//! Missing data is [`Status::Unknown`], never [`Status::Pass`].
//!
//! # Layout
//! - [`verdict`](Report): statuses, item verdicts and the whole report.
//! - [`facts`](CheckFacts): what a check collects per node over its window.
//! - [`thresholds`](Thresholds): the limits, their defaults and the fleet file's `[check]`.
//! - `rules`: the eleven items, one module per concern.
//! - [`evaluate`]: every rule over one set of facts.
//! - [`measures`]: the numbers behind the items, for perfdata and gauges.

mod evaluate;
mod facts;
#[cfg(test)]
mod fixture;
mod measures;
#[cfg(test)]
mod properties;
#[cfg(test)]
mod properties_fleets;
mod rules;
mod thresholds;
mod verdict;

pub use evaluate::{evaluate, items};
pub use facts::{
    CheckFacts, EMPTY_JOURNAL_HINT, FailedDials, Journal, LogEvidence, MAX_DIALED_PEERS, NodeFacts,
    SAMPLE_LINE_CHARS, SAMPLE_LINES,
};
pub use measures::{Measure, measures};
pub use rules::{Item, same_commit, short_commit};
pub use thresholds::{
    CHECK_KEYS, CHECK_NODE_KEYS, CheckNodeTable, CheckTable, DEFAULT_BACKOFF_SPAM,
    DEFAULT_HEIGHT_SPREAD, DEFAULT_STALE_BLOCK_AGE, DEFAULT_WINDOW, NodeLimits, ThresholdError,
    Thresholds,
};
pub use verdict::{ItemVerdict, NodeStatus, Report, Status};
