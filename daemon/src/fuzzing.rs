//! Harnesses for coverage-guided fuzzing, one per piece of the daemon that reads
//! what a peer sends: the channel, the frame decoder, message parsing (with the chain's block
//! and transaction payloads), the handshake state machine, and block validation.
//! The `fuzz/` crate's targets are one-line calls to these, and its replay test
//! runs the committed corpus and every past crash through them in the ordinary
//! test run. Compiled only with the `fuzzing` feature: the daemon's interface
//! stays as narrow as without it.
//!
//! Each harness takes any bytes, never panics on them, and asserts what must
//! hold for every input (a decoded message re-encodes to itself, an accepted
//! block is signed by its round's proposer...): a failed assertion is a finding.
//! Each also gives the seed inputs the committed corpus is made from.
//!
//! # Layout
//! - `input`: reading structured choices out of the fuzzer's bytes.
//! - `frame`: the length-delimited decoder, fed in reads of any size.
//! - `message`: JSON messages and the chain payloads they carry.
//! - `handshake`: both ends of the handshake against a peer sending any bytes.
//! - `block`: `check_block` on blocks signed by the network's own keys.
//! - `channel`: the encrypted channel's opening and records, against a relay
//!   that changes them.

mod block;
mod channel;
mod frame;
mod handshake;
mod input;
mod message;

pub use block::{block_seeds, block_validation};
pub use channel::{channel, channel_seeds};
pub use frame::{frame_decoder, frame_seeds};
pub use handshake::{handshake, handshake_seeds};
pub use message::{message, message_seeds};
