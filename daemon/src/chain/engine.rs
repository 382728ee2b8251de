//! The chain engine: one node's chain and sync state behind one lock, and how
//! messages from peers reach it; blocks join through [`adopt`](super::adopt).
//!
//! Every method that changes the chain takes the lock, decides, writes the store,
//! then sends the resulting messages after unlocking (see `gossip::Outbox`). The
//! lock is never held across an `.await`; the P2P layer feeds messages in through
//! [`Chain::on_message`].
//!
//! Writing the store ends in an fsync, so the writers run off the async workers
//! (see `chain_link`) and the readers never wait for them: the RPC's figures come
//! from a snapshot published after each change ([`Chain::info`]), blocks are read
//! from the store directly (redb readers see the last commit while a write is in
//! progress), and the mempool has its own lock, taken after the chain's when both
//! are needed and never held across a store write.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use ed25519_dalek::SigningKey;
use serde_json::Value;
use timecoin_shared::wire::NodeId;
use tracing::{debug, warn};

use super::block::Block;
use super::certified::Certifier;
use super::gossip::{Gossip, Outbox};
use super::hash::Hash32;
use super::limits::{DEFAULT_MEMPOOL_BYTES, DEFAULT_TX_GOSSIP_RATE, MEMPOOL_TTL, TX_GOSSIP_BURST};
use super::mempool::{Inserted, Mempool, Origin};
use super::schedule::Schedule;
use super::store::{Finality, Store, StoreError};
use super::sync::SyncState;
use super::tx::Tx;
use super::tx::TxError;
use super::tx_rate::TxRate;
use crate::wire::Message;

/// What the chain needs to know about its node and its network.
#[derive(Clone, Debug)]
pub struct ChainConfig {
    /// Fewer active masternodes than this (or than a quorum) and this node
    /// produces nothing in its rounds.
    pub min_masternodes: usize,
    /// The network definition's masternodes and genesis: who proposes in
    /// which round.
    pub schedule: Schedule,
    /// What a commit certificate is checked against; `None` for a network
    /// without masternodes, where nothing is ever final.
    pub certifier: Option<Certifier>,
}

/// How much the mempool holds and takes from each peer (config `mempool_bytes`
/// and `tx_gossip_rate`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MempoolLimits {
    /// Bytes of pending transactions, entry overhead included.
    pub bytes: usize,
    /// Canonical bytes per second of transactions taken from one peer's gossip.
    pub gossip_rate: u64,
}

impl Default for MempoolLimits {
    fn default() -> Self {
        MempoolLimits {
            bytes: DEFAULT_MEMPOOL_BYTES,
            gossip_rate: DEFAULT_TX_GOSSIP_RATE,
        }
    }
}

/// Counters for `/metrics`, monotonic since start (but `sync_peers`, a gauge).
#[derive(Debug, Default)]
pub struct Counters {
    /// Peers whose announced height the chain holds: its links, no more (a
    /// peer state left behind by a link that has gone shows here).
    pub sync_peers: AtomicU64,
    pub skipped_rounds: AtomicU64,
    pub rounds: AtomicU64,
    pub blocks_produced: AtomicU64,
    pub blocks_accepted: AtomicU64,
    pub blocks_rejected: AtomicU64,
    /// Transactions refused because the mempool was full (RPC and gossip).
    pub txs_refused_full: AtomicU64,
    /// Gossiped transactions dropped because their peer was over its rate.
    pub txs_over_peer_rate: AtomicU64,
    /// Pending transactions evicted to make room for another origin's.
    pub txs_evicted: AtomicU64,
    /// Pending transactions forgotten after the mempool's time to live.
    pub txs_expired: AtomicU64,
    /// Conflicting signed consensus messages caught (one per offence found).
    pub equivocations: AtomicU64,
    /// Consensus messages dropped because the engine's queue was full.
    pub consensus_dropped: AtomicU64,
    /// Signatures of consensus messages the engine checked: what its CPU
    /// goes to, against what a round needs (issue 21).
    pub signature_checks: AtomicU64,
}

/// One node's chain.
pub struct Chain {
    pub(super) id: NodeId,
    pub(super) key: SigningKey,
    pub(super) config: ChainConfig,
    pub(super) gossip: Arc<dyn Gossip>,
    pub(super) counters: Counters,
    /// Shared by the writers (under `state`) and lock-free readers.
    pub(super) store: Store,
    state: Mutex<State>,
    mempool: Mutex<Mempool>,
    tx_rate: Mutex<TxRate>,
    /// What readers see of the tip, updated after every change of it.
    view: Mutex<TipView>,
    /// The round the consensus engine is in, as it last said (`None` without
    /// an engine).
    consensus_round: Mutex<Option<u32>>,
    /// Told after every change of the final tip (the consensus engine waits
    /// on it for a new height).
    listener: Mutex<Option<Box<dyn Fn() + Send>>>,
}

