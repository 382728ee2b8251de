//! Signed proposals and votes, the bytes their signatures cover, and the check
//! that turns a received message into a [`Verified`] one.
//!
//! Canonical bytes are fixed-width binary, not JSON: a domain tag naming the
//! message kind, the network definition's hash, then each field at a fixed
//! offset. Two different messages never share their bytes, a prevote's
//! signature never passes as a precommit's or a proposal's, and a vote signed
//! for one network never counts in another.

use ed25519_dalek::{Signature, Signer, SigningKey};
use serde::{Deserialize, Serialize};

use crate::message::{Proposal, Vote};
use crate::types::{DefinitionHash, Round, ValidatorId, ValueId, VoteKind};
use crate::validators::ValidatorSet;

/// Domain tags: one per message kind, versioned.
const PROPOSAL_TAG: &[u8; 32] = b"timecoin/consensus/proposal/v1\0\0";
const PREVOTE_TAG: &[u8; 32] = b"timecoin/consensus/prevote/v1\0\0\0";
const PRECOMMIT_TAG: &[u8; 32] = b"timecoin/consensus/precommit/v1\0";

/// Why a signed message was not accepted.
#[derive(Debug, thiserror::Error, PartialEq, Eq, Clone, Copy)]
pub enum SignatureError {
    /// The claimed signer is not a validator of this network.
    #[error("signer {0} is not a validator")]
    UnknownSigner(ValidatorId),
    /// The signature does not verify for the claimed signer and these bytes.
    #[error("bad signature from {0}")]
    BadSignature(ValidatorId),
}

/// An ed25519 signature, as 128 hex digits on the wire.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SignatureBytes(pub [u8; 64]);

impl std::fmt::Debug for SignatureBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SignatureBytes({})", hex::encode(&self.0[..4]))
    }
}

impl Serialize for SignatureBytes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(self.0))
    }
}

impl<'de> Deserialize<'de> for SignatureBytes {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        let mut bytes = [0u8; 64];
        hex::decode_to_slice(text.as_bytes(), &mut bytes)
            .map_err(|_| serde::de::Error::custom("signature must be 128 hex digits"))?;
        Ok(SignatureBytes(bytes))
    }
}

/// A proposal with its proposer's signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SignedProposal {
    /// What is proposed.
    pub proposal: Proposal,
    /// The proposer's signature over [`Proposal::signing_bytes`].
    pub signature: SignatureBytes,
}

/// A vote with its voter's signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SignedVote {
    /// The vote.
    pub vote: Vote,
    /// The voter's signature over [`Vote::signing_bytes`].
    pub signature: SignatureBytes,
}

/// A message whose signature was checked against a validator set and a
/// definition hash. The vote keeper and the driver take only these, so a
/// message that was never checked cannot be counted.
///
/// The only ways to make one are [`SignedVote::verify`] and
/// [`SignedProposal::verify`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verified<T>(T);

impl<T> Verified<T> {
    /// The checked message.
    pub fn get(&self) -> &T {
        &self.0
    }

    /// The checked message, by value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl Proposal {
    /// The bytes the proposer signs (see the module doc).
    pub fn signing_bytes(&self, definition: &DefinitionHash) -> Vec<u8> {
        let mut out = header(PROPOSAL_TAG, definition, self.height.0, self.round);
        out.extend_from_slice(&self.value.0);
        push_round(&mut out, self.pol_round);
        out.extend_from_slice(&self.proposer.0);
        out
    }

    /// Signs this proposal with `key` (whose public half should be `proposer`).
    pub fn sign(self, key: &SigningKey, definition: &DefinitionHash) -> SignedProposal {
        let signature = key.sign(&self.signing_bytes(definition));
        SignedProposal {
            proposal: self,
            signature: SignatureBytes(signature.to_bytes()),
        }
    }
}

impl Vote {
    /// The bytes the voter signs (see the module doc).
    pub fn signing_bytes(&self, definition: &DefinitionHash) -> Vec<u8> {
        let tag = match self.kind {
            VoteKind::Prevote => PREVOTE_TAG,
            VoteKind::Precommit => PRECOMMIT_TAG,
        };
        let mut out = header(tag, definition, self.height.0, self.round);
        push_value(&mut out, self.value);
        out.extend_from_slice(&self.validator.0);
        out
    }

    /// Signs this vote with `key` (whose public half should be `validator`).
    pub fn sign(self, key: &SigningKey, definition: &DefinitionHash) -> SignedVote {
        let signature = key.sign(&self.signing_bytes(definition));
        SignedVote {
            vote: self,
            signature: SignatureBytes(signature.to_bytes()),
        }
    }
}

impl SignedProposal {
    /// Checks that the proposer is a validator and signed exactly this.
    ///
    /// # Errors
    /// [`SignatureError`] naming the signer.
    pub fn verify(
        self,
        validators: &ValidatorSet,
        definition: &DefinitionHash,
    ) -> Result<Verified<SignedProposal>, SignatureError> {
        let bytes = self.proposal.signing_bytes(definition);
        check(validators, &self.proposal.proposer, &bytes, &self.signature)?;
        Ok(Verified(self))
    }
}

