//! The chain engine: one node's chain, mempool and sync state behind one lock,
//! and how messages from peers reach it; blocks join through [`adopt`](super::adopt).
//!
//! Every method takes the lock briefly, decides, writes the store, then sends the
//! resulting messages after unlocking (see `gossip::Outbox`). The lock is never held
//! across an `.await`; the P2P layer feeds messages in through [`Chain::on_message`].

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use ed25519_dalek::SigningKey;
use serde_json::Value;
use timecoin_shared::wire::{Message, NodeId};
use tracing::{debug, warn};

use super::adopt::Adopted;
use super::block::Block;
use super::gossip::{Gossip, Outbox};
use super::hash::Hash32;
use super::mempool::{Mempool, TxError, check_tx};
use super::producer::unix_millis;
use super::schedule::Schedule;
use super::store::{Finality, Store, StoreError};
use super::sync::SyncState;

/// What the chain needs to know about its node and its network.
#[derive(Clone, Debug)]
pub struct ChainConfig {
    /// Fewer active masternodes than this and no block is produced.
    pub min_masternodes: usize,
    /// Whether this node produces when it leads (it must also be in the
    /// schedule's masternodes); every node validates, stores and serves blocks.
    pub masternode: bool,
    /// The network definition's masternodes, interval and genesis: who leads
    /// which round, and when rounds are.
    pub schedule: Schedule,
}

/// Counters for `/metrics`, monotonic since start.
#[derive(Debug, Default)]
pub struct Counters {
    pub skipped_rounds: AtomicU64,
    pub rounds: AtomicU64,
    pub blocks_produced: AtomicU64,
    pub blocks_accepted: AtomicU64,
    pub blocks_rejected: AtomicU64,
    pub reorgs: AtomicU64,
}

/// One node's chain.
pub struct Chain {
    pub(super) id: NodeId,
    pub(super) key: SigningKey,
    pub(super) config: ChainConfig,
    pub(super) gossip: Arc<dyn Gossip>,
    pub(super) counters: Counters,
    state: Mutex<State>,
}

pub(super) struct State {
    pub(super) store: Store,
    pub(super) tip: Option<Block>,
    pub(super) finality: Finality,
    pub(super) mempool: Mempool,
    /// The last `(height, round)` this node ran, so each is announced once.
    pub(super) last_round: Option<(u64, u32)>,
    pub(super) sync: SyncState,
}

impl State {
    pub(super) fn height(&self) -> u64 {
        self.tip.as_ref().map_or(0, |b| b.height)
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
        Ok(Chain {
            id: NodeId(key.verifying_key().to_bytes()),
            key,
            config,
            gossip,
            counters: Counters::default(),
            state: Mutex::new(State {
                store,
                tip,
                finality,
                mempool: Mempool::default(),
                last_round: None,
                sync: SyncState::default(),
            }),
        })
    }

    pub fn id(&self) -> NodeId {
        self.id
    }

    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, State> {
        // A panic under the lock is a bug already logged; the state itself is
        // always consistent between statements, so keep serving.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(super) fn send(&self, outbox: Outbox) {
        let unreachable = outbox.flush(self.gossip.as_ref());
        if !unreachable.is_empty() {
            self.lock().sync.forget_requests_to(&unreachable);
        }
    }

    pub fn info(&self) -> ChainInfo {
        let state = self.lock();
        ChainInfo {
            height: state.height(),
            tip_hash: state.tip.as_ref().map_or(Hash32::ZERO, Block::hash),
            tip_timestamp_ms: state.tip.as_ref().map(|b| b.timestamp_ms),
            final_height: state.finality.final_height,
            pending_transactions: state.mempool.len(),
            finalized_transactions: state.finality.finalized_txs,
        }
    }

    /// The block of our chain at `height`, as served over RPC and sync.
    ///
    /// # Errors
    /// The store cannot be read.
    pub fn block(&self, height: u64) -> Result<Option<Block>, StoreError> {
        let state = self.lock();
        if height == state.height() {
            return Ok(state.tip.clone());
        }
        state.store.block(height)
    }

    /// Takes a transaction from a client: checks it, keeps it pending and gossips
    /// it if new. Submitting it again changes nothing and reports where it stands.
    ///
    /// # Errors
    /// The transaction is malformed or the pool is full.
    pub fn submit_tx(&self, tx: Value) -> Result<(Hash32, TxStatus), SubmitError> {
        let (id, size) = check_tx(&tx)?;
        let mut outbox = Outbox::default();
        let status = {
            let mut state = self.lock();
            if let Some(height) = state.store.tx_height(&id)? {
                if height <= state.finality.final_height {
                    TxStatus::Final { height }
                } else {
                    TxStatus::Included { height }
                }
            } else {
                if state.mempool.insert(id, size, tx.clone())? {
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
            Message::Block { block } => self.on_block(from, block),
            Message::Tx { tx } => self.on_tx(from, tx),
            Message::Status { best_height } => self.on_status(from, best_height),
            Message::GetBlocks { from: start, limit } => self.on_get_blocks(from, start, limit),
            Message::Blocks { blocks } => self.on_blocks(from, blocks),
            other => {
                debug!(kind = other.kind(), peer = %from.short(), "ignoring non-chain message")
            }
        }
    }

    fn on_block(&self, from: NodeId, value: Value) {
        let block = match Block::from_value(value) {
            Ok(block) => block,
            Err(e) => {
                self.counters
                    .blocks_rejected
                    .fetch_add(1, Ordering::Relaxed);
                warn!(peer = %from.short(), "Rejected block from {}: malformed: {e}", from.short());
                return;
            }
        };
        let mut outbox = Outbox::default();
        {
            let mut state = self.lock();
            match self.adopt(&mut state, vec![block.clone()], Some(from), unix_millis()) {
                Ok(Adopted::Switched { .. }) => outbox.broadcast(Message::Block {
                    block: block.to_value(),
                }),
                Ok(Adopted::Detached) => {
                    let start = state.finality.final_height + 1;
                    self.request_blocks(&mut state, &mut outbox, from, start);
                }
                Ok(_) => {}
                Err(e) => warn!("chain store error while adding a block: {e}"),
            }
        }
        self.send(outbox);
    }

    fn on_tx(&self, from: NodeId, tx: Value) {
        let (id, size) = match check_tx(&tx) {
            Ok(checked) => checked,
            Err(e) => {
                warn!(peer = %from.short(), "Rejected transaction from {}: {e}", from.short());
                return;
            }
        };
        let mut outbox = Outbox::default();
        {
            let mut state = self.lock();
            match state.store.tx_height(&id) {
                Ok(Some(_)) => {}
                Ok(None) => match state.mempool.insert(id, size, tx.clone()) {
                    Ok(true) => outbox.broadcast(Message::Tx { tx }),
                    Ok(false) => {}
                    Err(e) => debug!("dropping gossiped transaction {}: {e}", id.short()),
                },
                Err(e) => warn!("chain store error while checking a transaction: {e}"),
            }
        }
        self.send(outbox);
    }
}

/// Why `POST /tx` refused a transaction.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error(transparent)]
    Invalid(#[from] TxError),
    #[error(transparent)]
    Store(#[from] StoreError),
}
