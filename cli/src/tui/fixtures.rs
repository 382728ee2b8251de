//! Dashboard states for tests: a healthy fleet (of ours, or of upstream
//! daemons), a node down, production skipped, a burst of duplicate rejections,
//! a fork between two nodes. Deterministic
//! (fixed clock, fixed ids) so snapshots compare byte for byte.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use timecoin_shared::fleet::DaemonApi;
use timecoin_shared::rpc::Direction;
use timecoin_shared::snapshot::{ChainView, NodeSnapshot, PeerView, Reach};

use super::app::App;
use super::logview::LogLine;
use super::msg::{LockRead, Msg};
use super::update::update;
use crate::lock::{Holder, LockState, Phase, TakenBy};
use crate::logs::record::Record;
use timecoin_shared::classify::LogEntry;

/// 2026-11-25 04:00:00 UTC.
fn epoch() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_795_579_200)
}

fn id(i: usize) -> String {
    format!("{:02x}", 0xa0 + i).repeat(32)
}

fn names(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("node{i}")).collect()
}

/// A node that answered: `height`, linked to every other of `n` nodes listed in `peers`.
fn answered(i: usize, height: u64, peers: &[usize], at: SystemTime) -> NodeSnapshot {
    let peer_views = peers
        .iter()
        .map(|&j| PeerView {
            node_id: Some(id(j)),
            addr: format!("127.0.0.{}:24100", j + 1),
            // The higher index dialed, as the tie-break keeps the higher id's link.
            direction: Some(if i > j {
                Direction::Outbound
            } else {
                Direction::Inbound
            }),
            connected_secs: Some(600),
            rtt_ms: Some(0.4 + j as f64 / 10.0),
            block_height: Some(height),
        })
        .collect();
    NodeSnapshot {
        node: format!("node{}", i + 1),
        api: Default::default(),
        at,
        took: Duration::from_millis(12),
        reach: Reach::Reachable,
        chain: ChainView {
            block_height: Some(height),
            tip_hash: Some(format!("{:08x}", height * 7919).repeat(8)),
            active_masternodes: Some(peers.len() + 1),
            min_masternodes: Some(3),
            connected_peers: Some(peers.len()),
            pending_transactions: Some(2),
            finalized_transactions: Some(height * 3),
            node_id: Some(id(i)),
            network: Some("devnet".into()),
            version: Some("0.1.0".into()),
            commit: Some("1f50bb8c0ffe".into()),
            uptime_secs: Some(900),
            last_block_age_secs: Some(1),
            listed_masternode: Some(true),
            final_height: Some(height.saturating_sub(1)),
            consensus_round: Some(0),
            equivocations: Some(0),
        },
        peers: Some(peer_views),
        repo_head: Some("1f50bb8c0ffee0000000000000000000000000000".into()),
    }
}

/// A probe of `node` that got no answer.
pub(super) fn unreachable(node: &str, at: SystemTime) -> NodeSnapshot {
    NodeSnapshot {
        node: node.into(),
        api: Default::default(),
        at,
        took: Duration::from_secs(5),
        reach: Reach::Unreachable {
            error: format!(
                "{node}: no answer from the daemon's RPC at 127.0.0.2:8332 (tunnel) /consensus_info: connection refused"
            ),
        },
        chain: ChainView::default(),
        peers: None,
        repo_head: None,
    }
}

/// Judges the checklist as the dashboard does on its next tick.
fn judge(app: &mut App) {
    let now = app.now;
    update(app, Msg::Tick(now));
}

/// Feeds `text` through the real classifier as a line of `node`, `secs` after the epoch.
fn log(app: &mut App, node: &str, secs: u64, text: &str) {
    log_at(app, node, epoch() + Duration::from_secs(secs), text);
}

/// The first line each node's journal read gives: logged two minutes before
/// the epoch, so the dashboard has read the whole window (`--since` two
/// windows back, as it asks).
fn backlog(app: &mut App) {
    for node in names(app.nodes.len()) {
        let text = "INFO timed::node: timed 0.1.0 (commit 1f50bb8c0ffe) started";
        log_at(app, &node, epoch() - Duration::from_secs(120), text);
    }
}

