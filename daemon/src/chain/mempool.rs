//! Transactions waiting for a block, bounded in bytes.
//!
//! A transaction is any JSON object up to [`MAX_TX_BYTES`] of canonical JSON; its
//! id is the hash of those bytes, so submitting the same object twice (to one node
//! or to several) is the same transaction. Pending transactions stay until a block
//! of our chain includes them, and come back if that block is reverted.
//!
//! The pool holds each transaction as its canonical bytes, not as a parsed JSON
//! tree: a tree of small values takes several times its text in memory, so
//! counting text while holding trees would let a flood of `[[],[],...]` outgrow the
//! bound. Each entry is charged its bytes plus [`ENTRY_OVERHEAD`], so the pool's
//! memory stays within its byte limit whatever the transactions look like; when
//! full, new transactions are refused ([`TxError::Full`]) and nothing is evicted.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use super::hash::{Hash32, canonical_bytes};
use super::limits::{ENTRY_OVERHEAD, MAX_TX_BYTES};

/// Why a transaction is refused. Shown to RPC clients as a 4xx, or a 503 when full.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TxError {
    #[error("a transaction must be a JSON object")]
    NotAnObject,
    #[error("transaction is {size} bytes, above the {MAX_TX_BYTES}-byte limit")]
    TooLarge { size: usize },
    #[error(
        "the mempool is full ({used} of its {limit} bytes are pending transactions); try again later"
    )]
    Full { used: usize, limit: usize },
}

/// Checks a transaction and returns its id and canonical bytes.
///
/// # Errors
/// Not an object, or too large.
pub(crate) fn canonical_tx(tx: &Value) -> Result<(Hash32, Vec<u8>), TxError> {
    if !tx.is_object() {
        return Err(TxError::NotAnObject);
    }
    let bytes = canonical_bytes(tx);
    if bytes.len() > MAX_TX_BYTES {
        return Err(TxError::TooLarge { size: bytes.len() });
    }
    Ok((Hash32::of(&bytes), bytes))
}

/// Checks a transaction and returns its id and canonical size.
///
/// # Errors
/// Not an object, or too large.
pub(crate) fn check_tx(tx: &Value) -> Result<(Hash32, usize), TxError> {
    canonical_tx(tx).map(|(id, bytes)| (id, bytes.len()))
}

/// Pending transactions in arrival order, at most `limit` bytes of them.
#[derive(Debug)]
pub(crate) struct Mempool {
    by_id: HashMap<Hash32, (u64, Box<[u8]>)>,
    order: BTreeMap<u64, Hash32>,
    next_seq: u64,
    /// Bytes charged for the entries held (their bytes plus the overhead).
    used: usize,
    limit: usize,
}

/// What an entry of `size` bytes costs against the limit.
fn charge(size: usize) -> usize {
    size + ENTRY_OVERHEAD
}

impl Mempool {
    /// An empty pool that holds at most `limit` bytes.
    pub(crate) fn new(limit: usize) -> Mempool {
        Mempool {
            by_id: HashMap::new(),
            order: BTreeMap::new(),
            next_seq: 0,
            used: 0,
            limit,
        }
    }

    /// Adds a checked transaction (its id and canonical bytes); `false` when it
    /// was already pending.
    ///
    /// # Errors
    /// [`TxError::Full`] when it does not fit in what is left of the limit.
    pub(crate) fn insert(&mut self, id: Hash32, bytes: Vec<u8>) -> Result<bool, TxError> {
        if self.by_id.contains_key(&id) {
            return Ok(false);
        }
        if self.used + charge(bytes.len()) > self.limit {
            return Err(TxError::Full {
                used: self.used,
                limit: self.limit,
            });
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.used += charge(bytes.len());
        self.by_id.insert(id, (seq, bytes.into_boxed_slice()));
        self.order.insert(seq, id);
        Ok(true)
    }

    /// Forgets a transaction, typically because a block of our chain now holds it.
    pub(crate) fn remove(&mut self, id: &Hash32) {
        if let Some((seq, bytes)) = self.by_id.remove(id) {
            self.order.remove(&seq);
            self.used -= charge(bytes.len());
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Bytes charged against the limit now.
    pub(crate) fn used_bytes(&self) -> usize {
        self.used
    }

    /// The byte limit.
    pub(crate) fn limit_bytes(&self) -> usize {
        self.limit
    }

    /// The oldest pending transactions, up to `max_count` and `max_bytes` of
    /// canonical JSON in total: what a producer puts in its next block. They stay
    /// pending until included.
    pub(crate) fn select(&self, max_count: usize, max_bytes: usize) -> Vec<Value> {
        let mut picked = Vec::new();
        let mut total = 0;
        for id in self.order.values() {
            let Some((_, bytes)) = self.by_id.get(id) else {
                continue;
            };
            if picked.len() == max_count || total + bytes.len() > max_bytes {
                break;
            }
            // The bytes are JSON this node wrote itself, so they always parse.
            if let Ok(tx) = serde_json::from_slice(bytes) {
                total += bytes.len();
                picked.push(tx);
            }
        }
        picked
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn add(pool: &mut Mempool, tx: Value) -> Result<bool, TxError> {
        let (id, bytes) = canonical_tx(&tx)?;
        pool.insert(id, bytes)
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
        let mut pool = Mempool::new(1 << 20);
        assert_eq!(add(&mut pool, json!({"a": 1, "b": 2})), Ok(true));
        let reordered: Value = serde_json::from_str(r#"{"b":2,"a":1}"#).expect("json");
        assert_eq!(add(&mut pool, reordered), Ok(false));
        assert_eq!(pool.len(), 1);
    }

    #[test]
    fn selection_keeps_arrival_order_and_caps() {
        let mut pool = Mempool::new(1 << 20);
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

    #[test]
    fn the_byte_limit_holds_and_frees_on_removal() {
        let tx = |n: usize| json!({"n": n, "pad": "x".repeat(1000)});
        let (_, one) = canonical_tx(&tx(0)).expect("tx");
        let limit = 3 * charge(one.len()) + 10;
        let mut pool = Mempool::new(limit);
        for n in 0..3 {
            assert_eq!(add(&mut pool, tx(n)), Ok(true));
        }
        let full = add(&mut pool, tx(3)).expect_err("over the limit");
        assert!(matches!(full, TxError::Full { limit: l, .. } if l == limit));
        assert!(full.to_string().contains("full"), "{full}");
        assert!(pool.used_bytes() <= limit);
        let (first, _) = check_tx(&tx(0)).expect("tx");
        pool.remove(&first);
        assert_eq!(
            add(&mut pool, tx(3)),
            Ok(true),
            "room again after a removal"
        );
        // Tiny transactions pay the entry overhead, so their number is bounded too.
        let mut tiny = Mempool::new(100 * ENTRY_OVERHEAD);
        let fitted = (0..1000)
            .take_while(|n| add(&mut tiny, json!({"n": n})).is_ok())
            .count();
        assert!(fitted < 100, "{fitted} tiny transactions in 100 overheads");
    }
}
