//! A block with the proof that it is final, as sync serves it, and the check
//! every node makes before it believes that proof.
//!
//! The proof is a [`CommitCertificate`]: a quorum of the network definition's
//! masternodes signed a precommit for exactly this block's hash at its height
//! (see `timecoin_consensus::verify`). A node checks it with nothing but its
//! network file, so a certificate from a stranger is as good as one from a
//! friend, and a branch without one is never final however long it is.

use std::borrow::Cow;
use std::fmt;

use serde::de::value::{CowStrDeserializer, MapAccessDeserializer};
use serde::de::{self, DeserializeSeed, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use timecoin_consensus::{
    CommitCertificate, DefinitionHash, Height, Round, SignedVote, ValidatorId, ValidatorSet,
    ValueId, verify,
};
use timecoin_shared::wire::{NodeId, bounded_vec};

use super::block::Block;
use super::canonical::KeyText;

/// Most precommits a certificate may carry on the wire: above any quorum of a
/// network definition a fleet runs (a certificate holds one per distinct
/// masternode), and refused while decoding, before the next one is read.
pub(crate) const MAX_PRECOMMITS: usize = 1024;

/// One entry of a sync answer: a block, and its certificate if it is final.
///
/// On the wire `{block, certificate}`, or a bare block, which carries no proof
/// and is never final on its own. Both are decoded in place (no generic JSON
/// tree first): the first key tells which shape it is.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Certified {
    pub block: Block,
    pub certificate: Option<CommitCertificate>,
}

impl From<Block> for Certified {
    /// An entry without proof: the block is not final on its own.
    fn from(block: Block) -> Certified {
        Certified {
            block,
            certificate: None,
        }
    }
}

/// A [`CommitCertificate`] as it is read from a peer: its precommits counted
/// while they are decoded.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BoundedCertificate {
    height: Height,
    round: Round,
    value: ValueId,
    #[serde(deserialize_with = "bounded_vec::<MAX_PRECOMMITS, _, _>")]
    precommits: Vec<SignedVote>,
}

impl From<BoundedCertificate> for CommitCertificate {
    fn from(c: BoundedCertificate) -> CommitCertificate {
        CommitCertificate {
            height: c.height,
            round: c.round,
            value: c.value,
            precommits: c.precommits,
        }
    }
}

impl<'de> Deserialize<'de> for Certified {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Certified, D::Error> {
        d.deserialize_map(Entry)
    }
}

/// Reads a sync answer's entry of either shape.
struct Entry;

impl<'de> Visitor<'de> for Entry {
    type Value = Certified;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a block, or an object with `block` and `certificate`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Certified, A::Error> {
        const FIELDS: &[&str] = &["block", "certificate"];
        let mut key = map.next_key::<KeyText>()?.map(|KeyText(k)| k);
        if let Some(first) = key.take_if(|k| !FIELDS.contains(&k.as_ref())) {
            let rest = Replay {
                first: Some(first),
                map,
            };
            let block = Block::deserialize(MapAccessDeserializer::new(rest))?;
            return Ok(Certified {
                block,
                certificate: None,
            });
        }
        let mut block = None;
        let mut certificate = None;
        while let Some(k) = key {
            match k.as_ref() {
                "block" if block.is_some() => return Err(de::Error::duplicate_field("block")),
                "block" => block = Some(map.next_value::<Block>()?),
                "certificate" if certificate.is_some() => {
                    return Err(de::Error::duplicate_field("certificate"));
                }
                "certificate" => {
                    certificate = Some(map.next_value::<Option<BoundedCertificate>>()?);
                }
                other => return Err(de::Error::unknown_field(other, FIELDS)),
            }
            key = map.next_key::<KeyText>()?.map(|KeyText(k)| k);
        }
        Ok(Certified {
            block: block.ok_or_else(|| de::Error::missing_field("block"))?,
            certificate: certificate.flatten().map(CommitCertificate::from),
        })
    }
}

/// A map whose first key was already read: it is given again, then the rest.
struct Replay<'de, A> {
    first: Option<Cow<'de, str>>,
    map: A,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Replay<'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        match self.first.take() {
            Some(key) => seed.deserialize(CowStrDeserializer::new(key)).map(Some),
            None => self.map.next_key_seed(seed),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.map.next_value_seed(seed)
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
