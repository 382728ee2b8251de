//! Item 8: one link per pair of nodes, agreed by both ends. From each node's
//! `/peers` at the end probe: every pair is linked, neither end holds two links
//! to the other, and both ends describe the same link (one says inbound, the
//! other outbound). Two ends that each kept a different link was the incident.
//! A node whose API lists no live connections (upstream's lists its registry)
//! is not judged: its pairs are not applicable, with the reason.

use std::collections::{BTreeMap, HashMap};

use crate::checklist::facts::{CheckFacts, NodeFacts};
use crate::checklist::thresholds::Thresholds;
use crate::checklist::verdict::ItemVerdict;
use crate::rpc::Direction;

use super::inputs::{Missing, end_probe};
use super::rule::{Item, Rule, Tally};

pub(crate) const RULE: Rule = Rule {
    item: Item {
        id: "one_link_per_pair",
        title: "One link per peer pair, agreed by both ends",
    },
    judge,
};

/// A node's links to other checked nodes: peer index to the directions of its
/// links to that peer (`None` where the API does not say).
type Links = BTreeMap<usize, Vec<Option<Direction>>>;

fn judge(facts: &CheckFacts, _: &Thresholds) -> ItemVerdict {
    let mut tally = Tally::default();
    let ids: Vec<Result<&str, Missing>> = facts.nodes.iter().map(node_id).collect();
    let index: HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .filter_map(|(i, id)| id.as_ref().ok().map(|id| (*id, i)))
        .collect();
    let links: Vec<Option<Links>> = facts
        .nodes
        .iter()
        .zip(&ids)
        .map(|(node, id)| {
            if let Some(why) = unlisted(node) {
                tally.not_applicable(why);
                return None;
            }
            match id.clone().and_then(|_| links_of(node, &index)) {
                Ok(links) => Some(links),
                Err(missing) => {
                    tally.unknown(missing);
                    None
                }
            }
        })
        .collect();

    let name = |i: usize| facts.nodes[i].name.as_str();
    let mut agreed = 0;
    for (a, a_links) in links.iter().enumerate() {
        let Some(a_links) = a_links else { continue };
        for (&b, dirs) in a_links {
            if dirs.len() > 1 {
                tally.fail(format!(
                    "{}: holds {} links to {}",
                    name(a),
                    dirs.len(),
                    name(b)
                ));
            }
        }
        for (b, b_links) in links.iter().enumerate().skip(a + 1) {
            let Some(b_links) = b_links else { continue };
            let from_a = a_links.get(&b).map_or(&[][..], Vec::as_slice);
            let from_b = b_links.get(&a).map_or(&[][..], Vec::as_slice);
            let (an, bn) = (name(a), name(b));
            match (from_a, from_b) {
                ([], []) => tally.fail(format!("{an} and {bn}: no link between them")),
                (_, []) => tally.fail(format!(
                    "{an} lists a link to {bn}, {bn} lists none to {an}"
                )),
                ([], _) => tally.fail(format!(
                    "{bn} lists a link to {an}, {an} lists none to {bn}"
                )),
                ([Some(da)], [Some(db)]) if *da != db.reversed() => tally.fail(format!(
                    "{an} and {bn} describe different links: {an} says {}, {bn} says {}",
                    word(*da),
                    word(*db)
                )),
                ([_], [_]) => agreed += 1,
                // Two links on either end: reported above.
                _ => {}
            }
        }
    }
    if agreed > 0 {
        let pairs = if agreed == 1 { "pair" } else { "pairs" };
        tally.pass(format!(
            "{agreed} {pairs} held by one link, agreed by both ends"
        ));
    } else if let [Some(_)] = links.as_slice() {
        tally.pass(format!(
            "{}: the only node checked, no pair to link",
            name(0)
        ));
    }
    tally.finish(RULE.item, facts)
}

/// Why the node's API cannot tell its links, with the count it gives instead.
fn unlisted(node: &NodeFacts) -> Option<String> {
    let probe = node.last_probe()?;
    let why = probe.api.unlisted_links()?;
    let count = match probe.chain.connected_peers {
        Some(n) if probe.is_reachable() => format!(" ({n} at the end probe)"),
        _ => String::new(),
    };
    Some(format!("{}: not judged: {why}{count}", node.name))
}

fn node_id(node: &NodeFacts) -> Result<&str, Missing> {
    end_probe(node)?
        .chain
        .node_id
        .as_deref()
        .ok_or_else(|| format!("{}: node_id not reported at the end probe", node.name))
}

