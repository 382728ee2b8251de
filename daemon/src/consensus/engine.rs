//! The engine: one thread that owns the [`Driver`], the [`SafetyRecord`] and
//! the round timers, fed by one bounded queue (messages from peers, and a
//! wake-up whenever the chain moves), and that does what the driver asks, in
//! order, each step finished before the next (see the crate doc of
//! `timecoin-consensus`, "How the daemon drives this").
//!
//! A thread, not a task: every signature waits for a durable store write
//! (an fsync), which must never hold an async worker. It sleeps until its
//! next timer or message.
//!
//! `inbound` checks what peers send before the driver sees it; `outputs`
//! does what the driver asks (and persists before signing); this file owns
//! the loop, the heights, the timers and the gossip.

mod inbound;
mod outputs;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::time::{Duration, Instant};

use ed25519_dalek::SigningKey;
use timecoin_consensus::{
    Driver, Height, Input, Params, Relay, Round, SafetyRecord, SignedProposal, SignedVote, Step,
    Timeout, ValidatorId, ValueId,
};
use timecoin_shared::wire::NodeId;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{debug, info, warn};

use super::messages::ConsensusMessage;
use super::params::timeouts;
use crate::chain::Chain;
use crate::chain::block::Block;
use crate::chain::certified::{Certifier, validator_id};
use crate::net::inbound::InboundBytes;
use crate::wire::Message;

/// Messages and wake-ups the engine may have waiting. A message keeps its
/// share of the P2P layer's inbound byte budget until handled, so the bytes
/// waiting here are bounded there; a flood past this count is dropped, and the
/// engine re-reads the chain on every wake, so a dropped wake-up loses nothing.
const INBOX: usize = 4096;

/// Messages for the next height kept until this node gets there: enough for
/// every masternode's votes of a few rounds.
const MAX_NEXT_HEIGHT: usize = 1024;

/// Of those, proposals (each carries a block of up to a few MiB): the first
/// rounds' are all an honest node needs, and a liar's cannot hold more than
/// this many blocks.
const MAX_NEXT_PROPOSALS: usize = 4;

/// Rounds ahead of ours whose votes are counted; further ones are dropped, so
/// a liar cannot make the keeper hold votes for arbitrary rounds. Honest nodes
/// are never that far apart: f+1 votes of a later round pull a node into it.
const ROUND_WINDOW: u32 = 64;

/// Signed votes and proposals remembered as checked at the current height,
/// so a copy sent again (every masternode re-sends while a round waits) costs
/// a lookup, not a signature check; past it the memory starts over, which
/// costs checks, never a decision.
const MAX_SEEN: usize = 16 * 1024;

/// How a round that does not move is re-sent, in rebroadcast periods it has
/// not moved: this node's own proposal and votes at periods 1, 2, then every
/// [`OWN_EVERY`] (each honest masternode re-sending its own is what makes
/// every honest vote arrive eventually, the delivery Algorithm 1 assumes);
/// the others' messages it holds (the driver's full set) at periods
/// [`OWN_EVERY`], twice that, then every [`RELAY_EVERY`].
///
/// Correctness: both keep coming for as long as the round does not move, so
/// nothing is given up; they only thin out. The full set is N times the
/// own and is sent to every peer by every node: at 64 masternodes one wave
/// is half a million messages, and sending it every period kept a loaded
/// fleet from ever finishing a round (issue 21).
const OWN_EVERY: u32 = 4;
const RELAY_EVERY: u32 = 16;

/// What is re-sent after `stuck` rebroadcast periods without a move: own
/// messages, and whether the others' too.
fn resend(stuck: u32) -> (bool, bool) {
    let own = stuck == 1 || stuck == 2 || stuck.is_multiple_of(OWN_EVERY);
    let others = stuck == OWN_EVERY || stuck == 2 * OWN_EVERY || stuck.is_multiple_of(RELAY_EVERY);
    (own, others)
}

