//! `timectl devnet` with real `timed` daemons: four come up meshed and reachable
//! through the fleet file it writes (`status --output json`), one restarts under a
//! new pid, and `down` leaves no process behind (checked by pid). The same
//! engine called as a library does the same in the test's own process.

use std::path::{Path, PathBuf};

use crate::support::timectl::{Devnet, Down, MESH_TIMEOUT, json, timectl};
use serde_json::Value;
use timectl::ConnectOptions;
use timectl::testing::{Remote, StreamEvent, node_command};

fn pids(dir: &str) -> Vec<u32> {
    let out = timectl(&["devnet", "status", "--dir", dir, "--output", "json"]);
    json(&out)["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["pid"].as_u64().expect("pid") as u32)
        .collect()
}

/// Polls `status --output json` until every node is reachable with a full mesh.
fn wait_meshed(fleet: &str) -> Value {
    testkit::wait_until_blocking("4 reachable, fully meshed nodes", MESH_TIMEOUT, || {
        let out = timectl(&["--fleet", fleet, "status", "--output", "json"]);
        let report = json(&out);
        let nodes = report["nodes"].as_array()?;
        let meshed = nodes.len() == 4
            && nodes.iter().all(|n| {
                n["reachable"] == true
                    && n["connected_peers"] == 3
                    && n["active_masternodes"] == 4
                    && n["in_network_definition"] == true
            });
        (meshed && out.status.success()).then_some(report)
    })
}

#[test]
fn four_daemons_come_up_meshed_restart_and_go_down_without_leftovers() {
    let devnet = Devnet::up(&["--block-interval", "1s"]);
    let dir_s = devnet.dir_arg();
    let fleet = devnet.fleet_arg();

    let report = wait_meshed(&fleet);
    let heights: Vec<u64> = report["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["block_height"].as_u64().expect("height"))
        .collect();
    let (lo, hi) = (heights.iter().min(), heights.iter().max());
    assert!(
        hi.zip(lo).is_some_and(|(h, l)| h - l <= 1),
        "heights disagree: {heights:?}"
    );
    for node in report["nodes"].as_array().expect("nodes") {
        for key in [
            "name",
            "commit",
            "pending_transactions",
            "finalized_transactions",
        ] {
            assert!(!node[key].is_null(), "missing {key}: {node}");
        }
    }

    let before = pids(&dir_s);
    assert_eq!(before.len(), 4);
    assert!(
        before.iter().all(|p| testkit::process::alive(*p)),
        "{before:?}"
    );

    // The fleet file's own commands work over its local transport: `logs` shows
    // the daemon's output, `restart` (`timectl devnet restart`) restarts node2.
    let fleet_file = timectl::testing::load_file(Path::new(&fleet)).expect("written fleet parses");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let options = ConnectOptions::default();
        let node1 = fleet_file.node("node1").expect("node1");
        let remote = Remote::connect(node1, &options).await.expect("local");
        let logs = node_command(node1, &node1.commands.logs).expect("logs command");
        let mut stream = remote.stream_lines(&logs).await.expect("stream logs");
        match tokio::time::timeout(MESH_TIMEOUT, stream.next()).await {
            Ok(Some(StreamEvent::Line(line))) => assert!(!line.is_empty()),
            other => panic!("expected a log line, got {other:?}"),
        }
        stream.cancel();
        let node2 = fleet_file.node("node2").expect("node2");
        let restart = node_command(node2, &node2.commands.restart).expect("restart command");
        let out = remote.run(&restart).await.expect("run restart");
        assert!(out.success(), "{out:?}");
    });
    let after = pids(&dir_s);
    assert_ne!(before[1], after[1], "node2 has a new process");
    assert!(!testkit::process::alive(before[1]), "the old node2 is gone");
    wait_meshed(&fleet);

    let down = timectl(&["devnet", "down", "--dir", &dir_s]);
    assert!(
        down.status.success(),
        "{}",
        String::from_utf8_lossy(&down.stderr)
    );
    for pid in &after {
        assert!(
            !testkit::process::alive(*pid),
            "pid {pid} still running after down"
        );
    }
    let status = timectl(&["devnet", "status", "--dir", &dir_s, "--output", "json"]);
    assert_eq!(
        status.status.code(),
        Some(1),
        "status reports stopped nodes as failure"
    );
    assert!(
        json(&status)["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .all(|n| n["running"] == false)
    );
}

/// Options for a devnet of two of the workspace's own daemons in `dir`.
fn two_nodes(dir: PathBuf) -> timectl::testing::devnet::UpOptions {
    timectl::testing::devnet::UpOptions {
        dir,
        nodes: 2,
        block_interval: "1s".into(),
        min_masternodes: None,
        network: "devnet".into(),
        timed: Some(crate::support::timed::binary()),
        timectl: PathBuf::from(env!("CARGO_BIN_EXE_timectl")),
    }
}

/// The `devnet` engine called as a library, as the demo does: two daemons
/// started in this process, answering, one restarted under a new pid, then all
/// stopped and reaped (no zombie left to this process, their parent).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_starts_restarts_and_stops_a_devnet_in_process() {
    use timectl::testing::devnet;

    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("devnet");
    let _down = Down(dir.clone());
    let options = two_nodes(dir.clone());
    let up = devnet::up(&options).await.expect("devnet up");
    assert_eq!((up.nodes, up.min_masternodes), (2, 2), "{up:?}");
    assert!(
        up.fleet_file.is_file() && up.network_file.is_file(),
        "{up:?}"
    );
    let nodes = devnet::status(&dir).await.expect("status");
    assert!(nodes.iter().all(|n| n.running), "{nodes:?}");
    for node in &nodes {
        tokio::net::TcpStream::connect(node.rpc)
            .await
            .unwrap_or_else(|e| panic!("{} RPC on {}: {e}", node.name, node.rpc));
    }

    let again = devnet::up(&options)
        .await
        .expect_err("a second devnet there");
    assert!(again.is_bad_input(), "{again}");

    let restarted = devnet::restart(&dir, "node2").await.expect("restart");
    assert_ne!(restarted.pid, nodes[1].pid, "node2 has a new process");
    assert!(
        !Path::new(&format!("/proc/{}", nodes[1].pid)).exists(),
        "old node2 reaped"
    );
    let missing = devnet::restart(&dir, "node9").await.expect_err("no node9");
    assert!(
        missing.is_bad_input() && missing.to_string().contains("node1, node2"),
        "{missing}"
    );

    let down = devnet::down(&dir).await.expect("down");
    assert_eq!((down.stopped, down.recorded), (2, 2), "{down:?}");
    for pid in [nodes[0].pid, restarted.pid] {
        assert!(
            !Path::new(&format!("/proc/{pid}")).exists(),
            "pid {pid} left behind"
        );
    }
    let nodes = devnet::status(&dir).await.expect("status after down");
    assert!(nodes.iter().all(|n| !n.running), "{nodes:?}");
}

