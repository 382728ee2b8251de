//! The encrypted, authenticated channel every connection runs in (issue 22:
//! a relay at an address both nodes dial used to pass their handshakes through,
//! win the tie-break and then inject whatever it liked).
//!
//! Right after TCP connect, before any frame, the two ends run a Noise
//! handshake (`Noise_NN_25519_ChaChaPoly_BLAKE2s`: fresh ephemeral keys on both
//! sides, no static keys; `noise.rs`). Every byte after it, the Hello exchange
//! included, travels in Noise transport records (`record.rs`), each sealed under
//! the session's keys with an implicit, rising nonce: a record injected,
//! replayed, reordered or cut fails to open and ends the link.
//!
//! The ephemeral exchange alone proves nothing about who is at the other end;
//! the identity proofs do, because each signs the Noise handshake hash (see
//! `auth.rs`). A relay that terminates a session with each node holds two
//! different hashes, so neither node's proof verifies at the other: it can
//! drop traffic, never read, inject, reorder or splice it.

mod noise;
mod record;

pub(crate) use noise::refusal;
pub use noise::{ChannelError, accept, dial};
pub use record::Secure;
pub(crate) use record::is_forged;
