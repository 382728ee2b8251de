//! Property tests over the whole checklist: missing data never passes, an
//! unreachable node alone never fails an item, the verdict is the worst item.

use proptest::prelude::*;

use super::fixture::{COMMIT, Fixture, INCIDENT_LINE};
use super::verdict::Status;
use super::{evaluate, items};

/// One piece of data taken away from one node. `probe` counts from the start;
/// it is clamped to the probes the node has.
#[derive(Clone, Copy, Debug)]
enum Gap {
    Unanswered {
        probe: usize,
    },
    Height {
        probe: usize,
    },
    Masternodes {
        probe: usize,
    },
    Peers {
        probe: usize,
    },
    Equivocations {
        probe: usize,
    },
    Commit,
    RepoHead,
    BlockAge,
    NodeId,
    PeerList,
    Journal,
    /// The logs command printed nothing while the height rose.
    EmptyJournal,
    BlockHash,
    CommonHeight,
    NoProbes,
}

const ALL_ITEMS: &[&str] = &[
    "no_resets",
    "masternodes_active",
    "peers_stable",
    "production_running",
    "heights_advancing",
    "no_backoff_spam",
    "clean_handshakes",
    "one_link_per_pair",
    "same_commit",
    "same_chain",
    "no_equivocations",
];

/// The items that read a node's last probe whatever its journal says.
const PROBE_READERS: &[&str] = &[
    "masternodes_active",
    "peers_stable",
    "production_running",
    "heights_advancing",
    "one_link_per_pair",
    "same_commit",
    "no_equivocations",
];

impl Gap {
    /// Applies the gap to node `i` and returns the items that read the missing
    /// data (every healthy node has three probes, the last at index 2).
    fn apply(self, f: &mut Fixture, i: usize) -> &'static [&'static str] {
        const END: usize = 2;
        let at = |probe: usize| probe.min(END);
        let mut edit = |probe: usize, e: &dyn Fn(&mut crate::snapshot::NodeSnapshot)| {
            if let Some(p) = f.facts.nodes[i].probes.get_mut(probe) {
                e(p);
            }
        };
        match self {
            Gap::Unanswered { probe } => {
                edit(at(probe), &|p| {
                    p.reach = crate::snapshot::Reach::Unreachable {
                        error: "timed out".into(),
                    };
                });
                if at(probe) == END {
                    PROBE_READERS
                } else {
                    &[
                        "masternodes_active",
                        "peers_stable",
                        "heights_advancing",
                        "no_equivocations",
                    ]
                }
            }
            Gap::Height { probe } => {
                edit(at(probe), &|p| p.chain.block_height = None);
                &["heights_advancing"]
            }
            Gap::Masternodes { probe } => {
                edit(at(probe), &|p| p.chain.active_masternodes = None);
                &["masternodes_active"]
            }
            Gap::Peers { probe } => {
                edit(at(probe), &|p| p.chain.connected_peers = None);
                &["peers_stable"]
            }
            Gap::Equivocations { probe } => {
                edit(at(probe), &|p| p.chain.equivocations = None);
                &["no_equivocations"]
            }
            Gap::Commit => {
                edit(END, &|p| p.chain.commit = None);
                &["same_commit"]
            }
            Gap::RepoHead => {
                edit(END, &|p| p.repo_head = None);
                if f.facts.expect_commit.is_none() {
                    &["same_commit"]
                } else {
                    &[]
                }
            }
            Gap::BlockAge => {
                edit(END, &|p| p.chain.last_block_age_secs = None);
                &["production_running"]
            }
            Gap::NodeId => {
                edit(END, &|p| p.chain.node_id = None);
                &["one_link_per_pair"]
            }
            Gap::PeerList => {
                edit(END, &|p| p.peers = None);
                &["one_link_per_pair"]
            }
            Gap::Journal => {
                f.unread_journal(i);
                &[
                    "no_resets",
                    "production_running",
                    "no_backoff_spam",
                    "clean_handshakes",
                ]
            }
            Gap::EmptyJournal => {
                let node = &mut f.facts.nodes[i];
                node.journal = super::facts::Journal::Read(Default::default());
                // Only a rising height says the daemon wrote what was not read.
                let heights: Vec<u64> = node
                    .probes
                    .iter()
                    .filter(|p| p.is_reachable())
                    .filter_map(|p| p.chain.block_height)
                    .collect();
                if heights.first() < heights.last() {
                    &[
                        "no_resets",
                        "production_running",
                        "no_backoff_spam",
                        "clean_handshakes",
                    ]
                } else {
                    &[]
                }
            }
            Gap::BlockHash => {
                f.facts.nodes[i].block_at_common_height = None;
                &["same_chain"]
            }
            Gap::CommonHeight => {
                f.facts.common_height = None;
                &["same_chain"]
            }
            Gap::NoProbes => {
                f.facts.nodes[i].probes.clear();
                PROBE_READERS
            }
        }
    }
}

