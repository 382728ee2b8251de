//! Item 7: clean handshakes: no ACK failures, and handshakes completing. A node
//! whose links all date from before the window has nothing to complete; it
//! passes on the links it holds, a node missing links with none completed fails.

use crate::checklist::Status;
use crate::checklist::facts::CheckFacts;
use crate::checklist::thresholds::Thresholds;
use crate::checklist::verdict::ItemVerdict;
use crate::classify::EventKind;

use super::inputs::{at_end, journal_of, note_lines};
use super::rule::{Item, Rule, Tally};

pub(crate) const RULE: Rule = Rule {
    item: Item {
        id: "clean_handshakes",
        title: "Clean handshakes",
    },
    judge,
};

fn judge(facts: &CheckFacts, _: &Thresholds) -> ItemVerdict {
    let mut tally = Tally::default();
    let links = facts.fleet_size.saturating_sub(1);
    for node in &facts.nodes {
        let name = &node.name;
        let log = match journal_of(node, EventKind::HandshakeAckFailed) {
            Ok(log) => log,
            Err(absent) => {
                tally.absent(absent);
                continue;
            }
        };
        if log.count(EventKind::HandshakeAckFailed) > 0 {
            note_lines(
                &mut tally,
                Status::Fail,
                node,
                log,
                EventKind::HandshakeAckFailed,
            );
            continue;
        }
        let completed =
            log.count(EventKind::HandshakeCompleted) + log.count(EventKind::HandshakeAccepted);
        if completed > 0 {
            tally.pass(format!(
                "{name}: {completed} handshakes completed, no ACK failures"
            ));
            continue;
        }
        match at_end(node, "connected_peers", |c| c.connected_peers) {
            Err(missing) => tally.unknown(missing),
            Ok(held) if held >= links => tally.pass(format!(
                "{name}: no handshake needed in the window, {held} links held"
            )),
            Ok(held) => tally.fail(format!(
                "{name}: no handshake completed in the window and only {held} of {links} links held"
            )),
        }
    }
    tally.finish(RULE.item, facts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::fixture::{Fixture, INCIDENT_LINE};

    #[test]
    fn an_ack_failure_fails_even_beside_completions() {
        let mut f = Fixture::healthy(4);
        f.log(1, "INFO Handshake completed with 127.0.0.1:9002");
        assert_eq!(judge(&f.facts, &f.thresholds).status, Status::Pass);
        f.log(1, INCIDENT_LINE);
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Fail);
        assert!(
            v.evidence
                .iter()
                .any(|e| e == "n1: 1 handshake_ack_failed line in the window"),
            "{v:?}"
        );
    }

    #[test]
    fn no_handshakes_pass_on_held_links_and_fail_without_them() {
        let mut f = Fixture::healthy(4);
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Pass);
        assert!(
            v.evidence
                .contains(&"n0: no handshake needed in the window, 3 links held".to_string())
        );
        f.end(2).chain.connected_peers = Some(1);
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Fail);
        f.unreachable(2);
        assert_eq!(judge(&f.facts, &f.thresholds).status, Status::Unknown);
    }

    #[test]
    fn an_upstream_node_is_not_applicable_not_passed_on_a_silent_journal() {
        let mut f = Fixture::healthy(2);
        f.end(0).api = crate::fleet::DaemonApi::TimeMasternode;
        f.end(1).api = crate::fleet::DaemonApi::TimeMasternode;
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::NotApplicable, "{v:?}");
        assert!(
            v.evidence
                .iter()
                .any(|e| e.starts_with("n1: handshake_ack_failed not judged: time-masternode")),
            "{v:?}"
        );
    }
}
