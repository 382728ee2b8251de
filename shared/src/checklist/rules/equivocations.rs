//! Item 11: no masternode equivocated. A masternode that signs two conflicting
//! proposals or votes for one height and round is faulty or its key is in
//! other hands; every node that catches the pair keeps it as evidence.
//!
//! What is judged is each node's own count of caught equivocations
//! (`timed_equivocations_total` in its `/metrics`), over the window's probes,
//! not the journal's `Masternode ID equivocated at height H round R` lines:
//! - the count rises only after the daemon checked both signatures against
//!   the network definition's keys, while a journal line is text, and a line
//!   quoting a peer's words (a disconnect reason, a software string) could
//!   carry the same phrase;
//! - journald drops lines past its rate limit, and an attack that provokes
//!   evidence is also a flood of log lines, so the journal can lose exactly
//!   the line that mattered; a counter loses nothing;
//! - the count is read whether or not the journal is (a wrong unit name or a
//!   user who may not read it makes every log item unknown, not this one).
//!
//! The journal lines still name the masternode, height and round: where the
//! journal was read, the verdict quotes the first of them (kind
//! `equivocation`) under the count. The count starts at zero with the daemon, so a
//! drop between two probes (or an uptime shorter than the time between them)
//! is a restart, and what it counts then was all caught after the restart.
//!
//! Caught in the window fails. Caught before the window (the count is above
//! zero but did not rise) warns: the evidence stands until the daemon
//! restarts, and removing the masternode from the network definition, which
//! is what an operator does about it, restarts every daemon.

use crate::checklist::facts::{CheckFacts, NodeFacts};
use crate::checklist::thresholds::Thresholds;
use crate::checklist::verdict::{ItemVerdict, Status};
use crate::classify::EventKind;
use crate::rpc::EQUIVOCATIONS_METRIC as METRIC;

use super::inputs::{join, journal, series};
use super::rule::{Item, Rule, Tally};

pub(crate) const RULE: Rule = Rule {
    item: Item {
        id: "no_equivocations",
        title: "No masternode equivocated",
    },
    judge,
};

fn judge(facts: &CheckFacts, _: &Thresholds) -> ItemVerdict {
    let mut tally = Tally::default();
    for node in &facts.nodes {
        let name = &node.name;
        let api = node.last_probe().map(|p| p.api);
        if let Some(why) = api.and_then(|api| api.keeps_no_equivocation_evidence()) {
            tally.not_applicable(format!("{name}: equivocations not judged: {why}"));
            continue;
        }
        let counts = match series(node, METRIC, |c| c.equivocations) {
            Ok(counts) => counts,
            Err(missing) => {
                tally.unknown(missing);
                continue;
            }
        };
        let shown = join(&counts);
        let end = counts.last().copied().unwrap_or(0);
        let caught = caught(node, &counts);
        let plural = |n: u64| if n == 1 { "" } else { "s" };
        if caught > 0 {
            tally.fail(format!(
                "{name}: caught {caught} masternode equivocation{} in the window ({METRIC} {shown}); \
                 its journal's `Masternode ID equivocated at height H round R` lines name the signer",
                plural(caught)
            ));
        } else if end > 0 {
            tally.warn(format!(
                "{name}: {end} equivocation{} caught before the window, since the daemon started ({METRIC} {shown})",
                plural(end)
            ));
        }
        if caught > 0 || end > 0 {
            let status = if caught > 0 {
                Status::Fail
            } else {
                Status::Warn
            };
            // The window's journal names the signer; an unread journal leaves
            // the count standing alone.
            for line in journal(node)
                .map(|log| log.samples(EventKind::Equivocation))
                .unwrap_or_default()
            {
                tally.note(status, format!("{name} log: {line}"));
            }
        } else if counts.len() < 2 {
            tally.pass(format!(
                "{name}: no equivocation caught since the daemon started ({METRIC} {shown})"
            ));
        } else {
            tally.pass(format!("{name}: no equivocation caught ({METRIC} {shown})"));
        }
    }
    tally.finish(RULE.item, facts)
}

