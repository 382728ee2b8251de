//! Equivocation: two different messages one validator signed for the same
//! height, round and kind. An honest validator never does it (the
//! [`crate::record`] rules make sure of that even across a crash), so the pair
//! itself proves a fault, and anyone holding the network definition can check it.

use serde::{Deserialize, Serialize};

use crate::signing::{SignatureError, SignedProposal, SignedVote};
use crate::types::{DefinitionHash, Height, Round, ValidatorId};
use crate::validators::ValidatorSet;

/// Two conflicting signed messages from one validator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Evidence {
    /// Two different proposals for one height and round.
    Proposals {
        /// The one seen first.
        first: SignedProposal,
        /// The conflicting one.
        second: SignedProposal,
    },
    /// Two different votes of one kind for one height and round.
    Votes {
        /// The one seen first.
        first: SignedVote,
        /// The conflicting one.
        second: SignedVote,
    },
}

/// Why a claimed piece of evidence proves nothing.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EvidenceError {
    /// The two messages are not by one signer, or not for one height, round
    /// and kind, or are the same message.
    #[error("the two messages do not conflict")]
    NoConflict,
    /// A signature does not hold.
    #[error(transparent)]
    Signature(#[from] SignatureError),
}

impl Evidence {
    /// The validator who signed both messages.
    pub fn offender(&self) -> ValidatorId {
        match self {
            Evidence::Proposals { first, .. } => first.proposal.proposer,
            Evidence::Votes { first, .. } => first.vote.validator,
        }
    }

    /// Where the fault happened.
    pub fn height_round(&self) -> (Height, Round) {
        match self {
            Evidence::Proposals { first, .. } => (first.proposal.height, first.proposal.round),
            Evidence::Votes { first, .. } => (first.vote.height, first.vote.round),
        }
    }

    /// Checks that this is real evidence: one validator signed both messages,
    /// for one height, round and kind, and they differ.
    ///
    /// # Errors
    /// [`EvidenceError`] when the messages do not conflict or a signature fails.
    pub fn verify(
        &self,
        validators: &ValidatorSet,
        definition: &DefinitionHash,
    ) -> Result<(), EvidenceError> {
        match self {
            Evidence::Proposals { first, second } => {
                let (a, b) = (&first.proposal, &second.proposal);
                if a.proposer != b.proposer || (a.height, a.round) != (b.height, b.round) || a == b
                {
                    return Err(EvidenceError::NoConflict);
                }
                first.verify(validators, definition)?;
                second.verify(validators, definition)?;
            }
            Evidence::Votes { first, second } => {
                let (a, b) = (&first.vote, &second.vote);
                if a.validator != b.validator
                    || (a.height, a.round, a.kind) != (b.height, b.round, b.kind)
                    || a == b
                {
                    return Err(EvidenceError::NoConflict);
                }
                first.verify(validators, definition)?;
                second.verify(validators, definition)?;
            }
        }
        Ok(())
    }
}
