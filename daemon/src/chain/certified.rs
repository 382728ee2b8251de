//! A block with the proof that it is final, as sync serves it, and the check
//! every node makes before it believes that proof.
//!
//! The proof is a [`CommitCertificate`]: a quorum of the network definition's
//! masternodes signed a precommit for exactly this block's hash at its height
//! (see `timecoin_consensus::verify`). A node checks it with nothing but its
//! network file, so a certificate from a stranger is as good as one from a
//! friend, and a branch without one is never final however long it is.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use timecoin_consensus::{
    CommitCertificate, DefinitionHash, ValidatorId, ValidatorSet, ValueId, verify,
};
use timecoin_shared::wire::NodeId;

use super::block::Block;

/// One entry of a sync answer: a block, and its certificate if it is final.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Certified {
    pub block: Block,
    pub certificate: Option<CommitCertificate>,
}

impl Certified {
    /// The entry as the JSON value that travels in `Message::Blocks`.
    pub fn to_value(&self) -> Value {
        // Strings, integers, JSON values and hex ids always serialise.
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// Reads an entry of a sync answer: `{block, certificate}`, or a bare
    /// block, which carries no proof and is never final on its own.
    ///
    /// # Errors
    /// Neither shape, or any missing, extra or mistyped field.
    pub fn from_value(value: Value) -> Result<Certified, serde_json::Error> {
        if value.get("block").is_some() {
            serde_json::from_value(value)
        } else {
            Block::from_value(value).map(|block| Certified {
                block,
                certificate: None,
            })
        }
    }
}

/// The consensus crate's name for a block.
pub(crate) fn value_id(block: &Block) -> ValueId {
    ValueId(block.hash().0)
}

/// The consensus crate's name for a masternode.
pub(crate) fn validator_id(id: &NodeId) -> ValidatorId {
    ValidatorId(id.0)
}

/// What a certificate is checked against: the network definition's
/// masternodes and its hash.
#[derive(Clone, Debug)]
pub struct Certifier {
    pub validators: ValidatorSet,
    pub definition: DefinitionHash,
}

impl Certifier {
    /// Checks that `cert` proves `block` final: for its height and hash, and a
    /// verified quorum of precommits.
    ///
    /// # Errors
    /// What is wrong, in words for a log line.
    pub fn check(&self, block: &Block, cert: &CommitCertificate) -> Result<(), String> {
        if cert.height.0 != block.height {
            return Err(format!(
                "certificate for height {} on the block at height {}",
                cert.height.0, block.height
            ));
        }
        if cert.value != value_id(block) {
            return Err(format!(
                "certificate at height {} is for another block",
                block.height
            ));
        }
        verify(cert, &self.validators, &self.definition)
            .map_err(|e| format!("certificate at height {}: {e}", block.height))
    }
}
