//! Test harness for real `timed` processes on loopback, shared by every daemon test
//! (and by the simulation/bench helpers): each node gets its own temp data dir
//! with its key made up front, a network file listing the keys of the nodes
//! specified together (the network definition they share), random 127.x.y.z
//! addresses (so concurrent runs never collide), stdout captured to a file for log
//! assertions, and is killed on drop. Waiting is always `wait_until(deadline,
//! condition)` polling RPC or logs, never a sleep.

#![allow(dead_code, unreachable_pub)] // Each test binary uses a different part.

use std::fs::File;
use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use timecoin_shared::rpc::{ConsensusInfo, Direction, PeerInfo};
use timecoin_shared::wire::NodeId;

mod spec;
#[allow(unused_imports)] // Each test binary uses a different part.
pub use spec::{NetworkDef, NodeSpec, full_mesh_specs, network_specs};

/// Timing flags that keep tests quick: fast keepalive, short handshake timeout,
/// short backoff.
pub const FAST: &[&str] = &[
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

/// Network name every harness node uses.
pub const NETWORK: &str = "testnet";

/// A random loopback IP in 127.0.0.0/8, avoiding 127.0.0.0/24 and .0/.255 ends.
pub fn random_ip() -> Ipv4Addr {
    Ipv4Addr::new(
        127,
        fastrand::u8(1..=254),
        fastrand::u8(0..=255),
        fastrand::u8(1..=254),
    )
}

/// A free port on `ip` (checked by binding it; the random IP makes a race with
/// another run practically impossible).
pub fn free_addr(ip: Ipv4Addr) -> SocketAddr {
    loop {
        let addr = SocketAddr::from((ip, fastrand::u16(20_000..60_000)));
        if TcpListener::bind(addr).is_ok() {
            return addr;
        }
    }
}

/// One running `timed` process.
pub struct Node {
    pub spec: NodeSpec,
    child: Option<Child>,
    log: PathBuf,
    http: reqwest::Client,
}

impl Node {
    /// Starts `timed` with `spec` in its data dir.
    pub fn start(spec: NodeSpec) -> Node {
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
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_timed"));
        cmd.arg("--network-file")
            .arg(&self.spec.network_file)
            .arg("--listen")
            .arg(self.spec.p2p.to_string())
            .arg("--rpc-bind")
            .arg(self.spec.rpc.to_string())
            .arg("--data-dir")
            .arg(self.data_dir())
            .arg("--masternode")
            .args(&self.spec.args)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        for peer in &self.spec.peers {
            cmd.arg("--peer").arg(peer.to_string());
        }
        self.child = Some(cmd.spawn().expect("spawn timed"));
    }

    /// The process id, while running.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Sends `signal` and waits (bounded) for the process to exit.
    pub fn stop(&mut self, signal: Signal) -> ExitStatus {
        let mut child = self.child.take().expect("node is running");
        let pid = Pid::from_raw(i32::try_from(child.id()).expect("pid fits"));
        kill(pid, signal).expect("signal timed");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = child.try_wait().expect("wait") {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("timed did not exit after {signal}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends a signal that does not end the process (SIGSTOP, SIGCONT).
    pub fn signal(&self, signal: Signal) {
        let child = self.child.as_ref().expect("node is running");
        let pid = Pid::from_raw(i32::try_from(child.id()).expect("pid fits"));
        kill(pid, signal).expect("signal timed");
    }

    /// Starts the process again with the same addresses and data dir.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "stop the node first");
        self.spawn();
    }

    /// Everything the node has printed so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The data dir.
    pub fn data_dir(&self) -> PathBuf {
        self.spec.dir.path().join("data")
    }

    /// `GET path` on the node's RPC, parsed; `None` while it does not answer.
    pub async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> Option<T> {
        let url = format!("http://{}{path}", self.spec.rpc);
        let resp = self.http.get(url).send().await.ok()?;
        resp.json().await.ok()
    }

    /// The raw answer to `GET path`: status and body.
    pub async fn get_raw(&self, path: &str) -> Option<(u16, String)> {
        let url = format!("http://{}{path}", self.spec.rpc);
        let resp = self.http.get(url).send().await.ok()?;
        let status = resp.status().as_u16();
        Some((status, resp.text().await.ok()?))
    }

    pub async fn consensus(&self) -> Option<ConsensusInfo> {
        self.get("/consensus_info").await
    }

    pub async fn peers(&self) -> Option<Vec<PeerInfo>> {
        self.get("/peers").await
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Polls `condition` every 50 ms until it holds or `within` passes.
pub async fn wait_until<F, Fut>(within: Duration, mut condition: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if condition().await {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Which links a converged mesh may keep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Any link both ends agree on.
    Agreed,
    /// Only links dialed by the higher node id: what the collision rule must leave
    /// when every node dials every other (the higher one's dial always wins).
    HigherDials,
}

/// What is wrong with the mesh right now, or `None` if every node has `n - 1`
/// peers and `n` active masternodes, and both ends of every link agree on it
/// (each sees the other once, with opposite directions), and `rule` holds.
pub async fn mesh_problem(nodes: &[Node], rule: Rule) -> Option<String> {
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
pub fn forbidden_lines(log: &str) -> Vec<&str> {
    log.lines()
        .filter(|l| l.contains("reset by peer") || l.contains("ACK failed"))
        .collect()
}

/// Counts of each direction in a `/peers` answer.
pub fn directions(peers: &[PeerInfo]) -> (usize, usize) {
    let inbound = peers
        .iter()
        .filter(|p| p.direction == Direction::Inbound)
        .count();
    (inbound, peers.len() - inbound)
}

/// Waits until [`mesh_problem`] finds nothing; the last problem seen otherwise.
pub async fn wait_for_mesh(nodes: &[Node], within: Duration) -> Result<(), String> {
    wait_for_mesh_with(nodes, within, Rule::Agreed).await
}

/// [`wait_for_mesh`] with a stricter [`Rule`].
pub async fn wait_for_mesh_with(
    nodes: &[Node],
    within: Duration,
    rule: Rule,
) -> Result<(), String> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let Some(problem) = mesh_problem(nodes, rule).await else {
            return Ok(());
        };
        if tokio::time::Instant::now() >= deadline {
            return Err(problem);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
