//! Property tests of what changes with the fleet rather than with one fault:
//! a daemon API that cannot support an item (it does not apply, and the verdict
//! is the rest's), and a node that is down (its own items fail, its peers'
//! redials toward it are not spam).

use proptest::prelude::*;

use super::evaluate;
use super::properties::healthy;
use super::verdict::Status;
use crate::fleet::DaemonApi;

/// The items upstream's API cannot support (DESIGN: "Two daemon APIs").
const NOT_FOR_UPSTREAM: &[&str] = &[
    "no_backoff_spam",
    "clean_handshakes",
    "one_link_per_pair",
    "no_equivocations",
];

proptest! {
    #[test]
    fn a_healthy_upstream_fleet_passes_on_the_items_that_apply(mut f in healthy()) {
        for i in 0..f.facts.nodes.len() {
            f.api(i, DaemonApi::TimeMasternode);
        }
        let report = evaluate(&f.facts, &f.thresholds);
        prop_assert_eq!(report.verdict, Status::Pass);
        for item in &report.items {
            let wanted = if NOT_FOR_UPSTREAM.contains(&item.id.as_str()) {
                Status::NotApplicable
            } else {
                Status::Pass
            };
            prop_assert_eq!(item.status, wanted, "{:?}", item);
            prop_assert!(item.evidence.iter().all(|e| !e.is_empty()), "{:?}", item);
        }
    }

    /// A node killed: it answers no probe, the others lose it and redial it at
    /// their backoff's cap. Its own items fail; its peers do not spam.
    #[test]
    fn a_down_node_fails_peers_never_backoff_spam(
        mut f in healthy().prop_filter("a pair at least", |f| f.facts.nodes.len() > 1),
        who in any::<proptest::sample::Index>(),
        redials in proptest::collection::vec(0..30u32, 6),
    ) {
        let n = f.facts.nodes.len();
        let down = who.index(n);
        f.unreachable(down);
        let host = f.facts.nodes[down].host.clone().expect("fixture hosts");
        for i in (0..n).filter(|&i| i != down) {
            f.chain(i, |_, c| {
                c.active_masternodes = Some(n - 1);
                c.connected_peers = Some(n - 2);
            });
            for attempt in 1..=redials[i] {
                f.log(i, &format!("WARN Connection to {host}:24100 failed (attempt {attempt}): Connection refused"));
            }
        }
        let report = evaluate(&f.facts, &f.thresholds);
        let status = |id: &str| report.items.iter().find(|i| i.id == id).map(|i| i.status);
        prop_assert_eq!(status("peers_stable"), Some(Status::Fail));
        prop_assert!(status("masternodes_active") >= Some(Status::Warn));
        prop_assert_ne!(status("no_backoff_spam"), Some(Status::Fail));
    }
}
