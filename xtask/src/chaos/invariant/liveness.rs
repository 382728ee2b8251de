//! While a quorum of masternodes is connected, the final height grows: a quorum
//! is at least `min_masternodes` answering nodes that all list each other, and
//! the highest final height among them must rise within a bound, else the stall
//! is reported (once per stall).

use serde::Serialize;

use crate::chaos::sample::Sample;

/// A stretch with a connected quorum and no new final block.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct Stall {
    /// Seconds since the run started.
    pub(crate) from: f64,
    pub(crate) until: f64,
    pub(crate) final_height: u64,
    /// The connected quorum (1-based hosts) at the end of the stretch.
    pub(crate) quorum: Vec<usize>,
}

/// The largest set of answering nodes that all list each other (0-based),
/// found by trying every subset: labs have at most eight hosts.
pub(crate) fn largest_clique(sample: &Sample, ids: &[String]) -> Vec<usize> {
    let n = sample.nodes.len();
    let mut best = Vec::new();
    for mask in 1u32..(1 << n) {
        let members: Vec<usize> = (0..n).filter(|i| mask & (1 << i) != 0).collect();
        if members.len() <= best.len() || members.iter().any(|i| sample.nodes[*i].is_none()) {
            continue;
        }
        let clique = members
            .iter()
            .enumerate()
            .all(|(k, a)| members[k + 1..].iter().all(|b| sample.linked(ids, *a, *b)));
        if clique {
            best = members;
        }
    }
    best
}

/// Watches samples for stalls longer than `bound` seconds.
#[derive(Debug)]
pub(crate) struct Progress {
    quorum: usize,
    bound: f64,
    /// Since when a quorum has been connected with no new final block, and the
    /// final height then.
    waiting: Option<(f64, u64)>,
    reported: bool,
    stalls: Vec<Stall>,
}

impl Progress {
    pub(crate) fn new(quorum: usize, bound: f64) -> Progress {
        Progress {
            quorum,
            bound,
            waiting: None,
            reported: false,
            stalls: Vec::new(),
        }
    }

    pub(crate) fn observe(&mut self, sample: &Sample, ids: &[String]) {
        let clique = largest_clique(sample, ids);
        if clique.len() < self.quorum {
            self.waiting = None;
            return;
        }
        let top = clique
            .iter()
            .filter_map(|i| sample.nodes[*i].as_ref().map(|v| v.final_height))
            .max()
            .unwrap_or(0);
        match self.waiting {
            Some((_, height)) if top > height => self.waiting = None,
            Some((from, height)) if sample.at - from > self.bound && !self.reported => {
                self.reported = true;
                self.stalls.push(Stall {
                    from,
                    until: sample.at,
                    final_height: height,
                    quorum: clique.iter().map(|i| i + 1).collect(),
                });
            }
            _ => {}
        }
        if self.waiting.is_none() {
            self.waiting = Some((sample.at, top));
            self.reported = false;
        }
    }

    pub(crate) fn stalls(&self) -> &[Stall] {
        &self.stalls
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chaos::invariant::fixture::{cut, ids, mesh};

    #[test]
    fn the_largest_clique_leaves_out_a_node_cut_from_two_others() {
        let s = cut(cut(mesh(0.0, &[1; 4], &[0; 4]), 3, 0), 3, 1);
        assert_eq!(largest_clique(&s, &ids(4)), vec![0, 1, 2]);
    }

    #[test]
    fn a_connected_quorum_whose_final_height_stands_still_past_the_bound_is_one_stall() {
        let mut p = Progress::new(3, 10.0);
        for t in 0..30 {
            p.observe(&mesh(f64::from(t), &[9; 4], &[3; 4]), &ids(4));
        }
        assert_eq!(p.stalls().len(), 1);
        assert_eq!(p.stalls()[0].from, 0.0);
        assert_eq!(p.stalls()[0].quorum, vec![1, 2, 3, 4]);
    }

    #[test]
    fn a_growing_final_height_or_no_quorum_is_no_stall() {
        let mut p = Progress::new(3, 10.0);
        for t in 0..30u64 {
            p.observe(&mesh(t as f64, &[t + 6; 4], &[t / 5; 4]), &ids(4));
        }
        // A 2-2 split: no side has a quorum of three, so standing still is allowed.
        for t in 30..60 {
            let split = cut(
                cut(
                    cut(cut(mesh(f64::from(t), &[9; 4], &[3; 4]), 0, 2), 0, 3),
                    1,
                    2,
                ),
                1,
                3,
            );
            p.observe(&split, &ids(4));
        }
        assert!(p.stalls().is_empty(), "{:?}", p.stalls());
    }
}
