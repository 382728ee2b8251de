//! What one seed schedules: how many nodes, who dials whom, when each starts,
//! the network's latency, and the faults of the storm before the network heals.
//!
//! A plan is a pure function of the seed, so a failing seed is reproduced
//! exactly by running that seed alone (`SIM_SEED`). Nothing here touches the
//! simulation; `run.rs` plays the plan.

use std::time::Duration;

use fastrand::Rng;

use crate::knobs::{IMPOSTOR_GONE_AFTER, IMPOSTOR_WINDOW};

/// Fewest nodes in a plan: one pair, the smallest mesh that can race.
const MIN_NODES: usize = 2;
/// Most nodes in a plan. Six gives 15 pairs and every dial interleaving the
/// incident had (it had four), while keeping one seed cheap to simulate.
const MAX_NODES: usize = 6;
/// Seeds come in families (by `seed / node sizes` modulo this): a pure race
/// (simultaneous or staggered starts, random latency and node order, no fault),
/// rolling graceful restarts (what a deploy does), and two of storms. The first
/// two must end with no reset and no ACK failure from the first instant.
const FAMILIES: u64 = 4;
/// Most graceful restarts in a rolling-restart seed.
const MAX_RESTARTS: usize = 3;
/// Faults start within this window after the simulation starts.
const STORM: Duration = Duration::from_secs(4);
/// Longest single fault. Longer than the sim's handshake timeout and ping
/// timeout so that some faults kill handshakes and links, and some do not.
const MAX_FAULT: Duration = Duration::from_secs(3);
/// Chance that a message on a flaky path is lost: a few losses per second of
/// keepalive traffic, so most handshakes on the path still get through.
pub(crate) const FLAKY_LOSS: f64 = 0.05;
/// Most faults in one storm.
const MAX_FAULTS: usize = 6;
/// Latest start of a node in a staggered start: long enough to let a node
/// dial others that are not yet listening (refused dials, backoff), short
/// against the storm.
const MAX_START_DELAY: Duration = Duration::from_millis(600);
/// Highest floor of the one-way latency: a few simulated milliseconds.
const MIN_LATENCY_UP_TO: Duration = Duration::from_millis(5);
/// One seed in this many also runs an impostor: a host with no key of the network
/// that dials honest nodes claiming to be one of them.
const IMPOSTOR_ONE_IN: u8 = 4;
/// Most impostor connection attempts in one seed.
const MAX_IMPOSTOR_ATTEMPTS: usize = 8;

/// Highest one-way message latency. A tenth of the sim's handshake timeout, so
/// handshakes time out only when a fault holds them.
const MAX_LATENCY: Duration = Duration::from_millis(80);

/// Index of a node in a plan (`0..nodes`); also its simulated host name `node{i}`.
pub(crate) type NodeIx = usize;

/// Everything one seed decides.
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    pub(crate) seed: u64,
    pub(crate) nodes: usize,
    /// Bounds of the random one-way latency of every message.
    pub(crate) min_latency: Duration,
    pub(crate) max_latency: Duration,
    /// How long after the simulation (or a restart) each node waits before it
    /// listens and dials. All zero reproduces the incident's simultaneous start.
    pub(crate) start_delays: Vec<Duration>,
    /// `dials[i]` lists the nodes in node `i`'s configured peer list.
    pub(crate) dials: Vec<Vec<NodeIx>>,
    /// The storm, in start order. Empty for a pure race.
    pub(crate) faults: Vec<Fault>,
    /// The impostor's connections, in start order. Empty in most seeds.
    pub(crate) impostor: Vec<Impersonation>,
}

/// One connection of the impostor: at `at` it dials `target` and claims to be
/// `claims` (perhaps the target itself) with a session higher than any honest
/// one, which would win the collision rule if the claim were believed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Impersonation {
    pub(crate) at: Duration,
    pub(crate) target: NodeIx,
    pub(crate) claims: NodeIx,
}

/// One fault: what happens, when, and for how long before it is undone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fault {
    pub(crate) at: Duration,
    pub(crate) lasts: Duration,
    pub(crate) kind: FaultKind,
}

