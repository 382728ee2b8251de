//! The deploy lock on each node: a directory made atomically with `mkdir` in the
//! node's git dir, holding who took it (user, controller host, pid), when, for
//! which target and why, with a TTL that a heartbeat keeps fresh. `deploy` takes
//! it on every node before touching any; `timectl lock` takes it by hand for a
//! maintenance window.
//!
//! It lives in `$(git rev-parse --absolute-git-dir)/timectl/` so that it is per
//! node even when several nodes share a machine (devnets, tests), and never shows
//! in `git status`.
//!
//! # Layout
//! - [`holder`]: who holds a lock, its deploy's phase, and what a node said about its lock.
//! - [`script`]: the one shell script that does every lock action on the node.
//! - [`ops`]: the actions over a node's transport, and the heartbeat task.
//! - [`all`]: the lock on every node or none.
//! - [`manual`]: each node's lock, and releasing a maintenance lock by hand.

pub(crate) mod all;
pub(crate) mod holder;
pub(crate) mod manual;
pub(crate) mod ops;
pub(crate) mod script;

pub(crate) use all::{Progress, Taken, acquire_all};
pub(crate) use holder::{Holder, LockState, Phase, TakenBy};
pub(crate) use ops::{Heartbeat, LockError, Takeover, release};
