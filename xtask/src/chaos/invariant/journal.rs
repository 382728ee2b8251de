//! The journal's side of the checker: a node still failing to dial after the
//! fleet healed (left in backoff), a chain store that failed to open, and why
//! block rounds were skipped. Lines are classified by the same classifier
//! `timectl logs` uses, so the phrases are the daemon's contract.

use std::collections::BTreeMap;

use serde::Serialize;
use timecoin_shared::classify::{EventKind, classify};

/// The start of every error the daemon's chain store gives (`StoreError`).
const STORE_ERROR: &str = "chain store ";

/// One journal line of `timed` on a host.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct JournalLine {
    /// 1-based host number.
    pub(crate) node: usize,
    /// Seconds since the Unix epoch, as journald stamped it.
    pub(crate) at: f64,
    pub(crate) text: String,
}

/// Parses `journalctl -o short-unix` output (`SECONDS.MICROS IDENT[PID]: TEXT`).
pub(crate) fn parse(node: usize, output: &str) -> Vec<JournalLine> {
    output
        .lines()
        .filter_map(|line| {
            let (stamp, rest) = line.split_once(' ')?;
            let at = stamp.parse::<f64>().ok()?;
            let text = rest.split_once(": ").map_or(rest, |(_, t)| t);
            Some(JournalLine {
                node,
                at,
                text: text.to_owned(),
            })
        })
        .collect()
}

/// Failed dials logged at or after `since` (Unix seconds): once the fleet is
/// whole nobody should still be dialing and failing, so each node that does is
/// named with its count and last line.
pub(crate) fn in_backoff(lines: &[JournalLine], since: f64) -> Vec<String> {
    let mut by_node: BTreeMap<usize, (usize, &str)> = BTreeMap::new();
    for line in lines.iter().filter(|l| l.at >= since) {
        if classify(&line.text)
            .kinds
            .contains(EventKind::ConnectFailed)
        {
            let entry = by_node.entry(line.node).or_insert((0, ""));
            *entry = (entry.0 + 1, &line.text);
        }
    }
    by_node
        .into_iter()
        .map(|(node, (count, last))| {
            format!("n{node}: {count} failed dial(s) after the fleet healed, last: {last}")
        })
        .collect()
}

/// Lines where a chain store failed to open or broke.
pub(crate) fn store_failures(lines: &[JournalLine]) -> Vec<String> {
    lines
        .iter()
        .filter(|l| l.text.contains(STORE_ERROR))
        .map(|l| format!("n{}: {}", l.node, l.text))
        .collect()
}

/// Skipped block rounds per node, by reason (`only A of M masternodes active`).
pub(crate) fn skipped_rounds(lines: &[JournalLine]) -> BTreeMap<usize, BTreeMap<String, u64>> {
    let mut out: BTreeMap<usize, BTreeMap<String, u64>> = BTreeMap::new();
    for line in lines {
        let c = classify(&line.text);
        if !c.kinds.contains(EventKind::ProductionSkipped) {
            continue;
        }
        let reason = match (c.active, c.minimum) {
            (Some(a), Some(m)) => format!("only {a} of {m} masternodes active"),
            _ => "no reason given".to_owned(),
        };
        *out.entry(line.node).or_default().entry(reason).or_default() += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines as `journalctl -u timed -o short-unix` prints them on a lab host.
    const RECORDED: &str = "\
1796487500.100000 timed[211]: INFO Starting new block round height=40
1796487501.000000 timed[211]: WARN Skipping block production: only 2 masternodes active (minimum 3 required)
1796487502.000000 timed[211]: WARN Skipping block production: only 2 masternodes active (minimum 3 required)
1796487510.500000 timed[211]: WARN Connection to 10.77.0.3:24100 failed (attempt 4): dial timed out
1796487530.250000 timed[211]: WARN Connection to 10.77.0.3:24100 failed (attempt 9): dial timed out
";

    #[test]
    fn short_unix_lines_keep_their_stamp_and_lose_the_identifier() {
        let lines = parse(2, RECORDED);
        assert_eq!(lines.len(), 5);
        assert_eq!(lines[0].at, 1796487500.1);
        assert_eq!(lines[0].text, "INFO Starting new block round height=40");
    }

    #[test]
    fn failed_dials_after_the_heal_leave_a_node_in_backoff_and_earlier_ones_do_not() {
        let lines = parse(2, RECORDED);
        assert!(in_backoff(&lines, 1796487531.0).is_empty());
        let stuck = in_backoff(&lines, 1796487520.0);
        assert_eq!(stuck.len(), 1);
        assert!(stuck[0].starts_with("n2: 1 failed dial(s)"), "{stuck:?}");
        assert!(stuck[0].contains("attempt 9"));
    }

    #[test]
    fn skipped_rounds_are_counted_by_reason_and_store_errors_named() {
        let mut lines = parse(1, RECORDED);
        lines.push(JournalLine {
            node: 3,
            at: 0.0,
            text: "ERROR chain store /var/lib/timed/chain.redb is corrupt: bad page".into(),
        });
        let skipped = skipped_rounds(&lines);
        assert_eq!(skipped[&1]["only 2 of 3 masternodes active"], 2);
        assert_eq!(
            store_failures(&lines),
            vec!["n3: ERROR chain store /var/lib/timed/chain.redb is corrupt: bad page"]
        );
    }
}