/// The ways the storm hurts the mesh.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FaultKind {
    /// Messages between two nodes are held in flight, then all delivered at once:
    /// handshakes and ACKs arrive late and in a burst, racing redials.
    Hold(NodeIx, NodeIx),
    /// Messages between two nodes are dropped, then the path heals. Streams that
    /// lost a segment stay stalled for good (no retransmission in the simulator),
    /// like a link a middlebox silently dropped: only keepalive finds them.
    Partition(NodeIx, NodeIx),
    /// A flaky path: each message between two nodes is lost with probability
    /// [`FLAKY_LOSS`]. Every loss stalls its stream for good, as a partition
    /// does, but at random moments: mid-handshake, mid-ping, mid-close.
    Flaky(NodeIx, NodeIx),
    /// The process is killed (its sockets are closed by the "kernel": FIN or RST
    /// reaches the peers) and started again after `lasts`.
    Kill(NodeIx),
    /// Power loss: the node is cut off, killed, and restarted after `lasts`, and
    /// only then reachable again. Its peers keep half-open links to the old
    /// process, which must not block the new one.
    PowerLoss(NodeIx),
    /// A crash and immediate restart (the software is dropped and started again).
    Restart(NodeIx),
    /// SIGTERM, then a start once the process has exited and `lasts` has passed:
    /// the node says `shutting_down` to its peers and closes its links cleanly.
    Stop(NodeIx),
}

impl Fault {
    /// When the fault is fully undone.
    pub(crate) fn ends(&self) -> Duration {
        self.at + self.lasts
    }
}

impl Plan {
    /// The plan for `seed`. The node count cycles with the seed so that any
    /// range of consecutive seeds covers every size.
    pub(crate) fn from_seed(seed: u64) -> Plan {
        let mut rng = Rng::with_seed(seed);
        let sizes = (MAX_NODES - MIN_NODES + 1) as u64;
        let nodes = MIN_NODES + (seed % sizes) as usize;
        let family = (seed / sizes) % FAMILIES;

        let min_latency = millis(rng.u64(0..=MIN_LATENCY_UP_TO.as_millis() as u64));
        let max_latency = up_to(&mut rng, MAX_LATENCY).max(min_latency + millis(1));
        let start_delays = if rng.bool() {
            vec![Duration::ZERO; nodes]
        } else {
            (0..nodes)
                .map(|_| up_to(&mut rng, MAX_START_DELAY))
                .collect()
        };
        let dials = dial_lists(&mut rng, nodes);
        let faults = match family {
            0 => Vec::new(),
            1 => rolling_restarts(&mut rng, nodes),
            _ => storm(&mut rng, nodes),
        };
        // Drawn last, so that every other choice of a seed is what it was before
        // impostors existed.
        let impostor = if rng.u8(0..IMPOSTOR_ONE_IN) == 0 {
            impersonations(&mut rng, nodes)
        } else {
            Vec::new()
        };
        Plan {
            seed,
            nodes,
            min_latency,
            max_latency,
            start_delays,
            dials,
            faults,
            impostor,
        }
    }

    /// Whether `a` and `b` want a link: at least one lists the other. A pair
    /// where neither does must stay unlinked (there is no peer discovery).
    pub(crate) fn wants(&self, a: NodeIx, b: NodeIx) -> bool {
        a != b && (self.dials[a].contains(&b) || self.dials[b].contains(&a))
    }

    /// Whether no reset and no ACK failure may happen at any time: nothing but
    /// races and graceful restarts happen in this plan.
    pub(crate) fn must_stay_clean(&self) -> bool {
        self.faults
            .iter()
            .all(|f| matches!(f.kind, FaultKind::Stop(_)))
    }

    /// When the last fault is undone; from then on the network is healthy and
    /// every node runs.
    pub(crate) fn heals_at(&self) -> Duration {
        self.faults
            .iter()
            .map(Fault::ends)
            .max()
            .unwrap_or(Duration::ZERO)
            .max(self.start_delays.iter().copied().max().unwrap_or_default())
            .max(
                self.impostor
                    .iter()
                    .map(|i| i.at + IMPOSTOR_GONE_AFTER)
                    .max()
                    .unwrap_or_default(),
            )
    }
}

