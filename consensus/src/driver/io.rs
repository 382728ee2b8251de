//! The driver's contract with the engine around it: what it is configured
//! with, what the engine feeds it, and what it asks the engine to do.

use std::time::Duration;

use crate::certificate::CommitCertificate;
use crate::evidence::Evidence;
use crate::message::{Proposal, Vote};
use crate::signing::{SignedProposal, SignedVote, Verified};
use crate::timeouts::{Timeout, TimeoutConfig};
use crate::types::{DefinitionHash, Height, Round, ValueId};
use crate::validators::ValidatorSet;

/// What a node's consensus is configured with: fixed for the network's life.
#[derive(Clone, Debug)]
pub struct Params {
    /// The masternodes of the network definition.
    pub validators: ValidatorSet,
    /// The network definition's hash, inside every signature.
    pub definition: DefinitionHash,
    /// How long each round's waits last.
    pub timeouts: TimeoutConfig,
}

/// Something that happened, as the engine reports it.
#[derive(Clone, Debug)]
pub enum Input {
    /// The block the engine built after [`Output::GetValue`].
    Value {
        /// The round it was asked for.
        round: Round,
        /// The block's hash.
        value: ValueId,
    },
    /// A proposal whose signature the engine checked, with its verdict on the
    /// block it names. The engine feeds back its own signed proposals too.
    Proposal {
        /// The checked proposal.
        proposal: Verified<SignedProposal>,
        /// Whether the block is valid (parent, height, transactions).
        valid: bool,
    },
    /// A vote whose signature the engine checked; its own votes too.
    Vote(Verified<SignedVote>),
    /// A timeout the driver scheduled, now passed.
    Timeout(Timeout),
}

/// What the engine must do, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// Build a block for this height and round and answer with [`Input::Value`].
    GetValue {
        /// The height.
        height: Height,
        /// The round.
        round: Round,
    },
    /// Sign and broadcast this proposal (with its block), after checking
    /// [`crate::may_propose`] and persisting the record; then feed it back.
    Propose(Proposal),
    /// Sign and broadcast this vote, after checking [`crate::may_sign`] and
    /// persisting the record; then feed it back.
    Vote(Vote),
    /// Fire [`Input::Timeout`] with `timeout` once `after` has passed.
    ScheduleTimeout {
        /// What to fire.
        timeout: Timeout,
        /// When.
        after: Duration,
    },
    /// The height is decided: store the block with this certificate, then
    /// start the next height.
    Decide(CommitCertificate),
    /// A validator equivocated: keep, log and count this.
    Evidence(Box<Evidence>),
}

/// A message to send again (see [`crate::Driver::rebroadcast`]), already checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relay {
    /// A proposal (send its block with it).
    Proposal(Verified<SignedProposal>),
    /// A vote.
    Vote(Verified<SignedVote>),
}
