//! Item 6: no reconnection backoff spam: each node's failed connects in the
//! window stay under the threshold (its own override first).

use crate::checklist::Status;
use crate::checklist::facts::CheckFacts;
use crate::checklist::thresholds::Thresholds;
use crate::checklist::verdict::ItemVerdict;
use crate::classify::EventKind;

use super::inputs::{journal_of, note_lines};
use super::rule::{Item, Rule, Tally};

pub(crate) const RULE: Rule = Rule {
    item: Item {
        id: "no_backoff_spam",
        title: "No reconnection backoff spam",
    },
    judge,
};

fn judge(facts: &CheckFacts, thresholds: &Thresholds) -> ItemVerdict {
    let mut tally = Tally::default();
    for node in &facts.nodes {
        let name = &node.name;
        let limit = thresholds.backoff_spam_for(name);
        match journal_of(node, EventKind::ConnectFailed) {
            Err(missing) => tally.unknown(missing),
            Ok(log) => {
                let failed = log.count(EventKind::ConnectFailed);
                if failed < limit {
                    tally.pass(format!(
                        "{name}: {failed} failed connects (spam from {limit})"
                    ));
                } else {
                    let attempt = log
                        .max_attempt()
                        .map(|a| format!(", up to attempt {a}"))
                        .unwrap_or_default();
                    tally.fail(format!(
                        "{name}: {failed} failed connects, at or over the threshold {limit}{attempt}"
                    ));
                    note_lines(
                        &mut tally,
                        Status::Fail,
                        node,
                        log,
                        EventKind::ConnectFailed,
                    );
                }
            }
        }
    }
    tally.finish(RULE.item, facts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::fixture::Fixture;

    #[test]
    fn an_upstream_node_is_unknown_since_it_logs_dial_failures_at_debug_only() {
        let mut f = Fixture::healthy(2);
        assert_eq!(judge(&f.facts, &f.thresholds).status, Status::Pass);
        f.end(0).api = crate::fleet::DaemonApi::TimeMasternode;
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Unknown, "{v:?}");
        assert!(
            v.evidence.iter().any(|e| e.contains("only at debug level")),
            "{v:?}"
        );
    }

    #[test]
    fn spam_fails_at_the_threshold_unless_the_node_may_retry_more() {
        let mut f = Fixture::healthy(3);
        f.thresholds.backoff_spam = 3;
        for attempt in 1..=2 {
            f.log(
                0,
                &format!("WARN Connection to 10.0.0.2 failed (attempt {attempt}): refused"),
            );
        }
        assert_eq!(judge(&f.facts, &f.thresholds).status, Status::Pass);
        f.log(0, "WARN Connection to 10.0.0.2 failed (attempt 3): refused");
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Fail);
        assert!(
            v.evidence.contains(
                &"n0: 3 failed connects, at or over the threshold 3, up to attempt 3".to_string()
            ),
            "{v:?}"
        );
        assert!(
            v.evidence
                .iter()
                .any(|e| e.starts_with("n0 log: WARN Connection to 10.0.0.2 failed (attempt 1)"))
        );
        f.thresholds.per_node.insert(
            "n0".into(),
            crate::checklist::NodeLimits {
                backoff_spam: Some(10),
                ..Default::default()
            },
        );
        assert_eq!(judge(&f.facts, &f.thresholds).status, Status::Pass);
    }

    #[test]
    fn an_unread_journal_is_unknown() {
        let mut f = Fixture::healthy(3);
        f.unread_journal(2);
        assert_eq!(judge(&f.facts, &f.thresholds).status, Status::Unknown);
    }
}
