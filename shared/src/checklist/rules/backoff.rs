//! Item 6: no reconnection backoff spam. Spam is failed dials to peers the
//! probes show up, at or over the threshold (the node's own override first),
//! or redials to a peer faster than any backoff allows. Dials toward a node the
//! probes show down are that node's own failure (its masternode and peers
//! items show it), not its peers' spam: a daemon keeps redialing a dead peer,
//! by design, at its backoff's cap.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use crate::checklist::facts::{CheckFacts, LogEvidence, NodeFacts, SAMPLE_LINES};
use crate::checklist::thresholds::Thresholds;
use crate::checklist::verdict::ItemVerdict;
use crate::classify::EventKind;
use crate::snapshot::Reach;

use super::inputs::journal_of;
use super::rule::{Item, Rule, Tally};

pub(crate) const RULE: Rule = Rule {
    item: Item {
        id: "no_backoff_spam",
        title: "No reconnection backoff spam",
    },
    judge,
};

/// The shortest gap a backoff keeps between dials to a peer that stays down,
/// once at its cap. `timed` caps at 2 s, drawn down to half by jitter; the
/// incident's daemon backed off to 80 s. Dialing a down peer more often than
/// this is not backing off. A window allows one dial per floor, plus the
/// threshold for the first, faster attempts.
// Correctness: a floor above a real daemon's would fail a healthy fleet with a
// node down; below it, a daemon without backoff still shows (it dials in ms).
const REDIAL_FLOOR: Duration = Duration::from_secs(1);

/// A node's failed dials, split by whether the probes show the peer down.
#[derive(Debug, Default)]
struct Dials {
    /// Toward peers not shown down (up, or not among the checked nodes).
    counted: u64,
    /// Toward checked nodes the probes show down, by node name.
    toward_down: BTreeMap<String, u64>,
}

impl Dials {
    fn of(facts: &CheckFacts, log: &LogEvidence) -> Dials {
        let mut dials = Dials::default();
        for (peer, failed) in log.failed_dials() {
            match down_node_at(facts, peer) {
                Some(name) => {
                    *dials.toward_down.entry(name.to_owned()).or_default() += failed.count;
                }
                None => dials.counted += failed.count,
            }
        }
        dials
    }
}

fn judge(facts: &CheckFacts, thresholds: &Thresholds) -> ItemVerdict {
    let mut tally = Tally::default();
    let floors = thresholds.window.as_millis() / REDIAL_FLOOR.as_millis().max(1);
    let floors = u64::try_from(floors).unwrap_or(u64::MAX);
    for node in &facts.nodes {
        let name = &node.name;
        let limit = thresholds.backoff_spam_for(name);
        let log = match journal_of(node, EventKind::ConnectFailed) {
            Ok(log) => log,
            Err(absent) => {
                tally.absent(absent);
                continue;
            }
        };
        let dials = Dials::of(facts, log);
        let allowed = limit.saturating_add(floors);
        // The peers whose dials are spam: `None` for those not shown down.
        let mut spammed: Vec<Option<&str>> = Vec::new();
        for (down, &count) in &dials.toward_down {
            if count >= allowed {
                spammed.push(Some(down));
                tally.fail(format!(
                    "{name}: {count} failed connects to {down} (down at a probe) in the {}s window, \
                     faster than a backoff allows (spam from {allowed})",
                    thresholds.window.as_secs()
                ));
            } else {
                tally.pass(format!(
                    "{name}: {count} failed connects to {down}, down at a probe: its own failure \
                     (spam from {allowed})"
                ));
            }
        }
        let failed = dials.counted;
        let to = if dials.toward_down.is_empty() {
            ""
        } else {
            " to peers not shown down"
        };
        if failed < limit {
            tally.pass(format!(
                "{name}: {failed} failed connects{to} (spam from {limit})"
            ));
        } else {
            spammed.push(None);
            let attempt = log
                .max_attempt()
                .map(|a| format!(", up to attempt {a}"))
                .unwrap_or_default();
            tally.fail(format!(
                "{name}: {failed} failed connects{to}, at or over the threshold {limit}{attempt}"
            ));
        }
        if !spammed.is_empty() {
            let lines = log.count(EventKind::ConnectFailed);
            tally.fail(format!(
                "{name}: {lines} connect_failed lines in the window, the first of the spam:"
            ));
            let spam = log
                .failed_dials()
                .iter()
                .filter(|(peer, _)| spammed.contains(&down_node_at(facts, peer)))
                .flat_map(|(_, failed)| &failed.samples)
                .take(SAMPLE_LINES);
            for line in spam {
                tally.fail(format!("{name} log: {line}"));
            }
        }
    }
    tally.finish(RULE.item, facts)
}

