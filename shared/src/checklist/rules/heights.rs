//! Item 5: every node's height rose over the window, and the nodes' heights at
//! the end agree within the allowed spread. The final heights (what a quorum
//! certified) stand beside the tips in the evidence; the tip is what is judged,
//! as every daemon API reports it.

use crate::checklist::facts::{CheckFacts, NodeFacts};
use crate::checklist::thresholds::Thresholds;
use crate::checklist::verdict::ItemVerdict;

use super::inputs::series;
use super::rule::{Item, Rule, Tally};

pub(crate) const RULE: Rule = Rule {
    item: Item {
        id: "heights_advancing",
        title: "Block height increasing and in agreement",
    },
    judge,
};

fn judge(facts: &CheckFacts, thresholds: &Thresholds) -> ItemVerdict {
    let mut tally = Tally::default();
    let mut ends = Vec::new();
    for node in &facts.nodes {
        let name = &node.name;
        let heights = match series(node, "block_height", |c| c.block_height) {
            Ok(heights) => heights,
            Err(missing) => {
                tally.unknown(missing);
                continue;
            }
        };
        let (Some(&start), Some(&end)) = (heights.first(), heights.last()) else {
            continue;
        };
        ends.push((name.as_str(), end));
        let finals = finals(node);
        if heights.len() < 2 {
            tally.unknown(format!("{name}: probed once, so no rise can be seen"));
        } else if end > start {
            tally.pass(format!("{name}: height {start} -> {end}{finals}"));
        } else if end == start {
            tally.fail(format!(
                "{name}: height stuck at {end} over the window{finals}"
            ));
        } else {
            tally.fail(format!("{name}: height fell from {start} to {end}{finals}"));
        }
    }
    let lowest = ends.iter().min_by_key(|(_, h)| *h);
    // The first node at the top, as `min_by_key` gives the first at the bottom.
    let highest = ends.iter().rev().max_by_key(|(_, h)| *h);
    if let (Some(&(low_name, low)), Some(&(high_name, high))) = (lowest, highest) {
        let spread = high - low;
        let allowed = thresholds.height_spread;
        if spread > allowed {
            tally.fail(format!(
                "heights differ by {spread} (allowed {allowed}): {high_name} at {high}, {low_name} at {low}"
            ));
        } else {
            tally.pass(format!("heights at the end within {spread} of each other"));
        }
    }
    tally.finish(RULE.item, facts)
}

/// The final heights at the first and the last probe, as evidence beside
/// the tip's (` (final 9 -> 13)`); empty where the node did not report them.
fn finals(node: &NodeFacts) -> String {
    let final_at = |probe: Option<&crate::snapshot::NodeSnapshot>| {
        probe
            .filter(|p| p.is_reachable())
            .and_then(|p| p.chain.final_height)
    };
    match (final_at(node.probes.first()), final_at(node.last_probe())) {
        (Some(from), Some(to)) => format!(" (final {from} -> {to})"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::Status;
    use crate::checklist::fixture::Fixture;

    #[test]
    fn rising_heights_pass_and_a_stuck_node_fails() {
        let mut f = Fixture::healthy(4);
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Pass);
        assert_eq!(v.evidence[0], "n0: height 10 -> 14 (final 9 -> 13)");
        f.chain(0, |_, c| c.final_height = None);
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(
            v.evidence[0], "n0: height 10 -> 14",
            "no final height, no claim"
        );
        f.chain(3, |_, c| c.block_height = Some(10));
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Fail);
        assert!(
            v.evidence
                .contains(&"n3: height stuck at 10 over the window (final 9 -> 13)".to_string()),
            "{v:?}"
        );
        assert!(
            v.evidence
                .contains(&"heights differ by 4 (allowed 1): n0 at 14, n3 at 10".to_string()),
            "{v:?}"
        );
    }

    #[test]
    fn a_spread_of_one_passes_and_a_single_probe_is_unknown() {
        let mut f = Fixture::healthy(2);
        f.end(1).chain.block_height = Some(15);
        assert_eq!(judge(&f.facts, &f.thresholds).status, Status::Pass);
        f.facts.nodes[0].probes.drain(..2);
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Unknown, "{v:?}");
    }
}