fn log_at(app: &mut App, node: &str, at: SystemTime, text: &str) {
    let time = at
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_micros();
    let record = Record::new(LogEntry::parse(text), Some(node));
    let mut line = LogLine::from_record(&record, node);
    line.time_us = i64::try_from(time).ok();
    update(app, Msg::Log(Box::new(line)));
}

/// Four nodes, fully meshed, heights rising together, every item passing.
pub(super) fn healthy() -> App {
    meshed(DaemonApi::Timed)
}

/// [`healthy`] on upstream daemons: the items their API cannot support do
/// not apply, the rest pass.
pub(super) fn upstream() -> App {
    meshed(DaemonApi::TimeMasternode)
}

fn meshed(api: DaemonApi) -> App {
    let mut app = App::new("devnet", names(4), epoch());
    app.colour = false;
    backlog(&mut app);
    for round in 0..12u64 {
        let at = epoch() - Duration::from_secs(12 - round);
        for i in 0..4 {
            let peers: Vec<usize> = (0..4).filter(|j| *j != i).collect();
            let mut snap = NodeSnapshot {
                api,
                ..answered(i, 40 + round / 2, &peers, at)
            };
            if api == DaemonApi::TimeMasternode {
                // Upstream reports no final height, round or equivocations.
                snap.chain.final_height = None;
                snap.chain.consensus_round = None;
                snap.chain.equivocations = None;
            }
            update(&mut app, Msg::Snapshot(Box::new(snap)));
        }
    }
    update(&mut app, Msg::Tick(epoch()));
    for (secs, node) in [(1, "node1"), (1, "node2"), (1, "node3"), (1, "node4")] {
        log(
            &mut app,
            node,
            secs,
            "INFO timed::chain: Starting new block round",
        );
    }
    log(
        &mut app,
        "node2",
        2,
        "INFO timed::chain: Produced block at height 45",
    );
    log(
        &mut app,
        "node3",
        2,
        "INFO timed::net: Handshake completed with 127.0.0.1:24100",
    );
    judge(&mut app);
    app
}

/// Healthy, but the dashboard has just opened on a log command that gave no
/// backlog (a tailed file): the logs are read from a few seconds ago only, so
/// the log items wait for the window instead of judging it on those seconds.
pub(super) fn just_opened() -> App {
    let mut app = App::new("devnet", names(4), epoch());
    app.colour = false;
    for round in 0..12u64 {
        let at = epoch() - Duration::from_secs(12 - round);
        for i in 0..4 {
            let peers: Vec<usize> = (0..4).filter(|j| *j != i).collect();
            update(
                &mut app,
                Msg::Snapshot(Box::new(answered(i, 40 + round / 2, &peers, at))),
            );
        }
    }
    update(&mut app, Msg::Tick(epoch()));
    let opened = epoch() - Duration::from_secs(12);
    for node in names(4) {
        let ping = "INFO timed::net: Peer 127.0.0.9:24100 sent a ping";
        log_at(&mut app, &node, opened, ping);
    }
    judge(&mut app);
    app
}

/// node3 stopped answering 8 s ago (its last answer is 11 s old); the others
/// see three masternodes.
pub(super) fn node_down() -> App {
    let mut app = healthy();
    let now = epoch() + Duration::from_secs(10);
    let down_at = now - Duration::from_secs(8);
    update(
        &mut app,
        Msg::Snapshot(Box::new(unreachable("node3", down_at))),
    );
    update(&mut app, Msg::Snapshot(Box::new(unreachable("node3", now))));
    for i in [0, 1, 3] {
        let peers: Vec<usize> = [0, 1, 3].into_iter().filter(|j| *j != i).collect();
        let snap = answered(i, 46, &peers, now);
        update(&mut app, Msg::Snapshot(Box::new(snap)));
    }
    update(&mut app, Msg::Tick(now));
    log(
        &mut app,
        "node1",
        3,
        "WARN timed::net: Ping timeout from 127.0.0.3:24100",
    );
    log(
        &mut app,
        "node2",
        4,
        "WARN timed::net: Connection to 127.0.0.3:24100 failed (attempt 2): Connection refused (os error 111)",
    );
    judge(&mut app);
    app
}

