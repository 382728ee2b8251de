//! The validator set: the network definition's masternode keys, equal weights.
//!
//! Everything that counts votes asks this set two questions: is this signer one
//! of ours, and how many distinct signers make a quorum. With N validators the
//! quorum is floor(2N/3)+1 (more than two thirds: 3 of 4, 43 of 64) and the
//! number of faults tolerated is f = N - quorum; any two quorums then share at
//! least f+1 validators, so at least one honest one (see the crate's safety notes).

use std::sync::Arc;

use ed25519_dalek::VerifyingKey;

use crate::types::{Height, Round, ValidatorId};

/// Why a list of keys is not a validator set.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ValidatorSetError {
    /// No keys at all: nothing could ever be decided.
    #[error("validator set is empty")]
    Empty,
    /// A key listed twice would count twice.
    #[error("validator {0} is listed twice")]
    Duplicate(ValidatorId),
    /// 32 bytes that are not an ed25519 public key.
    #[error("validator {0} is not an ed25519 public key")]
    NotAKey(ValidatorId),
}

/// The validators of one network, sorted by key, with their parsed public keys.
/// Cheap to clone (shared).
#[derive(Clone, Debug)]
pub struct ValidatorSet {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    ids: Vec<ValidatorId>,
    keys: Vec<VerifyingKey>,
    quorum: usize,
}

impl ValidatorSet {
    /// The set of these keys, in any order.
    ///
    /// # Errors
    /// [`ValidatorSetError`] when the list is empty, repeats a key, or holds
    /// bytes that are not an ed25519 public key.
    pub fn new(ids: impl IntoIterator<Item = ValidatorId>) -> Result<Self, ValidatorSetError> {
        let mut ids: Vec<ValidatorId> = ids.into_iter().collect();
        ids.sort();
        if ids.is_empty() {
            return Err(ValidatorSetError::Empty);
        }
        if let Some(pair) = ids.windows(2).find(|w| w[0] == w[1]) {
            return Err(ValidatorSetError::Duplicate(pair[0]));
        }
        let keys = ids
            .iter()
            .map(|id| VerifyingKey::from_bytes(&id.0).map_err(|_| ValidatorSetError::NotAKey(*id)))
            .collect::<Result<Vec<_>, _>>()?;
        let quorum = ids.len() * 2 / 3 + 1;
        Ok(ValidatorSet {
            inner: Arc::new(Inner { ids, keys, quorum }),
        })
    }

    /// The same validators with another quorum: only for the tests that show
    /// the simulation catches a broken threshold.
    #[cfg(feature = "testing")]
    pub fn with_quorum_for_tests(&self, quorum: usize) -> ValidatorSet {
        ValidatorSet {
            inner: Arc::new(Inner {
                ids: self.inner.ids.clone(),
                keys: self.inner.keys.clone(),
                quorum,
            }),
        }
    }

    /// How many validators there are (N).
    pub fn len(&self) -> usize {
        self.inner.ids.len()
    }

    /// Never true: an empty set is refused by [`ValidatorSet::new`].
    pub fn is_empty(&self) -> bool {
        self.inner.ids.is_empty()
    }

    /// The validators, sorted by key.
    pub fn ids(&self) -> &[ValidatorId] {
        &self.inner.ids
    }

    /// Distinct signers that make a quorum: floor(2N/3)+1.
    pub fn quorum(&self) -> usize {
        self.inner.quorum
    }

    /// Faults tolerated: f = N - quorum. f+1 signers include an honest one.
    pub fn max_faulty(&self) -> usize {
        self.len() - self.quorum().min(self.len())
    }

    /// Whether `id` is one of the validators.
    pub fn contains(&self, id: &ValidatorId) -> bool {
        self.index_of(id).is_some()
    }

    /// The position of `id` in the sorted set.
    pub fn index_of(&self, id: &ValidatorId) -> Option<usize> {
        self.inner.ids.binary_search(id).ok()
    }

    /// The parsed public key of `id`, when it is a validator.
    pub fn key(&self, id: &ValidatorId) -> Option<&VerifyingKey> {
        self.index_of(id).and_then(|i| self.inner.keys.get(i))
    }

    /// Who proposes in `round` of `height`: the validators take turns, one
    /// step further each height and each round, so a silent or lying proposer
    /// holds up at most one round in N.
    pub fn proposer(&self, height: Height, round: Round) -> ValidatorId {
        let n = self.len() as u64;
        let turn = (height.0 % n + u64::from(round.0) % n) % n;
        // turn < n = ids.len(), and the set is never empty.
        self.inner.ids[turn as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::SigningKey;

    fn ids(n: u8) -> Vec<ValidatorId> {
        (0..n)
            .map(|i| ValidatorId(SigningKey::from_bytes(&[i; 32]).verifying_key().to_bytes()))
            .collect()
    }

    #[test]
    fn quorum_is_more_than_two_thirds() {
        for (n, quorum, f) in [
            (1, 1, 0),
            (3, 3, 0),
            (4, 3, 1),
            (7, 5, 2),
            (10, 7, 3),
            (64, 43, 21),
        ] {
            let set = ValidatorSet::new(ids(n)).unwrap();
            assert_eq!((set.quorum(), set.max_faulty()), (quorum, f), "n = {n}");
            assert!(3 * set.quorum() > 2 * set.len());
        }
    }

    #[test]
    fn bad_lists_are_refused() {
        assert_eq!(ValidatorSet::new([]).unwrap_err(), ValidatorSetError::Empty);
        let mut twice = ids(3);
        twice.push(twice[1]);
        assert_eq!(
            ValidatorSet::new(twice.clone()).unwrap_err(),
            ValidatorSetError::Duplicate(twice[1])
        );
        // The y coordinate 2 is not on the curve.
        let mut bad = [0u8; 32];
        bad[0] = 2;
        assert_eq!(
            ValidatorSet::new([ValidatorId(bad)]).unwrap_err(),
            ValidatorSetError::NotAKey(ValidatorId(bad))
        );
    }

    #[test]
    fn every_validator_proposes_in_turn() {
        let set = ValidatorSet::new(ids(4)).unwrap();
        let round_turns: Vec<_> = (0..4).map(|r| set.proposer(Height(7), Round(r))).collect();
        let mut sorted = round_turns.clone();
        sorted.sort();
        assert_eq!(sorted, set.ids());
        assert_eq!(
            set.proposer(Height(7), Round(1)),
            set.proposer(Height(8), Round(0))
        );
    }
}
