//! Simulated time and the network: an ordered queue of events, and the rule
//! that decides when (and whether) a message arrives.
//!
//! Before GST a message may be lost, cut by a partition, or delayed up to the
//! scenario's bound, so messages overtake each other; after GST every message
//! between two nodes arrives within `DELTA_MS`. A node's own timers never fail.

use std::collections::BTreeMap;

use timecoin_consensus::{CommitCertificate, SignedProposal, SignedVote, Timeout, Verified};

use super::scenario::Scenario;

/// What travels between nodes. Signatures are checked once, by the sender's
/// side of the simulation, when a message is made: a check is a pure function
/// of the message, so each receiver checking it again would change nothing but
/// the run time.
#[derive(Clone, Debug)]
pub(crate) enum Msg {
    Proposal(Verified<SignedProposal>),
    Vote(Verified<SignedVote>),
    /// A decided height's certificate, sent to a node seen behind (sync).
    Decided(CommitCertificate),
}

/// Something due at a moment of simulated time.
#[derive(Clone, Debug)]
pub(crate) enum Event {
    Deliver {
        to: usize,
        from: usize,
        msg: Msg,
    },
    Timer {
        node: usize,
        epoch: u32,
        timeout: Timeout,
    },
    Rebroadcast {
        node: usize,
        epoch: u32,
    },
    Crash {
        node: usize,
    },
    Restart {
        node: usize,
    },
}

pub(crate) struct Network {
    pub(crate) scenario: Scenario,
    pub(crate) rng: fastrand::Rng,
    pub(crate) now: u64,
    queue: BTreeMap<(u64, u64), Event>,
    seq: u64,
}

impl Network {
    pub(crate) fn new(scenario: Scenario) -> Network {
        Network {
            rng: fastrand::Rng::with_seed(scenario.seed ^ 0x5EED),
            scenario,
            now: 0,
            queue: BTreeMap::new(),
            seq: 0,
        }
    }

    pub(crate) fn at(&mut self, time: u64, event: Event) {
        self.seq += 1;
        self.queue.insert((time, self.seq), event);
    }

    pub(crate) fn after(&mut self, delay: u64, event: Event) {
        self.at(self.now + delay, event);
    }

    /// The next event, with the clock moved to its time.
    pub(crate) fn next(&mut self) -> Option<Event> {
        let ((time, _), event) = self.queue.pop_first()?;
        self.now = time;
        Some(event)
    }

    /// Sends `msg` from one node to another under the scenario's faults.
    pub(crate) fn send(&mut self, from: usize, to: usize, msg: Msg) {
        let s = &self.scenario;
        if from == to {
            return;
        }
        let delay = if self.now >= s.gst_ms {
            self.rng.u64(1..=Scenario::DELTA_MS)
        } else {
            let cut = s
                .partitions
                .iter()
                .any(|p| (p.from_ms..p.until_ms).contains(&self.now) && p.side[from] != p.side[to]);
            if cut || self.rng.f64() < s.loss {
                return;
            }
            self.rng.u64(1..=s.max_delay_ms)
        };
        self.after(delay, Event::Deliver { to, from, msg });
    }
}
