//! The fleet file (`fleet.toml`): its schema as serde types, and parsing that turns
//! a text into a resolved [`Fleet`] or one error naming the line and the key.
//!
//! Pure: text in, value out. Finding the file and reading it is the CLI's job.
//! Scripts and tests write these files, so key names are a contract (DESIGN.md,
//! "Fleet file"); additions only.
//!
//! Parsing walks the spanned TOML document first, so that an unknown key, a
//! duplicate node or a missing host is reported at its own line with the node it
//! belongs to, then lets serde type each table.
//!
//! # Layout
//! - `schema`: the file's tables as serde types, and the resolved [`Fleet`] and [`Node`].
//! - `parse`: the walk over the spanned document, and [`FleetError`].
//! - `check`: the `[check]` table (the checklist's thresholds and per-node overrides).
//! - `api`: which daemon API a node speaks, its RPC credentials and TLS trust.

mod api;
mod check;
mod parse;
mod schema;
#[cfg(test)]
mod tests;

pub use api::{DaemonApi, RpcAuth, TlsTrust, parse_fingerprint};
pub use parse::{FleetError, parse};
pub use schema::{
    COMMAND_KEYS, CommandTable, Commands, DEFAULT_BINARY, Fleet, FleetSection, NODE_KEYS, Node,
    NodeTable, RpcAccess, Transport,
};
