//! `timed`, the Timecoin masternode daemon, as a library so tests and benches can
//! run nodes in-process.
//!
//! # Layout
//! - [`chain`]: blocks, their production, validation, storage and sync.
//! - [`net`]: peer connections: framing, handshake, the connection manager and its
//!   collision rule.

pub mod chain;
pub mod net;
