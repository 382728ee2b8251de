//! The chaos run's invariant checker: pure rules fed with observations
//! (`sample.rs`) and journal lines, so each can be tested on recorded failures.
//!
//! # Layout
//! - [`safety`]: no two final blocks at one height, checked on every sample.
//! - [`liveness`]: the final height grows while a quorum is connected.
//! - [`converge`]: one link per pair with both ends agreeing, heights agree.
//! - [`journal`]: nodes left in backoff, stores that fail, skipped rounds.
//! - [`minority`]: blocks made on a side of a partition below the quorum (a finding).
//! - [`verdict`]: every invariant's verdict from what the run found.

pub(crate) mod converge;
#[cfg(test)]
pub(crate) mod fixture;
pub(crate) mod journal;
pub(crate) mod liveness;
pub(crate) mod minority;
pub(crate) mod safety;
pub(crate) mod verdict;
