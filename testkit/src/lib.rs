//! Test support for the workspace's integration tests, written once: the daemon's
//! tests and `timectl`'s use the same guards and fixtures.
//!
//! Everything here panics on failure with a message saying what to install or
//! what did not happen: a fixture that cannot start fails the test, it never
//! skips it silently.
//!
//! # Layout
//! - [`net`]: random loopback addresses and free ports, so runs never collide.
//! - [`figures`]: figures a benchmark measured, for `cargo xtask bench`'s report.
//! - [`wait`]: [`wait_until`], polling a condition under a deadline (no sleeps as
//!   synchronisation), and its blocking twin.
//! - [`process`]: a kill-on-drop guard and a look at the process table.
//! - [`siege`]: half-sent HTTP requests and a `/health` probe timed through them.
//! - [`timed`]: a real `timed` process on loopback, killed on drop.
//! - [`sshd`]: a real OpenSSH server on 127.0.0.1-4 with throwaway keys.
//! - [`devnet`]: a `timectl devnet` brought up and down around a test or benchmark.
//! - [`journald`]: a private journald in a namespace of its own.
//! - [`lab`]: real systemd hosts (`systemd-nspawn`) on a private bridge, for end-to-end runs.
//! - [`lab_timed`]: the network file and service unit of `timed` on lab hosts.

pub mod devnet;
pub mod figures;
pub mod journald;
pub mod lab;
pub mod lab_timed;
pub mod net;
pub mod process;
pub mod siege;
pub mod sshd;
pub mod timed;
pub mod wait;

pub use wait::{wait_until, wait_until_blocking};
