//! Issue 22's bounds, each attack against real `timed` processes on loopback by
//! a client in test code:
//! - strangers squatting every handshake slot they can, plus a connect flood,
//!   do not keep a restarted masternode from linking to all its peers
//!   (`squat.rs`);
//! - a handshake whose network name holds a newline and a forged log line
//!   writes no line of its own into the node's log (`forged_log.rs`);
//! - 2000 connections from one address that never finish their headers leave
//!   `/health` answering within a second, and are all closed (`siege.rs`);
//! - `/metrics` counts dropped frames and events, decode and auth failures and
//!   disconnects by reason, each provoked first (`dropped_work.rs`);
//! - four stranger links flooding the mempool leave at most 1 % of clients'
//!   `POST /tx` refused (`mempool_flood.rs`).

mod dropped_work;
mod forged_log;
mod mempool_flood;
mod siege;
mod squat;

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

/// Generous bound for anything that takes a few seconds on a busy box.
const WITHIN: Duration = Duration::from_secs(60);

/// A loopback source address of this module's strangers: 127.0.22.`last`.
fn stranger(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 22, last))
}
