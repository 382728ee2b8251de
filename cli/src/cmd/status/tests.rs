//! The status table and its JSON rows, from hand-made snapshots.

use super::*;

#[test]
fn a_node_outside_the_network_definition_is_flagged_in_its_row_and_below() {
    let mut snapshot = timecoin_shared::snapshot::NodeSnapshot {
        node: "node5".into(),
        at: std::time::SystemTime::now(),
        took: Duration::from_millis(3),
        api: Default::default(),
        reach: Reach::Reachable,
        chain: timecoin_shared::snapshot::ChainView {
            node_id: Some("ab".repeat(32)),
            listed_masternode: Some(false),
            ..Default::default()
        },
        peers: None,
        repo_head: None,
    };
    let text = render(&[NodeStatus::from(&snapshot)]);
    assert!(text.contains("up, unlisted"), "{text}");
    assert!(
        text.contains(&format!(
            "node5: its id {} is not a masternode",
            "ab".repeat(32)
        )),
        "{text}"
    );
    snapshot.chain.listed_masternode = Some(true);
    let text = render(&[NodeStatus::from(&snapshot)]);
    assert!(
        !text.contains("unlisted") && !text.contains("not a masternode"),
        "{text}"
    );
}

/// The table as a terminal without colours shows it.
fn plain(text: &str) -> String {
    anstream::adapter::strip_str(text).to_string()
}

#[test]
fn the_final_height_and_round_stand_beside_the_tip_and_evidence_below() {
    let snapshot = timecoin_shared::snapshot::NodeSnapshot {
        node: "node1".into(),
        at: std::time::SystemTime::now(),
        took: Duration::from_millis(3),
        api: Default::default(),
        reach: Reach::Reachable,
        chain: timecoin_shared::snapshot::ChainView {
            block_height: Some(42),
            final_height: Some(40),
            consensus_round: Some(3),
            equivocations: Some(0),
            ..Default::default()
        },
        peers: None,
        repo_head: None,
    };
    let row = NodeStatus::from(&snapshot);
    let text = plain(&render(std::slice::from_ref(&row)));
    let header = text.lines().next().expect("header");
    assert!(header.contains("HEIGHT  FINAL  ROUND"), "{text}");
    let line = text.lines().nth(1).expect("row");
    let cells: Vec<&str> = line.split_whitespace().collect();
    let at = cells.iter().position(|c| *c == "42").expect("height");
    assert_eq!(&cells[at..at + 3], ["42", "40", "3"], "{text}");
    assert!(!text.contains("equivocation"), "{text}");
    let json = serde_json::to_value(&row).expect("json");
    assert_eq!(json["final_height"], 40);
    assert_eq!(json["consensus_round"], 3);
    assert_eq!(json["equivocations"], 0);

    let mut caught = snapshot.clone();
    caught.chain.equivocations = Some(2);
    let text = plain(&render(&[NodeStatus::from(&caught)]));
    assert!(
        text.contains("node1: caught 2 masternode equivocations since it started"),
        "{text}"
    );
    // An older daemon that does not report them: unknown, not zero.
    let mut older = snapshot;
    older.chain.final_height = None;
    older.chain.consensus_round = None;
    let text = plain(&render(&[NodeStatus::from(&older)]));
    let cells: Vec<String> = text
        .lines()
        .nth(1)
        .expect("row")
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let at = cells.iter().position(|c| c == "42").expect("height");
    assert_eq!(&cells[at + 1..at + 3], ["unknown", "unknown"], "{text}");
}

#[test]
fn short_commits_match_full_heads_dirty_or_not() {
    let head = "0123456789abcdef0123456789abcdef01234567";
    assert!(same_commit("0123456789ab", head));
    assert!(same_commit("0123456789ab-dirty", head));
    assert!(!same_commit("ffff56789ab", head));
    assert!(!same_commit("unknown", head));
    assert!(!same_commit("", head));
}