/// Only two masternodes link up: production skipped everywhere.
pub(super) fn production_skipped() -> App {
    let mut app = App::new("devnet", names(4), epoch());
    app.colour = false;
    backlog(&mut app);
    for round in 0..6u64 {
        let at = epoch() - Duration::from_secs(6 - round);
        for i in 0..4 {
            let peers: Vec<usize> = vec![i ^ 1];
            update(
                &mut app,
                Msg::Snapshot(Box::new(answered(i, 12, &peers, at))),
            );
        }
    }
    update(&mut app, Msg::Tick(epoch()));
    for (i, node) in names(4).iter().enumerate() {
        log(
            &mut app,
            node,
            i as u64,
            "WARN ⚠️ Skipping block production: only 2 masternodes active (minimum 3 required)",
        );
    }
    judge(&mut app);
    app
}

/// A burst of duplicate rejections: links churn, one pair held twice.
pub(super) fn duplicate_burst() -> App {
    let mut app = healthy();
    let mut snap = app.nodes[0]
        .last_ok
        .clone()
        .unwrap_or_else(|| answered(0, 46, &[1, 2, 3], epoch()));
    if let Some(peers) = snap.peers.as_mut()
        && let Some(first) = peers.first().cloned()
    {
        peers.push(first);
    }
    snap.at = epoch();
    update(&mut app, Msg::Snapshot(Box::new(snap)));
    for n in 0..20u64 {
        let node = format!("node{}", n % 4 + 1);
        let text = format!(
            "INFO timed::net: Rejecting duplicate inbound from 127.0.0.{}:{} after handshake",
            n % 3 + 2,
            40000 + n
        );
        log(&mut app, &node, 3 + n / 4, &text);
    }
    log(
        &mut app,
        "node2",
        9,
        "INFO timed::chain: Starting new block round",
    );
    judge(&mut app);
    app
}

/// [`healthy`], while alice (another operator, on her own controller) deploys
/// `abc1234` with "release 2": node1 is done, node2 is gating, node3 and node4
/// are staged and wait for their turn. Her lock was read on every node.
pub(super) fn deploying() -> App {
    let mut app = healthy();
    let took = epoch() - Duration::from_secs(185);
    let phases = [Phase::Done, Phase::Gating, Phase::Staged, Phase::Staged];
    for (node, phase) in names(4).into_iter().zip(phases) {
        let mut alice = Holder::here(
            TakenBy::Deploy,
            Some("abc1234def5678".into()),
            "release 2".into(),
        );
        alice.user = "alice".into();
        alice.host = "laptop".into();
        alice.pid = 4242;
        alice.since = took
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        alice.phase = Some(phase);
        let lock = LockState::Held {
            holder: Some(Box::new(alice)),
            age: Duration::from_secs(4),
            ttl: Duration::from_secs(120),
        };
        let read = LockRead {
            node,
            lock: Ok(lock),
        };
        update(&mut app, Msg::Lock(Box::new(read)));
    }
    app
}

/// node1 and node2 on one chain, node3 and node4 on another at the same height.
pub(super) fn fork() -> App {
    let mut app = App::new("devnet", names(4), epoch());
    app.colour = false;
    for round in 0..8u64 {
        let at = epoch() - Duration::from_secs(8 - round);
        for i in 0..4 {
            let peers: Vec<usize> = vec![i ^ 1];
            let mut snap = answered(i, 30 + round, &peers, at);
            snap.chain.active_masternodes = Some(4);
            if i >= 2 {
                snap.chain.tip_hash = Some(format!("{:08x}", (30 + round) * 104_729).repeat(8));
                snap.chain.commit = Some("9c0ffee12345".into());
            }
            update(&mut app, Msg::Snapshot(Box::new(snap)));
        }
    }
    update(&mut app, Msg::Tick(epoch()));
    judge(&mut app);
    app
}
