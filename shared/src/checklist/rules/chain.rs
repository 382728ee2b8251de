//! Item 10: the nodes hold the same block at a height all of them reached. Two
//! hashes there is a fork: a failure naming both hashes and who holds each.

use std::collections::BTreeMap;

use crate::checklist::facts::CheckFacts;
use crate::checklist::thresholds::Thresholds;
use crate::checklist::verdict::ItemVerdict;

use super::rule::{Item, Rule, Tally};

pub(crate) const RULE: Rule = Rule {
    item: Item {
        id: "same_chain",
        title: "Nodes agree on the block at a common height",
    },
    judge,
};

fn judge(facts: &CheckFacts, _: &Thresholds) -> ItemVerdict {
    let mut tally = Tally::default();
    let Some(height) = facts.common_height else {
        if !facts.nodes.is_empty() {
            tally.unknown("no common height known to compare blocks at");
        }
        return tally.finish(RULE.item, facts);
    };
    let mut holders: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for node in &facts.nodes {
        match &node.block_at_common_height {
            Some(hash) => holders.entry(hash).or_default().push(&node.name),
            None => tally.unknown(match &node.block_unknown_reason {
                Some(reason) => {
                    format!(
                        "{}: no block hash known at height {height}: {reason}",
                        node.name
                    )
                }
                None => format!("{}: no block hash known at height {height}", node.name),
            }),
        }
    }
    match (holders.iter().next(), holders.len()) {
        (None, _) => {}
        (Some((hash, nodes)), 1) => {
            tally.pass(format!(
                "{} agree on block {hash} at height {height}",
                nodes.join(", ")
            ));
        }
        (Some(_), forks) => {
            tally.fail(format!("fork at height {height}: {forks} different blocks"));
            for (hash, nodes) in &holders {
                tally.fail(format!("{}: block {hash}", nodes.join(", ")));
            }
        }
    }
    tally.finish(RULE.item, facts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::Status;
    use crate::checklist::fixture::Fixture;

    #[test]
    fn a_fork_fails_with_both_hashes() {
        let mut f = Fixture::healthy(4);
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Pass);
        assert_eq!(
            v.evidence,
            ["n0, n1, n2, n3 agree on block hash14 at height 14"]
        );
        for i in 2..4 {
            f.facts.nodes[i].block_at_common_height = Some("other14".into());
        }
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Fail);
        assert_eq!(
            v.evidence,
            [
                "fork at height 14: 2 different blocks",
                "n0, n1: block hash14",
                "n2, n3: block other14"
            ]
        );
    }

    #[test]
    fn a_fork_outranks_an_unknown_node_and_no_height_is_unknown() {
        let mut f = Fixture::healthy(3);
        f.facts.nodes[1].block_at_common_height = Some("other".into());
        f.facts.nodes[2].block_at_common_height = None;
        assert_eq!(judge(&f.facts, &f.thresholds).status, Status::Fail);
        f.facts.common_height = None;
        assert_eq!(judge(&f.facts, &f.thresholds).status, Status::Unknown);
    }

    #[test]
    fn a_failed_look_up_says_what_failed() {
        let mut f = Fixture::healthy(3);
        f.facts.nodes[1].block_at_common_height = None;
        f.facts.nodes[2].block_at_common_height = None;
        f.facts.nodes[2].block_unknown_reason = Some("RPC error: connection refused".into());
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Unknown);
        assert!(
            v.evidence
                .contains(&"n1: no block hash known at height 14".to_owned()),
            "{:?}",
            v.evidence
        );
        assert!(
            v.evidence.contains(
                &"n2: no block hash known at height 14: RPC error: connection refused".to_owned()
            ),
            "{:?}",
            v.evidence
        );
    }
}
