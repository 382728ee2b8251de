//! Item 1: no `Connection reset by peer` in any node's journal in the window. A
//! reset mid-handshake was the incident's signature.

use crate::checklist::Status;
use crate::checklist::facts::CheckFacts;
use crate::checklist::thresholds::Thresholds;
use crate::checklist::verdict::ItemVerdict;
use crate::classify::EventKind;

use super::inputs::{journal, note_lines};
use super::rule::{Item, Rule, Tally};

pub(crate) const RULE: Rule = Rule {
    item: Item {
        id: "no_resets",
        title: "No connection resets",
    },
    judge,
};

fn judge(facts: &CheckFacts, _: &Thresholds) -> ItemVerdict {
    let mut tally = Tally::default();
    for node in &facts.nodes {
        match journal(node) {
            Err(missing) => tally.unknown(missing),
            Ok(log) if log.count(EventKind::ConnectionReset) == 0 => {
                tally.pass(format!("{}: no resets in the window", node.name));
            }
            Ok(log) => note_lines(
                &mut tally,
                Status::Fail,
                node,
                log,
                EventKind::ConnectionReset,
            ),
        }
    }
    tally.finish(RULE.item, facts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::fixture::{Fixture, INCIDENT_LINE};

    #[test]
    fn a_reset_line_fails_with_the_node_and_the_line() {
        let mut f = Fixture::healthy(4);
        f.log(2, INCIDENT_LINE);
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Fail);
        // The worst evidence comes first: summaries show only that line.
        assert_eq!(v.evidence[0], "n2: 1 connection_reset line in the window");
        let on = |name: &str| v.nodes.iter().find(|n| n.node == name).map(|n| n.status);
        assert_eq!(
            (on("n2"), on("n1")),
            (Some(Status::Fail), Some(Status::Pass))
        );
        assert!(
            v.evidence
                .iter()
                .any(|e| e.starts_with("n2 log: WARN Connection to")),
            "{v:?}"
        );
    }

    #[test]
    fn a_quiet_fleet_passes_and_an_unread_journal_is_unknown() {
        let mut f = Fixture::healthy(4);
        assert_eq!(judge(&f.facts, &f.thresholds).status, Status::Pass);
        f.unread_journal(1);
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Unknown);
        assert!(
            v.evidence
                .iter()
                .any(|e| e.starts_with("n1: journal unreadable"))
        );
    }
}