/// The failed dials the item counts against the node's threshold: toward
/// peers not shown down. `None` where the item does not judge the node.
pub(crate) fn counted_dials(facts: &CheckFacts, node: &NodeFacts) -> Option<u64> {
    let log = journal_of(node, EventKind::ConnectFailed).ok()?;
    Some(Dials::of(facts, log).counted)
}

/// The checked node that `peer` (an address from a failed-dial line) names,
/// when the probes show it down: unanswered at any probe of the window. A host
/// shared by several checked nodes names them all, and counts as down only
/// when all of them are.
fn down_node_at<'f>(facts: &'f CheckFacts, peer: &str) -> Option<&'f str> {
    let host = host_of(peer)?;
    let mut at_host = facts
        .nodes
        .iter()
        .filter(|n| n.host.as_deref().and_then(host_of).as_ref() == Some(&host))
        .peekable();
    at_host.peek()?;
    let mut first = None;
    for node in at_host {
        if !shown_down(node) {
            return None;
        }
        first.get_or_insert(node.name.as_str());
    }
    first
}

fn shown_down(node: &NodeFacts) -> bool {
    node.probes
        .iter()
        .any(|p| matches!(p.reach, Reach::Unreachable { .. }))
}

/// The host part of an address (`10.0.0.1:24100`, `[::1]:24100`, `10.0.0.1`,
/// `node1.example`), normalised so that both spellings of an IP compare equal.
fn host_of(addr: &str) -> Option<String> {
    let addr = addr.trim();
    if addr.is_empty() {
        return None;
    }
    if let Ok(socket) = addr.parse::<SocketAddr>() {
        return Some(socket.ip().to_string());
    }
    let bare = addr.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Some(ip.to_string());
    }
    let name = bare.rsplit_once(':').map_or(bare, |(name, port)| {
        if port.chars().all(|c| c.is_ascii_digit()) {
            name
        } else {
            bare
        }
    });
    Some(name.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::Status;
    use crate::checklist::fixture::Fixture;

    fn dial(f: &mut Fixture, from: usize, to: &str, attempt: u32) {
        f.log(
            from,
            &format!("WARN Connection to {to}:24100 failed (attempt {attempt}): Connection refused (os error 111)"),
        );
    }

    #[test]
    fn an_upstream_node_is_not_applicable_since_it_logs_dial_failures_at_debug_only() {
        let mut f = Fixture::healthy(2);
        assert_eq!(judge(&f.facts, &f.thresholds).status, Status::Pass);
        f.end(0).api = crate::fleet::DaemonApi::TimeMasternode;
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Pass, "n1 still judged: {v:?}");
        assert!(
            v.evidence
                .iter()
                .any(|e| e.starts_with("n0: connect_failed not judged")
                    && e.contains("only at debug level")),
            "{v:?}"
        );
        f.end(1).api = crate::fleet::DaemonApi::TimeMasternode;
        assert_eq!(judge(&f.facts, &f.thresholds).status, Status::NotApplicable);
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

    /// The devnet of the issue: one node killed, each survivor redials it at
    /// its backoff's cap and passes 10 failed dials within seconds.
    #[test]
    fn dials_toward_a_node_the_probes_show_down_are_its_failure_not_spam() {
        let mut f = Fixture::healthy(4);
        f.thresholds.window = Duration::from_secs(20);
        for i in 0..4 {
            f.facts.nodes[i].host = Some(format!("127.0.0.{}", i + 1));
        }
        f.unreachable(3);
        for from in 0..3 {
            for attempt in 1..=11 {
                dial(&mut f, from, "127.0.0.4", attempt);
            }
        }
        let v = judge(&f.facts, &f.thresholds);
        assert_ne!(v.status, Status::Fail, "{v:?}");
        assert!(
            v.evidence.contains(
                &"n0: 11 failed connects to n3, down at a probe: its own failure (spam from 30)"
                    .to_string()
            ),
            "{v:?}"
        );
        assert!(
            v.evidence.contains(
                &"n0: 0 failed connects to peers not shown down (spam from 10)".to_string()
            ),
            "{v:?}"
        );

        // Toward a peer the probes show up, the same dials are spam.
        dial(&mut f, 1, "127.0.0.3", 1);
        for attempt in 1..=10 {
            dial(&mut f, 0, "127.0.0.2", attempt);
        }
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Fail, "{v:?}");
        assert_eq!(
            v.evidence[0],
            "n0: 10 failed connects to peers not shown down, at or over the threshold 10, up to attempt 11"
        );
        assert!(
            v.evidence.contains(
                &"n1: 1 failed connects to peers not shown down (spam from 10)".to_string()
            ),
            "{v:?}"
        );
        // The lines shown are the spam's, not the dials toward the down node.
        let shown: Vec<&String> = v
            .evidence
            .iter()
            .filter(|e| e.starts_with("n0 log:"))
            .collect();
        assert!(!shown.is_empty(), "{v:?}");
        assert!(shown.iter().all(|e| e.contains("127.0.0.2:24100")), "{v:?}");
    }

    #[test]
    fn redialing_a_down_node_faster_than_a_backoff_allows_is_spam() {
        let mut f = Fixture::healthy(2);
        f.thresholds.window = Duration::from_secs(5);
        f.facts.nodes[0].host = Some("10.0.0.1".into());
        f.facts.nodes[1].host = Some("10.0.0.2".into());
        f.unreachable(1);
        // Allowed: the threshold (10) and one a second over 5 s.
        for attempt in 1..=14 {
            dial(&mut f, 0, "10.0.0.2", attempt);
        }
        assert_eq!(judge(&f.facts, &f.thresholds).status, Status::Unknown);
        dial(&mut f, 0, "10.0.0.2", 15);
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Fail, "{v:?}");
        assert_eq!(
            v.evidence[0],
            "n0: 15 failed connects to n1 (down at a probe) in the 5s window, faster than a backoff allows (spam from 15)"
        );
    }

    #[test]
    fn a_down_node_is_named_by_its_host_in_any_spelling() {
        assert_eq!(host_of("127.0.0.4:24100").as_deref(), Some("127.0.0.4"));
        assert_eq!(host_of("[::1]:24100").as_deref(), Some("::1"));
        assert_eq!(host_of("0:0::1").as_deref(), Some("::1"));
        assert_eq!(
            host_of("Node1.Example:24100").as_deref(),
            Some("node1.example")
        );
        assert_eq!(host_of(" "), None);
        // Two nodes on one host: down only when both are.
        let mut f = Fixture::healthy(3);
        for node in &mut f.facts.nodes {
            node.host = Some("10.0.0.9".into());
        }
        f.unreachable(2);
        assert_eq!(down_node_at(&f.facts, "10.0.0.9:24100"), None);
        f.unreachable(1);
        f.unreachable(0);
        assert_eq!(down_node_at(&f.facts, "10.0.0.9:24100"), Some("n0"));
        assert_eq!(down_node_at(&f.facts, "10.0.0.8:24100"), None);
    }

    #[test]
    fn an_unread_journal_is_unknown() {
        let mut f = Fixture::healthy(3);
        f.unread_journal(2);
        assert_eq!(judge(&f.facts, &f.thresholds).status, Status::Unknown);
    }
}