/// Options the engine refuses before it starts anything, as bad input.
#[tokio::test]
async fn the_engine_refuses_bad_options_before_starting_anything() {
    use timectl::testing::devnet;

    let tmp = tempfile::tempdir().expect("tempdir");
    let options = two_nodes(tmp.path().join("devnet"));
    let bad = [
        devnet::UpOptions {
            nodes: 0,
            ..options.clone()
        },
        devnet::UpOptions {
            nodes: 251,
            ..options.clone()
        },
        devnet::UpOptions {
            block_interval: "soon".into(),
            ..options.clone()
        },
        devnet::UpOptions {
            min_masternodes: Some(3),
            ..options.clone()
        },
        devnet::UpOptions {
            timed: Some(tmp.path().join("no-timed")),
            ..options.clone()
        },
    ];
    for options in &bad {
        let e = devnet::up(options).await.expect_err("refused");
        assert!(e.is_bad_input(), "{options:?}: {e}");
    }
    assert!(
        !tmp.path().join("devnet/devnet.json").exists(),
        "nothing recorded"
    );
    let e = devnet::down(tmp.path()).await.expect_err("no devnet there");
    assert!(e.is_bad_input(), "{e}");
}

/// Every node of a devnet restarted at once (a deploy's batch): each restart's
/// new process is what the devnet records, none lost to another's save.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarts_at_once_each_record_their_own_process() {
    use timectl::testing::devnet;

    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("devnet");
    let _down = Down(dir.clone());
    let options = timectl::testing::devnet::UpOptions {
        nodes: 3,
        ..two_nodes(dir.clone())
    };
    devnet::up(&options).await.expect("devnet up");
    let before = devnet::status(&dir).await.expect("status");
    let restarts = before.iter().map(|n| devnet::restart(&dir, &n.name));
    let restarted: Vec<u32> = futures_util::future::join_all(restarts)
        .await
        .into_iter()
        .map(|r| r.expect("restart").pid)
        .collect();
    let after = devnet::status(&dir).await.expect("status");
    let recorded: Vec<u32> = after.iter().map(|n| n.pid).collect();
    assert_eq!(recorded, restarted, "{after:?}");
    assert!(after.iter().all(|n| n.running), "{after:?}");
    for (old, new) in before.iter().zip(&after) {
        assert_ne!(old.pid, new.pid, "{} has a new process", new.name);
    }
}
