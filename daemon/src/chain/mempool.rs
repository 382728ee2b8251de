//! Transactions waiting for a block, bounded in bytes.
//!
//! A transaction is any JSON object up to
//! [`MAX_TX_BYTES`](super::limits::MAX_TX_BYTES) of canonical JSON; its id is the
//! hash of those bytes, so submitting the same object twice (to one node or to
//! several) is the same transaction. Pending transactions stay until a final
//! block includes them (or they expire): a final block is never reverted, so none
//! comes back.
//!
//! The pool holds each transaction as its canonical bytes, not as a parsed JSON
//! tree: a tree of small values takes several times its text in memory, so
//! counting text while holding trees would let a flood of `[[],[],...]` outgrow the
//! bound. Each entry is charged its bytes plus [`ENTRY_OVERHEAD`], so the pool's
//! memory stays within its byte limit whatever the transactions look like.
//!
//! Under a flood (issue 22: four stranger links filled the pool and honest
//! clients were refused): every entry expires after the pool's time to live,
//! and a full pool makes room by evicting the newest entries of the origin (a
//! peer, the RPC clients) holding the most, as long as it holds more than the
//! newcomer's origin would; otherwise the newcomer is refused
//! ([`TxError::Full`](super::tx::TxError::Full)). A flooding peer thus crowds out only itself.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant};

use timecoin_shared::wire::NodeId;

use super::hash::Hash32;
use super::limits::ENTRY_OVERHEAD;
use super::tx::{Tx, TxError};

/// Where a pending transaction came from. When the pool is full, what gives way
/// is the newest of the origin holding the most: a flood from a few peers costs
/// those peers their own entries, never the clients' (issue 22).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Origin {
    /// Submitted over RPC.
    Client,
    /// Gossiped by this peer.
    Peer(NodeId),
}

/// What [`Mempool::insert`] did with a new transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Inserted {
    /// Added; `evicted` entries of noisier origins made room for it.
    Added { evicted: usize },
    /// It was pending already.
    Known,
}

#[derive(Debug)]
struct Entry {
    seq: u64,
    bytes: Box<[u8]>,
    origin: Origin,
    at: Instant,
}

/// What one origin holds.
#[derive(Debug, Default)]
struct Holding {
    charged: usize,
    seqs: BTreeSet<u64>,
}

/// Pending transactions in arrival order, at most `limit` bytes of them, each
/// for at most `ttl`.
#[derive(Debug)]
pub(crate) struct Mempool {
    by_id: HashMap<Hash32, Entry>,
    order: BTreeMap<u64, Hash32>,
    origins: HashMap<Origin, Holding>,
    next_seq: u64,
    /// Bytes charged for the entries held (their bytes plus the overhead).
    used: usize,
    limit: usize,
    ttl: Duration,
}

/// What an entry of `size` bytes costs against the limit.
fn charge(size: usize) -> usize {
    size + ENTRY_OVERHEAD
}

impl Mempool {
    /// An empty pool that holds at most `limit` bytes, each entry for `ttl`.
    pub(crate) fn new(limit: usize, ttl: Duration) -> Mempool {
        Mempool {
            by_id: HashMap::new(),
            order: BTreeMap::new(),
            origins: HashMap::new(),
            next_seq: 0,
            used: 0,
            limit,
            ttl,
        }
    }

    /// Adds a checked transaction (its id and canonical bytes) from `origin` at
    /// `now`. When it does not fit, the newest entries of the origin holding
    /// the most make room, as long as that origin would still hold more than
    /// `origin` with the newcomer.
    ///
    /// # Errors
    /// [`TxError::Full`] when it does not fit and `origin` holds the most
    /// already (or nothing may give way); nothing is evicted then.
    pub(crate) fn insert(
        &mut self,
        id: Hash32,
        bytes: Vec<u8>,
        origin: Origin,
        now: Instant,
    ) -> Result<Inserted, TxError> {
        if self.by_id.contains_key(&id) {
            return Ok(Inserted::Known);
        }
        let cost = charge(bytes.len());
        let victims = self.make_room(origin, cost).ok_or(TxError::Full {
            used: self.used,
            limit: self.limit,
        })?;
        for victim in &victims {
            self.remove(victim);
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.used += cost;
        let holding = self.origins.entry(origin).or_default();
        holding.charged += cost;
        holding.seqs.insert(seq);
        let bytes = bytes.into_boxed_slice();
        self.by_id.insert(
            id,
            Entry {
                seq,
                bytes,
                origin,
                at: now,
            },
        );
        self.order.insert(seq, id);
        Ok(Inserted::Added {
            evicted: victims.len(),
        })
    }

    /// The entries to evict so that `cost` more bytes from `origin` fit: a plan,
    /// so that nothing is evicted when the newcomer is refused anyway.
    fn make_room(&self, origin: Origin, cost: usize) -> Option<Vec<Hash32>> {
        let mut victims = Vec::new();
        let mut freed = 0;
        // What each origin would hold, and the newest entry not yet planned away.
        let mut left: HashMap<Origin, (usize, Option<u64>)> = self
            .origins
            .iter()
            .map(|(o, h)| (*o, (h.charged, h.seqs.last().copied())))
            .collect();
        let mine = left.get(&origin).map_or(0, |(charged, _)| *charged) + cost;
        while self.used - freed + cost > self.limit {
            let (noisiest, (charged, newest)) = left
                .iter_mut()
                .filter(|(o, _)| **o != origin)
                .max_by_key(|(_, (charged, _))| *charged)?;
            let seq = (*charged > mine).then_some(*newest)??;
            let id = self.order.get(&seq)?;
            let entry_cost = charge(self.by_id.get(id)?.bytes.len());
            *charged -= entry_cost;
            freed += entry_cost;
            *newest = self
                .origins
                .get(noisiest)?
                .seqs
                .range(..seq)
                .next_back()
                .copied();
            victims.push(*id);
        }
        Some(victims)
    }

    /// Forgets a transaction, typically because a block of our chain now holds it.
    pub(crate) fn remove(&mut self, id: &Hash32) {
        let Some(entry) = self.by_id.remove(id) else {
            return;
        };
        self.order.remove(&entry.seq);
        let cost = charge(entry.bytes.len());
        self.used -= cost;
        if let Some(holding) = self.origins.get_mut(&entry.origin) {
            holding.charged -= cost;
            holding.seqs.remove(&entry.seq);
            if holding.seqs.is_empty() {
                self.origins.remove(&entry.origin);
            }
        }
    }

    /// Forgets every transaction pending for longer than the pool's time to
    /// live at `now`; how many. Correctness: arrival order is time order, so
    /// only the oldest few are ever looked at.
    pub(crate) fn expire(&mut self, now: Instant) -> usize {
        let mut expired = 0;
        while let Some((_, id)) = self.order.first_key_value() {
            let id = *id;
            let old = self
                .by_id
                .get(&id)
                .is_some_and(|e| now.saturating_duration_since(e.at) >= self.ttl);
            if !old {
                break;
            }
            self.remove(&id);
            expired += 1;
        }
        expired
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
            let Some(Entry { bytes, .. }) = self.by_id.get(id) else {
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
mod tests;
