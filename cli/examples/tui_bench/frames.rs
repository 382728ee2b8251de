//! Timing frames: a fleet of any size drawn into an off-screen terminal.

use std::time::{Duration, Instant, SystemTime};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use timecoin_shared::classify::classify;
use timecoin_shared::rpc::Direction;
use timecoin_shared::snapshot::{ChainView, NodeSnapshot, PeerView, Reach};
use timectl::testing::tui::{App, LogLine, Msg, draw, update};

/// Mean and worst time to draw one of `frames` frames of a healthy fleet of
/// `nodes` with a full log ring, into an off-screen terminal of `w` x `h`,
/// sleeping `pause` before each.
pub(crate) fn frame_time(
    nodes: usize,
    (w, h): (u16, u16),
    frames: usize,
    pause: Duration,
) -> (Duration, Duration) {
    let now = SystemTime::now();
    let names: Vec<String> = (1..=nodes).map(|i| format!("node{i}")).collect();
    let mut app = App::new("bench", names.clone(), now);
    app.colour = true;
    for round in 0..10u64 {
        for i in 0..nodes {
            update(
                &mut app,
                Msg::Snapshot(Box::new(snapshot(i, nodes, 100 + round, now))),
            );
        }
    }
    for n in 0..5000 {
        let text = format!("Starting new block round height={n} round=0");
        let line = LogLine {
            node: names[n % nodes].clone(),
            time_us: Some(1_795_579_200_000_000),
            class: classify(&text),
            text,
            marker: None,
        };
        update(&mut app, Msg::Log(Box::new(line)));
    }
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    // One frame untimed: the first allocates the buffers and fills the
    // layout cache, which a running dashboard does once.
    terminal.draw(|f| draw(f, &app)).expect("draw");
    let (mut total, mut worst) = (Duration::ZERO, Duration::ZERO);
    for frame in 0..frames {
        // A new snapshot per frame so every frame has something to redraw.
        update(
            &mut app,
            Msg::Snapshot(Box::new(snapshot(frame % nodes, nodes, 200, now))),
        );
        if !pause.is_zero() {
            std::thread::sleep(pause);
        }
        let started = Instant::now();
        terminal.draw(|f| draw(f, &app)).expect("draw");
        let took = started.elapsed();
        total += took;
        worst = worst.max(took);
    }
    (total / u32::try_from(frames).unwrap_or(u32::MAX), worst)
}

fn snapshot(i: usize, nodes: usize, height: u64, at: SystemTime) -> NodeSnapshot {
    let id = |j: usize| format!("{j:064x}");
    let peers = (0..nodes)
        .filter(|j| *j != i)
        .map(|j| PeerView {
            node_id: Some(id(j)),
            addr: format!("10.0.{}.{}:24100", j / 250, j % 250),
            direction: Some(if i > j {
                Direction::Outbound
            } else {
                Direction::Inbound
            }),
            connected_secs: Some(60),
            rtt_ms: Some(1.0),
            block_height: Some(height),
        })
        .collect();
    NodeSnapshot {
        node: format!("node{}", i + 1),
        at,
        took: Duration::from_millis(5),
        api: Default::default(),
        reach: Reach::Reachable,
        chain: ChainView {
            block_height: Some(height),
            tip_hash: Some(format!("{height:064x}")),
            active_masternodes: Some(nodes),
            min_masternodes: Some(3),
            connected_peers: Some(nodes - 1),
            pending_transactions: Some(0),
            finalized_transactions: Some(height),
            node_id: Some(id(i)),
            network: Some("bench".into()),
            version: Some("0.1.0".into()),
            commit: Some("0123456789ab".into()),
            uptime_secs: Some(600),
            last_block_age_secs: Some(1),
            listed_masternode: Some(true),
            final_height: Some(height.saturating_sub(1)),
            consensus_round: Some(0),
            equivocations: Some(0),
        },
        peers: Some(peers),
        repo_head: None,
    }
}