impl SignedVote {
    /// Checks that the voter is a validator and signed exactly this.
    ///
    /// # Errors
    /// [`SignatureError`] naming the signer.
    pub fn verify(
        self,
        validators: &ValidatorSet,
        definition: &DefinitionHash,
    ) -> Result<Verified<SignedVote>, SignatureError> {
        let bytes = self.vote.signing_bytes(definition);
        check(validators, &self.vote.validator, &bytes, &self.signature)?;
        Ok(Verified(self))
    }
}

fn check(
    validators: &ValidatorSet,
    signer: &ValidatorId,
    bytes: &[u8],
    signature: &SignatureBytes,
) -> Result<(), SignatureError> {
    let key = validators
        .key(signer)
        .ok_or(SignatureError::UnknownSigner(*signer))?;
    // Strict: no malleable or small-order forms, so one message has one signature.
    key.verify_strict(bytes, &Signature::from_bytes(&signature.0))
        .map_err(|_| SignatureError::BadSignature(*signer))
}

fn header(tag: &[u8; 32], definition: &DefinitionHash, height: u64, round: Round) -> Vec<u8> {
    let mut out = Vec::with_capacity(32 + 32 + 8 + 4 + 33 + 5 + 32);
    out.extend_from_slice(tag);
    out.extend_from_slice(&definition.0);
    out.extend_from_slice(&height.to_be_bytes());
    out.extend_from_slice(&round.0.to_be_bytes());
    out
}

fn push_value(out: &mut Vec<u8>, value: Option<ValueId>) {
    match value {
        Some(v) => {
            out.push(1);
            out.extend_from_slice(&v.0);
        }
        None => out.extend_from_slice(&[0; 33]),
    }
}

fn push_round(out: &mut Vec<u8>, round: Option<Round>) {
    match round {
        Some(r) => {
            out.push(1);
            out.extend_from_slice(&r.0.to_be_bytes());
        }
        None => out.extend_from_slice(&[0; 5]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Height;

    fn setup() -> (SigningKey, ValidatorSet, DefinitionHash) {
        let key = SigningKey::from_bytes(&[7; 32]);
        let set = ValidatorSet::new([ValidatorId(key.verifying_key().to_bytes())]).unwrap();
        (key, set, DefinitionHash([1; 32]))
    }

    fn vote(kind: VoteKind, key: &SigningKey) -> Vote {
        Vote {
            kind,
            height: Height(3),
            round: Round(1),
            value: Some(ValueId([9; 32])),
            validator: ValidatorId(key.verifying_key().to_bytes()),
        }
    }

    #[test]
    fn a_signature_is_bound_to_its_kind_and_network() {
        let (key, set, def) = setup();
        let prevote = vote(VoteKind::Prevote, &key).sign(&key, &def);
        assert!(prevote.verify(&set, &def).is_ok());
        let who = prevote.vote.validator;
        // The same signature presented as a precommit, or on another network, fails.
        let mut as_precommit = prevote;
        as_precommit.vote.kind = VoteKind::Precommit;
        assert_eq!(
            as_precommit.verify(&set, &def).unwrap_err(),
            SignatureError::BadSignature(who)
        );
        assert_eq!(
            prevote.verify(&set, &DefinitionHash([2; 32])).unwrap_err(),
            SignatureError::BadSignature(who)
        );
    }

    #[test]
    fn a_stranger_is_refused_before_any_signature_check() {
        let (_, set, def) = setup();
        let stranger = SigningKey::from_bytes(&[8; 32]);
        let signed = vote(VoteKind::Precommit, &stranger).sign(&stranger, &def);
        assert_eq!(
            signed.verify(&set, &def).unwrap_err(),
            SignatureError::UnknownSigner(signed.vote.validator)
        );
    }

    #[test]
    fn nil_and_a_value_sign_differently() {
        let (key, _, def) = setup();
        let mut nil = vote(VoteKind::Prevote, &key);
        nil.value = None;
        let mut zero = nil;
        zero.value = Some(ValueId([0; 32]));
        assert_ne!(nil.signing_bytes(&def), zero.signing_bytes(&def));
    }

    #[test]
    fn signed_messages_round_trip_through_json() {
        let (key, _, def) = setup();
        let signed = vote(VoteKind::Prevote, &key).sign(&key, &def);
        let json = serde_json::to_string(&signed).unwrap();
        assert_eq!(serde_json::from_str::<SignedVote>(&json).unwrap(), signed);
        let proposal = Proposal {
            height: Height(3),
            round: Round(2),
            value: ValueId([4; 32]),
            pol_round: Some(Round(1)),
            proposer: signed.vote.validator,
        }
        .sign(&key, &def);
        let json = serde_json::to_string(&proposal).unwrap();
        assert_eq!(
            serde_json::from_str::<SignedProposal>(&json).unwrap(),
            proposal
        );
    }
}