pub(super) struct State {
    /// The highest block: every stored block is final, so this is the final tip.
    pub(super) tip: Option<Block>,
    pub(super) finality: Finality,
    pub(super) sync: SyncState,
}

impl State {
    pub(super) fn height(&self) -> u64 {
        self.tip.as_ref().map_or(0, |b| b.height)
    }
}

/// The tip as readers see it.
#[derive(Clone, Copy, Debug, Default)]
struct TipView {
    height: u64,
    tip_hash: Hash32,
    tip_timestamp_ms: Option<u64>,
    finality: Finality,
}

impl TipView {
    fn of(tip: Option<&Block>, finality: Finality) -> TipView {
        TipView {
            height: tip.map_or(0, |b| b.height),
            tip_hash: tip.map_or(Hash32::ZERO, Block::hash),
            tip_timestamp_ms: tip.map(|b| b.timestamp_ms),
            finality,
        }
    }
}

/// A snapshot for RPC and metrics.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainInfo {
    pub height: u64,
    pub tip_hash: Hash32,
    pub tip_timestamp_ms: Option<u64>,
    pub final_height: u64,
    pub pending_transactions: usize,
    pub finalized_transactions: u64,
    /// Bytes the pending transactions are charged against the limit.
    pub mempool_bytes: usize,
    pub mempool_limit_bytes: usize,
    /// The round the consensus engine is in at the height after the final one.
    pub consensus_round: Option<u32>,
}

/// Where a submitted transaction stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxStatus {
    Pending,
    Included { height: u64 },
    Final { height: u64 },
}

impl Chain {
    /// Loads the chain from `store`.
    ///
    /// # Errors
    /// The store cannot be read.
    pub fn new(
        key: SigningKey,
        config: ChainConfig,
        store: Store,
        gossip: Arc<dyn Gossip>,
    ) -> Result<Chain, StoreError> {
        let tip = store.tip()?;
        let finality = store.finality()?;
        gossip.set_best_height(tip.as_ref().map_or(0, |b| b.height));
        let limits = MempoolLimits::default();
        Ok(Chain {
            id: NodeId(key.verifying_key().to_bytes()),
            key,
            config,
            gossip,
            counters: Counters::default(),
            store,
            view: Mutex::new(TipView::of(tip.as_ref(), finality)),
            state: Mutex::new(State {
                tip,
                finality,
                sync: SyncState::default(),
            }),
            mempool: Mutex::new(Mempool::new(limits.bytes, MEMPOOL_TTL)),
            tx_rate: Mutex::new(TxRate::new(limits.gossip_rate, TX_GOSSIP_BURST)),
            listener: Mutex::new(None),
            consensus_round: Mutex::new(None),
        })
    }

    /// Records the round the consensus engine is in, for the RPC.
    pub(crate) fn note_consensus_round(&self, round: u32) {
        *relock(&self.consensus_round) = Some(round);
    }

    /// Calls `listener` after every change of the tip or the final height,
    /// under the chain's lock: it must only wake someone, never take the lock.
    pub fn set_listener(&self, listener: impl Fn() + Send + 'static) {
        *relock(&self.listener) = Some(Box::new(listener));
    }

    /// The same chain with other mempool limits; call before any transaction.
    pub fn with_mempool_limits(self, limits: MempoolLimits) -> Chain {
        Chain {
            mempool: Mutex::new(Mempool::new(limits.bytes, MEMPOOL_TTL)),
            tx_rate: Mutex::new(TxRate::new(limits.gossip_rate, TX_GOSSIP_BURST)),
            ..self
        }
    }

    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, State> {
        relock(&self.state)
    }

