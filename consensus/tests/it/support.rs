//! Keys, a validator set and signed messages for the tests.

use ed25519_dalek::SigningKey;
use timecoin_consensus::{
    DefinitionHash, Height, Proposal, Round, SignedProposal, SignedVote, ValidatorId, ValidatorSet,
    ValueId, Verified, Vote, VoteKind,
};

/// N validators with fixed keys, their set and a definition hash.
pub(crate) struct Net {
    /// Validator i's signing key.
    pub(crate) keys: Vec<SigningKey>,
    /// Validator i's id (keys order, not the set's sorted order).
    pub(crate) ids: Vec<ValidatorId>,
    /// The set of all of them.
    pub(crate) set: ValidatorSet,
    /// The network's definition hash.
    pub(crate) def: DefinitionHash,
}

impl Net {
    pub(crate) fn new(n: usize) -> Net {
        let keys: Vec<SigningKey> = (0..n).map(key).collect();
        let ids: Vec<ValidatorId> = keys.iter().map(id_of).collect();
        let set = ValidatorSet::new(ids.clone()).expect("distinct keys");
        Net {
            keys,
            ids,
            set,
            def: DefinitionHash([0xD5; 32]),
        }
    }

    pub(crate) fn signed_vote(
        &self,
        i: usize,
        kind: VoteKind,
        height: u64,
        round: u32,
        value: Option<ValueId>,
    ) -> SignedVote {
        Vote {
            kind,
            height: Height(height),
            round: Round(round),
            value,
            validator: self.ids[i],
        }
        .sign(&self.keys[i], &self.def)
    }

    pub(crate) fn vote(
        &self,
        i: usize,
        kind: VoteKind,
        height: u64,
        round: u32,
        value: Option<ValueId>,
    ) -> Verified<SignedVote> {
        self.signed_vote(i, kind, height, round, value)
            .verify(&self.set, &self.def)
            .expect("a validator's own signature")
    }

    pub(crate) fn proposal(
        &self,
        height: u64,
        round: u32,
        value: ValueId,
        pol_round: Option<u32>,
    ) -> Verified<SignedProposal> {
        let proposer = self.set.proposer(Height(height), Round(round));
        let i = self.index(&proposer);
        Proposal {
            height: Height(height),
            round: Round(round),
            value,
            pol_round: pol_round.map(Round),
            proposer,
        }
        .sign(&self.keys[i], &self.def)
        .verify(&self.set, &self.def)
        .expect("the proposer's own signature")
    }

    /// The keys-order index of a validator.
    pub(crate) fn index(&self, id: &ValidatorId) -> usize {
        self.ids.iter().position(|x| x == id).expect("a validator")
    }
}

/// A deterministic key for test validator `i` (never the zero scalar).
pub(crate) fn key(i: usize) -> SigningKey {
    let mut seed = [0u8; 32];
    seed[..8].copy_from_slice(&(i as u64 + 1).to_le_bytes());
    SigningKey::from_bytes(&seed)
}

pub(crate) fn id_of(key: &SigningKey) -> ValidatorId {
    ValidatorId(key.verifying_key().to_bytes())
}

/// A value id made of one repeated byte.
pub(crate) fn value(b: u8) -> ValueId {
    ValueId([b; 32])
}
