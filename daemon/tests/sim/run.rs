//! Plays one seed: builds the turmoil world from its [`Plan`], steps it while
//! applying the storm's actions, then watches the healed network until the mesh
//! is whole and holds still, checking the invariant at every observation.
//!
//! Phases of one run, in simulated time:
//! 1. storm: nodes start (at once or staggered) and the faults play out;
//! 2. heal at `H` = [`Plan::heals_at`]: everything is released, repaired and
//!    running. From then on every observation either passes
//!    [`invariant::check`] or not;
//! 3. settled: the mesh passes, and nothing changes (links, connections made,
//!    taken or failed) for [`knobs::STABLE_FOR`]. The settled stretch must begin
//!    by `H +` [`knobs::CONVERGE_WITHIN`]: no node waits on a peer forever.
//!
//! The `ack_failures` and `resets` counters, summed over every incarnation of a
//! node, must not rise on a healthy network: from the first instant for a race
//! or rolling graceful restarts, from `H +` [`knobs::STORM_ECHO`] after a storm.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::rc::Rc;
use std::time::Duration;

use ed25519_dalek::SigningKey;
use timecoin_shared::wire::NodeId;
use timed::identity::Identity;
use tokio_util::sync::CancellationToken;
use turmoil::Sim;

use crate::impostor::{self, ImpostorSpec};
use crate::invariant::{self, LinkView, NodeView, Violation};
use crate::knobs;
use crate::node::{self, NodeSpec, Slot};
use crate::plan::{NodeIx, Plan};
use crate::timeline::{Action, timeline};

/// What a passing seed measured.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Outcome {
    /// From the heal to the start of the settled stretch.
    pub(crate) converged_after_heal: Duration,
    /// Handshakes the honest nodes refused for a failed proof of identity.
    pub(crate) auth_refusals: u64,
}

/// Why a seed failed, with the simulated time it was found at.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) at: Duration,
    pub(crate) what: String,
}

/// Host name of node `i` in the simulation.
fn host(i: NodeIx) -> String {
    format!("node{i}")
}

/// Runs `plan` to the end.
///
/// # Errors
/// The first broken promise: no settled mesh by the convergence bound (with the
/// last violation seen), a failure counter that rose when it must not, or a
/// host's software failing.
pub(crate) fn run(plan: &Plan) -> Result<Outcome, Failure> {
    let mut sim = turmoil::Builder::new()
        .rng_seed(plan.seed)
        .tick_duration(knobs::TICK)
        .min_message_latency(plan.min_latency)
        .max_message_latency(plan.max_latency)
        .enable_random_order()
        // The driver decides when a run ends; this only stops a runaway.
        .simulation_duration(Duration::from_secs(3600))
        .build();
    let slots: Vec<Rc<RefCell<Slot>>> = (0..plan.nodes).map(|_| Rc::default()).collect();
    let ips: Vec<IpAddr> = (0..plan.nodes).map(|i| sim.lookup(host(i))).collect();
    let identities = identities(plan);
    let ids: Vec<NodeId> = identities.iter().map(Identity::node_id).collect();
    let definition = knobs::definition(ids.clone());
    for i in 0..plan.nodes {
        let spec = NodeSpec {
            seed: plan.seed,
            identity: identities[i].clone(),
            start_delay: plan.start_delays[i],
            peers: plan.dials[i]
                .iter()
                .map(|&j| node::listen_addr(ips[j]))
                .collect(),
            definition: definition.clone(),
        };
        let slot = slots[i].clone();
        sim.host(host(i), move || node::software(spec.clone(), slot.clone()));
    }
    if !plan.impostor.is_empty() {
        let spec = ImpostorSpec {
            attempts: plan.impostor.clone(),
            listen: ips.iter().map(|ip| node::listen_addr(*ip)).collect(),
            ids: ids.clone(),
            network_hash: definition.hash_hex(),
            seed: plan.seed,
        };
        sim.client("impostor", impostor::software(spec));
    }
    let mut driver = Driver {
        plan,
        sim,
        slots,
        ips,
        ids,
        retired: vec![Failures::default(); plan.nodes],
        deferred_starts: BTreeSet::new(),
    };
    driver.play()
}

/// Node keys drawn from the seed, so the id order (which decides every
/// collision) differs from seed to seed yet replays exactly.
fn identities(plan: &Plan) -> Vec<Identity> {
    let mut rng = fastrand::Rng::with_seed(plan.seed ^ 0x6b65_7973);
    (0..plan.nodes)
        .map(|_| {
            let mut secret = [0u8; 32];
            secret.iter_mut().for_each(|b| *b = rng.u8(..));
            Identity::from_signing_key(SigningKey::from_bytes(&secret))
        })
        .collect()
}

/// The counters that must not rise on a healthy network, summed over a node's
/// incarnations (each restart starts its counters at zero).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Failures {
    ack_failures: u64,
    resets: u64,
    /// Not a failure of the mesh: impostors refused, kept for the report.
    auth_failures: u64,
}