    /// The mempool. Correctness: when the chain's lock is also needed, take it first.
    pub(super) fn mempool(&self) -> MutexGuard<'_, Mempool> {
        relock(&self.mempool)
    }

    /// Makes the tip in `state` what readers see.
    pub(super) fn publish(&self, state: &State) {
        *relock(&self.view) = TipView::of(state.tip.as_ref(), state.finality);
        if let Some(listener) = relock(&self.listener).as_ref() {
            listener();
        }
    }

    /// Puts a checked transaction from `origin` in `mempool` (after expiring the
    /// entries past their time); whether it is new. Counts what expired, was
    /// evicted for it, or refused.
    ///
    /// # Errors
    /// The pool is full and `origin` holds the most of it.
    fn pool_tx(
        &self,
        mempool: &mut Mempool,
        id: Hash32,
        bytes: Vec<u8>,
        origin: Origin,
    ) -> Result<bool, TxError> {
        let now = Instant::now();
        self.expire_txs(mempool, now);
        match mempool.insert(id, bytes, origin, now) {
            Ok(Inserted::Added { evicted }) => {
                let evicted = u64::try_from(evicted).unwrap_or(u64::MAX);
                self.counters
                    .txs_evicted
                    .fetch_add(evicted, Ordering::Relaxed);
                Ok(true)
            }
            Ok(Inserted::Known) => Ok(false),
            Err(e) => {
                self.counters
                    .txs_refused_full
                    .fetch_add(1, Ordering::Relaxed);
                Err(e)
            }
        }
    }

    /// Forgets the pending transactions past their time to live, and counts them.
    pub(super) fn expire_txs(&self, mempool: &mut Mempool, now: Instant) {
        let expired = u64::try_from(mempool.expire(now)).unwrap_or(u64::MAX);
        self.counters
            .txs_expired
            .fetch_add(expired, Ordering::Relaxed);
    }

    /// Forgets what a peer whose link ended had used of its budgets.
    pub(super) fn forget_tx_rate(&self, peer: &NodeId) {
        relock(&self.tx_rate).forget(peer);
    }

    pub(super) fn send(&self, outbox: Outbox) {
        let unreachable = outbox.flush(self.gossip.as_ref());
        if !unreachable.is_empty() {
            self.lock().sync.forget_requests_to(&unreachable);
        }
    }

    /// The chain's figures as of its last change; never waits for a store write.
    pub fn info(&self) -> ChainInfo {
        let view = *relock(&self.view);
        let mempool = self.mempool();
        ChainInfo {
            height: view.height,
            tip_hash: view.tip_hash,
            tip_timestamp_ms: view.tip_timestamp_ms,
            final_height: view.finality.final_height,
            pending_transactions: mempool.len(),
            finalized_transactions: view.finality.finalized_txs,
            mempool_bytes: mempool.used_bytes(),
            mempool_limit_bytes: mempool.limit_bytes(),
            consensus_round: *relock(&self.consensus_round),
        }
    }

    /// The block of our chain at `height`, as served over RPC and sync; read from
    /// the last commit, never waiting for a store write.
    ///
    /// # Errors
    /// The store cannot be read.
    pub fn block(&self, height: u64) -> Result<Option<Block>, StoreError> {
        self.store.block(height)
    }

    /// Takes a transaction from a client: checks it, keeps it pending and gossips
    /// it if new. Submitting it again changes nothing and reports where it stands.
    ///
    /// # Errors
    /// The transaction is malformed or the pool is full.
    pub fn submit_tx(&self, tx: Value) -> Result<(Hash32, TxStatus), SubmitError> {
        let tx = Tx::from_value(&tx)?;
        let id = tx.id();
        let mut outbox = Outbox::default();
        let status = {
            // Correctness: the store is checked under the mempool lock, and a
            // commit removes what it includes from the mempool after writing, so
            // a transaction is never left pending once a block holds it.
            let mut mempool = self.mempool();
            if let Some(height) = self.store.tx_height(&id)? {
                if height <= relock(&self.view).finality.final_height {
                    TxStatus::Final { height }
                } else {
                    TxStatus::Included { height }
                }
            } else {
                if self.pool_tx(&mut mempool, id, tx.to_bytes(), Origin::Client)? {
                    outbox.broadcast(Message::Tx { tx });
                }
                TxStatus::Pending
            }
        };
        self.send(outbox);
        Ok((id, status))
    }

    /// Handles one chain message from a peer. Other message types are ignored.
    pub fn on_message(&self, from: NodeId, msg: Message) {
        match msg {
            Message::Tx { tx } => self.on_tx(from, tx),
            Message::Status { best_height } => self.on_status(from, best_height),
            Message::GetBlocks { from: start, limit } => self.on_get_blocks(from, start, limit),
            Message::Blocks { blocks } => self.on_blocks(from, blocks),
            other => {
                debug!(kind = other.kind(), peer = %from.short(), "ignoring non-chain message")
            }
        }
    }

    /// A transaction gossiped by `from`: taken within that peer's rate, and
    /// relayed to every other peer if new (never back to its sender).
    fn on_tx(&self, from: NodeId, tx: Tx) {
        let id = tx.id();
        if !relock(&self.tx_rate).allow(from, tx.size(), Instant::now()) {
            self.counters
                .txs_over_peer_rate
                .fetch_add(1, Ordering::Relaxed);
            debug!(peer = %from.short(), "dropping transaction {}: peer over its gossip rate", id.short());
            return;
        }
        let mut outbox = Outbox::default();
        {
            let mut mempool = self.mempool();
            match self.store.tx_height(&id) {
                Ok(Some(_)) => {}
                Ok(None) => match self.pool_tx(&mut mempool, id, tx.to_bytes(), Origin::Peer(from))
                {
                    Ok(true) => outbox.relay(Message::Tx { tx }, from),
                    Ok(false) => {}
                    Err(e) => debug!("dropping gossiped transaction {}: {e}", id.short()),
                },
                Err(e) => warn!("chain store error while checking a transaction: {e}"),
            }
        }
        self.send(outbox);
    }
}

/// Locks `mutex`. A panic under a lock is a bug already logged; the state behind
/// each lock is consistent between statements, so keep serving.
fn relock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Why `POST /tx` refused a transaction.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error(transparent)]
    Invalid(#[from] TxError),
    #[error(transparent)]
    Store(#[from] StoreError),
}
