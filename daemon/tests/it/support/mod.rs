//! Test harness for real `timed` processes on loopback, shared by every daemon test
//! (and by the simulation/bench helpers): each node gets its own temp data dir
//! with its key made up front, a network file listing the keys of the nodes
//! specified together (the network definition they share), random 127.x.y.z
//! addresses (so concurrent runs never collide), stdout captured to a file for log
//! assertions, and is killed on drop. Addresses, the kill-on-drop guard, the
//! command line and waiting come from `testkit`; what is here is the daemon's
//! own: network files with the nodes' keys, RPC reads, and the mesh checks.

use std::cell::RefCell;
use std::fs::File;
use std::path::PathBuf;
use std::process::ExitStatus;
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use testkit::process::Guard;
use testkit::timed::{NETWORK, TimedSpec};
use timecoin_shared::rpc::{ConsensusInfo, Direction, PeerInfo};
use timecoin_shared::wire::NodeId;

pub(crate) mod certify;
pub(crate) mod frames;
mod spec;
pub(crate) use spec::{NetworkDef, NodeSpec, full_mesh_specs, network_specs};

/// Timing flags that keep tests quick: fast keepalive, short handshake timeout,
/// short backoff.
pub(crate) const FAST: &[&str] = &[
    "--handshake-timeout",
    "2s",
    "--ping-interval",
    "300ms",
    "--ping-timeout",
    "1500ms",
    "--backoff-initial",
    "50ms",
    "--backoff-max",
    "500ms",
];

/// How long a signalled node may take to exit: its shutdown grace and more, on
/// a busy machine.
const STOP_WITHIN: Duration = Duration::from_secs(10);

/// The process id of a node's process, for `kill`.
fn pid_of(guard: &Guard) -> Pid {
    Pid::from_raw(i32::try_from(guard.id()).expect("pid fits"))
}

/// One running `timed` process, killed on drop.
pub(crate) struct Node {
    pub(crate) spec: NodeSpec,
    child: Option<Guard>,
    log: PathBuf,
    http: reqwest::Client,
}

impl Node {
    /// Starts `timed` with `spec` in its data dir.
    pub(crate) fn start(spec: NodeSpec) -> Node {
        let log = spec.dir.path().join("stdout.log");
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(2))
            .build()
            .expect("http client");
        let mut node = Node {
            spec,
            child: None,
            log,
            http,
        };
        node.spawn();
        node
    }

    fn spawn(&mut self) {
        let out = File::options()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("log file");
        let err = out.try_clone().expect("log file");
        let timed = TimedSpec {
            bin: env!("CARGO_BIN_EXE_timed").into(),
            network: NETWORK.into(),
            network_file: Some(self.spec.network_file.clone()),
            p2p: self.spec.p2p,
            rpc: self.spec.rpc,
            peers: self.spec.peers.clone(),
            args: self.spec.args.clone(),
        };
        let child = timed
            .command(&self.data_dir())
            .envs(self.spec.env.iter().map(|(k, v)| (k, v)))
            .env("RUST_LOG", "info")
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("spawn timed");
        self.child = Some(Guard(child));
    }

    /// Sends `signal` and waits (bounded) for the process to exit.
    pub(crate) fn stop(&mut self, signal: Signal) -> ExitStatus {
        let mut guard = self.child.take().expect("node is running");
        kill(pid_of(&guard), signal).expect("signal timed");
        testkit::wait_until_blocking(
            &format!("timed to exit after {signal}"),
            STOP_WITHIN,
            || guard.0.try_wait().expect("wait"),
        )
    }

    /// The process id, while running.
    pub(crate) fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Guard::id)
    }

    /// Sends a signal that does not end the process (SIGSTOP, SIGCONT).
    pub(crate) fn signal(&self, signal: Signal) {
        let guard = self.child.as_ref().expect("node is running");
        kill(pid_of(guard), signal).expect("signal timed");
    }

    /// Starts the process again with the same addresses and data dir.
    pub(crate) fn restart(&mut self) {
        assert!(self.child.is_none(), "stop the node first");
        self.spawn();
    }

    /// Everything the node has printed so far.
    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Whether the node logs `text` within `deadline`. What a peer sees (a
    /// Disconnect, a closed socket) can come before the line reaches the file.
    pub(crate) async fn logs_within(&self, text: &str, deadline: Duration) -> bool {
        testkit::wait::within(deadline, || async { self.log().contains(text) })
            .await
            .is_some()
    }

    /// The data dir.
    pub(crate) fn data_dir(&self) -> PathBuf {
        self.spec.data_dir()
    }

    /// `GET path` on the node's RPC, parsed; `None` while it does not answer.
    pub(crate) async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> Option<T> {
        let url = format!("http://{}{path}", self.spec.rpc);
        let resp = self.http.get(url).send().await.ok()?;
        resp.json().await.ok()
    }

    /// The raw answer to `GET path`: status and body.
    pub(crate) async fn get_raw(&self, path: &str) -> Option<(u16, String)> {
        let url = format!("http://{}{path}", self.spec.rpc);
        let resp = self.http.get(url).send().await.ok()?;
        let status = resp.status().as_u16();
        Some((status, resp.text().await.ok()?))
    }

    /// A sample without labels from the node's `/metrics`.
    pub(crate) async fn metric(&self, name: &str) -> Option<f64> {
        let (_, text) = self.get_raw("/metrics").await?;
        text.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
    }

    /// The node's final height (`timed_final_height` in `/metrics`).
    pub(crate) async fn final_height(&self) -> Option<u64> {
        self.metric("timed_final_height").await.map(|v| v as u64)
    }

    pub(crate) async fn consensus(&self) -> Option<ConsensusInfo> {
        self.get("/consensus_info").await
    }

    pub(crate) async fn peers(&self) -> Option<Vec<PeerInfo>> {
        self.get("/peers").await
    }
}

