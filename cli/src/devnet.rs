//! A local fleet of `timed` daemons on loopback, for trying every command on one
//! machine: the engine behind `timectl devnet` and the demo. Each verb is a
//! library call that prints nothing and returns what it did; `cmd/devnet.rs`
//! parses flags into options and renders the result.
//!
//! # Layout
//! - [`up`]: start a devnet from [`UpOptions`].
//! - [`down`]: stop every recorded daemon.
//! - [`restart`]: restart one daemon with its first flags.
//! - [`status`]: which recorded daemons still run.
//! - `state`: the record of a devnet in its directory (`devnet.json`).
//! - `process`: finding `timed`, starting it detached, and stopping exactly
//!   the recorded processes.
//! - `fleet_file`: the `fleet.toml` that points the other commands at it.
//! - `network_file`: the `network.toml` its daemons share (their keys, made
//!   with `timed keygen`).
//! - `start`: loopback addresses for new daemons, and waiting until one answers.
//! - `error`: why one of those steps failed.

pub(crate) mod down;
pub(crate) mod error;
mod fleet_file;
mod network_file;
pub(crate) mod process;
pub(crate) mod restart;
mod start;
pub(crate) mod state;
pub(crate) mod status;
pub(crate) mod up;

pub use down::down;
pub use error::DevnetError;
pub use restart::restart;
pub use status::{NodeStatus, status};
pub use up::{UpOptions, up};
