//! The checks a block must pass before any node votes for it or appends it:
//! parent, height, timestamp (after the parent, not from the future), producer
//! (the proposer of the block's consensus round among the network definition's
//! masternodes), transactions and signature.
//!
//! Pure functions of the block, its parent, the schedule, the local clock and a
//! lookup of already-included transactions, so every rule can be tested without a
//! network or a store.

use std::collections::HashSet;

use timecoin_shared::wire::NodeId;

use super::block::{Block, SignatureError};
use super::hash::Hash32;
use super::limits::{MAX_BLOCK_TX_BYTES, MAX_BLOCK_TXS, MAX_CLOCK_AHEAD_MS};
use super::schedule::Schedule;

/// Why a block is refused. Logged beside `Rejected block at height H`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum Invalid {
    #[error("height {found} does not follow its parent (expected {expected})")]
    Height { found: u64, expected: u64 },
    #[error("parent hash {found} is not the block below ({expected})")]
    Parent { found: Hash32, expected: Hash32 },
    #[error("timestamp {found} is not after its parent's ({parent})")]
    NotAfterParent { found: u64, parent: u64 },
    #[error("timestamp {found} is {ahead_ms} ms ahead of our clock")]
    FromTheFuture { found: u64, ahead_ms: u64 },
    #[error("the network definition lists no masternodes")]
    NoMasternodes,
    #[error("producer {producer} is not the proposer of round {round} (expected {expected})")]
    NotProposer {
        producer: NodeId,
        round: u32,
        expected: NodeId,
    },
    #[error("block holds too many transactions or bytes of them")]
    TooManyTransactions,
    #[error("transaction {0} is already in the chain")]
    DuplicateTransaction(Hash32),
    #[error("bad signature: {0}")]
    Signature(#[from] SignatureError),
}