/// Equivocations the node caught between its first and its last probe, as
/// the checklist judges them: `None` where its API keeps no evidence or a
/// probe did not report the count.
pub(crate) fn caught_in_window(node: &NodeFacts) -> Option<u64> {
    let api = node.last_probe().map(|p| p.api);
    if api
        .and_then(|api| api.keeps_no_equivocation_evidence())
        .is_some()
    {
        return None;
    }
    let counts = series(node, METRIC, |c| c.equivocations).ok()?;
    Some(caught(node, &counts))
}

/// The rise of `counts` (one per probe) over the window, a restart between
/// two probes counting everything after it.
fn caught(node: &NodeFacts, counts: &[u64]) -> u64 {
    let mut caught = 0u64;
    for (k, pair) in counts.windows(2).enumerate() {
        let (before, after) = (pair[0], pair[1]);
        let probe = &node.probes[k + 1];
        let between = probe
            .at
            .duration_since(node.probes[k].at)
            .unwrap_or_default();
        let restarted = after < before
            || probe
                .chain
                .uptime_secs
                .is_some_and(|up| up < between.as_secs());
        caught = caught.saturating_add(if restarted { after } else { after - before });
    }
    caught
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::Status;
    use crate::checklist::fixture::Fixture;
    use crate::fleet::DaemonApi;
    use proptest::prelude::*;

    fn counts(f: &mut Fixture, i: usize, at: [u64; 3]) {
        f.chain(i, |k, c| c.equivocations = Some(at[k]));
    }

    #[test]
    fn a_count_rising_in_the_window_fails_naming_the_node() {
        let mut f = Fixture::healthy(4);
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Pass, "{v:?}");
        assert_eq!(
            v.evidence[0],
            "n0: no equivocation caught (timed_equivocations_total 0,0,0)"
        );
        counts(&mut f, 2, [0, 1, 2]);
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Fail);
        assert!(
            v.evidence[0].starts_with(
                "n2: caught 2 masternode equivocations in the window (timed_equivocations_total 0,1,2)"
            ),
            "{v:?}"
        );
        assert!(
            v.evidence[1..].iter().all(|e| !e.starts_with("n2")),
            "only the node that caught them fails: {v:?}"
        );
    }

    #[test]
    fn the_journal_line_naming_the_signer_is_quoted_under_the_count() {
        let mut f = Fixture::healthy(2);
        counts(&mut f, 1, [0, 0, 1]);
        let line = format!(
            "WARN timed::consensus: Masternode {} equivocated at height 12 round 0",
            "ab".repeat(32)
        );
        f.log(1, &line);
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Fail);
        assert_eq!(v.evidence[1], format!("n1 log: {line}"), "{v:?}");
        // The line alone, without the count rising, is not evidence: a peer's
        // words quoted in a log line could carry the phrase.
        let mut f = Fixture::healthy(2);
        f.log(1, &line);
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Pass, "{v:?}");
        assert!(v.evidence.iter().all(|e| !e.contains(" log: ")), "{v:?}");
    }

    #[test]
    fn evidence_from_before_the_window_warns() {
        let mut f = Fixture::healthy(2);
        counts(&mut f, 1, [3, 3, 3]);
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Warn, "{v:?}");
        assert_eq!(
            v.evidence[0],
            "n1: 3 equivocations caught before the window, since the daemon started (timed_equivocations_total 3,3,3)"
        );
    }

    #[test]
    fn a_restart_counts_what_was_caught_after_it() {
        let mut f = Fixture::healthy(2);
        // The count fell: the daemon restarted and caught 1 since.
        counts(&mut f, 0, [5, 5, 1]);
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Fail, "{v:?}");
        assert!(v.evidence[0].starts_with("n0: caught 1 masternode equivocation in"));
        // The count did not fall, but the uptime says the daemon restarted
        // after the middle probe (probes are 30 s apart): all 5 are new.
        counts(&mut f, 0, [5, 5, 5]);
        f.end(0).chain.uptime_secs = Some(10);
        let v = judge(&f.facts, &f.thresholds);
        assert!(
            v.evidence[0].starts_with("n0: caught 5 masternode equivocations in"),
            "{v:?}"
        );
    }

    #[test]
    fn a_missing_count_is_unknown_and_upstream_is_not_applicable() {
        let mut f = Fixture::healthy(2);
        f.chain(1, |k, c| c.equivocations = (k != 1).then_some(0));
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Unknown, "{v:?}");
        assert_eq!(
            v.evidence[0],
            "n1: timed_equivocations_total not reported at the middle probe"
        );
        f.unreachable(1);
        assert_eq!(judge(&f.facts, &f.thresholds).status, Status::Unknown);
        let mut f = Fixture::healthy(2);
        for i in 0..2 {
            f.api(i, DaemonApi::TimeMasternode);
            f.chain(i, |_, c| c.equivocations = None);
        }
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::NotApplicable, "{v:?}");
        assert!(
            v.evidence[0]
                .starts_with("n0: equivocations not judged: time-masternode neither counts"),
            "{v:?}"
        );
        assert_eq!(caught_in_window(&f.facts.nodes[0]), None);
    }

    /// What a node's daemon did between two probes.
    #[derive(Clone, Copy, Debug)]
    enum Step {
        /// The daemon went on and caught this many.
        Rise(u64),
        /// The daemon restarted and caught this many since.
        Restart(u64),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            3 => (0..3u64).prop_map(Step::Rise),
            1 => (0..3u64).prop_map(Step::Restart),
        ]
    }

    proptest! {
        /// Whatever the counts and restarts, the item fails exactly when a
        /// node caught something between its probes, naming each such node
        /// with what it caught, and names no other node in a failing line.
        #[test]
        fn the_item_fails_on_exactly_the_nodes_that_caught_evidence(
            nodes in proptest::collection::vec((0..4u64, step(), step()), 1..6),
        ) {
            let mut f = Fixture::healthy(nodes.len());
            let mut expected = Vec::new();
            for (i, &(start, first, second)) in nodes.iter().enumerate() {
                let mut count = start;
                let mut caught = 0;
                for (k, step) in [first, second].into_iter().enumerate() {
                    let probe = &mut f.facts.nodes[i].probes[k + 1];
                    match step {
                        Step::Rise(r) => count += r,
                        Step::Restart(r) => {
                            count = r;
                            // Restarted 5 s before this probe, 30 s after the last.
                            probe.chain.uptime_secs = Some(5);
                        }
                    }
                    let (Step::Rise(r) | Step::Restart(r)) = step;
                    caught += r;
                    probe.chain.equivocations = Some(count);
                }
                f.facts.nodes[i].probes[0].chain.equivocations = Some(start);
                expected.push(caught);
            }
            let v = judge(&f.facts, &f.thresholds);
            let failing: Vec<String> = (0..nodes.len())
                .filter(|&i| expected[i] > 0)
                .map(|i| format!("n{i}: caught {} masternode equivocation", expected[i]))
                .collect();
            if failing.is_empty() {
                prop_assert!(v.status <= Status::Warn, "{:?}", v);
            } else {
                prop_assert_eq!(v.status, Status::Fail, "{:?}", v);
            }
            let fail_lines: Vec<&String> =
                v.evidence.iter().filter(|e| e.contains(" in the window")).collect();
            prop_assert_eq!(fail_lines.len(), failing.len(), "{:?}", v);
            for (line, wanted) in fail_lines.iter().zip(&failing) {
                prop_assert!(line.starts_with(wanted.as_str()), "{} vs {}", line, wanted);
            }
            for (i, node) in f.facts.nodes.iter().enumerate() {
                prop_assert_eq!(caught_in_window(node), Some(expected[i]));
            }
        }
    }

    #[test]
    fn one_probe_passes_on_zero_and_warns_on_evidence() {
        let mut f = Fixture::healthy(1);
        f.facts.nodes[0].probes.drain(..2);
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Pass, "{v:?}");
        f.end(0).chain.equivocations = Some(1);
        assert_eq!(judge(&f.facts, &f.thresholds).status, Status::Warn);
    }
}
