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

use super::hash::Hash32;
use super::limits::{ENTRY_OVERHEAD, MAX_TX_BYTES};
use super::tx::Tx;

/// Why a transaction is refused. Shown to RPC clients as a 4xx, or a 503 when full.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TxError {
    #[error("a transaction must be a JSON object")]
    NotAnObject,
    #[error("transaction is {size} bytes, above the {MAX_TX_BYTES}-byte limit")]
    TooLarge { size: usize },
    /// Nested too deep for a transaction.
    #[error("invalid transaction: {0}")]
    Malformed(String),
    #[error(
        "the mempool is full ({used} of its {limit} bytes are pending transactions); try again later"
    )]
    Full { used: usize, limit: usize },
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
    pub(crate) fn select(&self, max_count: usize, max_bytes: usize) -> Vec<Tx> {
        let mut picked = Vec::new();
        let mut total = 0;
        for id in self.order.values() {
            let Some((_, bytes)) = self.by_id.get(id) else {
                continue;
            };
            if picked.len() == max_count || total + bytes.len() > max_bytes {
                break;
            }
            // The bytes are canonical text this node wrote itself.
            if let Ok(text) = String::from_utf8(bytes.to_vec()) {
                total += bytes.len();
                picked.push(Tx::from_canonical(text));
            }
        }
        picked
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn add(pool: &mut Mempool, tx: Value) -> Result<bool, TxError> {
        let tx = Tx::from_value(&tx)?;
        pool.insert(tx.id(), tx.into_bytes())
    }

    fn id(tx: Value) -> Hash32 {
        Tx::from_value(&tx).expect("tx").id()
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
            [json!({"n": 0}), json!({"n": 1}), json!({"n": 2})]
                .iter()
                .map(|v| Tx::from_value(v).expect("tx"))
                .collect::<Vec<_>>()
        );
        assert_eq!(pool.select(10, 8).len(), 1, "one 7-byte tx fits in 8 bytes");
        pool.remove(&id(json!({"n": 0})));
        let second = Tx::from_value(&json!({"n": 1})).expect("tx");
        assert_eq!(pool.select(1, usize::MAX), vec![second]);
        assert_eq!(pool.len(), 4);
    }

    #[test]
    fn the_byte_limit_holds_and_frees_on_removal() {
        let tx = |n: usize| json!({"n": n, "pad": "x".repeat(1000)});
        let one = Tx::from_value(&tx(0)).expect("tx").size();
        let limit = 3 * charge(one) + 10;
        let mut pool = Mempool::new(limit);
        for n in 0..3 {
            assert_eq!(add(&mut pool, tx(n)), Ok(true));
        }
        let full = add(&mut pool, tx(3)).expect_err("over the limit");
        assert!(matches!(full, TxError::Full { limit: l, .. } if l == limit));
        assert!(full.to_string().contains("full"), "{full}");
        assert!(pool.used_bytes() <= limit);
        pool.remove(&id(tx(0)));
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
