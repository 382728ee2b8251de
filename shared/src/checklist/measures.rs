//! The numbers behind the checklist, for systems that graph them: Nagios
//! perfdata, a dashboard's gauges. Taken at the window's end; a number the check
//! could not learn or did not judge is `None` (Nagios `U`), never zero.

use super::facts::{CheckFacts, NodeFacts};
use super::rules::{caught_in_window, counted_dials, judged_count};
use super::thresholds::Thresholds;
use crate::classify::EventKind;
use crate::snapshot::ChainView;

/// One graphable number with the limits that judge it. Limits follow the Nagios
/// plugin convention: an alert when the value is above `warn` or `crit`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Measure {
    /// `height_spread`, or `NODE_height`, `NODE_peers`, `NODE_masternodes`,
    /// `NODE_resets`, `NODE_failed_connects` (those the backoff item counts:
    /// toward peers not shown down), `NODE_equivocations` (caught in the window).
    pub label: String,
    pub value: Option<u64>,
    pub warn: Option<u64>,
    pub crit: Option<u64>,
    pub min: Option<u64>,
    pub max: Option<u64>,
}

impl Measure {
    fn new(label: String, value: Option<u64>) -> Self {
        Measure {
            label,
            value,
            warn: None,
            crit: None,
            min: Some(0),
            max: None,
        }
    }
}

/// The fleet's height spread, then each node's height, peers, masternodes,
/// resets, failed connects and equivocations, in node order.
pub fn measures(facts: &CheckFacts, thresholds: &Thresholds) -> Vec<Measure> {
    let heights: Vec<Option<u64>> = facts
        .nodes
        .iter()
        .map(|n| at_end(n, |c| c.block_height))
        .collect();
    let known: Option<Vec<u64>> = heights.iter().copied().collect();
    let spread = known
        .filter(|h| !h.is_empty())
        .map(|h| h.iter().max().copied().unwrap_or(0) - h.iter().min().copied().unwrap_or(0));
    let mut out = vec![Measure {
        crit: Some(thresholds.height_spread),
        ..Measure::new("height_spread".into(), spread)
    }];
    let size = u64::try_from(facts.fleet_size).ok();
    let count = |v: Option<usize>| v.and_then(|v| u64::try_from(v).ok());
    for (node, height) in facts.nodes.iter().zip(heights) {
        let name = &node.name;
        out.push(Measure::new(format!("{name}_height"), height));
        out.push(Measure {
            max: size,
            ..Measure::new(
                format!("{name}_peers"),
                count(at_end(node, |c| c.connected_peers)),
            )
        });
        out.push(Measure {
            max: size,
            ..Measure::new(
                format!("{name}_masternodes"),
                count(at_end(node, |c| c.active_masternodes)),
            )
        });
        out.push(Measure {
            crit: Some(0),
            ..Measure::new(
                format!("{name}_resets"),
                judged_count(node, EventKind::ConnectionReset),
            )
        });
        out.push(Measure {
            // The rule fails at the limit; Nagios alerts above `crit`.
            crit: Some(thresholds.backoff_spam_for(name).saturating_sub(1)),
            ..Measure::new(
                format!("{name}_failed_connects"),
                counted_dials(facts, node),
            )
        });
        out.push(Measure {
            crit: Some(0),
            ..Measure::new(format!("{name}_equivocations"), caught_in_window(node))
        });
    }
    out
}

fn at_end<T>(node: &NodeFacts, get: impl Fn(&ChainView) -> Option<T>) -> Option<T> {
    node.last_probe()
        .filter(|p| p.is_reachable())
        .and_then(|p| get(&p.chain))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::fixture::{Fixture, INCIDENT_LINE};

    #[test]
    fn end_values_and_limits_per_node() {
        let mut f = Fixture::healthy(2);
        f.log(1, INCIDENT_LINE);
        f.end(1).chain.block_height = Some(15);
        let m = measures(&f.facts, &f.thresholds);
        let get = |label: &str| m.iter().find(|m| m.label == label).expect(label).clone();
        assert_eq!(get("height_spread").value, Some(1));
        assert_eq!(get("height_spread").crit, Some(1));
        assert_eq!(get("n1_height").value, Some(15));
        assert_eq!(get("n0_peers").value, Some(1));
        assert_eq!(get("n0_masternodes").max, Some(2));
        assert_eq!(get("n1_resets").value, Some(1));
        assert_eq!(get("n1_failed_connects").crit, Some(9));
        assert_eq!(get("n1_equivocations").value, Some(0));
        assert_eq!(get("n1_equivocations").crit, Some(0));
        assert_eq!(m.len(), 1 + 2 * 6);
    }

    #[test]
    fn what_was_not_learned_is_none() {
        let mut f = Fixture::healthy(2);
        f.unreachable(0);
        let m = measures(&f.facts, &f.thresholds);
        for label in ["height_spread", "n0_height", "n0_peers", "n0_resets"] {
            let measure = m.iter().find(|m| m.label == label).expect(label);
            assert_eq!(measure.value, None, "{label}");
        }
    }

    #[test]
    fn a_count_the_node_cannot_log_is_not_judged_not_zero() {
        let mut f = Fixture::healthy(2);
        f.end(1).api = crate::fleet::DaemonApi::TimeMasternode;
        let m = measures(&f.facts, &f.thresholds);
        let value = |label: &str| m.iter().find(|m| m.label == label).expect(label).value;
        assert_eq!(value("n0_failed_connects"), Some(0));
        assert_eq!(value("n1_failed_connects"), None);
        assert_eq!(value("n1_equivocations"), None);
        assert_eq!(value("n1_resets"), Some(0), "upstream logs its resets");
        // An empty journal while the height rose was not read where it is written.
        f.facts.nodes[0].journal = crate::checklist::Journal::Read(Default::default());
        let m = measures(&f.facts, &f.thresholds);
        let value = |label: &str| m.iter().find(|m| m.label == label).expect(label).value;
        assert_eq!(value("n0_resets"), None);
    }
}
