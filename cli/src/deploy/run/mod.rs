//! The deploy itself: connect and lock, preflight every node at once, keep the
//! old binary, stage (pull, build) in parallel, then restart in quorum-sized
//! batches, each node gated on chain health and rolled back when it fails.
//! Locks are released after the last step whatever happened. `--dry-run`'s
//! preview shows the same plan without running it.
//!
//! Correctness: nothing restarts until every node has staged; a node whose
//! restart began is always gated or rolled back before the run ends, Ctrl-C
//! included (cancellation is only looked at between batches).

mod deploy;
mod finish;
mod prepare;
mod preview;
mod rollback;
mod rollout;
mod state;

pub(crate) use deploy::deploy;
pub(crate) use preview::{Preview, preview};
pub(crate) use rollback::rollback;