/// Blocks of proposals kept for the current height: a block is at most a few
/// MiB, so this bounds what a Byzantine proposer's many signed proposals can
/// make a node hold (a decided block that was not kept is read from the
/// chain, or comes with its certificate from sync).
const MAX_BLOCKS: usize = 16;

/// What the engine is woken with.
enum Wake {
    /// A `Message::Consensus` payload from a peer, with its bytes' share of
    /// the inbound budget.
    Message {
        from: NodeId,
        message: Box<ConsensusMessage>,
        held: InboundBytes,
    },
    /// The chain's tip or final height changed.
    ChainMoved,
}

/// How the rest of the node reaches the engine.
#[derive(Clone)]
pub(crate) struct Handle {
    inbox: SyncSender<Wake>,
    /// Where a dropped message is counted.
    chain: Arc<Chain>,
}

impl Handle {
    /// Hands a peer's consensus message to the engine; dropped when the
    /// engine is that far behind (rebroadcast makes up for it).
    pub(crate) fn deliver(&self, from: NodeId, message: Box<ConsensusMessage>, held: InboundBytes) {
        if let Err(TrySendError::Full(_)) = self.inbox.try_send(Wake::Message {
            from,
            message,
            held,
        }) {
            self.chain
                .counters()
                .consensus_dropped
                .fetch_add(1, Ordering::Relaxed);
            debug!(peer = %from.short(), "consensus queue full: message dropped");
        }
    }
}

/// Starts the engine on `tracker` until `shutdown`. `key` signs only if
/// `masternode` (the node acts as one and the definition lists it).
pub(crate) fn start(
    chain: Arc<Chain>,
    certifier: Certifier,
    key: SigningKey,
    masternode: bool,
    interval: Duration,
    tracker: &TaskTracker,
    shutdown: CancellationToken,
) -> Handle {
    let (inbox, wakes) = sync_channel(INBOX);
    let handle = Handle {
        inbox: inbox.clone(),
        chain: chain.clone(),
    };
    let listener = inbox.clone();
    chain.set_listener(move || {
        // A full queue wakes the engine anyway.
        let _ = listener.try_send(Wake::ChainMoved);
    });
    let me = validator_id(&NodeId(key.verifying_key().to_bytes()));
    let own = me;
    let signer = masternode && certifier.validators.contains(&me);
    let params = Params {
        validators: certifier.validators.clone(),
        definition: certifier.definition,
        timeouts: timeouts(interval),
    };
    let rebroadcast_every = params.timeouts.propose.base;
    let quorum = certifier.validators.quorum();
    let engine = Engine {
        driver: Driver::new(params, signer.then_some(me)),
        record: SafetyRecord::new(Height(0)),
        chain,
        certifier,
        key,
        signer,
        timers: Vec::new(),
        blocks: HashMap::new(),
        interval,
        quorum,
        start_next_at: None,
        round_logged: None,
        round_open: false,
        next_height: Vec::new(),
        rebroadcast_every,
        last_seen: None,
        stuck: 0,
        me: own,
        seen_votes: HashSet::new(),
        seen_proposals: HashSet::new(),
        rebroadcast_at: Instant::now() + rebroadcast_every,
        fetched_at: None,
    };
    let stop = shutdown.clone();
    tracker.spawn_blocking(move || engine.run(&wakes, &stop));
    let waker = inbox.clone();
    tracker.spawn(async move {
        shutdown.cancelled().await;
        // The engine checks the token on every wake; this one wakes it now.
        let _ = waker.try_send(Wake::ChainMoved);
    });
    handle
}

