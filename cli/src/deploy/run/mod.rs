//! The deploy itself: connect, then one pipeline per node through lock,
//! preflight, keep the old binary, pull and build (or ship), each node's next
//! step begun as soon as its last one ended; then, once every node has staged,
//! restart in quorum-sized batches, each node gated on chain health and rolled
//! back when it fails.
//! Locks are released after the last step whatever happened. `--dry-run`'s
//! preview shows the same plan without running it.
//!
//! Correctness: nothing restarts until every node has staged; a failure on any
//! node while staging (its lock, preflight, keep, pull, build or ship) stops
//! every node's pipeline before its next step, restarts none, puts back the
//! files of every node whose pull began, and releases every lock taken. Ctrl-C
//! while staging does the same (a pull or build already running ends first).
//! A node whose restart began is always gated or rolled back before the run
//! ends, Ctrl-C included (during the rollout, cancellation is only looked at
//! between batches).

mod deploy;
mod finish;
mod pipeline;
mod prepare;
mod preview;
mod rollback;
mod rollout;
mod state;

pub(crate) use deploy::deploy;
pub(crate) use preview::{Preview, preview};
pub(crate) use rollback::rollback;
