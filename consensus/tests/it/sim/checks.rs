//! What a run checks: every honest decision against the others (safety),
//! and at the end that every honest node decided every height within a bounded
//! number of rounds after GST (liveness).

use std::fmt;

use timecoin_consensus::{CertError, Height, ValueId};

use super::node::valid;
use super::run::World;

/// What must never happen.
#[derive(Debug)]
pub(crate) enum Violation {
    /// Two honest nodes decided different values at one height.
    Disagreement {
        height: Height,
        first: ValueId,
        second: ValueId,
    },
    /// An honest node decided a value its engine finds invalid.
    InvalidDecision { node: usize, height: Height },
    /// A decision's certificate does not verify.
    BadCertificate { node: usize, error: CertError },
    /// Evidence names an honest node.
    HonestEquivocated { node: usize },
    /// Evidence an honest node reported does not verify.
    BadEvidence { node: usize },
    /// An honest state machine asked for a proposal or vote its record refuses.
    RefusedOwnMessage { node: usize },
    /// An honest node had not decided every height by the deadline after GST.
    Stalled {
        node: usize,
        height: Height,
        /// Where every node was, for whoever debugs the seed.
        views: String,
    },
    /// An honest node went through too many rounds of one height after GST.
    TooManyRounds {
        node: usize,
        height: Height,
        rounds: u32,
    },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::Disagreement {
                height,
                first,
                second,
            } => write!(
                f,
                "honest nodes decided {first} and {second} at height {height}"
            ),
            Violation::InvalidDecision { node, height } => {
                write!(f, "node {node} decided an invalid value at height {height}")
            }
            Violation::BadCertificate { node, error } => {
                write!(
                    f,
                    "node {node} met a certificate that does not verify: {error}"
                )
            }
            Violation::BadEvidence { node } => {
                write!(f, "node {node} reported evidence that does not verify")
            }
            Violation::HonestEquivocated { node } => write!(f, "honest node {node} equivocated"),
            Violation::RefusedOwnMessage { node } => {
                write!(
                    f,
                    "node {node}'s state machine asked for a message its record refuses"
                )
            }
            Violation::Stalled {
                node,
                height,
                views,
            } => write!(
                f,
                "node {node} still at height {height} at the deadline after GST; nodes:\n{views}"
            ),
            Violation::TooManyRounds {
                node,
                height,
                rounds,
            } => write!(
                f,
                "node {node} went through {rounds} rounds of height {height} after GST"
            ),
        }
    }
}

/// What a run that broke nothing measured.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    /// The most rounds one honest node entered at one height after GST.
    pub(crate) max_rounds_after_gst: u32,
    /// Simulated time at which the last honest node decided its last height.
    pub(crate) end_ms: u64,
    /// Evidence items reported by honest nodes.
    pub(crate) evidence: usize,
}

impl World {
    /// Records an honest decision and checks it against every other one.
    pub(crate) fn check_decision(
        &mut self,
        i: usize,
        height: Height,
        value: ValueId,
    ) -> Result<(), Violation> {
        if !valid(&value) {
            return Err(Violation::InvalidDecision { node: i, height });
        }
        match self.decided.get(&height) {
            Some(first) if *first != value => Err(Violation::Disagreement {
                height,
                first: *first,
                second: value,
            }),
            Some(_) => Ok(()),
            None => {
                self.decided.insert(height, value);
                Ok(())
            }
        }
    }

    /// One line per node: its behaviour and its state machine's variables.
    fn views(&self) -> String {
        let mut out = String::new();
        for (i, node) in self.nodes.iter().enumerate() {
            let s = node.driver.state();
            let line = format!(
                "  node {i} {:?}: height {} round {} {:?} locked {:?} valid {:?}\n",
                node.behaviour, s.height, s.round, s.step, s.locked, s.valid
            );
            out.push_str(&line);
        }
        out
    }

    pub(crate) fn check_liveness(&mut self) -> Result<(), Violation> {
        let target = Height(self.net.scenario.heights);
        let bound = liveness_bound(self.nodes.len());
        for (i, node) in self.nodes.iter().enumerate().filter(|(_, n)| n.honest()) {
            if !node.decided.contains_key(&target) {
                return Err(Violation::Stalled {
                    node: i,
                    height: node.height(),
                    views: self.views(),
                });
            }
            for (height, rounds) in &node.rounds_after_gst {
                self.outcome.max_rounds_after_gst = self.outcome.max_rounds_after_gst.max(*rounds);
                if *rounds > bound {
                    return Err(Violation::TooManyRounds {
                        node: i,
                        height: *height,
                        rounds: *rounds,
                    });
                }
            }
        }
        self.outcome.end_ms = self.net.now;
        Ok(())
    }
}

/// The rounds an honest node may need at one height after GST: one jump to
/// the round the others are in, then at most N rounds before the proposer is
/// the honest node whose valid value is the most recent (who re-proposes it with
/// its proof of lock, so every honest node can prevote it), and one spare for
/// the round the node was in at GST.
pub(crate) fn liveness_bound(n: usize) -> u32 {
    n as u32 + 2
}
