//! Types that `timed` and `timectl` must agree on, with no I/O runtime in them.
//!
//! # Layout
//! - [`wire`]: the P2P frame payloads (`Handshake`, `Ack`, `Disconnect`, ...) and
//!   the identifiers they carry.
//! - [`rpc`]: the JSON bodies of the daemon's HTTP RPC, which operators and
//!   `timectl` read.
//! - [`classify`]: the log classifier (event kinds, peer, numbers of a line).
//! - [`fleet`]: the fleet file's schema, and parsing it into resolved nodes.
//! - [`snapshot`]: what `timectl` learned about one node, whatever its daemon API.
//! - [`checklist`]: the monitoring checklist's rules and verdicts.
//!
//! Everything here is a contract: renaming a field breaks deployed nodes or the
//! scripts that read them, so changes are additive.

pub mod checklist;
pub mod classify;
pub mod fleet;
pub mod rpc;
pub mod snapshot;
pub mod wire;
