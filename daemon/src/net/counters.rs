//! Counts of what happened on the wire, for tests, benches and `/metrics`: the
//! incident's symptoms (resets, ACK failures, failed dials) must be countable,
//! and so must dropped work (issue 22): frames and events dropped, frames that
//! did not decode, and every connection ended, by who ended it and why. A
//! message dropped on its way to the application is counted by lane, kind and
//! cause (issue 21): a vote lost to a lane full of status hints must show as
//! that, not as one more dropped event.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

/// Live counters; each only ever rises.
#[derive(Debug, Default)]
pub struct Counters {
    pub handshakes_completed: AtomicU64,
    pub handshakes_accepted: AtomicU64,
    pub duplicates_rejected: AtomicU64,
    pub ack_failures: AtomicU64,
    pub resets: AtomicU64,
    pub failed_dials: AtomicU64,
    pub ping_timeouts: AtomicU64,
    pub protocol_errors: AtomicU64,
    pub handshake_timeouts: AtomicU64,
    pub inbound_refused: AtomicU64,
    pub events_dropped: AtomicU64,
    pub auth_failures: AtomicU64,
    pub evictions: AtomicU64,
    pub send_timeouts: AtomicU64,
    pub frames_dropped: AtomicU64,
    pub decode_failures: AtomicU64,
    pub disconnects: Tally<(EndedBy, &'static str)>,
    pub inbox_dropped: Tally<InboxDrop>,
}

/// Who ended a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum EndedBy {
    /// This node, for the reason given (it told the peer so when it could).
    Us,
    /// The peer: it said why, or closed, or its socket broke.
    Peer,
}

impl EndedBy {
    /// The word in the `by` label.
    pub fn as_str(self) -> &'static str {
        match self {
            EndedBy::Us => "us",
            EndedBy::Peer => "peer",
        }
    }
}

/// A message dropped on its way to the application: from which lane, of
/// which kind (`Message::metric_kind`), and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct InboxDrop {
    /// `masternodes` or `strangers`: whose lane it was for.
    pub lane: &'static str,
    pub kind: &'static str,
    /// `full`: the lane held its count of messages; `bytes`: the inbound
    /// byte budget (the link's or the lane's) had no room for it.
    pub cause: &'static str,
}

/// Counts by label, each only ever rising: connections ended (before or
/// after the handshake) by who ended them and why (the `reason` words of the
/// log lines, and the `Disconnect` reasons), messages dropped by lane, kind
/// and cause.
#[derive(Debug)]
pub struct Tally<K> {
    counts: Mutex<BTreeMap<K, u64>>,
}

impl<K> Default for Tally<K> {
    fn default() -> Tally<K> {
        Tally {
            counts: Mutex::new(BTreeMap::new()),
        }
    }
}

impl<K: Copy + Ord> Tally<K> {
    /// Counts one more of `key`.
    pub(crate) fn bump(&self, key: K) {
        *self.lock().entry(key).or_default() += 1;
    }

    /// Every count so far, in a stable order.
    pub fn snapshot(&self) -> Vec<(K, u64)> {
        self.lock().iter().map(|(&key, &n)| (key, n)).collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<K, u64>> {
        // Each count is one statement; a panic elsewhere must not stop them.
        self.counts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A copy of [`Counters`] at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CountersSnapshot {
    /// Outbound handshakes that got their Ack.
    pub handshakes_completed: u64,
    /// Inbound handshakes answered with an Ack.
    pub handshakes_accepted: u64,
    /// Links closed by the collision rule (either end's view).
    pub duplicates_rejected: u64,
    /// Outbound handshakes that never got an Ack (reset, close, timeout).
    pub ack_failures: u64,
    /// Connections that ended in `connection reset by peer`.
    pub resets: u64,
    /// Dial attempts that failed before a link was made.
    pub failed_dials: u64,
    pub ping_timeouts: u64,
    pub protocol_errors: u64,
    pub handshake_timeouts: u64,
    /// Inbound connections refused for the connection limit.
    pub inbound_refused: u64,
    /// Application events dropped because the consumer lagged: its queue was
    /// full, or the bytes waiting for it (per link or node-wide) were at their bound.
    pub events_dropped: u64,
    /// Handshakes whose peer could not prove the node id it claimed (either end).
    pub auth_failures: u64,
    /// Strangers closed to make room for a masternode, or for being idle.
    pub evictions: u64,
    /// Links dropped because a write did not finish within the send timeout.
    pub send_timeouts: u64,
    /// Messages not queued because a peer's queue was full.
    pub frames_dropped: u64,
    /// Frames that did not decode into a message (over the cap, not JSON, not
    /// a message), before or after the handshake.
    pub decode_failures: u64,
}

/// Adds one to a counter.
pub(crate) fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl Counters {
    /// Reads every counter.
    pub fn snapshot(&self) -> CountersSnapshot {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        CountersSnapshot {
            handshakes_completed: get(&self.handshakes_completed),
            handshakes_accepted: get(&self.handshakes_accepted),
            duplicates_rejected: get(&self.duplicates_rejected),
            ack_failures: get(&self.ack_failures),
            resets: get(&self.resets),
            failed_dials: get(&self.failed_dials),
            ping_timeouts: get(&self.ping_timeouts),
            protocol_errors: get(&self.protocol_errors),
            handshake_timeouts: get(&self.handshake_timeouts),
            inbound_refused: get(&self.inbound_refused),
            events_dropped: get(&self.events_dropped),
            auth_failures: get(&self.auth_failures),
            evictions: get(&self.evictions),
            send_timeouts: get(&self.send_timeouts),
            frames_dropped: get(&self.frames_dropped),
            decode_failures: get(&self.decode_failures),
        }
    }
}
