//! `cargo xtask chaos`: real `timed` daemons under systemd on lab hosts, put
//! through partitions, loss, kills, restarts, stops, clock steps and an
//! operator's deploy and rollback from a seeded schedule, with an invariant
//! checker watching throughout and a report at the end.
//!
//! # Layout
//! - [`args`]: the command line.
//! - [`plan`]: the seeded fault schedule (pure).
//! - [`sample`]: what one look at the fleet holds, and what "final" means.
//! - [`invariant`]: the checker's rules (pure).
//! - [`report`]: JSON, text table and SVG timeline (pure).
//! - [`cluster`]: the hosts, the daemons and the deploy's two commits.
//! - [`observe`]: reading each node's RPC and journal.
//! - [`inject`]: putting faults on and off.
//! - [`run`]: the run itself.

mod args;
mod cluster;
mod inject;
mod invariant;
mod observe;
mod plan;
mod report;
mod run;
mod sample;

pub(crate) use args::main;
