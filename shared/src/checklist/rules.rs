//! The eleven checklist items of DESIGN.md ("The monitoring checklist"), one module
//! per concern, each a pure function from facts and thresholds to a verdict.
//!
//! # Layout
//! - `rule`: an item's id and title, and the tally a rule fills.
//! - `inputs`: a node's fields, journal, or why they are missing.
//! - `resets`, `masternodes`, `peers`, `production`, `heights`, `backoff`,
//!   `handshakes`: the written checklist, items 1 to 7.
//! - `links`, `commits`, `chain`: items 8 to 10 (pairs, builds, forks).
//! - `equivocations`: item 11, masternodes signing conflicting messages.

mod backoff;
mod chain;
mod commits;
mod equivocations;
mod handshakes;
mod heights;
mod inputs;
mod links;
mod masternodes;
mod peers;
mod production;
mod resets;
mod rule;

pub(crate) use backoff::counted_dials;
pub use commits::{same_commit, short_commit};
pub(crate) use equivocations::caught_in_window;
pub(crate) use inputs::judged_count;
pub use rule::Item;
pub(crate) use rule::Rule;

/// Every rule, in checklist order (the order of every output).
pub(crate) const RULES: [Rule; 11] = [
    resets::RULE,
    masternodes::RULE,
    peers::RULE,
    production::RULE,
    heights::RULE,
    backoff::RULE,
    handshakes::RULE,
    links::RULE,
    commits::RULE,
    chain::RULE,
    equivocations::RULE,
];
