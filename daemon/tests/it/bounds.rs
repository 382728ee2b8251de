//! Issue 22's bounds, each attack against real `timed` processes on loopback by
//! a client in test code:
//! - a handshake whose network name holds a newline and a forged log line
//!   writes no line of its own into the node's log (`forged_log.rs`).

mod forged_log;

use std::time::Duration;

/// Generous bound for anything that takes a few seconds on a busy box.
const WITHIN: Duration = Duration::from_secs(60);
