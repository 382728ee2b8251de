//! Item 2: every node sees all N masternodes of the fleet active, at every probe.
//! Fewer than the node's minimum means block production stops: a failure. Fewer
//! than N but still enough to produce is a warning. The minimum is the one the
//! node reports, else the fleet file's (upstream's RPC does not report one).

use crate::checklist::facts::CheckFacts;
use crate::checklist::thresholds::Thresholds;
use crate::checklist::verdict::ItemVerdict;

use super::inputs::{at_end, join, series};
use super::rule::{Item, Rule, Tally};

pub(crate) const RULE: Rule = Rule {
    item: Item {
        id: "masternodes_active",
        title: "All masternodes active on every node",
    },
    judge,
};

fn judge(facts: &CheckFacts, _: &Thresholds) -> ItemVerdict {
    let mut tally = Tally::default();
    let want = facts.fleet_size;
    for node in &facts.nodes {
        let seen = match series(node, "active_masternodes", |c| c.active_masternodes) {
            Ok(seen) => seen,
            Err(missing) => {
                tally.unknown(missing);
                continue;
            }
        };
        let list = join(&seen);
        let lowest = seen.iter().copied().min().unwrap_or(0);
        let highest = seen.iter().copied().max().unwrap_or(0);
        let minimum = match at_end(node, "min_masternodes", |c| c.min_masternodes) {
            Ok(min) => Some((min, "the minimum")),
            Err(_) => facts
                .min_masternodes
                .map(|min| (min, "the fleet file's minimum")),
        };
        let name = &node.name;
        if lowest >= want && highest == want {
            tally.pass(format!("{name}: {list} of {want} active"));
        } else if highest > want {
            tally.warn(format!(
                "{name}: {list} active, more than the {want} of the fleet file"
            ));
        } else {
            match minimum {
                Some((min, whose)) if lowest >= min => tally.warn(format!(
                    "{name}: {list} of {want} active (still at least {whose} {min})"
                )),
                Some((min, whose)) => tally.fail(format!(
                    "{name}: {list} of {want} active, below {whose} {min}: production stops"
                )),
                None => tally.fail(format!(
                    "{name}: {list} of {want} active (no minimum reported or in the fleet file)"
                )),
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
    fn all_active_passes() {
        let f = Fixture::healthy(4);
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Pass, "{v:?}");
        assert_eq!(v.evidence[0], "n0: 4,4,4 of 4 active");
    }

    #[test]
    fn one_missing_warns_and_below_minimum_fails() {
        let mut f = Fixture::healthy(4);
        f.chain(1, |k, c| {
            c.active_masternodes = Some(if k == 2 { 3 } else { 4 })
        });
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Warn, "{v:?}");
        assert!(
            v.evidence
                .contains(&"n1: 4,4,3 of 4 active (still at least the minimum 3)".to_string())
        );
        f.chain(2, |_, c| c.active_masternodes = Some(2));
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Fail);
        assert!(
            v.evidence
                .iter()
                .any(|e| e.starts_with("n2: 2,2,2 of 4 active, below the minimum 3"))
        );
    }

    #[test]
    fn without_a_reported_minimum_the_fleet_files_decides() {
        let mut f = Fixture::healthy(4);
        f.chain(1, |_, c| {
            c.min_masternodes = None;
            c.active_masternodes = Some(3);
        });
        f.facts.min_masternodes = Some(3);
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Warn, "{v:?}");
        assert_eq!(
            v.evidence[0],
            "n1: 3,3,3 of 4 active (still at least the fleet file's minimum 3)"
        );
        f.chain(1, |_, c| c.active_masternodes = Some(2));
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Fail, "{v:?}");
        assert!(
            v.evidence[0].contains("below the fleet file's minimum 3"),
            "{v:?}"
        );
        // The node's own minimum, when it reports one, outranks the file's.
        f.chain(1, |_, c| c.min_masternodes = Some(2));
        assert_eq!(judge(&f.facts, &f.thresholds).status, Status::Warn);
        f.facts.min_masternodes = None;
        f.chain(1, |_, c| c.min_masternodes = None);
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Fail, "{v:?}");
    }

    #[test]
    fn an_unanswered_probe_is_unknown_naming_the_node() {
        let mut f = Fixture::healthy(4);
        f.unreachable(3);
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Unknown);
        assert!(
            v.evidence
                .iter()
                .any(|e| e.starts_with("n3: did not answer at the start probe")),
            "{v:?}"
        );
    }
}
