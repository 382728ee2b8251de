//! Item 3: every node holds a link to every other node (N-1 peers, or N where a
//! daemon counts itself) at every probe. A count outside that range at any probe,
//! a flap included, fails.

use crate::checklist::facts::CheckFacts;
use crate::checklist::thresholds::Thresholds;
use crate::checklist::verdict::ItemVerdict;

use super::inputs::{join, series};
use super::rule::{Item, Rule, Tally};

pub(crate) const RULE: Rule = Rule {
    item: Item {
        id: "peers_stable",
        title: "Connected peers stable at N-1 on every node",
    },
    judge,
};

fn judge(facts: &CheckFacts, _: &Thresholds) -> ItemVerdict {
    let mut tally = Tally::default();
    let low = facts.fleet_size.saturating_sub(1);
    let high = facts.fleet_size;
    for node in &facts.nodes {
        match series(node, "connected_peers", |c| c.connected_peers) {
            Err(missing) => tally.unknown(missing),
            Ok(seen) => {
                let list = join(&seen);
                if seen.iter().all(|p| (low..=high).contains(p)) {
                    tally.pass(format!("{}: {list} peers", node.name));
                } else {
                    tally.fail(format!(
                        "{}: {list} peers over the window (expected {low} or {high} throughout)",
                        node.name
                    ));
                }
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
    fn full_mesh_passes_and_a_flap_fails() {
        let mut f = Fixture::healthy(4);
        assert_eq!(judge(&f.facts, &f.thresholds).status, Status::Pass);
        f.chain(0, |k, c| {
            c.connected_peers = Some(if k == 1 { 1 } else { 3 })
        });
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Fail);
        assert!(
            v.evidence.contains(
                &"n0: 3,1,3 peers over the window (expected 3 or 4 throughout)".to_string()
            ),
            "{v:?}"
        );
    }

    #[test]
    fn a_missing_count_is_unknown() {
        let mut f = Fixture::healthy(3);
        f.chain(2, |k, c| {
            if k == 2 {
                c.connected_peers = None
            }
        });
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Unknown);
        assert!(
            v.evidence
                .contains(&"n2: connected_peers not reported at the end probe".to_string()),
            "{v:?}"
        );
    }
}