/// Checks `block` as the child of `parent` (`None`: the first block) under
/// `schedule`, with the local clock reading `now_ms`.
///
/// `already_included` answers whether a transaction id is in a block below this
/// one; ids found are refused, and the block's own ids are checked against each
/// other. Returns the block's transaction ids, for the caller's next check.
///
/// # Errors
/// The first rule the block breaks.
pub(crate) fn check_block(
    parent: Option<&Block>,
    block: &Block,
    schedule: &Schedule,
    now_ms: u64,
    already_included: &mut dyn FnMut(&Hash32) -> bool,
) -> Result<Vec<Hash32>, Invalid> {
    let (expected_height, expected_parent, base_ms) = match parent {
        Some(p) => (p.height + 1, p.hash(), p.timestamp_ms),
        None => (1, Hash32::ZERO, schedule.genesis_ms),
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
    check_timestamp(block, base_ms, now_ms)?;
    check_producer(block, schedule)?;
    let ids = check_transactions(block, already_included)?;
    block.verify_signature()?;
    Ok(ids)
}

/// The timestamp must come after the parent's (so block times only rise),
/// and not further ahead of our clock than honest clocks drift (so a block
/// from the future cannot freeze every later timestamp).
fn check_timestamp(block: &Block, base_ms: u64, now_ms: u64) -> Result<(), Invalid> {
    let ahead_ms = block.timestamp_ms.saturating_sub(now_ms);
    if ahead_ms > MAX_CLOCK_AHEAD_MS {
        return Err(Invalid::FromTheFuture {
            found: block.timestamp_ms,
            ahead_ms,
        });
    }
    if block.timestamp_ms <= base_ms {
        return Err(Invalid::NotAfterParent {
            found: block.timestamp_ms,
            parent: base_ms,
        });
    }
    Ok(())
}

fn check_producer(block: &Block, schedule: &Schedule) -> Result<(), Invalid> {
    match schedule.proposer(block.height, block.round) {
        Some(expected) if expected == block.producer => Ok(()),
        Some(expected) => Err(Invalid::NotProposer {
            producer: block.producer,
            round: block.round,
            expected,
        }),
        None => Err(Invalid::NoMasternodes),
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
    for tx in block.transactions.iter() {
        let id = tx.id();
        bytes += tx.size();
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
    use crate::chain::tx::Tx;

    const GENESIS: u64 = 1_000_000;
    const NOW: u64 = GENESIS + 1_000_000;

    struct Fleet {
        keys: Vec<SigningKey>,
        schedule: Schedule,
    }

    fn fleet() -> Fleet {
        let keys: Vec<SigningKey> = (1..=4u8)
            .map(|b| SigningKey::from_bytes(&[b; 32]))
            .collect();
        let set = keys
            .iter()
            .map(|k| NodeId(k.verifying_key().to_bytes()))
            .collect();
        let schedule = Schedule::new(set, GENESIS);
        Fleet { keys, schedule }
    }

    impl Fleet {
        fn key_of(&self, id: NodeId) -> &SigningKey {
            self.keys
                .iter()
                .find(|k| NodeId(k.verifying_key().to_bytes()) == id)
                .expect("member")
        }

        /// A valid block in `round`, stamped a second and a round after its parent.
        fn make(&self, parent: Option<&Block>, round: u32, txs: Vec<serde_json::Value>) -> Block {
            let txs = txs
                .iter()
                .map(|v| Tx::from_value(v).expect("a transaction"))
                .collect();
            let height = parent.map_or(1, |p| p.height + 1);
            let proposer = self.schedule.proposer(height, round).expect("proposer");
            let base = parent.map_or(GENESIS, |p| p.timestamp_ms);
            let parent_hash = parent.map_or(Hash32::ZERO, Block::hash);
            Block::sign(
                self.key_of(proposer),
                height,
                parent_hash,
                base + 1_000 * (u64::from(round) + 1) + 10,
                round,
                txs,
            )
        }

        fn check(&self, parent: Option<&Block>, block: &Block) -> Result<Vec<Hash32>, Invalid> {
            check_block(parent, block, &self.schedule, NOW, &mut never)
        }
    }

    fn never(_: &Hash32) -> bool {
        false
    }

    #[test]
    fn a_well_formed_chain_passes() {
        let f = fleet();
        let first = f.make(None, 0, vec![json!({"a": 1})]);
        assert!(f.check(None, &first).is_ok());
        let second = f.make(Some(&first), 2, vec![]);
        assert_eq!(f.check(Some(&first), &second), Ok(vec![]));
    }

    #[test]
    fn each_broken_rule_is_named() {
        let f = fleet();
        let first = f.make(None, 0, vec![]);
        let second = f.make(Some(&first), 0, vec![]);
        assert!(matches!(
            f.check(None, &second),
            Err(Invalid::Height { .. })
        ));

        let other_first = f.make(None, 1, vec![]);
        assert!(matches!(
            f.check(Some(&other_first), &second),
            Err(Invalid::Parent { .. })
        ));

        // Signed by a configured masternode that is not the proposer of its round.
        let wrong = f
            .keys
            .iter()
            .find(|k| NodeId(k.verifying_key().to_bytes()) != second.producer)
            .expect("another key");
        let usurper = Block::sign(wrong, 2, first.hash(), second.timestamp_ms, 0, vec![]);
        assert!(matches!(
            f.check(Some(&first), &usurper),
            Err(Invalid::NotProposer { .. })
        ));

        // Signed by a key outside the network definition.
        let outsider = SigningKey::from_bytes(&[9; 32]);
        let foreign = Block::sign(&outsider, 2, first.hash(), second.timestamp_ms, 0, vec![]);
        assert!(matches!(
            f.check(Some(&first), &foreign),
            Err(Invalid::NotProposer { .. })
        ));

        let mut forged = second.clone();
        forged.timestamp_ms += 1;
        assert!(matches!(
            f.check(Some(&first), &forged),
            Err(Invalid::Signature(_))
        ));

        let mut early = second.clone();
        early.timestamp_ms = first.timestamp_ms;
        assert!(matches!(
            f.check(Some(&first), &early),
            Err(Invalid::NotAfterParent { .. })
        ));

        let empty = Schedule::new(Vec::new(), GENESIS);
        assert_eq!(
            check_block(Some(&first), &second, &empty, NOW, &mut never),
            Err(Invalid::NoMasternodes)
        );
    }

    #[test]
    fn a_block_from_the_future_is_refused() {
        let f = fleet();
        let first = f.make(None, 0, vec![]);
        let proposer = f.schedule.proposer(2, 0).expect("proposer");
        // A century ahead.
        let far = NOW + 100 * 365 * 24 * 3600 * 1000;
        let future = Block::sign(f.key_of(proposer), 2, first.hash(), far, 0, vec![]);
        assert!(matches!(
            f.check(Some(&first), &future),
            Err(Invalid::FromTheFuture { .. })
        ));
        // Within the drift an honest clock may have, it passes.
        let near = NOW + MAX_CLOCK_AHEAD_MS;
        let close = Block::sign(f.key_of(proposer), 2, first.hash(), near, 0, vec![]);
        assert!(f.check(Some(&first), &close).is_ok());
    }

    #[test]
    fn transactions_must_be_new() {
        let f = fleet();
        let twice = f.make(None, 0, vec![json!({"a": 1}), json!({"a": 1})]);
        assert!(matches!(
            f.check(None, &twice),
            Err(Invalid::DuplicateTransaction(_))
        ));
        let replay = f.make(None, 0, vec![json!({"a": 1})]);
        assert!(matches!(
            check_block(None, &replay, &f.schedule, NOW, &mut |_| true),
            Err(Invalid::DuplicateTransaction(_))
        ));
    }
}
