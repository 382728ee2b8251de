//! A run: the world of nodes and network, and the event loop.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use timecoin_consensus::{
    CommitCertificate, Driver, Growth, Height, Input, Params, Round, SafetyRecord, TimeoutConfig,
    ValidatorSet, ValueId,
};

use super::checks::{Outcome, Violation};
use super::network::{Event, Msg, Network};
use super::node::{Node, valid};
use super::scenario::Scenario;
use crate::support;

/// How often an honest node sends its messages of the height again.
const REBROADCAST_MS: u64 = 150;
/// How long after GST every honest node must have decided all heights.
const DEADLINE_AFTER_GST_MS: u64 = 120_000;

pub(crate) struct World {
    pub(crate) net: Network,
    pub(crate) nodes: Vec<Node>,
    pub(crate) params: Params,
    /// The first honest decision at each height.
    pub(crate) decided: BTreeMap<Height, ValueId>,
    /// The two values an equivocating proposer sent each half, by height and
    /// round: what its accomplices vote for in each half.
    pub(crate) split: BTreeMap<(Height, Round), [ValueId; 2]>,
    /// Decision certificates already verified.
    pub(crate) checked: HashSet<CommitCertificate>,
    pub(crate) outcome: Outcome,
}

/// Timeouts well above the delay after GST, as an operator would set them.
pub(crate) fn timeouts() -> TimeoutConfig {
    let growth = |base, delta| Growth {
        base: Duration::from_millis(base),
        delta: Duration::from_millis(delta),
    };
    TimeoutConfig {
        propose: growth(200, 100),
        prevote: growth(100, 50),
        precommit: growth(100, 50),
    }
}

/// Runs `scenario` to its end and checks safety and liveness.
pub(crate) fn run(scenario: &Scenario) -> Result<Outcome, Violation> {
    let net = support::Net::new(scenario.n);
    let validators: ValidatorSet = if scenario.broken_quorum {
        let f = net.set.max_faulty();
        net.set.with_quorum_for_tests(2 * f)
    } else {
        net.set.clone()
    };
    let params = Params {
        validators,
        definition: net.def,
        timeouts: timeouts(),
    };
    let nodes = net
        .keys
        .iter()
        .zip(&scenario.byzantine)
        .map(|(key, behaviour)| Node::new(key.clone(), *behaviour, &params))
        .collect();
    let mut world = World {
        net: Network::new(scenario.clone()),
        nodes,
        params,
        decided: BTreeMap::new(),
        split: BTreeMap::new(),
        checked: HashSet::new(),
        outcome: Outcome::default(),
    };
    world.start()?;
    let deadline = scenario.gst_ms + DEADLINE_AFTER_GST_MS;
    while !world.all_done() {
        let Some(event) = world.net.next() else { break };
        if world.net.now > deadline {
            break;
        }
        world.step(event)?;
    }
    world.check_liveness()?;
    Ok(world.outcome)
}

impl World {
    fn start(&mut self) -> Result<(), Violation> {
        for i in 0..self.nodes.len() {
            if !self.nodes[i].active() {
                continue;
            }
            let outputs = self.nodes[i].driver.start_height(Height(1));
            self.handle(i, outputs)?;
            let epoch = self.nodes[i].epoch;
            self.net
                .after(REBROADCAST_MS, Event::Rebroadcast { node: i, epoch });
        }
        if let Some((node, from, until)) = self.net.scenario.crash {
            self.net.at(from, Event::Crash { node });
            self.net.at(until, Event::Restart { node });
        }
        Ok(())
    }

    fn all_done(&self) -> bool {
        let target = Height(self.net.scenario.heights);
        self.nodes
            .iter()
            .filter(|n| n.honest())
            .all(|n| n.decided.contains_key(&target))
    }

