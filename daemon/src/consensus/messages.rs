//! The consensus messages as they travel in `Message::Consensus`: a signed
//! proposal with the block it names (a proposal is useless without it), or a
//! signed vote.
//!
//! They are decoded in place like every other message (no generic JSON tree
//! first): a vote and a proposal's signed part are small fixed-size structs,
//! and the block is decoded within its own limits.

use serde::{Deserialize, Serialize};
use timecoin_consensus::{Height, SignedProposal, SignedVote};

use crate::chain::block::Block;

/// One consensus message.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ConsensusMessage {
    Proposal {
        proposal: SignedProposal,
        block: Block,
    },
    Vote {
        vote: SignedVote,
    },
}

/// The `kind` tag's values.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    Proposal,
    Vote,
}

/// Every field either kind may have, read in any order; which ones must be
/// there is checked after, against `kind`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Fields {
    kind: Kind,
    proposal: Option<SignedProposal>,
    block: Option<Block>,
    vote: Option<SignedVote>,
}

impl<'de> Deserialize<'de> for ConsensusMessage {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<ConsensusMessage, D::Error> {
        let fields = Fields::deserialize(d)?;
        match fields {
            Fields {
                kind: Kind::Proposal,
                proposal: Some(proposal),
                block: Some(block),
                vote: None,
            } => Ok(ConsensusMessage::Proposal { proposal, block }),
            Fields {
                kind: Kind::Vote,
                proposal: None,
                block: None,
                vote: Some(vote),
            } => Ok(ConsensusMessage::Vote { vote }),
            Fields {
                kind: Kind::Proposal,
                ..
            } => Err(serde::de::Error::custom(
                "a consensus proposal carries exactly `proposal` and `block`",
            )),
            Fields {
                kind: Kind::Vote, ..
            } => Err(serde::de::Error::custom(
                "a consensus vote carries exactly `vote`",
            )),
        }
    }
}

impl ConsensusMessage {
    /// The height it is about.
    pub fn height(&self) -> Height {
        match self {
            ConsensusMessage::Proposal { proposal, .. } => proposal.proposal.height,
            ConsensusMessage::Vote { vote } => vote.vote.height,
        }
    }
}