fn gap() -> impl Strategy<Value = Gap> {
    prop_oneof![
        (0..3usize).prop_map(|probe| Gap::Unanswered { probe }),
        (0..3usize).prop_map(|probe| Gap::Height { probe }),
        (0..3usize).prop_map(|probe| Gap::Masternodes { probe }),
        (0..3usize).prop_map(|probe| Gap::Peers { probe }),
        (0..3usize).prop_map(|probe| Gap::Equivocations { probe }),
        Just(Gap::Commit),
        Just(Gap::RepoHead),
        Just(Gap::BlockAge),
        Just(Gap::NodeId),
        Just(Gap::PeerList),
        Just(Gap::Journal),
        Just(Gap::EmptyJournal),
        Just(Gap::BlockHash),
        Just(Gap::CommonHeight),
        Just(Gap::NoProbes),
    ]
}

/// Something wrong with a node that the checklist must catch.
#[derive(Clone, Copy, Debug)]
enum Fault {
    Reset,
    Skipped,
    Stuck,
    OtherCommit,
    Forked,
    Cut,
    FewMasternodes,
    /// The node caught a masternode's conflicting votes between its first
    /// and last probe.
    Equivocation,
}

fn fault() -> impl Strategy<Value = Fault> {
    prop_oneof![
        Just(Fault::Reset),
        Just(Fault::Skipped),
        Just(Fault::Stuck),
        Just(Fault::OtherCommit),
        Just(Fault::Forked),
        Just(Fault::Cut),
        Just(Fault::FewMasternodes),
        Just(Fault::Equivocation),
    ]
}

impl Fault {
    fn apply(self, f: &mut Fixture, i: usize) {
        match self {
            Fault::Reset => f.log(i, INCIDENT_LINE),
            Fault::Skipped => f.log(
                i,
                "WARN Skipping block production: only 1 masternodes active (minimum 3 required)",
            ),
            Fault::Stuck => f.chain(i, |_, c| c.block_height = Some(3)),
            Fault::OtherCommit => f.end(i).chain.commit = Some("deadbeef".into()),
            Fault::Forked => f.facts.nodes[i].block_at_common_height = Some("fork".into()),
            Fault::Cut => {
                f.chain(i, |_, c| c.connected_peers = Some(0));
                f.end(i).peers = Some(vec![]);
            }
            Fault::FewMasternodes => f.chain(i, |_, c| c.active_masternodes = Some(1)),
            Fault::Equivocation => f.end(i).chain.equivocations = Some(1),
        }
    }
}

/// A healthy fleet with the variety a healthy fleet has: handshakes in the
/// window or not, a few failed dials, heights a block apart, a given commit.
pub(super) fn healthy() -> impl Strategy<Value = Fixture> {
    (1..7usize)
        .prop_flat_map(|n| {
            (
                Just(n),
                proptest::collection::vec((0..3u32, 0..10u32, any::<bool>()), n),
                any::<bool>(),
            )
        })
        .prop_map(|(n, per_node, expect)| {
            let mut f = Fixture::healthy(n);
            for (i, &(handshakes, dials, ahead)) in per_node.iter().enumerate() {
                for _ in 0..handshakes {
                    f.log(i, "INFO Handshake completed with 127.0.0.1:9000");
                }
                for attempt in 1..=dials {
                    f.log(
                        i,
                        &format!("WARN Connection to 127.0.0.1:9000 failed (attempt {attempt})"),
                    );
                }
                if ahead {
                    f.end(i).chain.block_height = Some(super::fixture::HEIGHTS[2] + 1);
                }
            }
            if expect {
                f.facts.expect_commit = Some(COMMIT[..7].to_owned());
            }
            f
        })
}

