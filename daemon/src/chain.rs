//! The chain: blocks produced in rounds by a scheduled leader among the active
//! masternodes, validated, chosen between by one fork-choice rule while not
//! final, made final only by a quorum's commit certificate (decided by
//! `crate::consensus`, or checked on sync), stored crash-safe with those
//! certificates, and synced between nodes.
//!
//! It reaches the network only through the [`Gossip`] trait, so it runs the same
//! on the real P2P layer and on an in-memory bus in simulations.
//!
//! # Layout
//! - [`block`] and [`hash`]: the block, its canonical bytes, hash and signature.
//! - [`tx`] and [`canonical`]: transactions held as their canonical text, which
//!   is written while they are decoded, within their limits.
//! - [`schedule`]: the leader of a height and round.
//! - [`forkchoice`]: the rule between non-final branches.
//! - [`certified`]: a block with its certificate, and the certificate check.
//! - [`validate`]: the checks a block must pass.
//! - [`mempool`]: pending transactions, bounded in bytes; `tx_rate`: the per-peer
//!   budget for gossiped ones.
//! - [`store`]: the redb file.
//! - [`engine`], [`adopt`], [`producer`], [`sync`]: one node's chain and how blocks
//!   reach it.
//! - [`limits`]: every limit in one place.

pub(crate) mod adopt;
pub(crate) mod block;
pub(crate) mod canonical;
pub(crate) mod certified;
pub(crate) mod decided;
pub(crate) mod engine;
pub(crate) mod forkchoice;
pub(crate) mod gossip;
pub(crate) mod hash;
pub(crate) mod limits;
pub(crate) mod mempool;
pub(crate) mod producer;
pub(crate) mod schedule;
pub(crate) mod store;
pub(crate) mod sync;
pub(crate) mod tx;
mod tx_rate;
pub(crate) mod validate;

pub use engine::{Chain, ChainConfig, TxStatus};
pub(crate) use engine::{MempoolLimits, SubmitError};
pub use gossip::Gossip;
pub use producer::{run_rounds, unix_millis};
pub use schedule::Schedule;
pub use store::Store;
pub(crate) use store::StoreError;
