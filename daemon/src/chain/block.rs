//! The block: what a round's proposer signs and every node checks, stores and
//! serves.
//!
//! A block travels and is stored as JSON, decoded straight into this struct (its
//! transactions into one buffer, see `tx.rs`), with every count and length
//! checked as it is read. Its hash and its signature both cover the canonical
//! bytes of every field except the signature, so a block re-encoded by any JSON
//! library still verifies.

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use timecoin_shared::wire::{NodeId, bounded_string};

use super::hash::Hash32;
use super::tx::{Tx, TxList};

/// Wall-clock milliseconds since the Unix epoch, for block timestamps.
pub fn unix_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Hex digits of an ed25519 signature.
const SIGNATURE_HEX: usize = 128;

/// One block of the chain. Heights start at 1; height 0 is the empty chain.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Block {
    pub height: u64,
    /// Hash of the block at `height - 1`, or [`Hash32::ZERO`] for the first block.
    pub parent: Hash32,
    /// Milliseconds since the Unix epoch when the producer made it; above the
    /// parent's, so block age and intervals read sensibly.
    pub timestamp_ms: u64,
    pub producer: NodeId,
    /// The consensus round of this height whose proposer made it (0: the
    /// first). The proposer of `(height, round)` is computed over the
    /// masternodes of the network definition, never over a set a block
    /// carries, and must be `producer` (see `validate`).
    pub round: u32,
    /// Transactions in the order the producer included them; each a JSON object.
    pub transactions: TxList,
    /// Hex ed25519 signature by `producer` over [`Block::signing_bytes`].
    #[serde(deserialize_with = "bounded_string::<SIGNATURE_HEX, _>")]
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
        transactions: Vec<Tx>,
    ) -> Block {
        let mut block = Block {
            height,
            parent,
            timestamp_ms,
            producer: NodeId(key.verifying_key().to_bytes()),
            round,
            transactions: transactions.into_iter().collect(),
            signature: String::new(),
        };
        block.signature = hex::encode(key.sign(&block.signing_bytes()).to_bytes());
        block
    }

    /// The canonical bytes of every field but the signature: what is hashed and signed.
    /// Written field by field in canonical order (keys sorted, compact); hex
    /// and integers need no escaping.
    pub fn signing_bytes(&self) -> Vec<u8> {
        let mut out = String::new();
        // Writing to a `String` cannot fail.
        let _ = write!(
            out,
            r#"{{"height":{},"parent":"{}","producer":"{}","round":{},"timestamp_ms":{},"transactions":"#,
            self.height, self.parent, self.producer, self.round, self.timestamp_ms
        );
        self.transactions.write_canonical(&mut out);
        out.push('}');
        out.into_bytes()
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
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::chain::canonical::reference;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn tx(value: Value) -> Tx {
        Tx::from_value(&value).expect("a transaction")
    }

    fn sample() -> Block {
        Block::sign(
            &key(1),
            1,
            Hash32::ZERO,
            1_000,
            0,
            vec![
                tx(json!({"to": "x", "amount": 5})),
                tx(json!({"b": [1.5, null]})),
            ],
        )
    }

    /// The bytes written field by field are the canonical text of the block's
    /// JSON without its signature, as they were when they were computed from a
    /// parsed value: blocks signed before still verify.
    #[test]
    fn signing_bytes_are_the_canonical_json_of_the_unsigned_block() {
        let block = sample();
        let mut value = serde_json::to_value(&block).expect("a JSON value");
        if let Value::Object(map) = &mut value {
            map.remove("signature");
        }
        assert_eq!(
            String::from_utf8(block.signing_bytes()).expect("text"),
            reference(&value)
        );
    }

    /// Found by fuzzing (`fuzz/regressions/message`): a number that JSON parsing
    /// rounded one way and its re-encoding the other gave a relayed block other
    /// canonical bytes, so every peer refused its signature.
    #[test]
    fn a_block_holding_a_long_number_verifies_after_crossing_the_wire() {
        let digits = format!("{}7{}10", "1".repeat(68), "0".repeat(9));
        let tx: Tx =
            serde_json::from_str(&format!("{{\"amount\": {digits}}}")).expect("a transaction");
        let block = Block::sign(&key(1), 1, Hash32::ZERO, 1_000, 0, vec![tx]);
        let text = serde_json::to_string(&block).expect("serialize");
        let relayed: Block = serde_json::from_str(&text).expect("deserialize");
        assert_eq!(relayed.hash(), block.hash());
        assert_eq!(relayed.verify_signature(), Ok(()));
    }

    #[test]
    fn signed_block_verifies_and_survives_json() {
        let block = sample();
        assert_eq!(block.verify_signature(), Ok(()));
        let text = serde_json::to_string(&block).expect("serialize");
        let back: Block = serde_json::from_str(&text).expect("deserialize");
        assert_eq!(back, block);
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
        tampered.transactions = vec![tx(json!({"to": "x", "amount": 500}))]
            .into_iter()
            .collect();
        assert_eq!(tampered.verify_signature(), Err(SignatureError::Mismatch));
        let mut forged = block.clone();
        forged.producer = NodeId(key(2).verifying_key().to_bytes());
        assert_eq!(forged.verify_signature(), Err(SignatureError::Mismatch));
        let mut garbled = block;
        garbled.signature = "zz".into();
        assert_eq!(garbled.verify_signature(), Err(SignatureError::Malformed));
    }

    #[test]
    fn unknown_fields_and_long_signatures_are_refused() {
        let mut value = serde_json::to_value(sample()).expect("a JSON value");
        value["extra"] = json!(1);
        assert!(serde_json::from_value::<Block>(value).is_err());
        let mut value = serde_json::to_value(sample()).expect("a JSON value");
        value["signature"] = json!("ab".repeat(SIGNATURE_HEX));
        let err = serde_json::from_value::<Block>(value).expect_err("too long");
        assert!(err.to_string().contains("at most 128"), "{err}");
    }
}
