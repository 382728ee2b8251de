//! Catching up: a node behind asks a peer that is ahead for batches of final
//! blocks (`GetBlocks` / `Blocks`) until it reaches that peer's tip.
//!
//! Each block of a batch comes with its commit certificate. The leading
//! certified blocks are checked against the network definition and, if every
//! certificate holds and they continue our final tip, appended as final; one
//! certificate that does not hold refuses the whole batch, distrusts its
//! sender and closes its link. A block without a certificate is never taken:
//! honest nodes hold and serve final blocks only.
//!
//! Peers announce their height with `Status` (on link-up, on the first tick
//! after it changed, and every [`STATUS_REFRESH`] while it does not, see
//! [`run_ticks`]). A peer's height is a hint, not a fact: a node that hears
//! of a higher height asks the best peer for blocks starting just above its
//! own, and each batch adopted leads to the next request from the new tip.
//! One request is in flight at a time; one left unanswered for
//! [`SYNC_REQUEST_TICKS`] ticks is abandoned and another peer is asked. A peer
//! that announces and then does not deliver (no answer, an empty answer,
//! blocks that are invalid or do not connect) is *distrusted*: asked only when
//! no trusted peer is ahead, until it delivers; after an empty answer another
//! peer is asked at once. No announced height ever holds production or the one
//! request slot.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use timecoin_shared::wire::{DisconnectReason, NodeId};
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use super::adopt::Adopted;
use super::block::unix_millis;
use super::certified::Certified;
use super::engine::{Chain, State};
use super::gossip::Outbox;
use super::limits::{SYNC_BATCH_BLOCKS, SYNC_BATCH_BYTES};
use crate::escape::escaped;
use crate::wire::Message;

/// Ticks after which an unanswered sync request is abandoned.
///
/// Correctness: at least two, so a request sent just before a tick is never
/// abandoned before it could be answered.
const SYNC_REQUEST_TICKS: u64 = 2;

/// How often an unchanged height is announced again.
///
/// Correctness: a peer that missed an announcement (its send queue was full)
/// hears the height again within this. Announcing it on every tick instead
/// cost 630 messages a second per node at 64 masternodes and a 100 ms
/// interval, 40 000 fleet-wide, which crowded out the votes (issue 21).
const STATUS_REFRESH: Duration = Duration::from_secs(1);

/// Most peers remembered as distrusted; far more than a fleet has nodes.
const MAX_DISTRUSTED: usize = 4096;

/// What the node knows about its peers' heights and its own outstanding request.
#[derive(Debug, Default)]
pub(super) struct SyncState {
    peer_heights: HashMap<NodeId, u64>,
    /// Peers that announced more than they delivered.
    distrusted: HashSet<NodeId>,
    in_flight: Option<(NodeId, u64)>,
    ticks: u64,
    /// The height last announced to every peer, and when.
    announced: Option<(u64, Instant)>,
}

impl SyncState {
    pub(super) fn forget_requests_to(&mut self, peers: &[NodeId]) {
        if self.in_flight.is_some_and(|(p, _)| peers.contains(&p)) {
            self.in_flight = None;
        }
    }

    /// Called every tick: ages the outstanding request, and distrusts a peer
    /// that let it expire.
    fn tick(&mut self) {
        self.ticks += 1;
        if let Some((peer, sent)) = self.in_flight
            && self.ticks - sent >= SYNC_REQUEST_TICKS
        {
            warn!(peer = %peer.short(), "Sync request to {} unanswered - asking another peer", peer.short());
            self.distrust(peer);
            self.in_flight = None;
        }
    }

    /// Remembers that `peer` did not deliver. Correctness: the set is bounded (a
    /// liar can make new identities forever); when full it starts over, which
    /// costs at most one more timed-out request per liar.
    pub(super) fn distrust(&mut self, peer: NodeId) {
        if self.distrusted.len() >= MAX_DISTRUSTED {
            self.distrusted.clear();
        }
        self.distrusted.insert(peer);
    }

    /// Whether `height` is to be announced now: it changed since the last
    /// announcement, or [`STATUS_REFRESH`] has passed.
    fn announce(&mut self, height: u64, now: Instant) -> bool {
        let due = self
            .announced
            .is_none_or(|(last, at)| last != height || now >= at + STATUS_REFRESH);
        if due {
            self.announced = Some((height, now));
        }
        due
    }

