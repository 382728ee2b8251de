//! Item 4: block production running on every node: rounds logged in the window,
//! none skipped for lack of masternodes, and the last block not stale.

use std::time::Duration;

use crate::checklist::Status;
use crate::checklist::facts::CheckFacts;
use crate::checklist::thresholds::Thresholds;
use crate::checklist::verdict::ItemVerdict;
use crate::classify::EventKind;

use super::inputs::{at_end, journal, note_lines};
use super::rule::{Item, Rule, Tally};

pub(crate) const RULE: Rule = Rule {
    item: Item {
        id: "production_running",
        title: "Block production running",
    },
    judge,
};

fn judge(facts: &CheckFacts, thresholds: &Thresholds) -> ItemVerdict {
    let mut tally = Tally::default();
    for node in &facts.nodes {
        let name = &node.name;
        match journal(node) {
            Err(missing) => tally.unknown(missing),
            Ok(log) if log.count(EventKind::ProductionSkipped) > 0 => note_lines(
                &mut tally,
                Status::Fail,
                node,
                log,
                EventKind::ProductionSkipped,
            ),
            Ok(log) if log.count(EventKind::BlockRound) == 0 => tally.fail(format!(
                "{name}: no block round logged in the {} window",
                secs(thresholds.window)
            )),
            Ok(log) => tally.pass(format!(
                "{name}: {} block rounds, none skipped",
                log.count(EventKind::BlockRound)
            )),
        }
        let stale = thresholds.stale_block_age_for(name);
        match at_end(node, "last_block_age_secs", |c| c.last_block_age_secs) {
            Err(missing) => tally.unknown(missing),
            Ok(age) if Duration::from_secs(age) > stale => tally.warn(format!(
                "{name}: last block {age}s old (stale after {})",
                secs(stale)
            )),
            Ok(age) => tally.pass(format!("{name}: last block {age}s old")),
        }
    }
    tally.finish(RULE.item, facts)
}

fn secs(d: Duration) -> String {
    format!("{}s", d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::fixture::Fixture;

    const SKIP: &str = "Dec 31 09:40:00 LW-Michigan2 timed[94346]: WARN ⚠️ Skipping block production: only 2 masternodes active (minimum 3 required)";

    #[test]
    fn a_skipped_round_fails_with_its_line() {
        let mut f = Fixture::healthy(4);
        assert_eq!(judge(&f.facts, &f.thresholds).status, Status::Pass);
        f.log(1, SKIP);
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Fail);
        assert!(
            v.evidence
                .iter()
                .any(|e| e == "n1: 1 production_skipped line in the window"),
            "{v:?}"
        );
        assert!(
            v.evidence
                .iter()
                .any(|e| e.contains("only 2 masternodes active")),
            "{v:?}"
        );
    }

    #[test]
    fn no_rounds_fail_and_a_stale_block_warns() {
        let mut f = Fixture::healthy(2);
        let idle: crate::checklist::LogEvidence = ["INFO idle"].into_iter().collect();
        f.facts.nodes[0].journal = crate::checklist::Journal::Read(idle);
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Fail);
        assert!(
            v.evidence
                .contains(&"n0: no block round logged in the 60s window".to_string()),
            "{v:?}"
        );

        let mut f = Fixture::healthy(2);
        f.end(1).chain.last_block_age_secs = Some(121);
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Warn);
        assert!(
            v.evidence
                .contains(&"n1: last block 121s old (stale after 120s)".to_string())
        );
        f.thresholds.per_node.insert(
            "n1".into(),
            crate::checklist::NodeLimits {
                stale_block_age: Some(Duration::from_secs(300)),
                ..Default::default()
            },
        );
        assert_eq!(judge(&f.facts, &f.thresholds).status, Status::Pass);
    }

    /// A logs command that printed nothing (a wrong unit name) while the
    /// node's height rose did not read the daemon's journal: unknown, with
    /// where to look, never a quiet pass or a "no rounds" failure.
    #[test]
    fn an_empty_journal_while_the_height_rose_is_unknown_with_a_hint() {
        let mut f = Fixture::healthy(2);
        f.facts.nodes[1].journal = crate::checklist::Journal::Read(Default::default());
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Unknown, "{v:?}");
        assert!(
            v.evidence[0].starts_with(
                "n1: its journal held nothing over the window while its height rose 10 to 14; \
                 check the node's logs command: the unit name"
            ),
            "{v:?}"
        );
        // With the height standing still, an empty journal is a stopped node's.
        f.chain(1, |_, c| c.block_height = Some(10));
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Fail, "{v:?}");
        assert!(
            v.evidence
                .contains(&"n1: no block round logged in the 60s window".to_string()),
            "{v:?}"
        );
    }
}
