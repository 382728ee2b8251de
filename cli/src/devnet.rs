//! A local fleet of `timed` daemons on loopback, for trying every command on one
//! machine. The subcommand lives in `cmd/devnet.rs`; these are its parts.
//!
//! # Layout
//! - [`state`]: the record of a devnet in its directory (`devnet.json`).
//! - [`process`]: finding `timed`, starting it detached, and stopping exactly
//!   the recorded processes.
//! - [`fleet_file`]: the `fleet.toml` that points the other commands at it.
//! - [`network_file`]: the `network.toml` its daemons share (their keys, made
//!   with `timed keygen`).
//! - [`start`]: loopback addresses for new daemons, and waiting until one answers.
//! - [`error`]: why one of those steps failed.

pub(crate) mod error;
pub(crate) mod fleet_file;
pub(crate) mod network_file;
pub(crate) mod process;
pub(crate) mod start;
pub(crate) mod state;
