//! The chain: final blocks only, each appended with the commit certificate a
//! quorum of masternodes signed for it (decided by `crate::consensus`, whose
//! round proposer builds the block here, or checked on sync), stored
//! crash-safe with those certificates, and synced between nodes.
//!
//! It reaches the network only through the [`Gossip`] trait, so it runs the same
//! on the real P2P layer and on an in-memory bus in simulations.
//!
//! # Layout
//! - [`block`] and [`hash`]: the block, its canonical bytes, hash and signature.
//! - [`tx`] and [`canonical`]: transactions held as their canonical text, which
//!   is written while they are decoded, within their limits.
//! - [`schedule`]: the proposer of a height and round.
//! - [`certified`]: a block with its certificate, and the certificate check.
//! - [`validate`]: the checks a block must pass.
//! - [`mempool`]: pending transactions, bounded in bytes; `tx_rate`: the per-peer
//!   budget for gossiped ones.
//! - [`store`]: the redb file.
//! - [`engine`], [`adopt`], [`decided`], [`sync`]: one node's chain and how blocks
//!   reach it (`decided`: what the consensus engine asks of it).
//! - [`limits`]: every limit in one place.

pub(crate) mod adopt;
pub(crate) mod block;
pub(crate) mod canonical;
pub(crate) mod certified;
pub(crate) mod decided;
pub(crate) mod engine;
pub(crate) mod gossip;
pub(crate) mod hash;
pub(crate) mod limits;
pub(crate) mod mempool;
pub(crate) mod schedule;
pub(crate) mod store;
pub(crate) mod sync;
pub(crate) mod tx;
mod tx_rate;
pub(crate) mod validate;

pub use engine::{Chain, ChainConfig, TxStatus};
pub(crate) use engine::{MempoolLimits, SubmitError};
pub use gossip::Gossip;
pub use schedule::Schedule;
pub use store::Store;
pub(crate) use store::StoreError;
pub use sync::run_ticks;
