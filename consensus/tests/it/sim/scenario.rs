//! One seed's world: how many validators, which lie and how, when the network
//! stabilises (GST), and what goes wrong before.

use std::fmt;

use timecoin_consensus::{Height, Round};

/// How a Byzantine validator misbehaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Behaviour {
    /// Sends nothing at all.
    Silent,
    /// Signs two proposals and two votes of each kind per round, one for each
    /// half of the network.
    Equivocate,
    /// Follows the protocol but sends each message to a random subset.
    Partial,
    /// Follows the protocol and adds votes for later rounds and heights.
    Spam,
}

/// A split of the network into two sides that cannot talk for a while.
#[derive(Clone, Debug)]
pub(crate) struct Partition {
    pub(crate) from_ms: u64,
    pub(crate) until_ms: u64,
    /// Side of each node.
    pub(crate) side: Vec<bool>,
}

/// Everything a run depends on; the same scenario always runs the same way.
#[derive(Clone, Debug)]
pub(crate) struct Scenario {
    pub(crate) seed: u64,
    pub(crate) n: usize,
    /// Behaviour of each node: `None` for honest ones.
    pub(crate) byzantine: Vec<Option<Behaviour>>,
    pub(crate) gst_ms: u64,
    /// Chance a message sent before GST is lost.
    pub(crate) loss: f64,
    /// Largest delay before GST; after it, [`Scenario::DELTA_MS`].
    pub(crate) max_delay_ms: u64,
    pub(crate) partitions: Vec<Partition>,
    /// One honest node down for a while before GST: (node, from, until).
    pub(crate) crash: Option<(usize, u64, u64)>,
    /// Heights every honest node must decide.
    pub(crate) heights: u64,
    /// Use a quorum of 2f instead of 2f+1 (the broken rule the simulation
    /// must catch).
    pub(crate) broken_quorum: bool,
}

impl Scenario {
    /// The bound on message delay after GST.
    pub(crate) const DELTA_MS: u64 = 40;

    /// A random world for `seed` with `n` validators and f of them Byzantine
    /// (fewer in some seeds).
    pub(crate) fn random(seed: u64, n: usize) -> Scenario {
        let mut rng = fastrand::Rng::with_seed(seed);
        let f = (n - 1) / 3;
        let liars = if rng.u8(0..4) == 0 {
            rng.usize(0..=f)
        } else {
            f
        };
        let mut byzantine = vec![None; n];
        let mut order: Vec<usize> = (0..n).collect();
        rng.shuffle(&mut order);
        let kinds = [
            Behaviour::Silent,
            Behaviour::Equivocate,
            Behaviour::Partial,
            Behaviour::Spam,
        ];
        for &i in order.iter().take(liars) {
            byzantine[i] = Some(kinds[rng.usize(0..kinds.len())]);
        }
        let gst_ms = rng.u64(0..4000);
        let partitions = (0..rng.usize(0..3))
            .map(|_| {
                let from_ms = rng.u64(0..gst_ms.max(1));
                Partition {
                    from_ms,
                    until_ms: rng.u64(from_ms..=gst_ms),
                    side: (0..n).map(|_| rng.bool()).collect(),
                }
            })
            .collect();
        let honest: Vec<usize> = (0..n).filter(|i| byzantine[*i].is_none()).collect();
        let crash = (rng.u8(0..3) == 0 && gst_ms > 0).then(|| {
            let from = rng.u64(0..gst_ms);
            (
                honest[rng.usize(0..honest.len())],
                from,
                rng.u64(from..=gst_ms),
            )
        });
        Scenario {
            seed,
            n,
            byzantine,
            gst_ms,
            loss: [0.0, 0.1, 0.3, 0.6][rng.usize(0..4)],
            max_delay_ms: rng.u64(Self::DELTA_MS..400),
            partitions,
            crash,
            heights: 4,
            broken_quorum: false,
        }
    }

    /// A world where the proposers of the first f heights are Byzantine and
    /// equivocate, for the tests of a broken rule.
    pub(crate) fn equivocators(seed: u64, n: usize) -> Scenario {
        let mut s = Scenario::random(seed, n);
        let net = crate::support::Net::new(n);
        let f = net.set.max_faulty();
        s.byzantine = vec![None; n];
        for h in 1..=f as u64 {
            let proposer = net.set.proposer(Height(h), Round(0));
            s.byzantine[net.index(&proposer)] = Some(Behaviour::Equivocate);
        }
        s.crash = s.crash.filter(|(node, _, _)| s.byzantine[*node].is_none());
        s
    }
}

impl Scenario {
    /// Which half of the network an equivocator treats node `i` as: the
    /// honest nodes alternate, so each half holds as many as it can.
    pub(crate) fn half(&self, i: usize) -> usize {
        let honest_before = self.byzantine[..i].iter().filter(|b| b.is_none()).count();
        honest_before % 2
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "seed {} n {} byzantine {:?} gst {} ms loss {} delay <= {} ms partitions {} crash {:?}",
            self.seed,
            self.n,
            self.byzantine,
            self.gst_ms,
            self.loss,
            self.max_delay_ms,
            self.partitions.len(),
            self.crash
        )
    }
}
