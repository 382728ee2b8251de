//! The consensus messages as they travel in `Message::Consensus`: a signed
//! proposal with the block it names (a proposal is useless without it), or a
//! signed vote.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use timecoin_consensus::{Height, SignedProposal, SignedVote};
use timecoin_shared::wire::Message;

use crate::chain::block::Block;

/// One consensus message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub(super) enum ConsensusMessage {
    Proposal {
        proposal: SignedProposal,
        block: Block,
    },
    Vote {
        vote: SignedVote,
    },
}

impl ConsensusMessage {
    /// The height it is about.
    pub(super) fn height(&self) -> Height {
        match self {
            ConsensusMessage::Proposal { proposal, .. } => proposal.proposal.height,
            ConsensusMessage::Vote { vote } => vote.vote.height,
        }
    }

    /// The wire message carrying it.
    pub(super) fn to_message(&self) -> Message {
        // Hex ids, integers and a block always serialise.
        Message::Consensus {
            message: serde_json::to_value(self).unwrap_or(Value::Null),
        }
    }

    /// Reads one from a received `Message::Consensus`.
    ///
    /// # Errors
    /// Neither shape, or any missing, extra or mistyped field.
    pub(super) fn from_value(value: Value) -> Result<ConsensusMessage, serde_json::Error> {
        serde_json::from_value(value)
    }
}
