//! The checks a block must pass before any node appends it: parent, height,
//! producer (the scheduled leader for its round), transactions and signature.
//!
//! Pure functions of the block, its parent and a lookup of already-included
//! transactions, so every rule can be tested without a network or a store.

use std::collections::HashSet;

use timecoin_shared::wire::NodeId;

use super::block::{Block, SignatureError};
use super::hash::Hash32;
use super::limits::{MAX_BLOCK_TX_BYTES, MAX_BLOCK_TXS};
use super::mempool::{TxError, check_tx};
use super::schedule;

/// Why a block is refused. Logged beside `Rejected block at height H`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Invalid {
    #[error("height {found} does not follow its parent (expected {expected})")]
    Height { found: u64, expected: u64 },
    #[error("parent hash {found} is not the block below ({expected})")]
    Parent { found: Hash32, expected: Hash32 },
    #[error("timestamp {found} is before its parent's {parent}")]
    Timestamp { found: u64, parent: u64 },
    #[error("masternode set is not sorted and unique")]
    UnsortedSet,
    #[error("masternode set has {found} members, below the minimum {min}")]
    TooFewMasternodes { found: usize, min: usize },
    #[error("producer {producer} is not the leader of round {round} (expected {expected})")]
    NotLeader {
        producer: NodeId,
        round: u32,
        expected: NodeId,
    },
    #[error("block holds too many transactions or bytes of them")]
    TooManyTransactions,
    #[error("transaction {index}: {source}")]
    Transaction {
        index: usize,
        #[source]
        source: TxError,
    },
    #[error("transaction {0} is already in the chain")]
    DuplicateTransaction(Hash32),
    #[error("bad signature: {0}")]
    Signature(#[from] SignatureError),
}

/// Checks `block` as the child of `parent` (`None`: the first block).
///
/// `already_included` answers whether a transaction id is in a block below this
/// one; ids found are refused, and the block's own ids are checked against each
/// other. Returns the block's transaction ids, for the caller's next check.
///
/// # Errors
/// The first rule the block breaks.
pub fn check_block(
    parent: Option<&Block>,
    block: &Block,
    min_masternodes: usize,
    already_included: &mut dyn FnMut(&Hash32) -> bool,
) -> Result<Vec<Hash32>, Invalid> {
    let (expected_height, expected_parent, parent_ts) = match parent {
        Some(p) => (p.height + 1, p.hash(), p.timestamp_ms),
        None => (1, Hash32::ZERO, 0),
    };
    if block.height != expected_height {
        return Err(Invalid::Height {
            found: block.height,
            expected: expected_height,
        });
    }
    if block.parent != expected_parent {
        return Err(Invalid::Parent {
            found: block.parent,
            expected: expected_parent,
        });
    }
    if block.timestamp_ms < parent_ts {
        return Err(Invalid::Timestamp {
            found: block.timestamp_ms,
            parent: parent_ts,
        });
    }
    check_producer(block, min_masternodes)?;
    let ids = check_transactions(block, already_included)?;
    block.verify_signature()?;
    Ok(ids)
}

fn check_producer(block: &Block, min_masternodes: usize) -> Result<(), Invalid> {
    if !schedule::is_sorted_set(&block.masternodes) {
        return Err(Invalid::UnsortedSet);
    }
    if block.masternodes.len() < min_masternodes.max(1) {
        return Err(Invalid::TooFewMasternodes {
            found: block.masternodes.len(),
            min: min_masternodes,
        });
    }
    match schedule::leader(block.height, block.round, &block.masternodes) {
        Some(expected) if expected == block.producer => Ok(()),
        Some(expected) => Err(Invalid::NotLeader {
            producer: block.producer,
            round: block.round,
            expected,
        }),
        None => Err(Invalid::TooFewMasternodes {
            found: 0,
            min: min_masternodes,
        }),
    }
}

