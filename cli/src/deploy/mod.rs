//! `timectl deploy` and `timectl rollback`: the engine. It emits typed events and
//! never prints, so a progress bar, plain lines and a JSON stream render one run.
//!
//! # Layout
//! - [`plan`]: the request, its validation, quorum batches and the pull step.
//! - [`run`]: connect, lock, preflight, keep, stage, roll out, release.
//! - [`steps`]: one node's steps as shell scripts over its connection.
//! - [`ship`]: `--build-on`: one node's binary copied to the others, checksum verified.
//! - [`gate`]: the health gate after a restart.
//! - [`event`]: what the engine reports as it goes.
//! - [`report`]: outcome, exit codes, summary rows and the audit record.
//! - [`connected`]: a node with its open connection (the seam to the transports).
//! - [`error`]: why a step failed on a node, with its cause.

pub(crate) mod connected;
pub(crate) mod error;
pub(crate) mod event;
pub(crate) mod gate;
pub(crate) mod plan;
pub(crate) mod report;
pub(crate) mod run;
pub(crate) mod ship;
pub(crate) mod steps;

pub(crate) use plan::Request;
