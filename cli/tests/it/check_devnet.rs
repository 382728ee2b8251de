//! `timectl check` on real devnets: a healthy fleet passes every item and its
//! reports are well formed (JSON contract, JUnit XML, a Nagios line under a
//! comma-decimal locale); stopped nodes, the incident's journal lines, an
//! unreachable RPC, a node from another commit and two pairs on different
//! chains each give the verdict and
//! the exit code they should, with evidence naming the node; `--watch` prints a
//! node going down and back.
//!
//! # Layout
//! - `setup`: the devnet, the items, and `check` run against the built commit.
//! - `reports`: a healthy fleet, its JSON, JUnit and Nagios reports, bad input.
//! - `failures`: each broken fleet and the verdict and exit code it gets.
//! - `watch`: `--watch` following a node down and back.
//! - `remote_work`: what `check` runs on the nodes (one HEAD read per node).

mod failures;
mod remote_work;
mod reports;
pub(crate) mod setup;
mod watch;
