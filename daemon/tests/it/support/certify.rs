//! Commit certificates made by tests that hold masternode keys: what a quorum
//! would sign, for blocks a test chooses (honest ones to sync, or ones that
//! break a rule to show a certificate alone is not enough).

use ed25519_dalek::SigningKey;
use timecoin_consensus::{
    CommitCertificate, DefinitionHash, Height, Round, ValidatorId, ValueId, Vote, VoteKind,
};
use timed::testing::chain::{Block, Certified};

/// The certificate of `block` (at the round it names) signed by `keys`.
pub(crate) fn certificate<'k>(
    block: &Block,
    keys: impl IntoIterator<Item = &'k SigningKey>,
    definition: DefinitionHash,
) -> CommitCertificate {
    let value = ValueId(block.hash().0);
    let precommits = keys
        .into_iter()
        .map(|key| {
            Vote {
                kind: VoteKind::Precommit,
                height: Height(block.height),
                round: Round(block.round),
                value: Some(value),
                validator: ValidatorId(key.verifying_key().to_bytes()),
            }
            .sign(key, &definition)
        })
        .collect();
    CommitCertificate {
        height: Height(block.height),
        round: Round(block.round),
        value,
        precommits,
    }
}

/// `block` with its [`certificate`] by `keys`, as a sync answer carries it.
pub(crate) fn certified<'k>(
    block: &Block,
    keys: impl IntoIterator<Item = &'k SigningKey>,
    definition: DefinitionHash,
) -> Certified {
    Certified {
        block: block.clone(),
        certificate: Some(certificate(block, keys, definition)),
    }
}