/// A mesh that passes the invariant, and since when it has not changed at all:
/// same links, and not one connection made, taken or failed on any node.
struct Settled {
    since: Duration,
    state: Vec<(Vec<LinkView>, u64)>,
}

struct Driver<'p> {
    plan: &'p Plan,
    sim: Sim<'static>,
    slots: Vec<Rc<RefCell<Slot>>>,
    ips: Vec<IpAddr>,
    ids: Vec<NodeId>,
    /// Failures counted by each node's earlier incarnations.
    retired: Vec<Failures>,
    /// Nodes to start again once their graceful shutdown has finished.
    deferred_starts: BTreeSet<NodeIx>,
}

impl Driver<'_> {
    fn play(&mut self) -> Result<Outcome, Failure> {
        let heal = self.plan.heals_at();
        // Races and graceful restarts must be clean from the first instant.
        let (clean_from, mut baseline) = if self.plan.must_stay_clean() {
            (
                Duration::ZERO,
                Some(vec![Failures::default(); self.plan.nodes]),
            )
        } else {
            (heal + knobs::STORM_ECHO, None)
        };
        let deadline = heal + knobs::CONVERGE_WITHIN;
        let mut actions = timeline(self.plan).into_iter().peekable();
        let mut settled: Option<Settled> = None;
        let mut last_violation = Violation("no node observed yet".into());
        loop {
            let now = self.sim.elapsed();
            self.start_exited();
            while let Some((_, action)) = actions.next_if(|(at, _)| *at <= now) {
                self.apply(action);
            }
            let healed = actions.peek().is_none() && self.deferred_starts.is_empty();
            if healed && baseline.is_none() && now >= clean_from {
                baseline = Some(self.failures(now)?);
            }
            if healed && is_multiple(now, knobs::OBSERVE_EVERY) {
                match self.observe() {
                    Ok(seen) => {
                        if settled.as_ref().is_none_or(|s| s.state != seen) {
                            settled = Some(Settled {
                                since: now,
                                state: seen,
                            });
                        }
                    }
                    Err(v) => {
                        settled = None;
                        last_violation = v;
                    }
                }
                if now >= deadline && settled.as_ref().is_none_or(|s| s.since > deadline) {
                    return Err(fail(
                        now,
                        format!(
                            "mesh not settled {:?} after the heal: {last_violation}",
                            knobs::CONVERGE_WITHIN
                        ),
                    ));
                }
            }
            if let (Some(s), Some(base)) = (&settled, &baseline)
                && now >= s.since + knobs::STABLE_FOR
                && now >= clean_from
            {
                self.failures_unchanged(now, base)?;
                return Ok(Outcome {
                    converged_after_heal: s.since.saturating_sub(heal),
                    auth_refusals: self.auth_refusals(),
                });
            }
            self.sim
                .step()
                .map_err(|e| fail(now, format!("a host failed: {e}")))?;
        }
    }

    /// The mesh's state if it passes the invariant: each node's links and how
    /// many connections it has made or taken so far.
    fn observe(&self) -> Result<Vec<(Vec<LinkView>, u64)>, Violation> {
        let views = self.views()?;
        invariant::check(self.plan, &views)?;
        Ok(views
            .into_iter()
            .zip(&self.slots)
            .map(|(view, slot)| {
                let activity = slot.borrow().handle.as_ref().map_or(0, |h| {
                    let c = h.counters();
                    c.handshakes_completed + c.handshakes_accepted + c.failed_dials
                });
                (view.links, activity)
            })
            .collect())
    }

    /// Applies one timeline action to the simulation.
    fn apply(&mut self, action: Action) {
        let n = self.plan.nodes;
        match action {
            Action::Hold(a, b) => self.sim.hold(host(a), host(b)),
            Action::Release(a, b) => self.sim.release(host(a), host(b)),
            Action::Partition(a, b) => self.sim.partition(host(a), host(b)),
            Action::Repair(a, b) => self.sim.repair(host(a), host(b)),
            Action::Loss(a, b, rate) => self.sim.set_link_fail_rate(host(a), host(b), rate),
            Action::Isolate(a) => (0..n)
                .filter(|&b| b != a)
                .for_each(|b| self.sim.partition(host(a), host(b))),
            Action::Reconnect(a) => (0..n)
                .filter(|&b| b != a)
                .for_each(|b| self.sim.repair(host(a), host(b))),
            Action::Crash(a) => {
                if self.sim.is_host_running(host(a)) {
                    self.sim.crash(host(a));
                }
                self.deferred_starts.remove(&a);
                self.retire(a);
            }
            Action::Stop(a) => {
                let token = self.slots[a].borrow().shutdown.clone();
                match token {
                    Some(token) => token.cancel(),
                    // Still in its start delay, nothing open yet: stopping it
                    // any way is the same as stopping it gracefully.
                    None if self.sim.is_host_running(host(a)) => self.sim.crash(host(a)),
                    None => {}
                }
            }
            Action::Resume(a) => self.resume(a),
            Action::Restart(a) => {
                self.deferred_starts.remove(&a);
                self.retire(a);
                self.sim.bounce(host(a));
            }
            Action::HealAll => {
                for a in 0..n {
                    for b in (a + 1)..n {
                        self.sim.set_link_fail_rate(host(a), host(b), 0.0);
                        self.sim.release(host(a), host(b));
                        self.sim.repair(host(a), host(b));
                    }
                }
                (0..n).for_each(|a| self.resume(a));
            }
        }
    }

    /// Whether node `a` was asked to shut down gracefully and has not exited yet.
    fn is_stopping(&mut self, a: NodeIx) -> bool {
        let asked = self.slots[a]
            .borrow()
            .shutdown
            .as_ref()
            .is_some_and(CancellationToken::is_cancelled);
        asked && self.sim.is_host_running(host(a))
    }

    /// Starts node `a`'s software if it is down, or as soon as it has exited if
    /// it is shutting down gracefully (as `systemctl restart` waits).
    fn resume(&mut self, a: NodeIx) {
        if self.is_stopping(a) {
            self.deferred_starts.insert(a);
        } else if !self.sim.is_host_running(host(a)) {
            self.deferred_starts.remove(&a);
            self.retire(a);
            self.sim.bounce(host(a));
        }
    }

    /// Starts the nodes whose graceful shutdown has finished since the last step.
    fn start_exited(&mut self) {
        let exited: Vec<NodeIx> = self
            .deferred_starts
            .iter()
            .copied()
            .filter(|&a| !self.sim.is_host_running(host(a)))
            .collect();
        for a in exited {
            self.resume(a);
        }
    }

    /// Forgets node `a`'s current incarnation, keeping what its counters say.
    fn retire(&mut self, a: NodeIx) {
        let mut slot = self.slots[a].borrow_mut();
        slot.shutdown = None;
        if let Some(handle) = slot.handle.take() {
            let c = handle.counters();
            self.retired[a].ack_failures += c.ack_failures;
            self.retired[a].resets += c.resets;
            self.retired[a].auth_failures += c.auth_failures;
        }
    }

    /// Every node as the invariant sees it, or which node cannot be seen.
    fn views(&self) -> Result<Vec<NodeView>, Violation> {
        (0..self.plan.nodes)
            .map(|i| {
                let slot = self.slots[i].borrow();
                let Some(handle) = slot.handle.as_ref() else {
                    return Err(Violation(format!("node{i} has not started")));
                };
                Ok(NodeView {
                    ix: i,
                    id: self.ids[i],
                    listen: node::listen_addr(self.ips[i]),
                    links: handle
                        .peers()
                        .into_iter()
                        .map(|p| LinkView {
                            peer: p.node_id,
                            addr: p.addr,
                            direction: p.direction,
                        })
                        .collect(),
                    active_masternodes: handle.active_masternodes().len(),
                    open_streams: slot.book.open_streams(),
                })
            })
            .collect()
    }

    /// Proofs of identity the honest nodes refused, over every incarnation.
    fn auth_refusals(&self) -> u64 {
        let live: u64 = self
            .slots
            .iter()
            .filter_map(|s| {
                s.borrow()
                    .handle
                    .as_ref()
                    .map(|h| h.counters().auth_failures)
            })
            .sum();
        live + self.retired.iter().map(|f| f.auth_failures).sum::<u64>()
    }

    /// Each node's failures over all its incarnations so far.
    fn failures(&self, now: Duration) -> Result<Vec<Failures>, Failure> {
        (0..self.plan.nodes)
            .map(|i| match self.slots[i].borrow().handle.as_ref() {
                Some(h) => {
                    let c = h.counters();
                    Ok(Failures {
                        ack_failures: self.retired[i].ack_failures + c.ack_failures,
                        resets: self.retired[i].resets + c.resets,
                        auth_failures: 0,
                    })
                }
                None => Err(fail(now, format!("node{i} is not running after the heal"))),
            })
            .collect()
    }

    /// No handshake ended in a reset or without its ACK since `base`.
    fn failures_unchanged(&self, now: Duration, base: &[Failures]) -> Result<(), Failure> {
        let end = self.failures(now)?;
        let risen: BTreeMap<String, String> = base
            .iter()
            .zip(&end)
            .enumerate()
            .filter(|(_, (b, e))| b != e)
            .map(|(i, (b, e))| (host(i), format!("{b:?} -> {e:?}")))
            .collect();
        if risen.is_empty() {
            Ok(())
        } else {
            Err(fail(
                now,
                format!("ACK failures or resets on a healthy network: {risen:?}"),
            ))
        }
    }
}

fn is_multiple(now: Duration, every: Duration) -> bool {
    now.as_micros().is_multiple_of(every.as_micros())
}

fn fail(at: Duration, what: String) -> Failure {
    Failure { at, what }
}
