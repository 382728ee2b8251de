//! Commit certificates: the proof that a block is final.
//!
//! A certificate is a quorum of precommits for one value at one height and
//! round. Its check needs nothing but the validator set and the definition
//! hash, so a node syncing from strangers with an empty data dir can tell a
//! final block from a forged one alone: no honest majority of its peers is
//! assumed, only that at most f validators are faulty.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::signing::{SignatureError, SignedVote};
use crate::types::{DefinitionHash, Height, Round, ValidatorId, ValueId, VoteKind};
use crate::validators::ValidatorSet;

/// A quorum of signed precommits for `value` at `height` and `round`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CommitCertificate {
    /// The height decided.
    pub height: Height,
    /// The round in which the quorum precommitted.
    pub round: Round,
    /// The decided block's hash.
    pub value: ValueId,
    /// The precommits, one per distinct validator.
    pub precommits: Vec<SignedVote>,
}

/// Why a certificate does not prove finality.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CertError {
    /// Fewer distinct validators than a quorum signed.
    #[error("{got} distinct signers, a quorum is {need}")]
    TooFewSigners {
        /// Distinct signers in the certificate.
        got: usize,
        /// The quorum of the validator set.
        need: usize,
    },
    /// A precommit is signed by someone outside the validator set.
    #[error("signer {0} is not a validator")]
    UnknownSigner(ValidatorId),
    /// One validator appears twice.
    #[error("validator {0} signed twice")]
    DuplicateSigner(ValidatorId),
    /// A precommit is for another height.
    #[error("a precommit by {signer} is for height {got}, the certificate's is {want}")]
    WrongHeight {
        /// Who signed it.
        signer: ValidatorId,
        /// Its height.
        got: Height,
        /// The certificate's height.
        want: Height,
    },
    /// A precommit is for another round.
    #[error("a precommit by {signer} is for round {got}, the certificate's is {want}")]
    WrongRound {
        /// Who signed it.
        signer: ValidatorId,
        /// Its round.
        got: Round,
        /// The certificate's round.
        want: Round,
    },
    /// A precommit is for another value, or nil.
    #[error("a precommit by {0} is for another value")]
    WrongValue(ValidatorId),
    /// A prevote where a precommit belongs.
    #[error("a vote by {0} is not a precommit")]
    WrongKind(ValidatorId),
    /// A signature does not verify.
    #[error("bad signature from {0}")]
    BadSignature(ValidatorId),
}

impl CommitCertificate {
    /// The distinct validators who signed (whether or not their signatures hold).
    pub fn signers(&self) -> BTreeSet<ValidatorId> {
        self.precommits.iter().map(|p| p.vote.validator).collect()
    }
}

/// Checks that `cert` proves `cert.value` final at `cert.height`: every
/// precommit is a validator's, for exactly this height, round and value, no
/// validator twice, every signature valid, and a quorum of them.
///
/// The cheap checks run before any signature is verified, so a forged
/// certificate costs little to refuse.
///
/// # Errors
/// The first [`CertError`] found.
pub fn verify(
    cert: &CommitCertificate,
    validators: &ValidatorSet,
    definition: &DefinitionHash,
) -> Result<(), CertError> {
    let mut seen = BTreeSet::new();
    for precommit in &cert.precommits {
        let vote = &precommit.vote;
        let signer = vote.validator;
        if !validators.contains(&signer) {
            return Err(CertError::UnknownSigner(signer));
        }
        if !seen.insert(signer) {
            return Err(CertError::DuplicateSigner(signer));
        }
        if vote.kind != VoteKind::Precommit {
            return Err(CertError::WrongKind(signer));
        }
        if vote.height != cert.height {
            return Err(CertError::WrongHeight {
                signer,
                got: vote.height,
                want: cert.height,
            });
        }
        if vote.round != cert.round {
            return Err(CertError::WrongRound {
                signer,
                got: vote.round,
                want: cert.round,
            });
        }
        if vote.value != Some(cert.value) {
            return Err(CertError::WrongValue(signer));
        }
    }
    if seen.len() < validators.quorum() {
        return Err(CertError::TooFewSigners {
            got: seen.len(),
            need: validators.quorum(),
        });
    }
    for precommit in &cert.precommits {
        precommit
            .verify(validators, definition)
            .map_err(|e| match e {
                SignatureError::UnknownSigner(s) => CertError::UnknownSigner(s),
                SignatureError::BadSignature(s) => CertError::BadSignature(s),
            })?;
    }
    Ok(())
}