struct Engine {
    chain: Arc<Chain>,
    certifier: Certifier,
    key: SigningKey,
    /// Whether this node signs (else it follows decisions).
    signer: bool,
    driver: Driver,
    /// What was persisted before the last signature.
    record: SafetyRecord,
    timers: Vec<(Instant, Timeout)>,
    /// The blocks of this height's proposals, by hash.
    blocks: HashMap<ValueId, Block>,
    /// The pause between a decision and the next height (the block interval).
    interval: Duration,
    /// Masternodes needed for a decision.
    quorum: usize,
    /// When the next height starts, once this one is final.
    start_next_at: Option<Instant>,
    /// The height and round whose contract line was logged.
    round_logged: Option<(Height, Round)>,
    /// Whether that round may produce here (see `Chain::round_gate`).
    round_open: bool,
    next_height: Vec<(NodeId, ConsensusMessage)>,
    rebroadcast_every: Duration,
    /// Where the driver stood at the last rebroadcast tick.
    last_seen: Option<(Height, Round, Step)>,
    /// Rebroadcast periods it has stood there.
    stuck: u32,
    /// This node as a validator (whose messages are its own).
    me: ValidatorId,
    /// Messages of this height whose signatures held (see [`MAX_SEEN`]).
    seen_votes: HashSet<SignedVote>,
    seen_proposals: HashSet<SignedProposal>,
    rebroadcast_at: Instant,
    /// When certified blocks were last asked for (`fetch_final`).
    fetched_at: Option<Instant>,
}

