//! Finality in `timed`: the Tendermint driver of `timecoin-consensus` run over
//! the blocks the chain produces, so that a block is final exactly when a
//! quorum of the network definition's masternodes signed a precommit for it,
//! and that proof (its commit certificate) is stored and served beside it.
//!
//! # What runs where
//! The chain (`crate::chain`) still produces blocks in leader rounds and picks
//! between non-final branches by its fork-choice rule; it never makes a block
//! final by itself. This engine decides, height by height from the final
//! height + 1, which block is final there: the round's proposer proposes the
//! block its chain holds at that height on the final tip, every node checks
//! that block against its own final chain, and Algorithm 1's prevotes and
//! precommits decide it. On a decision the chain stores the block and the
//! certificate in one transaction, replacing whatever non-final block it held
//! at that height. A node that is not a masternode runs the same driver without
//! a key: it decides on the quorum of precommits it hears, or takes certified
//! blocks from sync.
//!
//! # Safety: no two nodes hold different final blocks at one height
//! Assume at most f = N - quorum of the N masternodes are faulty (quorum =
//! floor(2N/3)+1). The crate's doc proves that no two quorums of precommits for
//! different blocks exist at one height if every honest masternode signs at
//! most one vote per height, round and kind and follows its lock. The daemon
//! keeps its side of that proof as follows:
//! 1. **Persisted before signing.** Before a proposal or vote leaves this
//!    node, the engine checks it against its [`SafetyRecord`]
//!    (`may_propose` / `may_sign`), writes the record that includes it
//!    (height, round, lock, valid value, the proposal and the votes signed at
//!    that height, and the votes that prove them) to the chain store in a
//!    committed, durable redb transaction, and only then signs it. A failed
//!    write means no signature. On start the engine resumes from that record
//!    when it is for the height after the final one, so a crash at any point
//!    never makes it sign a second, different vote for a height, round and
//!    kind, nor forget its lock.
//! 2. **Final means certified.** The only way a block becomes final is
//!    `Chain::decide` or a sync batch, and both carry a certificate that
//!    `timecoin_consensus::verify` accepted against the network definition's
//!    masternode keys and hash: a quorum of distinct masternodes' precommits for
//!    exactly this block's hash at its height and one round. The final height
//!    is the top of the run of certified blocks in the store; nothing else
//!    (depth, a peer's announced height, a longer branch) raises it.
//! 3. **Final blocks are never replaced.** The chain refuses any branch that
//!    forks at or below its final height, certificate or not, and a certified
//!    batch must start right above it and link to the final tip.
//!
//! **Why a node with an empty data dir cannot be made to finalize a branch
//! without a certificate.** Its final height starts at 0 and rises only by 2.:
//! whatever blocks it is offered, by anyone, however many and however long,
//! are at most non-final blocks until a certificate for each comes with it.
//! A certificate needs a quorum of masternode signatures over the definition's
//! hash, so one masternode key (or f of them) cannot make one; and since two
//! certificates for different blocks at one height would need an honest
//! masternode to sign both (quorum intersection), the first certified block it
//! sees at a height is the one every honest node holds there.
//!
//! # Liveness
//! The crate proves Algorithm 1 live after GST given gossip: the engine
//! re-sends what it acted on when it has not moved for a propose timeout
//! (`Driver::rebroadcast`), timeouts grow with the round, and a proposer
//! without a block at the height yet lets the round time out to the next
//! proposer. Production never waits on a peer's claim.
//!
//! # Layout
//! - `messages`: the proposal (with its block) and the vote as they travel in
//!   `Message::Consensus`.
//! - `params`: the validator set, definition hash and timeouts from the
//!   network definition.
//! - `engine`: the thread that owns the driver, the record and the timers.

mod engine;
// Reached from outside only through `testing` (see lib.rs).
#[cfg_attr(not(feature = "testing"), allow(unreachable_pub))]
pub(crate) mod messages;
mod params;

pub(crate) use engine::{Handle, start};
pub(crate) use params::certifier;
