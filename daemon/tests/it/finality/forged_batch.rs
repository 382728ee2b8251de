//! A stranger answers a node with final blocks whose certificates do not hold:
//! one cut below a quorum, one taken from another block. A certificate is
//! checked with nothing but the network file, so no honest node ever sends
//! such a batch: each liar loses its link (told `bad_certificate`, counted in
//! `timed_disconnects_total{by="us",reason="bad_certificate"}`), while a
//! stranger sending the same blocks with their real certificates, and every
//! masternode link, stay up.

use std::time::Duration;

use testkit::wait::within;
use timecoin_shared::wire::DisconnectReason;
use timed::testing::chain::Certified;
use timed::testing::wire::Message;

use crate::adversary::liar::{Linked, outsider};
use crate::adversary::{fleet, target};
use crate::support::{Node, wait_for_mesh};

/// Generous bound for anything that takes a few block intervals on a busy box.
const WITHIN: Duration = Duration::from_secs(60);

/// How long a link that sent a good batch is watched for staying up.
const STAYS_UP: Duration = Duration::from_secs(3);

const BAD_CERTIFICATE: &str = r#"timed_disconnects_total{by="us",reason="bad_certificate"}"#;

/// A stranger linked to `node` that asked it for its first two final blocks:
/// the link, and the blocks with their certificates.
async fn asked(node: &Node) -> (Linked, Vec<Certified>) {
    let mut linked = Linked::connect(&target(node), &outsider()).await;
    linked.say(Message::GetBlocks { from: 1, limit: 2 });
    let answer = async {
        loop {
            match linked.hear(WITHIN).await {
                Some(Message::Blocks { blocks }) => return blocks,
                Some(_) => {}
                None => panic!("no answer to get_blocks"),
            }
        }
    };
    let blocks = tokio::time::timeout(WITHIN, answer)
        .await
        .expect("an answer in time");
    assert!(
        blocks.len() == 2 && blocks.iter().all(|b| b.certificate.is_some()),
        "two final blocks with their certificates: {blocks:?}"
    );
    (linked, blocks)
}

/// The sample `series` of the node's `/metrics` (0 when absent).
async fn sample(node: &Node, series: &str) -> f64 {
    let Some((_, text)) = node.get_raw("/metrics").await else {
        return 0.0;
    };
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_whose_certificate_does_not_hold_costs_its_sender_the_link() {
    let nodes = fleet();
    wait_for_mesh(&nodes, WITHIN).await.expect("mesh");
    let node = &nodes[0];
    let finalizing = || async { node.final_height().await.filter(|f| *f >= 3) };
    within(WITHIN, finalizing).await.expect("finality");
    let masternode_links = |peers: Vec<timecoin_shared::rpc::PeerInfo>| {
        let mut links: Vec<_> = peers
            .into_iter()
            .filter(|p| p.masternode)
            .map(|p| (p.node_id, p.addr))
            .collect();
        links.sort();
        links
    };
    let before = masternode_links(node.peers().await.expect("peers"));
    assert_eq!(before.len(), 3, "every masternode linked");

    // The real certificates: a stranger may send them, and keeps its link.
    let (honest, blocks) = asked(node).await;
    honest.say(Message::Blocks {
        blocks: blocks.clone(),
    });
    // Below a quorum: one precommit of the three or more needed.
    let (mut short, _) = asked(node).await;
    let mut cut = blocks.clone();
    for entry in &mut cut {
        if let Some(cert) = entry.certificate.as_mut() {
            cert.precommits.truncate(1);
        }
    }
    short.say(Message::Blocks { blocks: cut });
    // A quorum's certificate, but of the next block.
    let (mut swapped, _) = asked(node).await;
    let mut other = blocks.clone();
    other[0].certificate = blocks[1].certificate.clone();
    swapped.say(Message::Blocks { blocks: other });

    for (name, liar) in [("short", &mut short), ("swapped", &mut swapped)] {
        let reason = liar.closed_within(WITHIN).await;
        assert_eq!(
            reason,
            Some(Some(DisconnectReason::BadCertificate)),
            "the {name} certificate's sender was not told bad_certificate and closed:\n{}",
            node.log()
        );
    }
    let counted = || async { (sample(node, BAD_CERTIFICATE).await >= 2.0).then_some(()) };
    assert!(
        within(WITHIN, counted).await.is_some(),
        "two closes for bad certificates not counted"
    );
    assert_eq!(sample(node, BAD_CERTIFICATE).await, 2.0, "only the liars");
    let stays_up = within(STAYS_UP, || async { honest.is_closed().then_some(()) }).await;
    assert!(
        stays_up.is_none(),
        "the link that sent real certificates was closed"
    );
    let after = masternode_links(node.peers().await.expect("peers"));
    assert_eq!(after, before, "a masternode link was replaced");
    let grows = || async { node.final_height().await.filter(|f| *f >= 5) };
    assert!(within(WITHIN, grows).await.is_some(), "finality stopped");
}