    /// The peer to ask for blocks above `ours`: the highest trusted one, else the
    /// highest distrusted one.
    fn best_peer_above(&self, ours: u64) -> Option<NodeId> {
        self.peer_heights
            .iter()
            .filter(|(_, h)| **h > ours)
            .max_by_key(|(id, h)| (!self.distrusted.contains(id), **h, **id))
            .map(|(id, _)| *id)
    }
}

/// Ticks the chain's sync every `every` (the block interval) until
/// `shutdown`: see [`Chain::tick`]. A tick may write nothing, but it takes the
/// chain's lock, which a store write holds, so it runs on the blocking pool.
///
/// # Cancel safety
/// Each tick runs to completion between two waits; cancelling stops before the next.
pub async fn run_ticks(chain: Arc<Chain>, every: Duration, shutdown: CancellationToken) {
    let mut ticks = tokio::time::interval(every.max(Duration::from_millis(1)));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = ticks.tick() => {
                let chain = chain.clone();
                if tokio::task::spawn_blocking(move || chain.tick()).await.is_err() {
                    return; // The runtime is shutting down.
                }
            }
        }
    }
}

impl Chain {
    /// One sync tick: ages the outstanding request (see [`SYNC_REQUEST_TICKS`]),
    /// asks a peer ahead if none is out, and announces our height to every
    /// peer if it changed or [`STATUS_REFRESH`] has passed.
    pub fn tick(&self) {
        let mut outbox = Outbox::default();
        {
            let mut state = self.lock();
            state.sync.tick();
            self.resume_sync(&mut state, &mut outbox);
            let height = state.height();
            if state.sync.announce(height, Instant::now()) {
                outbox.broadcast(Message::Status {
                    best_height: height,
                });
            }
        }
        self.send(outbox);
    }

    /// Tells a newly linked peer our height, so whichever side is behind syncs,
    /// and notes the height its handshake announced (a hint like any other), so a
    /// node that just regained its peers knows it is behind before its next round.
    pub fn on_peer_up(&self, peer: NodeId, announced: u64) {
        let mut outbox = Outbox::default();
        {
            let mut state = self.lock();
            self.note_height(&mut state, peer, announced);
            outbox.send_to(
                peer,
                Message::Status {
                    best_height: state.height(),
                },
            );
            self.resume_sync(&mut state, &mut outbox);
        }
        self.send(outbox);
    }

    pub fn on_peer_down(&self, peer: NodeId) {
        self.forget_tx_rate(&peer);
        let mut state = self.lock();
        state.sync.peer_heights.remove(&peer);
        self.count_sync_peers(&state);
        state.sync.forget_requests_to(&[peer]);
    }

    /// Notes the height `peer` announced.
    fn note_height(&self, state: &mut State, peer: NodeId, height: u64) {
        state.sync.peer_heights.insert(peer, height);
        self.count_sync_peers(state);
    }

    /// `timed_sync_peers` in `/metrics`.
    fn count_sync_peers(&self, state: &State) {
        let peers = state.sync.peer_heights.len() as u64;
        self.counters
            .sync_peers
            .store(peers, std::sync::atomic::Ordering::Relaxed);
    }

    pub(super) fn on_status(&self, from: NodeId, best_height: u64) {
        let mut outbox = Outbox::default();
        {
            let mut state = self.lock();
            self.note_height(&mut state, from, best_height);
            self.resume_sync(&mut state, &mut outbox);
        }
        self.send(outbox);
    }

    /// Asks the best peer ahead of us for blocks, unless a request is out.
    pub(super) fn resume_sync(&self, state: &mut State, outbox: &mut Outbox) {
        if let Some(peer) = state.sync.best_peer_above(state.height()) {
            let start = state.height() + 1;
            self.request_blocks(state, outbox, peer, start);
        }
    }

    /// Asks `peer` for blocks from `start` unless a request is already out.
    pub(super) fn request_blocks(
        &self,
        state: &mut State,
        outbox: &mut Outbox,
        peer: NodeId,
        start: u64,
    ) {
        if state.sync.in_flight.is_some() {
            return;
        }
        state.sync.in_flight = Some((peer, state.sync.ticks));
        debug!(peer = %peer.short(), from = start, "requesting blocks");
        outbox.send_to(
            peer,
            Message::GetBlocks {
                from: start,
                limit: SYNC_BATCH_BLOCKS,
            },
        );
    }

