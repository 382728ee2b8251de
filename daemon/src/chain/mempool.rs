//! Transactions waiting for a block.
//!
//! A transaction is any JSON object up to [`MAX_TX_BYTES`] of canonical JSON; its
//! id is the hash of those bytes, so submitting the same object twice (to one node
//! or to several) is the same transaction. Pending transactions stay until a block
//! of our chain includes them, and come back if that block is reverted.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use super::hash::{Hash32, canonical_bytes};
use super::limits::{MAX_MEMPOOL_TXS, MAX_TX_BYTES};

/// Why a transaction is refused. Shown to RPC clients as a 4xx.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TxError {
    #[error("a transaction must be a JSON object")]
    NotAnObject,
    #[error("transaction is {size} bytes, above the {MAX_TX_BYTES}-byte limit")]
    TooLarge { size: usize },
    #[error("too many pending transactions ({MAX_MEMPOOL_TXS}); try again later")]
    Full,
}

/// Checks a transaction and returns its id and canonical size.
///
/// # Errors
/// Not an object, or too large.
pub(crate) fn check_tx(tx: &Value) -> Result<(Hash32, usize), TxError> {
    if !tx.is_object() {
        return Err(TxError::NotAnObject);
    }
    let bytes = canonical_bytes(tx);
    if bytes.len() > MAX_TX_BYTES {
        return Err(TxError::TooLarge { size: bytes.len() });
    }
    Ok((Hash32::of(&bytes), bytes.len()))
}

/// Pending transactions in arrival order.
#[derive(Debug, Default)]
pub(crate) struct Mempool {
    by_id: HashMap<Hash32, (u64, usize, Value)>,
    order: BTreeMap<u64, Hash32>,
    next_seq: u64,
}

impl Mempool {
    /// Adds a checked transaction; `false` when it was already pending.
    ///
    /// # Errors
    /// [`TxError::Full`] when the pool is at its cap.
    pub(crate) fn insert(&mut self, id: Hash32, size: usize, tx: Value) -> Result<bool, TxError> {
        if self.by_id.contains_key(&id) {
            return Ok(false);
        }
        if self.by_id.len() >= MAX_MEMPOOL_TXS {
            return Err(TxError::Full);
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.by_id.insert(id, (seq, size, tx));
        self.order.insert(seq, id);
        Ok(true)
    }

    /// Forgets a transaction, typically because a block of our chain now holds it.
    pub(crate) fn remove(&mut self, id: &Hash32) {
        if let Some((seq, _, _)) = self.by_id.remove(id) {
            self.order.remove(&seq);
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.by_id.len()
    }

    /// The oldest pending transactions, up to `max_count` and `max_bytes` in total:
    /// what a producer puts in its next block. They stay pending until included.
    pub(crate) fn select(&self, max_count: usize, max_bytes: usize) -> Vec<Value> {
        let mut picked = Vec::new();
        let mut bytes = 0;
        for id in self.order.values() {
            let Some((_, size, tx)) = self.by_id.get(id) else {
                continue;
            };
            if picked.len() == max_count || bytes + size > max_bytes {
                break;
            }
            bytes += size;
            picked.push(tx.clone());
        }
        picked
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn add(pool: &mut Mempool, tx: Value) -> Result<bool, TxError> {
        let (id, size) = check_tx(&tx)?;
        pool.insert(id, size, tx)
    }

    #[test]
    fn only_objects_within_the_limit_are_transactions() {
        assert_eq!(check_tx(&json!([1, 2])), Err(TxError::NotAnObject));
        assert_eq!(check_tx(&json!("x")), Err(TxError::NotAnObject));
        let big = json!({"pad": "x".repeat(MAX_TX_BYTES)});
        assert!(matches!(check_tx(&big), Err(TxError::TooLarge { .. })));
        let edge = json!({"p": "x".repeat(MAX_TX_BYTES - 8)});
        assert_eq!(check_tx(&edge).map(|(_, size)| size), Ok(MAX_TX_BYTES));
    }

    #[test]
    fn same_object_is_the_same_transaction() {
        let mut pool = Mempool::default();
        assert_eq!(add(&mut pool, json!({"a": 1, "b": 2})), Ok(true));
        let reordered: Value = serde_json::from_str(r#"{"b":2,"a":1}"#).expect("json");
        assert_eq!(add(&mut pool, reordered), Ok(false));
        assert_eq!(pool.len(), 1);
    }

    #[test]
    fn selection_keeps_arrival_order_and_caps() {
        let mut pool = Mempool::default();
        for i in 0..5 {
            add(&mut pool, json!({"n": i})).expect("insert");
        }
        let picked = pool.select(3, usize::MAX);
        assert_eq!(
            picked,
            vec![json!({"n": 0}), json!({"n": 1}), json!({"n": 2})]
        );
        assert_eq!(pool.select(10, 8).len(), 1, "one 7-byte tx fits in 8 bytes");
        let (first, _) = check_tx(&json!({"n": 0})).expect("tx");
        pool.remove(&first);
        assert_eq!(pool.select(1, usize::MAX), vec![json!({"n": 1})]);
        assert_eq!(pool.len(), 4);
    }
}