proptest! {
    #[test]
    fn a_healthy_fleet_passes_every_item(f in healthy()) {
        let report = evaluate(&f.facts, &f.thresholds);
        for item in &report.items {
            prop_assert_eq!(item.status, Status::Pass, "{:?}", item);
        }
    }

    #[test]
    fn an_item_never_passes_on_missing_data(
        mut f in healthy(),
        pick in any::<proptest::sample::Index>(),
        gap in gap(),
        faults in proptest::collection::vec((any::<proptest::sample::Index>(), fault()), 0..3),
    ) {
        let n = f.facts.nodes.len();
        for (who, fault) in faults {
            fault.apply(&mut f, who.index(n));
        }
        let readers = gap.apply(&mut f, pick.index(n));
        let report = evaluate(&f.facts, &f.thresholds);
        for item in report.items.iter().filter(|i| readers.contains(&i.id.as_str())) {
            prop_assert_ne!(item.status, Status::Pass, "{:?} after {:?}", item, gap);
        }
    }

    #[test]
    fn unreachable_nodes_alone_make_items_unknown_never_failed(
        mut f in healthy(),
        down in proptest::collection::vec(any::<bool>(), 6),
        first in any::<proptest::sample::Index>(),
    ) {
        let n = f.facts.nodes.len();
        f.unreachable(first.index(n));
        for i in (0..n).filter(|&i| down[i]) {
            f.unreachable(i);
        }
        let report = evaluate(&f.facts, &f.thresholds);
        for item in &report.items {
            prop_assert_eq!(item.status, Status::Unknown, "{:?}", item);
        }
        prop_assert_eq!(report.verdict, Status::Unknown);
    }

    #[test]
    fn the_verdict_is_the_worst_item_in_checklist_order(
        mut f in healthy(),
        gaps in proptest::collection::vec((any::<proptest::sample::Index>(), gap()), 0..3),
        faults in proptest::collection::vec((any::<proptest::sample::Index>(), fault()), 0..3),
    ) {
        let n = f.facts.nodes.len();
        for (who, fault) in faults {
            fault.apply(&mut f, who.index(n));
        }
        for (who, gap) in gaps {
            gap.apply(&mut f, who.index(n));
        }
        let report = evaluate(&f.facts, &f.thresholds);
        let worst = report.items.iter().map(|i| i.status).max();
        prop_assert_eq!(Some(report.verdict), worst);
        let ids: Vec<&str> = report.items.iter().map(|i| i.id.as_str()).collect();
        prop_assert_eq!(&ids, ALL_ITEMS);
        for item in &report.items {
            prop_assert!(!item.evidence.is_empty(), "{:?}", item);
        }
    }

    #[test]
    fn a_fault_is_never_a_pass_of_the_item_that_watches_it(
        mut f in healthy(),
        who in any::<proptest::sample::Index>(),
        fault in fault(),
    ) {
        let n = f.facts.nodes.len();
        fault.apply(&mut f, who.index(n));
        let watcher = match fault {
            Fault::Reset => "no_resets",
            Fault::Skipped => "production_running",
            Fault::Stuck => "heights_advancing",
            Fault::OtherCommit => "same_commit",
            Fault::Forked if n > 1 => "same_chain",
            Fault::Cut if n > 1 => "peers_stable",
            Fault::FewMasternodes if n > 1 => "masternodes_active",
            Fault::Equivocation => "no_equivocations",
            _ => return Ok(()),
        };
        let report = evaluate(&f.facts, &f.thresholds);
        let item = report.items.iter().find(|i| i.id == watcher).expect("every item is reported");
        prop_assert!(item.status >= Status::Warn, "{:?}", item);
    }
}

#[test]
fn items_lists_the_ids_in_order_with_unique_titles() {
    let ids: Vec<&str> = items().map(|i| i.id).collect();
    assert_eq!(ids, ALL_ITEMS);
    let mut titles: Vec<&str> = items().map(|i| i.title).collect();
    titles.sort_unstable();
    titles.dedup();
    assert_eq!(titles.len(), ALL_ITEMS.len());
}

#[test]
fn no_nodes_is_unknown_everywhere() {
    let mut f = Fixture::healthy(1);
    f.facts.nodes.clear();
    let report = evaluate(&f.facts, &f.thresholds);
    assert!(report.items.iter().all(|i| i.status == Status::Unknown));
}