fn check_transactions(
    block: &Block,
    already_included: &mut dyn FnMut(&Hash32) -> bool,
) -> Result<Vec<Hash32>, Invalid> {
    if block.transactions.len() > MAX_BLOCK_TXS {
        return Err(Invalid::TooManyTransactions);
    }
    let mut ids = Vec::with_capacity(block.transactions.len());
    let mut seen = HashSet::new();
    let mut bytes = 0;
    for (index, tx) in block.transactions.iter().enumerate() {
        let (id, size) = check_tx(tx).map_err(|source| Invalid::Transaction { index, source })?;
        bytes += size;
        if bytes > MAX_BLOCK_TX_BYTES {
            return Err(Invalid::TooManyTransactions);
        }
        if !seen.insert(id) || already_included(&id) {
            return Err(Invalid::DuplicateTransaction(id));
        }
        ids.push(id);
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::SigningKey;
    use serde_json::json;

    use super::*;

    struct Fleet {
        keys: Vec<SigningKey>,
        set: Vec<NodeId>,
    }

    fn fleet() -> Fleet {
        let mut keys: Vec<SigningKey> = (1..=4u8)
            .map(|b| SigningKey::from_bytes(&[b; 32]))
            .collect();
        keys.sort_by_key(|k| k.verifying_key().to_bytes());
        let set = keys
            .iter()
            .map(|k| NodeId(k.verifying_key().to_bytes()))
            .collect();
        Fleet { keys, set }
    }

    impl Fleet {
        fn make(&self, parent: Option<&Block>, round: u32, txs: Vec<serde_json::Value>) -> Block {
            let height = parent.map_or(1, |p| p.height + 1);
            let leader = schedule::leader(height, round, &self.set).expect("leader");
            let key = &self.keys[self
                .set
                .iter()
                .position(|id| *id == leader)
                .expect("member")];
            let parent_hash = parent.map_or(Hash32::ZERO, Block::hash);
            Block::sign(
                key,
                height,
                parent_hash,
                1_000 * height,
                round,
                self.set.clone(),
                txs,
            )
        }
    }

    fn never(_: &Hash32) -> bool {
        false
    }

    #[test]
    fn a_well_formed_chain_passes() {
        let f = fleet();
        let first = f.make(None, 0, vec![json!({"a": 1})]);
        assert!(check_block(None, &first, 3, &mut never).is_ok());
        let second = f.make(Some(&first), 2, vec![]);
        assert_eq!(
            check_block(Some(&first), &second, 3, &mut never),
            Ok(vec![])
        );
    }

    #[test]
    fn each_broken_rule_is_named() {
        let f = fleet();
        let first = f.make(None, 0, vec![]);
        let second = f.make(Some(&first), 0, vec![]);
        assert!(matches!(
            check_block(None, &second, 3, &mut never),
            Err(Invalid::Height { .. })
        ));

        let other_first = f.make(None, 1, vec![]);
        assert!(matches!(
            check_block(Some(&other_first), &second, 3, &mut never),
            Err(Invalid::Parent { .. })
        ));

        // Signed by a member that is not the leader of its round.
        let wrong = f
            .keys
            .iter()
            .find(|k| NodeId(k.verifying_key().to_bytes()) != second.producer)
            .expect("another key");
        let usurper = Block::sign(wrong, 2, first.hash(), 2_000, 0, f.set.clone(), vec![]);
        assert!(matches!(
            check_block(Some(&first), &usurper, 3, &mut never),
            Err(Invalid::NotLeader { .. })
        ));

        let mut small = second.clone();
        small.masternodes.truncate(2);
        assert!(matches!(
            check_block(Some(&first), &small, 3, &mut never),
            Err(Invalid::TooFewMasternodes { found: 2, min: 3 })
        ));

        let mut forged = second.clone();
        forged.timestamp_ms += 1;
        assert!(matches!(
            check_block(Some(&first), &forged, 3, &mut never),
            Err(Invalid::Signature(_))
        ));

        let mut early = second;
        early.timestamp_ms = 1;
        assert!(matches!(
            check_block(Some(&first), &early, 3, &mut never),
            Err(Invalid::Timestamp { .. })
        ));
    }

    #[test]
    fn transactions_must_be_objects_and_new() {
        let f = fleet();
        let bad = f.make(None, 0, vec![json!([1])]);
        assert!(matches!(
            check_block(None, &bad, 3, &mut never),
            Err(Invalid::Transaction { index: 0, .. })
        ));
        let twice = f.make(None, 0, vec![json!({"a": 1}), json!({"a": 1})]);
        assert!(matches!(
            check_block(None, &twice, 3, &mut never),
            Err(Invalid::DuplicateTransaction(_))
        ));
        let replay = f.make(None, 0, vec![json!({"a": 1})]);
        assert!(matches!(
            check_block(None, &replay, 3, &mut |_| true),
            Err(Invalid::DuplicateTransaction(_))
        ));
    }
}