impl Engine {
    fn run(mut self, wakes: &Receiver<Wake>, shutdown: &CancellationToken) {
        self.begin();
        while !shutdown.is_cancelled() {
            let next = self
                .timers
                .iter()
                .map(|(at, _)| *at)
                .chain(self.start_next_at)
                .fold(self.rebroadcast_at, Instant::min);
            match wakes.recv_timeout(next.saturating_duration_since(Instant::now())) {
                Ok(Wake::Message {
                    from,
                    message,
                    held,
                }) => {
                    self.on_consensus(from, *message);
                    drop(held);
                }
                Ok(Wake::ChainMoved) | Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
            self.fire_timers();
            self.follow_chain();
            self.rebroadcast();
            self.log_round();
            self.chain.note_consensus_round(self.driver.state().round.0);
        }
    }

    /// Resumes from the persisted record if it is for the height after the
    /// final one, else starts that height afresh.
    fn begin(&mut self) {
        let next = Height(self.chain.info().final_height + 1);
        let record = if self.signer {
            match self.chain.safety_record() {
                Ok(record) => record,
                Err(e) => {
                    // Without the record this node could sign twice: it
                    // follows instead, until a restart reads the record.
                    warn!("consensus cannot read its safety record, following without voting: {e}");
                    self.signer = false;
                    None
                }
            }
        } else {
            None
        };
        match record {
            Some(record) if record.height == next => {
                info!(
                    height = next.0,
                    round = record.round.0,
                    "Resuming consensus at height {} round {}",
                    next.0,
                    record.round.0
                );
                self.record = record;
                let outputs = self.driver.resume(&self.record);
                self.handle(outputs);
            }
            _ => self.enter(next),
        }
    }

    /// Starts `height` with nothing signed there, and feeds the messages kept
    /// for it.
    fn enter(&mut self, height: Height) {
        self.timers.clear();
        self.blocks.clear();
        self.seen_votes.clear();
        self.seen_proposals.clear();
        self.fresh_record(height);
        let outputs = self.driver.start_height(height);
        self.handle(outputs);
        for (from, message) in std::mem::take(&mut self.next_height) {
            if message.height() == height {
                self.on_consensus(from, message);
            }
        }
    }

    /// Persists a record with nothing signed at `height`, unless the one
    /// held is for it already.
    fn fresh_record(&mut self, height: Height) {
        if self.signer && self.record.height != height {
            let record = SafetyRecord::new(height);
            if let Err(e) = self.chain.save_safety_record(&record) {
                warn!("consensus cannot persist its record, following without voting: {e}");
                self.signer = false;
            }
            self.record = record;
        }
    }

    fn fire_timers(&mut self) {
        let now = Instant::now();
        let (due, later): (Vec<_>, Vec<_>) = self.timers.drain(..).partition(|(at, _)| *at <= now);
        self.timers = later;
        for (_, timeout) in due {
            let outputs = self.driver.process(Input::Timeout(timeout));
            self.handle(outputs);
        }
    }

    /// Moves to the height after the final one one block interval after the
    /// chain got there (by this engine's decision or by certified blocks from
    /// sync): the pacing of production.
    fn follow_chain(&mut self) {
        let final_height = self.chain.info().final_height;
        if final_height < self.driver.state().height.0 {
            return;
        }
        let now = Instant::now();
        if self.start_next_at.is_none() {
            // This height is over: its timers would only make the driver ask
            // for votes nobody needs. Nothing is signed at the next height
            // before it starts, so a restart during the pause resumes there.
            self.timers.clear();
            self.fresh_record(Height(final_height + 1));
        }
        let at = *self.start_next_at.get_or_insert(now + self.interval);
        if now >= at {
            self.start_next_at = None;
            self.enter(Height(final_height + 1));
        }
    }

    /// Logs the contract line of the round this masternode is in, once per
    /// round, and notes whether it may produce in it.
    pub(super) fn log_round(&mut self) {
        let state = self.driver.state();
        let at = (state.height, state.round);
        if !self.signer || self.round_logged == Some(at) || self.start_next_at.is_some() {
            return;
        }
        self.round_logged = Some(at);
        self.round_open = self.chain.round_gate(at.0.0, at.1.0, self.quorum, true);
    }

    /// Asks `peer`, which relayed a masternode's message for a later height
    /// (that masternode decided ours, so its peers hold the certificate), for the certified blocks this node lacks: a node
    /// that missed a quorum's precommits (a lost message, a link a key holder
    /// took over) would otherwise wait at its height for ever while holding
    /// every block. At most once a rebroadcast period.
    fn fetch_final(&mut self, peer: NodeId) {
        if !self.may_fetch() {
            return;
        }
        self.fetched_at = Some(Instant::now());
        self.chain.fetch_final_from(peer);
    }

    /// Whether a rebroadcast period has passed since the last fetch.
    fn may_fetch(&self) -> bool {
        self.fetched_at
            .is_none_or(|at| Instant::now() >= at + self.rebroadcast_every)
    }

    /// Sends again what the driver acted on, if it has not moved since the
    /// last tick, thinning out the longer it does not (see [`resend`]).
    fn rebroadcast(&mut self) {
        let now = Instant::now();
        if now < self.rebroadcast_at {
            return;
        }
        self.rebroadcast_at = now + self.rebroadcast_every;
        let state = self.driver.state();
        let seen = (state.height, state.round, state.step);
        if self.last_seen.replace(seen) != Some(seen) {
            self.stuck = 0;
            return;
        }
        self.stuck = self.stuck.saturating_add(1);
        // Stuck: a round without a quorum waits for votes that may never come,
        // so its skip line is logged again while the quorum is missing.
        if self.signer && self.start_next_at.is_none() {
            self.round_open = self
                .chain
                .round_gate(seen.0.0, seen.1.0, self.quorum, false);
        }
        let (own, others) = resend(self.stuck);
        for relay in self.driver.rebroadcast() {
            let mine = match relay {
                Relay::Vote(vote) => vote.into_inner().vote.validator == self.me,
                Relay::Proposal(proposal) => proposal.into_inner().proposal.proposer == self.me,
            };
            if !(if mine { own } else { others }) {
                continue;
            }
            let message = match relay {
                Relay::Vote(vote) => ConsensusMessage::Vote {
                    vote: vote.into_inner(),
                },
                Relay::Proposal(proposal) => {
                    let proposal = proposal.into_inner();
                    let p = &proposal.proposal;
                    let Some(block) = self.block_for(p.value, p.height) else {
                        continue;
                    };
                    ConsensusMessage::Proposal { proposal, block }
                }
            };
            self.chain.broadcast(Message::from(message));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_round_that_does_not_move_is_resent_ever_more_thinly_and_never_given_up() {
        let own: Vec<u32> = (1..=40).filter(|&n| resend(n).0).collect();
        let others: Vec<u32> = (1..=40).filter(|&n| resend(n).1).collect();
        assert_eq!(own, [1, 2, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40]);
        assert_eq!(others, [4, 8, 16, 32]);
        assert_eq!(
            resend(u32::MAX - 15),
            (true, true),
            "still sent after any wait"
        );
    }
}
