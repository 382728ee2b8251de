//! Test harness shared by `timectl`'s integration tests (and the `logs` tests):
//! a real sshd on loopback, a private journald, a fleet lab of systemd hosts, kill-on-drop process guards,
//! waiting on conditions.
//!
//! Each test binary compiles this module and uses a part of it.
#![allow(dead_code, unreachable_pub)]

pub mod daemon;
pub mod journald;
pub mod lab;
pub mod sshd;
pub mod timectl;
pub mod timed;
pub mod wait;