/// The lowest final height among `nodes`; `None` while one does not answer.
pub(crate) async fn common_final_height(nodes: &[&Node]) -> Option<u64> {
    let mut lowest = u64::MAX;
    for node in nodes {
        lowest = lowest.min(node.final_height().await?);
    }
    Some(lowest)
}

/// Which links a converged mesh may keep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Rule {
    /// Any link both ends agree on.
    Agreed,
    /// Only links dialed by the higher node id: what the collision rule must leave
    /// when every node dials every other (the higher one's dial always wins).
    HigherDials,
}

/// What is wrong with the mesh right now, or `None` if every node has `n - 1`
/// peers and `n` active masternodes, and both ends of every link agree on it
/// (each sees the other once, with opposite directions), and `rule` holds.
pub(crate) async fn mesh_problem(nodes: &[Node], rule: Rule) -> Option<String> {
    let n = nodes.len();
    let mut views: Vec<(NodeId, Vec<PeerInfo>)> = Vec::new();
    for (i, node) in nodes.iter().enumerate() {
        let Some(info) = node.consensus().await else {
            return Some(format!("node {i}: no RPC answer"));
        };
        if info.connected_peers != n - 1 || info.active_masternodes != n {
            return Some(format!(
                "node {i}: {} peers, {} active masternodes",
                info.connected_peers, info.active_masternodes
            ));
        }
        let Some(peers) = node.peers().await else {
            return Some(format!("node {i}: no /peers answer"));
        };
        views.push((info.node_id, peers));
    }
    for (id, peers) in &views {
        for p in peers {
            let dialed_by_higher = (p.direction == Direction::Outbound) == (*id > p.node_id);
            if rule == Rule::HigherDials && !dialed_by_higher {
                return Some(format!(
                    "{id:?} keeps {:?} link to {:?}",
                    p.direction, p.node_id
                ));
            }
            let Some((_, theirs)) = views.iter().find(|(other, _)| *other == p.node_id) else {
                return Some(format!("{id:?} links to unknown {:?}", p.node_id));
            };
            let back: Vec<_> = theirs.iter().filter(|q| q.node_id == *id).collect();
            match back.as_slice() {
                [q] if q.direction == p.direction.reversed() => {}
                [q] => {
                    return Some(format!(
                        "{id:?} sees {:?} {:?} but it sees {:?}",
                        p.node_id, p.direction, q.direction
                    ));
                }
                _ => {
                    return Some(format!(
                        "{:?} has {} links to {id:?}",
                        p.node_id,
                        back.len()
                    ));
                }
            }
        }
    }
    None
}

/// Log lines that must never appear: the incident's symptoms.
pub(crate) fn forbidden_lines(log: &str) -> Vec<&str> {
    log.lines()
        .filter(|l| l.contains("reset by peer") || l.contains("ACK failed"))
        .collect()
}

/// Waits until [`mesh_problem`] finds nothing; the last problem seen otherwise.
pub(crate) async fn wait_for_mesh(nodes: &[Node], within: Duration) -> Result<(), String> {
    wait_for_mesh_with(nodes, within, Rule::Agreed).await
}

/// [`wait_for_mesh`] with a stricter [`Rule`].
pub(crate) async fn wait_for_mesh_with(
    nodes: &[Node],
    within: Duration,
    rule: Rule,
) -> Result<(), String> {
    let last = RefCell::new(String::new());
    let meshed = testkit::wait::within(within, || async {
        match mesh_problem(nodes, rule).await {
            None => true,
            Some(problem) => {
                *last.borrow_mut() = problem;
                false
            }
        }
    })
    .await;
    meshed.ok_or_else(|| last.into_inner())
}
