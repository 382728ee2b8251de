//! A healthy devnet finalizes: `status` shows each node's final height beside
//! its tip (never above it) and its consensus round, the final heights rise,
//! and `check` shows them rising beside the tips over its window.

use testkit::wait_until_blocking as until_blocking;

use crate::support::timectl::{Devnet, MESH_TIMEOUT, evidence, item, json, timectl};

/// Each node's `(block_height, final_height, consensus_round)` from `status
/// --output json`, once every node reports all three with a final height of
/// at least `at_least`.
fn heights(fleet: &str, at_least: u64) -> Option<Vec<(u64, u64, u64)>> {
    let status = json(&timectl(&["--fleet", fleet, "status", "--output", "json"]));
    status["nodes"]
        .as_array()?
        .iter()
        .map(|n| {
            let tip = n["block_height"].as_u64()?;
            let fin = n["final_height"].as_u64().filter(|f| *f >= at_least)?;
            Some((tip, fin, n["consensus_round"].as_u64()?))
        })
        .collect()
}

#[test]
fn status_and_check_show_a_final_height_that_rises() {
    let devnet = Devnet::up(&["--block-interval", "1s"]);
    let fleet = devnet.fleet_arg();
    let first = until_blocking("every node reports a final height", MESH_TIMEOUT, || {
        heights(&fleet, 1)
    });
    assert_eq!(first.len(), 4, "{first:?}");
    for (tip, fin, _) in &first {
        assert!(fin <= tip, "a final height above the tip: {first:?}");
    }
    let highest = first.iter().map(|(_, fin, _)| *fin).max().unwrap_or(0);
    until_blocking("every node's final height rises", MESH_TIMEOUT, || {
        heights(&fleet, highest + 2)
    });

    // The table: FINAL and ROUND stand right after HEIGHT, FINAL a number
    // no greater than the tip's.
    let out = timectl(&["--fleet", &fleet, "status"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines()
            .next()
            .is_some_and(|h| h.contains("HEIGHT  FINAL  ROUND")),
        "{text}"
    );
    for row in text.lines().skip(1).filter(|l| l.starts_with("node")) {
        let cells: Vec<&str> = row.split_whitespace().collect();
        // NODE STATE COMMIT HEAD HEIGHT FINAL ROUND ...
        let number = |i: usize| cells.get(i).and_then(|c| c.parse::<u64>().ok());
        let (tip, fin, round) = (number(4), number(5), number(6));
        assert!(
            matches!((tip, fin, round), (Some(t), Some(f), Some(_)) if f >= 1 && f <= t),
            "{row}\n{text}"
        );
    }

    // The check: every node's final height rose beside its tip over the window.
    let report = json(&timectl(&[
        "--fleet", &fleet, "check", "--window", "4s", "--output", "json",
    ]));
    let heights_item = item(&report, "heights_advancing");
    assert_eq!(heights_item["status"], "pass", "{heights_item:#}");
    let lines = evidence(heights_item);
    for node in ["node1", "node2", "node3", "node4"] {
        let (from, to) = final_rise(&lines, node).unwrap_or_else(|| panic!("{node}: {lines}"));
        assert!(to > from, "{node}'s final height did not rise: {lines}");
    }
    let equivocations = item(&report, "no_equivocations");
    assert_eq!(equivocations["status"], "pass", "{equivocations:#}");
}

/// `(from, to)` of `NODE: height A -> B (final FROM -> TO)` in `lines`.
fn final_rise(lines: &str, node: &str) -> Option<(u64, u64)> {
    let line = lines
        .lines()
        .find(|l| l.starts_with(&format!("{node}: height ")))?;
    let finals = line.split("(final ").nth(1)?.strip_suffix(')')?;
    let (from, to) = finals.split_once(" -> ")?;
    Some((from.parse().ok()?, to.parse().ok()?))
}
