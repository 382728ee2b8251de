//! Production and finality in `timed`: the Tendermint driver of
//! `timecoin-consensus` decides, height by height, which block the chain
//! appends, so that a block is in the chain exactly when a quorum of the
//! network definition's masternodes signed a precommit for it, and that proof
//! (its commit certificate) is stored and served beside it.
//!
//! # What runs where
//! When the driver asks for a value (`Output::GetValue`: this masternode is
//! the round's proposer and holds no valid value from an earlier round), the
//! chain builds a block on its final tip from the mempool, signed by this
//! node and naming the round (`Chain::build_proposal`); the engine proposes
//! it. Every node checks a proposed block against its own final chain
//! (`Chain::check_proposed`), and Algorithm 1's prevotes and precommits decide
//! it. On a decision the chain appends the block with its certificate in one
//! transaction (`Chain::decide`); it holds nothing else, so its tip is its
//! final tip. One block interval after a decision, the engine starts the next
//! height: that pause is the pacing of production. A node that is not a
//! masternode runs the same driver without a key: it decides on the quorum of
//! precommits it hears, or takes certified blocks from sync.
//!
//! Before each round's proposal, every masternode checks it links to enough
//! masternodes (`Chain::round_gate`): `min_masternodes`, and a quorum, since
//! with fewer nothing can be decided. Short of that it logs the contract line
//! `Skipping block production: only N masternodes active (minimum M
//! required)` (again while the round is stuck), and a proposer proposes
//! nothing; otherwise it logs `Starting new block round`.
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
//! 2. **Final means certified.** The only way a block enters the chain is
//!    `Chain::decide` or a sync batch, and both carry a certificate that
//!    `timecoin_consensus::verify` accepted against the network definition's
//!    masternode keys and hash: a quorum of distinct masternodes' precommits for
//!    exactly this block's hash at its height and one round. The final height
//!    is the store's tip; nothing else (depth, a peer's announced height, a
//!    longer branch) raises it.
//! 3. **Final blocks are never replaced.** The chain only appends: a block
//!    that differs from one it holds is refused, certificate or not, and a
//!    certified batch must link to the final tip.
//!
//! **Why a node with an empty data dir cannot be made to finalize a branch
//! without a certificate.** Its final height starts at 0 and rises only by 2.:
//! whatever blocks it is offered, by anyone, however many and however long,
//! are not taken until a certificate for each comes with it.
//! A certificate needs a quorum of masternode signatures over the definition's
//! hash, so one masternode key (or f of them) cannot make one; and since two
//! certificates for different blocks at one height would need an honest
//! masternode to sign both (quorum intersection), the first certified block it
//! sees at a height is the one every honest node holds there.
//!
//! # Liveness
//! The crate proves Algorithm 1 live after GST given gossip: the engine
//! re-sends what it acted on when it has not moved for a propose timeout
//! (`Driver::rebroadcast`), timeouts grow with the round, and a proposer that
//! is down, skips, or lost the block of its earlier proposal in a restart (the
//! block is kept in memory only; its record still forbids proposing another)
//! lets the round time out to the next proposer. With at most f masternodes
//! down, at most one round in N waits for a timeout. Production never waits
//! on a peer's claim.
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
pub(crate) mod params;

pub(crate) use engine::{Handle, start};
pub(crate) use params::certifier;
