//! Test facts: a healthy fleet (every item passes) and the edits that break one
//! thing at a time, shared by the rules' unit tests and the property tests.

use std::time::{Duration, SystemTime};

use crate::classify::classify;
use crate::fleet::DaemonApi;
use crate::rpc::Direction;
use crate::snapshot::{ChainView, NodeSnapshot, PeerView, Reach};

use super::facts::{CheckFacts, Journal, LogEvidence, NodeFacts};
use super::thresholds::Thresholds;

/// The commit every healthy node runs and has checked out.
pub(crate) const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";

/// The incident's line: a failed dial, an ACK failure and a reset at once.
pub(crate) const INCIDENT_LINE: &str = "WARN Connection to 165.232.154.150 failed (attempt 4): Handshake ACK failed: Error reading handshake ACK: Connection reset by peer (os error 104)";

/// Heights of every healthy node at the start, middle and end probe.
pub(crate) const HEIGHTS: [u64; 3] = [10, 12, 14];

#[derive(Clone, Debug)]
pub(crate) struct Fixture {
    pub(crate) facts: CheckFacts,
    pub(crate) thresholds: Thresholds,
}

impl Fixture {
    /// `n` nodes `n0`, `n1`, ... in a full mesh, agreeing on everything.
    pub(crate) fn healthy(n: usize) -> Fixture {
        let nodes = (0..n).map(|i| healthy_node(i, n)).collect();
        Fixture {
            facts: CheckFacts {
                fleet_size: n,
                nodes,
                expect_commit: None,
                common_height: Some(HEIGHTS[2]),
                min_masternodes: Some(n.min(3)),
            },
            thresholds: Thresholds::default(),
        }
    }

    /// Adds a journal line to node `i`.
    pub(crate) fn log(&mut self, i: usize, line: &str) {
        if let Journal::Read(log) = &mut self.facts.nodes[i].journal {
            log.record(line, &classify(line));
        }
    }

    pub(crate) fn unread_journal(&mut self, i: usize) {
        self.facts.nodes[i].journal = Journal::Unreadable {
            error: "journalctl: permission denied".into(),
        };
    }

    /// Node `i` answers nothing: no probe, no journal, no block.
    pub(crate) fn unreachable(&mut self, i: usize) {
        let node = &mut self.facts.nodes[i];
        for probe in &mut node.probes {
            probe.reach = Reach::Unreachable {
                error: format!("{}: connection refused", probe.node),
            };
            probe.chain = ChainView::default();
            probe.peers = None;
            probe.repo_head = None;
        }
        node.block_at_common_height = None;
        self.unread_journal(i);
    }

    /// Edits node `i`'s chain view at every probe.
    pub(crate) fn chain(&mut self, i: usize, edit: impl Fn(usize, &mut ChainView)) {
        for (k, probe) in self.facts.nodes[i].probes.iter_mut().enumerate() {
            edit(k, &mut probe.chain);
        }
    }

    /// Node `i` speaks `api` at every probe.
    pub(crate) fn api(&mut self, i: usize, api: DaemonApi) {
        for probe in &mut self.facts.nodes[i].probes {
            probe.api = api;
        }
    }

    /// Node `i`'s last probe.
    pub(crate) fn end(&mut self, i: usize) -> &mut NodeSnapshot {
        self.facts.nodes[i]
            .probes
            .last_mut()
            .expect("healthy nodes are probed")
    }
}

fn healthy_node(i: usize, n: usize) -> NodeFacts {
    let name = format!("n{i}");
    let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let probes = HEIGHTS
        .iter()
        .enumerate()
        .map(|(k, &height)| NodeSnapshot {
            node: name.clone(),
            at: start + Duration::from_secs(30 * k as u64),
            took: Duration::from_millis(5),
            api: DaemonApi::Timed,
            reach: Reach::Reachable,
            chain: ChainView {
                block_height: Some(height),
                tip_hash: Some(format!("hash{height}")),
                active_masternodes: Some(n),
                min_masternodes: Some(n.min(3)),
                connected_peers: Some(n - 1),
                pending_transactions: Some(0),
                finalized_transactions: Some(height),
                node_id: Some(format!("id{i}")),
                network: Some("devnet".into()),
                version: Some("0.1.0".into()),
                commit: Some(COMMIT.into()),
                uptime_secs: Some(600),
                last_block_age_secs: Some(3),
                listed_masternode: Some(true),
                final_height: Some(height - 1),
                consensus_round: Some(0),
                equivocations: Some(0),
            },
            peers: Some(
                (0..n)
                    .filter(|&j| j != i)
                    .map(|j| PeerView {
                        node_id: Some(format!("id{j}")),
                        addr: format!("127.0.0.1:{}", 9000 + j),
                        direction: Some(if i < j {
                            Direction::Outbound
                        } else {
                            Direction::Inbound
                        }),
                        connected_secs: Some(500),
                        rtt_ms: Some(0.2),
                        block_height: Some(height),
                    })
                    .collect(),
            ),
            repo_head: Some(COMMIT.into()),
        })
        .collect();
    let log: LogEvidence = std::iter::repeat_n("INFO Starting new block round", 6).collect();
    NodeFacts {
        host: Some(format!("127.0.0.{}", i + 1)),
        name,
        probes,
        journal: Journal::Read(log),
        block_at_common_height: Some(format!("hash{}", HEIGHTS[2])),
        block_unknown_reason: None,
    }
}
