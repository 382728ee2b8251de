//! The block: what a leader signs and every node checks, stores and serves.
//!
//! A block travels and is stored as JSON (the wire carries chain payloads as JSON
//! values so that this module owns their shape). Its hash and its signature both
//! cover the canonical bytes of every field except the signature, so a block
//! re-encoded by any JSON library still verifies.

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use timecoin_shared::wire::NodeId;

use super::hash::{Hash32, canonical_bytes};

/// One block of the chain. Heights start at 1; height 0 is the empty chain.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Block {
    pub height: u64,
    /// Hash of the block at `height - 1`, or [`Hash32::ZERO`] for the first block.
    pub parent: Hash32,
    /// Milliseconds since the Unix epoch when the producer made it; never below the
    /// parent's, so block age and intervals read sensibly.
    pub timestamp_ms: u64,
    pub producer: NodeId,
    /// Which failover round of this height produced it (0: the first leader).
    /// Rounds are slots of the block interval counted from the parent's
    /// timestamp, so the round and the timestamp must agree (see `validate`). The
    /// leader of `(height, round)` is computed over the masternodes of the network
    /// definition, never over a set a block carries.
    pub round: u32,
    /// Transactions in the order the producer included them; each a JSON object.
    pub transactions: Vec<Value>,
    /// Hex ed25519 signature by `producer` over [`Block::signing_bytes`].
    pub signature: String,
}

/// Why a block's signature does not check out.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error("producer id is not a valid ed25519 public key")]
    BadProducerKey,
    #[error("signature is not 128 hex digits")]
    Malformed,
    #[error("signature does not verify against the producer's key")]
    Mismatch,
}

impl Block {
    /// Builds and signs a block; the producer id is the key's public half.
    pub fn sign(
        key: &SigningKey,
        height: u64,
        parent: Hash32,
        timestamp_ms: u64,
        round: u32,
        transactions: Vec<Value>,
    ) -> Block {
        let mut block = Block {
            height,
            parent,
            timestamp_ms,
            producer: NodeId(key.verifying_key().to_bytes()),
            round,
            transactions,
            signature: String::new(),
        };
        block.signature = hex::encode(key.sign(&block.signing_bytes()).to_bytes());
        block
    }

    /// The canonical bytes of every field but the signature: what is hashed and signed.
    pub fn signing_bytes(&self) -> Vec<u8> {
        let mut value = self.to_value();
        if let Value::Object(map) = &mut value {
            map.remove("signature");
        }
        canonical_bytes(&value)
    }

    /// The block's identity; a child names it as `parent`.
    pub fn hash(&self) -> Hash32 {
        Hash32::of(&self.signing_bytes())
    }

    /// Checks that `producer` signed exactly this content.
    ///
    /// # Errors
    /// A producer id that is not a curve point, a signature that is not 64 hex
    /// bytes, or one that does not verify.
    pub fn verify_signature(&self) -> Result<(), SignatureError> {
        let key = VerifyingKey::from_bytes(&self.producer.0)
            .map_err(|_| SignatureError::BadProducerKey)?;
        let mut sig = [0u8; 64];
        hex::decode_to_slice(&self.signature, &mut sig).map_err(|_| SignatureError::Malformed)?;
        key.verify(&self.signing_bytes(), &Signature::from_bytes(&sig))
            .map_err(|_| SignatureError::Mismatch)
    }

    /// The block as the JSON value that travels in `Message::Block` and is stored.
    pub fn to_value(&self) -> Value {
        // A struct of strings, integers and JSON values always serialises.
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// Reads a block from a received or stored JSON value.
    ///
    /// # Errors
    /// Any missing, extra or mistyped field.
    pub fn from_value(value: Value) -> Result<Block, serde_json::Error> {
        serde_json::from_value(value)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn sample() -> Block {
        Block::sign(
            &key(1),
            1,
            Hash32::ZERO,
            1_000,
            0,
            vec![json!({"to": "x", "amount": 5})],
        )
    }

    #[test]
    fn signed_block_verifies_and_survives_json() {
        let block = sample();
        assert_eq!(block.verify_signature(), Ok(()));
        let text = serde_json::to_string(&block).expect("serialize");
        let back: Block = serde_json::from_str(&text).expect("deserialize");
        assert_eq!(back.hash(), block.hash());
        assert_eq!(back.verify_signature(), Ok(()));
    }

    #[test]
    fn any_changed_field_breaks_the_signature() {
        let block = sample();
        let mut tampered = block.clone();
        tampered.height = 2;
        assert_eq!(tampered.verify_signature(), Err(SignatureError::Mismatch));
        let mut tampered = block.clone();
        tampered.transactions[0]["amount"] = json!(500);
        assert_eq!(tampered.verify_signature(), Err(SignatureError::Mismatch));
        let mut forged = block.clone();
        forged.producer = NodeId(key(2).verifying_key().to_bytes());
        assert_eq!(forged.verify_signature(), Err(SignatureError::Mismatch));
        let mut garbled = block;
        garbled.signature = "zz".into();
        assert_eq!(garbled.verify_signature(), Err(SignatureError::Malformed));
    }

    #[test]
    fn unknown_fields_are_refused() {
        let mut value = sample().to_value();
        value["extra"] = json!(1);
        assert!(Block::from_value(value).is_err());
    }
}