    pub(super) fn on_get_blocks(&self, from: NodeId, start: u64, limit: u32) {
        let blocks =
            self.store
                .block_batch(start.max(1), limit.min(SYNC_BATCH_BLOCKS), SYNC_BATCH_BYTES);
        match blocks {
            Ok(blocks) => {
                let mut outbox = Outbox::default();
                outbox.send_to(from, Message::Blocks { blocks });
                self.send(outbox);
            }
            Err(e) => warn!("chain store error while serving blocks: {e}"),
        }
    }

    pub(super) fn on_blocks(&self, from: NodeId, entries: Vec<Certified>) {
        let mut outbox = Outbox::default();
        {
            let mut state = self.lock();
            if state.sync.in_flight.is_some_and(|(p, _)| p == from) {
                state.sync.in_flight = None;
            }
            let before = state.height();
            let mut blocks = Vec::new();
            let mut certs = Vec::new();
            // Only the leading certified blocks count: nothing else is final.
            for entry in entries {
                let Some(cert) = entry.certificate else { break };
                let checked = match &self.config.certifier {
                    Some(certifier) => certifier.check(&entry.block, &cert),
                    None => Err("certificates on a network without masternodes".into()),
                };
                if let Err(reason) = checked {
                    self.refuse(&mut state, &mut outbox, from, &reason);
                    drop(state);
                    self.send(outbox);
                    return;
                }
                blocks.push(entry.block);
                certs.push(cert);
            }
            let first = blocks.first().map(|b| b.height);
            let count = blocks.len();
            match self.adopt(&mut state, blocks, certs, Some(from), unix_millis()) {
                Ok(Adopted::Appended) => {
                    state.sync.distrusted.remove(&from);
                    info!(peer = %from.short(), from = first, count, height = state.height(), "Synced blocks up to height {}", state.height());
                    self.resume_sync(&mut state, &mut outbox);
                }
                Ok(Adopted::Known) if state.sync.peer_heights.get(&from) > Some(&before) => {
                    // It announced more than it delivered: ask another at
                    // once, not after a timeout (but not itself again: that
                    // would be a loop it drives).
                    state.sync.distrust(from);
                    if let Some(peer) = state.sync.best_peer_above(before).filter(|p| *p != from) {
                        self.request_blocks(&mut state, &mut outbox, peer, before + 1);
                    }
                }
                Ok(Adopted::Known) => self.resume_sync(&mut state, &mut outbox),
                Ok(Adopted::Detached) if first > Some(before + 1) => {
                    self.request_blocks(&mut state, &mut outbox, from, before + 1);
                }
                Ok(Adopted::Detached) => {
                    state.sync.distrust(from);
                    warn!(peer = %from.short(), "blocks from {} do not connect to our final chain", from.short());
                }
                Ok(Adopted::Invalid { .. }) => state.sync.distrust(from),
                Err(e) => warn!("chain store error while syncing: {e}"),
            }
        }
        self.send(outbox);
    }

    /// Refuses a batch whose certificate does not hold: its sender is
    /// distrusted, the reason logged, and its link closed
    /// (`timed_disconnects_total{by="us",reason="bad_certificate"}`). A
    /// certificate is checked with nothing but the network file, so an honest
    /// node never sends one that fails: whoever did lied, and the link is what
    /// it lied with.
    fn refuse(&self, state: &mut State, outbox: &mut Outbox, from: NodeId, reason: &str) {
        state.sync.distrust(from);
        self.counters
            .blocks_rejected
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        warn!(peer = %from.short(), reason = "bad_certificate",
            "Rejected blocks from {}: {} - closing connection", from.short(), escaped(reason));
        outbox.close_link(from, DisconnectReason::BadCertificate);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_height_is_announced_when_it_changes_and_again_after_the_refresh() {
        let mut sync = SyncState::default();
        let start = Instant::now();
        let at = |ms| start + Duration::from_millis(ms);
        assert!(sync.announce(5, at(0)), "the first");
        assert!(!sync.announce(5, at(100)), "unchanged, within the refresh");
        assert!(sync.announce(6, at(200)), "changed");
        assert!(!sync.announce(6, at(1100)));
        assert!(sync.announce(6, at(1200)), "unchanged, the refresh passed");
    }
}