fn links_of(node: &NodeFacts, index: &HashMap<&str, usize>) -> Result<Links, Missing> {
    let peers = end_probe(node)?
        .peers
        .as_ref()
        .ok_or_else(|| format!("{}: /peers not known at the end probe", node.name))?;
    let mut links = Links::new();
    for peer in peers {
        let id = peer.node_id.as_deref().ok_or_else(|| {
            format!(
                "{}: /peers does not name the node of {}",
                node.name, peer.addr
            )
        })?;
        // Peers outside the checked nodes are not this item's business.
        if let Some(&i) = index.get(id) {
            links.entry(i).or_default().push(peer.direction);
        }
    }
    Ok(links)
}

fn word(direction: Direction) -> &'static str {
    match direction {
        Direction::Inbound => "inbound",
        Direction::Outbound => "outbound",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::Status;
    use crate::checklist::fixture::Fixture;

    #[test]
    fn a_full_mesh_agreed_by_both_ends_passes() {
        let f = Fixture::healthy(4);
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Pass, "{v:?}");
        assert_eq!(
            v.evidence,
            ["6 pairs held by one link, agreed by both ends"]
        );
    }

    #[test]
    fn a_cut_node_fails_for_each_missing_link() {
        let mut f = Fixture::healthy(3);
        f.end(2).peers = Some(vec![]);
        for i in 0..2 {
            let peers = f.end(i).peers.as_mut().expect("peers");
            peers.retain(|p| p.node_id.as_deref() != Some("id2"));
        }
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Fail);
        assert!(
            v.evidence
                .contains(&"n0 and n2: no link between them".to_string()),
            "{v:?}"
        );
        assert!(
            v.evidence
                .contains(&"n1 and n2: no link between them".to_string()),
            "{v:?}"
        );
    }

    #[test]
    fn one_sided_duplicate_and_crossed_links_fail() {
        let mut f = Fixture::healthy(3);
        // n0 keeps its link to n1, n1 forgot it.
        f.end(1)
            .peers
            .as_mut()
            .expect("peers")
            .retain(|p| p.node_id.as_deref() != Some("id0"));
        // n0 holds two links to n2 and n1 and n2 both think they dialed.
        let extra = f.end(0).peers.as_ref().expect("peers")[1].clone();
        f.end(0).peers.as_mut().expect("peers").push(extra);
        for p in f.end(2).peers.as_mut().expect("peers") {
            if p.node_id.as_deref() == Some("id1") {
                p.direction = Some(Direction::Outbound);
            }
        }
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Fail);
        for want in [
            "n0 lists a link to n1, n1 lists none to n0",
            "n0: holds 2 links to n2",
            "n1 and n2 describe different links: n1 says outbound, n2 says outbound",
        ] {
            assert!(v.evidence.contains(&want.to_string()), "{want}: {v:?}");
        }
    }

    #[test]
    fn registry_rows_are_never_judged_as_links() {
        let mut f = Fixture::healthy(3);
        for i in 0..3 {
            f.end(i).api = crate::fleet::DaemonApi::TimeMasternode;
        }
        // The registry dropped n0 while the link stays up: not a one-sided link.
        f.end(1)
            .peers
            .as_mut()
            .expect("peers")
            .retain(|p| p.node_id.as_deref() != Some("id0"));
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::NotApplicable, "{v:?}");
        assert_eq!(v.evidence.len(), 3, "{v:?}");
        assert!(
            v.evidence[0].starts_with(
                "n0: not judged: time-masternode's getpeerinfo lists its masternode registry"
            ),
            "{v:?}"
        );
        assert!(v.evidence[0].ends_with("(2 at the end probe)"), "{v:?}");

        // Beside nodes that list their links, only their pairs are judged.
        f.end(0).api = crate::fleet::DaemonApi::Timed;
        f.end(2).api = crate::fleet::DaemonApi::Timed;
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Pass, "{v:?}");
        assert_eq!(
            v.evidence[0],
            "1 pair held by one link, agreed by both ends"
        );
    }

    #[test]
    fn unknown_peers_or_ids_are_unknown() {
        let mut f = Fixture::healthy(3);
        f.end(1).peers = None;
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Unknown, "{v:?}");
        assert!(
            v.evidence
                .contains(&"n1: /peers not known at the end probe".to_string())
        );
        let mut f = Fixture::healthy(3);
        f.end(0).peers.as_mut().expect("peers")[0].node_id = None;
        assert_eq!(judge(&f.facts, &f.thresholds).status, Status::Unknown);
    }
}
