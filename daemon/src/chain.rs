//! The chain: blocks produced in rounds by a scheduled leader among the active
//! masternodes, validated, chosen between by one fork-choice rule, made final at a
//! fixed depth, stored crash-safe, and synced between nodes.
//!
//! It reaches the network only through the [`Gossip`] trait, so it runs the same
//! on the real P2P layer and on an in-memory bus in simulations.
//!
//! # Layout
//! - [`block`] and [`hash`]: the block, its canonical bytes, hash and signature.
//! - [`schedule`]: the leader of a height and round.
//! - [`forkchoice`]: the branch rule and finality.
//! - [`validate`]: the checks a block must pass.
//! - [`mempool`]: pending transactions.
//! - [`store`]: the redb file.
//! - [`engine`], [`adopt`], [`producer`], [`sync`]: one node's chain and how blocks
//!   reach it.
//! - [`limits`]: every limit in one place.

pub mod adopt;
pub mod block;
pub mod engine;
pub mod forkchoice;
pub mod gossip;
pub mod hash;
pub mod limits;
pub mod mempool;
pub mod producer;
pub mod schedule;
pub mod store;
pub mod sync;
pub mod validate;

pub use block::Block;
pub use engine::{Chain, ChainConfig, ChainInfo, Counters, SubmitError, TxStatus};
pub use gossip::Gossip;
pub use hash::Hash32;
pub use producer::{RoundOutcome, run_rounds, skip_message, unix_millis};
pub use schedule::Schedule;
pub use store::{Store, StoreError};