    /// Handles one event, counting the rounds its node enters after GST.
    fn step(&mut self, event: Event) -> Result<(), Violation> {
        let node = match &event {
            Event::Deliver { to, .. } => *to,
            Event::Timer { node, .. }
            | Event::Rebroadcast { node, .. }
            | Event::Crash { node }
            | Event::Restart { node } => *node,
        };
        let before = (self.nodes[node].height(), self.nodes[node].round());
        match event {
            Event::Deliver { to, from, msg } => self.deliver(to, from, msg)?,
            Event::Timer {
                node,
                epoch,
                timeout,
            } => {
                let n = &mut self.nodes[node];
                if n.active() && n.epoch == epoch {
                    let outputs = n.driver.process(Input::Timeout(timeout));
                    self.handle(node, outputs)?;
                }
            }
            Event::Rebroadcast { node, epoch } => self.rebroadcast(node, epoch),
            Event::Crash { node } => {
                let n = &mut self.nodes[node];
                n.up = false;
                n.epoch += 1;
            }
            Event::Restart { node } => self.restart(node)?,
        }
        let n = &mut self.nodes[node];
        if self.net.now >= self.net.scenario.gst_ms
            && n.height() == before.0
            && n.round() > before.1
        {
            *n.rounds_after_gst.entry(before.0).or_insert(0) += 1;
        }
        Ok(())
    }

    fn deliver(&mut self, to: usize, from: usize, msg: Msg) -> Result<(), Violation> {
        if !self.nodes[to].active() {
            return Ok(());
        }
        let height = self.nodes[to].height();
        let outputs = match msg {
            Msg::Proposal(p) => {
                let h = p.get().proposal.height;
                self.sync(to, from, h);
                if h != height {
                    return Ok(());
                }
                let valid = valid(&p.get().proposal.value);
                self.nodes[to]
                    .driver
                    .process(Input::Proposal { proposal: p, valid })
            }
            Msg::Vote(v) => {
                let h = v.get().vote.height;
                self.sync(to, from, h);
                if h != height {
                    return Ok(());
                }
                self.nodes[to].driver.process(Input::Vote(v))
            }
            Msg::Decided(cert) => {
                if cert.height != height {
                    return Ok(());
                }
                let valid = valid(&cert.value);
                self.nodes[to]
                    .driver
                    .decide_with(cert, valid)
                    .map_err(|error| Violation::BadCertificate { node: to, error })?
            }
        };
        self.handle(to, outputs)
    }

    /// An honest node that sees a peer behind sends it the certificate of the
    /// peer's height, at most once per height and rebroadcast interval.
    fn sync(&mut self, me: usize, peer: usize, height: Height) {
        let now = self.net.now;
        let node = &mut self.nodes[me];
        if !node.honest() {
            return;
        }
        let Some(cert) = node.decided.get(&height) else {
            return;
        };
        let recent = node
            .synced_to
            .get(&peer)
            .is_some_and(|(h, t)| *h == height && now < t + REBROADCAST_MS);
        if !recent {
            node.synced_to.insert(peer, (height, now));
            let msg = Msg::Decided(cert.clone());
            self.net.send(me, peer, msg);
        }
    }

    fn rebroadcast(&mut self, i: usize, epoch: u32) {
        let node = &self.nodes[i];
        if node.epoch != epoch || !node.active() {
            return;
        }
        let st = node.driver.state();
        let now = (st.height, st.round, st.step);
        // Like the engine, a node sends again only what it is stuck on: when
        // it has not moved since the last tick.
        let stuck = node.last_tick == Some(now);
        self.nodes[i].last_tick = Some(now);
        if self.nodes[i].honest() && stuck {
            for relay in self.nodes[i].driver.rebroadcast() {
                self.broadcast(i, super::byzantine::relay_msg(relay));
            }
        }
        self.net
            .after(REBROADCAST_MS, Event::Rebroadcast { node: i, epoch });
    }

    /// A restarted node has only its record: a new driver resumes from it.
    fn restart(&mut self, i: usize) -> Result<(), Violation> {
        let node = &mut self.nodes[i];
        node.up = true;
        node.driver = Driver::new(self.params.clone(), Some(node.id));
        let outputs = node.driver.resume(&node.record.clone());
        let epoch = node.epoch;
        self.handle(i, outputs)?;
        self.net
            .after(REBROADCAST_MS, Event::Rebroadcast { node: i, epoch });
        Ok(())
    }

    pub(crate) fn broadcast(&mut self, from: usize, msg: Msg) {
        for to in 0..self.nodes.len() {
            self.net.send(from, to, msg.clone());
        }
    }

    /// A fresh record at the next height, as the engine persists it when it
    /// stores a decided block.
    pub(crate) fn next_height(
        &mut self,
        i: usize,
        height: Height,
    ) -> Vec<timecoin_consensus::Output> {
        let node = &mut self.nodes[i];
        node.record = SafetyRecord::new(height);
        node.driver.start_height(height)
    }
}
