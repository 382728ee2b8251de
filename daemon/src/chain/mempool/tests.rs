//! The mempool's rules: what a transaction is, the byte limit, arrival order,
//! eviction of the noisiest origin and expiry.

use serde_json::{Value, json};

use super::*;

const TTL: Duration = Duration::from_secs(60);

/// A transaction's id and canonical bytes.
fn checked(tx: &Value) -> Result<(Hash32, Vec<u8>), TxError> {
    let tx = Tx::from_value(tx)?;
    Ok((tx.id(), tx.to_bytes()))
}

/// A transaction as the pool hands it out.
fn tx_of(tx: Value) -> Tx {
    Tx::from_value(&tx).expect("tx")
}

fn add_from(pool: &mut Mempool, tx: Value, origin: Origin) -> Result<Inserted, TxError> {
    let (id, bytes) = checked(&tx)?;
    pool.insert(id, bytes, origin, Instant::now())
}

fn add(pool: &mut Mempool, tx: Value) -> Result<bool, TxError> {
    add_from(pool, tx, Origin::Client).map(|i| i != Inserted::Known)
}

#[test]
fn same_object_is_the_same_transaction() {
    let mut pool = Mempool::new(1 << 20, TTL);
    assert_eq!(add(&mut pool, json!({"a": 1, "b": 2})), Ok(true));
    let reordered: Value = serde_json::from_str(r#"{"b":2,"a":1}"#).expect("json");
    assert_eq!(add(&mut pool, reordered), Ok(false));
    assert_eq!(pool.len(), 1);
}

#[test]
fn selection_keeps_arrival_order_and_caps() {
    let mut pool = Mempool::new(1 << 20, TTL);
    for i in 0..5 {
        add(&mut pool, json!({"n": i})).expect("insert");
    }
    let picked = pool.select(3, usize::MAX);
    assert_eq!(
        picked,
        vec![
            tx_of(json!({"n": 0})),
            tx_of(json!({"n": 1})),
            tx_of(json!({"n": 2}))
        ]
    );
    assert_eq!(pool.select(10, 8).len(), 1, "one 7-byte tx fits in 8 bytes");
    let (first, _) = checked(&json!({"n": 0})).expect("tx");
    pool.remove(&first);
    assert_eq!(pool.select(1, usize::MAX), vec![tx_of(json!({"n": 1}))]);
    assert_eq!(pool.len(), 4);
}

#[test]
fn the_byte_limit_holds_and_frees_on_removal() {
    let tx = |n: usize| json!({"n": n, "pad": "x".repeat(1000)});
    let (_, one) = checked(&tx(0)).expect("tx");
    let limit = 3 * charge(one.len()) + 10;
    let mut pool = Mempool::new(limit, TTL);
    for n in 0..3 {
        assert_eq!(add(&mut pool, tx(n)), Ok(true));
    }
    let full = add(&mut pool, tx(3)).expect_err("over the limit");
    assert!(matches!(full, TxError::Full { limit: l, .. } if l == limit));
    assert!(full.to_string().contains("full"), "{full}");
    assert!(pool.used_bytes() <= limit);
    let (first, _) = checked(&tx(0)).expect("tx");
    pool.remove(&first);
    assert_eq!(
        add(&mut pool, tx(3)),
        Ok(true),
        "room again after a removal"
    );
    // Tiny transactions pay the entry overhead, so their number is bounded too.
    let mut tiny = Mempool::new(100 * ENTRY_OVERHEAD, TTL);
    let fitted = (0..1000)
        .take_while(|n| add(&mut tiny, json!({"n": n})).is_ok())
        .count();
    assert!(fitted < 100, "{fitted} tiny transactions in 100 overheads");
}

#[test]
fn a_full_pool_evicts_the_noisiest_origins_newest_and_refuses_the_noisiest() {
    let tx = |from: u8, n: usize| json!({"from": from, "n": n, "pad": "x".repeat(1000)});
    let (_, one) = checked(&tx(0, 0)).expect("tx");
    let mut pool = Mempool::new(10 * charge(one.len()), TTL);
    let (flood, quiet) = (Origin::Peer(NodeId([1; 32])), Origin::Peer(NodeId([2; 32])));
    for n in 0..8 {
        assert_eq!(
            add_from(&mut pool, tx(1, n), flood),
            Ok(Inserted::Added { evicted: 0 })
        );
    }
    for n in 0..2 {
        assert!(add_from(&mut pool, tx(2, n), quiet).is_ok());
    }
    assert!(
        matches!(
            add_from(&mut pool, tx(1, 8), flood),
            Err(TxError::Full { .. })
        ),
        "the noisiest origin is refused, not let to evict others"
    );
    assert_eq!(
        add_from(&mut pool, tx(3, 0), Origin::Client),
        Ok(Inserted::Added { evicted: 1 }),
        "a client's transaction takes the flood's newest entry's place"
    );
    let (newest, _) = checked(&tx(1, 7)).expect("tx");
    assert!(
        !pool.by_id.contains_key(&newest),
        "the newest of the flood went"
    );
    let (oldest, _) = checked(&tx(1, 0)).expect("tx");
    assert!(pool.by_id.contains_key(&oldest), "its oldest stays");
    // The quiet peer may grow while the flood holds more than it would.
    for n in 2..4 {
        assert!(add_from(&mut pool, tx(2, n), quiet).is_ok(), "quiet #{n}");
    }
    assert!(pool.used_bytes() <= pool.limit_bytes());
    let holds = |o: Origin| pool.origins.get(&o).map_or(0, |h| h.seqs.len());
    assert_eq!(
        (holds(flood), holds(quiet), holds(Origin::Client)),
        (5, 4, 1)
    );
    assert!(
        add_from(&mut pool, tx(2, 4), quiet).is_err(),
        "with one more, the quiet one would hold as much as the flood"
    );
}

#[test]
fn entries_expire_after_the_time_to_live() {
    let mut pool = Mempool::new(1 << 20, TTL);
    let start = Instant::now();
    for n in 0..3u64 {
        let (id, bytes) = checked(&json!({"n": n})).expect("tx");
        let at = start + Duration::from_secs(10 * n);
        pool.insert(id, bytes, Origin::Client, at).expect("room");
    }
    assert_eq!(pool.expire(start + TTL - Duration::from_secs(1)), 0);
    assert_eq!(pool.expire(start + TTL + Duration::from_secs(10)), 2);
    assert_eq!(pool.len(), 1);
    assert_eq!(pool.select(10, usize::MAX), vec![tx_of(json!({"n": 2}))]);
    assert_eq!(pool.expire(start + TTL * 2), 1);
    assert_eq!((pool.len(), pool.used_bytes()), (0, 0));
    assert!(pool.origins.is_empty(), "nothing left behind");
}