/// Peer lists: mostly full (every node lists every other, as in the incident),
/// sometimes sparse so that some links are dialed from one end only and some
/// pairs want no link at all.
fn dial_lists(rng: &mut Rng, nodes: usize) -> Vec<Vec<NodeIx>> {
    let full = rng.u8(0..10) < 7;
    (0..nodes)
        .map(|me| {
            (0..nodes)
                .filter(|&other| other != me && (full || rng.u8(0..10) < 6))
                .collect()
        })
        .collect()
}

fn impersonations(rng: &mut Rng, nodes: usize) -> Vec<Impersonation> {
    let mut attempts: Vec<Impersonation> = (0..rng.usize(1..=MAX_IMPOSTOR_ATTEMPTS))
        .map(|_| Impersonation {
            at: up_to(rng, IMPOSTOR_WINDOW),
            target: rng.usize(0..nodes),
            claims: rng.usize(0..nodes),
        })
        .collect();
    attempts.sort_by_key(|a| a.at);
    attempts
}

fn storm(rng: &mut Rng, nodes: usize) -> Vec<Fault> {
    let count = rng.usize(1..=MAX_FAULTS);
    let mut faults: Vec<Fault> = (0..count)
        .map(|_| {
            let a = rng.usize(0..nodes);
            let b = (a + rng.usize(1..nodes)) % nodes;
            let kind = match rng.u8(0..7) {
                0 => FaultKind::Hold(a, b),
                1 => FaultKind::Partition(a, b),
                2 => FaultKind::Flaky(a, b),
                3 => FaultKind::Kill(a),
                4 => FaultKind::PowerLoss(a),
                5 => FaultKind::Stop(a),
                _ => FaultKind::Restart(a),
            };
            let lasts = match kind {
                FaultKind::Restart(_) => Duration::ZERO,
                _ => millis(rng.u64(50..=MAX_FAULT.as_millis() as u64)),
            };
            Fault {
                at: up_to(rng, STORM),
                lasts,
                kind,
            }
        })
        .collect();
    faults.sort_by_key(|f| f.at);
    faults
}

/// A deploy's rolling restarts: nodes stopped gracefully one after another (or
/// overlapping, as an impatient operator would), each started again shortly.
fn rolling_restarts(rng: &mut Rng, nodes: usize) -> Vec<Fault> {
    let mut faults: Vec<Fault> = (0..rng.usize(1..=MAX_RESTARTS))
        .map(|_| Fault {
            at: up_to(rng, STORM),
            lasts: millis(rng.u64(50..=1000)),
            kind: FaultKind::Stop(rng.usize(0..nodes)),
        })
        .collect();
    faults.sort_by_key(|f| f.at);
    faults
}

fn millis(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

fn up_to(rng: &mut Rng, max: Duration) -> Duration {
    millis(rng.u64(0..=max.as_millis() as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_always_makes_the_same_plan() {
        for seed in 0..50 {
            let (a, b) = (Plan::from_seed(seed), Plan::from_seed(seed));
            assert_eq!(a.dials, b.dials);
            assert_eq!(a.faults, b.faults);
            assert_eq!(a.start_delays, b.start_delays);
            assert_eq!(a.impostor, b.impostor);
        }
    }

    #[test]
    fn consecutive_seeds_cover_every_size_and_family() {
        let plans: Vec<Plan> = (0..40).map(Plan::from_seed).collect();
        for n in MIN_NODES..=MAX_NODES {
            let of_size = || plans.iter().filter(move |p| p.nodes == n);
            assert!(of_size().any(|p| p.faults.is_empty()));
            assert!(of_size().any(|p| !p.faults.is_empty() && p.must_stay_clean()));
            assert!(of_size().any(|p| !p.must_stay_clean()));
        }
        assert!(plans.iter().any(|p| !p.impostor.is_empty()));
    }
}
