//! Finality for the masternodes: Tendermint's consensus (Buchman, Kwon,
//! Milosevic 2018, "The latest gossip on BFT consensus", Algorithm 1), pure.
//!
//! A block is final when a quorum of the network's masternodes (more than two
//! thirds: 3 of 4, 43 of 64) precommitted it; the signed precommits are its
//! [`CommitCertificate`], which anyone can [`verify`] alone. Nothing here does
//! I/O, reads a clock or touches a store: inputs go in, outputs come out, and the
//! engine in `timed` does the rest (see "How the daemon drives this" below).
//!
//! # Layout
//! - `types`, `validators`: heights, rounds, ids; the validator set, its quorum
//!   floor(2N/3)+1 and f = N - quorum, and who proposes each round.
//! - `message`, `signing`: proposals and votes, their canonical bytes (domain
//!   tag + definition hash) and ed25519 signatures; [`Verified`] marks a checked one.
//! - [`state_machine`]: the round state machine, [`state_machine::apply`], each
//!   rule marked with Algorithm 1's line numbers.
//! - `keeper`: the [`VoteKeeper`], which counts distinct validators' votes, reports
//!   each threshold once and catches equivocation.
//! - `driver`: the [`Driver`], which feeds the state machine from the keeper
//!   and the proposals and speaks [`Input`]/[`Output`] with the engine.
//! - `certificate`, `evidence`: the proofs that leave the node: finality and
//!   equivocation.
//! - `record`: the [`SafetyRecord`] persisted before signing, [`may_sign`] and
//!   [`may_propose`].
//! - `timeouts`: round timeouts that grow with the round.
//!
//! # Safety: no two honest nodes decide different values at one height
//!
//! Assume N validators of which at most f = N - quorum are Byzantine, with
//! quorum = floor(2N/3)+1. Then 3·quorum ≥ 2N+1, which is the same as
//! 2·quorum - N ≥ (N - quorum) + 1 = f+1.
//!
//! 1. **Quorums intersect in an honest validator.** Two sets of `quorum`
//!    distinct validators share at least 2·quorum - N ≥ f+1 validators
//!    ([`ValidatorSet::quorum`]), so at least one honest one. The keeper counts a
//!    validator at most once for each value of a round and kind (`keeper`; two
//!    different votes are also kept as [`Evidence`]), and only validators count,
//!    so a quorum for a value in the keeper really is that many distinct
//!    validators who signed that vote.
//! 2. **An honest validator signs one vote per height, round and kind**, even
//!    across a crash: the state machine votes once per step (L22-L27, L28-L33,
//!    L36-L46, L57-L64 all leave the step they act in), and the engine signs
//!    only what [`may_sign`] allows given the [`SafetyRecord`] persisted first.
//!    With 1., two values cannot both gather a quorum of precommits (or of
//!    prevotes) in one round: the intersection's honest member would have
//!    signed both. So within a round at most one value is decided.
//! 3. **Across rounds, locks.** Say a quorum precommitted v in round r (the
//!    decision's certificate). Each honest member of it locked v at r before
//!    precommitting (L36-L41), and there are at least f+1 of them. In any later
//!    round r' > r an honest locked validator prevotes another value w only on a
//!    proposal for w carrying a proof of lock from a round vr with
//!    r ≤ vr < r' (L28-L29: `locked.round <= pol_round`) and a quorum of prevotes
//!    for w in vr. By induction on r', no quorum of prevotes for any w ≠ v
//!    exists in rounds r..r': in round r, by 2.; in a later round, such a quorum
//!    would need at least one of the f+1 locked honest validators, who prevote
//!    only v or nil without a polka for w in [r, r'), which does not exist by the
//!    induction hypothesis. Without a polka for w, no honest validator
//!    precommits w (L36 needs one), so no quorum precommits w, and no honest
//!    node decides w (L49), nor accepts a certificate for it ([`verify`] needs a
//!    quorum of valid precommits, which includes an honest one).
//! 4. **Certificates are this same quorum**, so a node syncing from strangers
//!    that adopts only verified certificates ([`verify`], [`Driver::decide_with`])
//!    holds what the validators decided.
//!
//! # Liveness: after GST every honest node decides
//!
//! Algorithm 1 is live under partial synchrony: after some unknown global
//! stabilisation time (GST) messages between honest nodes arrive within an
//! unknown bound Δ. Three things make a round after GST succeed:
//! - timeouts grow with the round (`timeouts`: `base + round·delta`), so
//!   eventually they exceed the time a round needs at Δ;
//! - f+1 votes from a later round pull a node forward (L55, `Driver`'s use of
//!   [`VoteKeeper::highest_skip_round`]) and the precommit timeout moves it on
//!   (L65-L67), so honest nodes meet in one round;
//! - proposers rotate ([`ValidatorSet::proposer`]), so within N rounds every
//!   honest validator proposes, and the one whose valid value is the most
//!   recent re-proposes it with the polka that lets every locked node prevote
//!   it (L15-L16, L28); once all honest nodes are in one round after GST, a
//!   polka there updates every valid value at once (L36-L43), so the next honest
//!   proposer already holds the most recent one; and messages lost before GST are sent again
//!   ([`Driver::rebroadcast`]), which is the gossip the paper assumes: what one
//!   honest node acted on (a polka, the precommits that moved it to its round)
//!   reaches the others, even after that node restarted, because its record
//!   keeps those votes ([`SafetyRecord::proof`]).
//!
//! The simulation in `tests/it/sim` checks both properties over thousands of
//! seeded schedules with Byzantine validators, loss, reordering and partitions,
//! and that it catches a deliberately broken quorum.
//!
//! # How the daemon drives this
//!
//! This is the contract `timed`'s consensus engine (`daemon/src/consensus`:
//! one thread owning the [`Driver`], the record and the timers) follows.
//!
//! **Setup.** [`Params`]: a [`ValidatorSet`] of the network definition's
//! masternode keys, the definition's SHA-256 as the [`DefinitionHash`], and
//! [`TimeoutConfig`] from the config (the propose timeout's base above a
//! block's transfer time and the spread of the nodes' height starts). On start the engine reads
//! its last final height F from the store and its persisted [`SafetyRecord`]:
//! if the record is for F+1 it calls [`Driver::resume`], else
//! [`Driver::start_height`] for F+1 (with a fresh `SafetyRecord::new(F+1)`
//! persisted). A node that is not a masternode runs no driver: it follows by
//! certificates alone (below).
//!
//! **Inputs.** A proposal travels with its block in one message: the engine
//! checks the block's hash is the proposal's value, checks the signature with
//! [`SignedProposal::verify`], validates the block (parent is the final block
//! at height-1, height, transactions), and feeds [`Input::Proposal`] with that
//! verdict. Votes: [`SignedVote::verify`], then [`Input::Vote`]. Messages for the
//! next height are kept (bounded) and fed after `start_height`; others are
//! dropped. The engine bounds what a peer can make the keeper hold: votes only
//! for the current height and for rounds within a window of the current one
//! (the keeper itself keeps at most [`MAX_VALUES_PER_SLOT`] votes per
//! validator, round and kind). Fired timers come back as [`Input::Timeout`].
//!
//! **Outputs, in order, each finished before the next:**
//! - [`Output::GetValue`]: build a block on the final tip from the mempool,
//!   keep it by hash, answer [`Input::Value`].
//! - [`Output::Propose`] / [`Output::Vote`]: check [`may_propose`] /
//!   [`may_sign`] against the record; compute
//!   [`SafetyRecord::with_proposal`] / [`SafetyRecord::with_vote`]; **persist
//!   it durably (a committed store transaction) before signing and sending**;
//!   sign, broadcast to the masternodes (in the capacity reserved for them),
//!   and feed the signed message back as an input. A refused message is not
//!   sent (it cannot happen without a bug or a lost record: log it).
//! - [`Output::ScheduleTimeout`]: a timer that feeds the timeout back.
//! - [`Output::Decide`]: in one store transaction, the block and its
//!   [`CommitCertificate`] become final, stored side by side; the mempool
//!   drops the block's transactions; a fresh record for the next height is
//!   persisted; log the decision line; then, after the block interval (the
//!   pacing of production), [`Driver::start_height`] for the next height.
//! - [`Output::Evidence`]: store it, log a contract line naming the offender,
//!   count it in `/metrics`, show it in `timectl`.
//!
//! **Gossip.** On a timer (about the propose timeout), if the driver's height,
//! round and step have not changed since the last tick, send
//! [`Driver::rebroadcast`] to the masternodes again: Algorithm 1 is live only if
//! what one honest node acted on eventually reaches all (the simulation stalls
//! without it).
//!
//! **Certificates travel with blocks.** `/blocks/{height}` and every sync
//! answer carry the block with its certificate. A node behind (a peer's message
//! for a lower height shows it) is sent the certified blocks it lacks. A
//! receiver adopts a block only if [`verify`] holds for its certificate against
//! the network definition, the certificate's value is the block's hash, and the
//! block links to its own final chain; for its current height it then calls
//! [`Driver::decide_with`]. A batch that fails costs its sender the link and a
//! metric ([`CertError`] says why). A final block is never reverted: nothing
//! in this contract replaces one. An announced height is only a hint; what a
//! node waits for is a certified block it does not have.

mod certificate;
mod driver;
mod evidence;
mod keeper;
mod message;
mod record;
mod signing;
pub mod state_machine;
mod timeouts;
mod types;
mod validators;

pub use certificate::{CertError, CommitCertificate, verify};
pub use driver::{Driver, Input, Output, Params, Relay};
pub use evidence::{Evidence, EvidenceError};
pub use keeper::{KeeperEvent, MAX_VALUES_PER_SLOT, Threshold, VoteKeeper};
pub use message::{Proposal, Vote};
pub use record::{SafetyRecord, may_propose, may_sign};
pub use signing::{SignatureBytes, SignatureError, SignedProposal, SignedVote, Verified};
pub use state_machine::{State, Step};
pub use timeouts::{Growth, Timeout, TimeoutConfig, TimeoutKind};
pub use types::{DefinitionHash, Height, Round, RoundValue, ValidatorId, ValueId, VoteKind};
pub use validators::{ValidatorSet, ValidatorSetError};
