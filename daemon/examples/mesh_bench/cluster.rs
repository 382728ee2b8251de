//! A cluster of real `timed` processes on loopback for the mesh benchmark: start
//! them, restart or kill one, and poll their RPC until the mesh is full.
//!
//! Each node gets its own random address in 127.0.0.0/8 (all of it is loopback on
//! Linux) with the default ports, so concurrent runs of anything else on the
//! machine cannot collide with it. Every process is killed when the cluster is
//! dropped.

use std::fs::File;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use color_eyre::eyre::{Result, WrapErr, bail, eyre};
use futures_util::future::join_all;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use timecoin_shared::rpc::ConsensusInfo;

/// P2P port of every node (each node has its own loopback address).
const P2P_PORT: u16 = 24100;
/// RPC port of every node.
const RPC_PORT: u16 = 8332;
/// Pause between two polling rounds of every node's RPC. The figures are read to
/// this resolution; polling 32 nodes much faster would load the two cores the
/// daemons themselves are measured on.
const POLL_EVERY: Duration = Duration::from_millis(20);
/// Longest wait for one RPC answer; a node that has not bound its RPC yet
/// refuses at once, so this only bounds a stuck node.
const RPC_TIMEOUT: Duration = Duration::from_secs(2);
/// Longest wait for a stopped process to exit after SIGTERM before the bench
/// gives up on it.
const EXIT_DEADLINE: Duration = Duration::from_secs(10);

/// One `timed` process and what is needed to start it again.
struct Node {
    ip: Ipv4Addr,
    /// Its node id, when the cluster names the id expected at each address.
    id: Option<String>,
    data_dir: PathBuf,
    log: PathBuf,
    child: Option<Child>,
}

/// Running daemons that all list each other as peers.
pub(crate) struct Cluster {
    timed: PathBuf,
    nodes: Vec<Node>,
    http: reqwest::Client,
    // Held so the data dirs and logs live as long as the processes.
    _dir: tempfile::TempDir,
}

/// How a node is taken down before it is started again.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Stop {
    /// Graceful: the node tells its peers it is shutting down.
    Term,
    /// Crash: the kernel closes its sockets, the peers learn nothing more.
    Kill,
}

impl Cluster {
    /// Prepares `n` nodes (addresses, data dirs) without starting them. With
    /// `peer_ids`, each node's key is made first (`timed keygen`) and every node
    /// is told the id expected at each peer address (`--peer ID@ADDR`), as
    /// `timectl devnet up` does; without, peers are bare addresses (for builds
    /// that predate `ID@ADDR`).
    ///
    /// # Errors
    /// When the temporary directory cannot be made or a key cannot be made.
    pub(crate) fn new(timed: &Path, n: usize, peer_ids: bool) -> Result<Cluster> {
        let dir = tempfile::tempdir().wrap_err("make a temporary directory")?;
        let mut ips = Vec::with_capacity(n);
        while ips.len() < n {
            let ip = Ipv4Addr::new(
                127,
                fastrand::u8(1..=254),
                fastrand::u8(..),
                fastrand::u8(1..=254),
            );
            if !ips.contains(&ip) {
                ips.push(ip);
            }
        }
        let mut nodes = Vec::with_capacity(n);
        for (i, ip) in ips.into_iter().enumerate() {
            let data_dir = dir.path().join(format!("node{i}"));
            let id = if peer_ids {
                Some(crate::timed_bin::keygen(timed, &data_dir)?)
            } else {
                None
            };
            nodes.push(Node {
                ip,
                id,
                data_dir,
                log: dir.path().join(format!("node{i}.log")),
                child: None,
            });
        }
        let http = reqwest::Client::builder()
            .timeout(RPC_TIMEOUT)
            .build()
            .wrap_err("build the HTTP client")?;
        Ok(Cluster {
            timed: timed.to_owned(),
            nodes,
            http,
            _dir: dir,
        })
    }

    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Starts every node, back to back, each with all the others as peers.
    ///
    /// # Errors
    /// When a process cannot be spawned.
    pub(crate) fn start_all(&mut self) -> Result<()> {
        for i in 0..self.nodes.len() {
            self.start(i)?;
        }
        Ok(())
    }

    /// Starts node `i` (again) with its data dir, so its identity survives.
    ///
    /// # Errors
    /// When the process cannot be spawned.
    pub(crate) fn start(&mut self, i: usize) -> Result<()> {
        let peers: Vec<String> = self
            .nodes
            .iter()
            .enumerate()
            .filter(|&(j, _)| j != i)
            .map(|(_, n)| {
                let addr = SocketAddr::new(IpAddr::V4(n.ip), P2P_PORT);
                match &n.id {
                    Some(id) => format!("{id}@{addr}"),
                    None => addr.to_string(),
                }
            })
            .collect();
        let node = &mut self.nodes[i];
        let log = File::options()
            .create(true)
            .append(true)
            .open(&node.log)
            .wrap_err_with(|| format!("open {}", node.log.display()))?;
        let mut cmd = Command::new(&self.timed);
        cmd.arg("--network")
            .arg("bench")
            .arg("--masternode")
            .arg("--listen")
            .arg(SocketAddr::new(IpAddr::V4(node.ip), P2P_PORT).to_string())
            .arg("--rpc-bind")
            .arg(SocketAddr::new(IpAddr::V4(node.ip), RPC_PORT).to_string())
            .arg("--data-dir")
            .arg(&node.data_dir);
        for peer in &peers {
            cmd.arg("--peer").arg(peer);
        }
        let child = cmd
            .stdin(Stdio::null())
            .stdout(log.try_clone().wrap_err("clone the log file handle")?)
            .stderr(log)
            .spawn()
            .wrap_err_with(|| format!("spawn {}", self.timed.display()))?;
        node.child = Some(child);
        Ok(())
    }

    /// Stops node `i` the given way and waits until its process is gone.
    ///
    /// # Errors
    /// When the signal cannot be sent or the process outlives [`EXIT_DEADLINE`].
    pub(crate) fn stop(&mut self, i: usize, how: Stop) -> Result<()> {
        let node = &mut self.nodes[i];
        let Some(mut child) = node.child.take() else {
            bail!("node{i} is not running");
        };
        let signal = match how {
            Stop::Term => Signal::SIGTERM,
            Stop::Kill => Signal::SIGKILL,
        };
        let pid = Pid::from_raw(i32::try_from(child.id()).wrap_err("pid out of range")?);
        kill(pid, signal).wrap_err_with(|| format!("send {signal} to node{i}"))?;
        let deadline = Instant::now() + EXIT_DEADLINE;
        while child.try_wait().wrap_err("wait for the process")?.is_none() {
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                bail!("node{i} did not exit within {EXIT_DEADLINE:?} of {signal}");
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        Ok(())
    }

    /// Polls every node until all report `connected_peers == n - 1`, and returns
    /// how long that took from `since`.
    ///
    /// # Errors
    /// When `deadline` passes first, naming the nodes that were short and the log
    /// files to read.
    pub(crate) async fn wait_full_mesh(
        &mut self,
        since: Instant,
        deadline: Duration,
    ) -> Result<Duration> {
        let want = self.nodes.len() - 1;
        loop {
            let counts = self.connected_peers().await;
            if counts.iter().all(|c| *c == Some(want)) {
                return Ok(since.elapsed());
            }
            if since.elapsed() > deadline {
                self.check_alive()?;
                let short: Vec<String> = counts
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| **c != Some(want))
                    .map(|(i, c)| format!("node{i}={c:?} (log {})", self.nodes[i].log.display()))
                    .collect();
                return Err(eyre!(
                    "no full mesh of {} within {deadline:?}: {}",
                    self.nodes.len(),
                    short.join(", ")
                ));
            }
            tokio::time::sleep(POLL_EVERY).await;
        }
    }

    /// One polling round: each node's `connected_peers`, `None` where the RPC
    /// does not answer (yet).
    async fn connected_peers(&self) -> Vec<Option<usize>> {
        let polls = self.nodes.iter().map(|n| async move {
            let url = format!("http://{}:{RPC_PORT}/consensus_info", n.ip);
            let info: ConsensusInfo = self.http.get(url).send().await.ok()?.json().await.ok()?;
            Some(info.connected_peers)
        });
        join_all(polls).await
    }

    /// The sum over every node of each counter in `names` from `/metrics`
    /// (unlabelled counters), in the order given; a node that does not answer
    /// counts nothing, so a short sum says so.
    pub(crate) async fn counter_sums(&self, names: &[&str]) -> Vec<u64> {
        let polls = self.nodes.iter().map(|n| async move {
            let url = format!("http://{}:{RPC_PORT}/metrics", n.ip);
            self.http.get(url).send().await.ok()?.text().await.ok()
        });
        let mut sums = vec![0; names.len()];
        for text in join_all(polls).await.into_iter().flatten() {
            for line in text.lines() {
                let Some((name, value)) = line.split_once(' ') else {
                    continue;
                };
                if let Some(i) = names.iter().position(|n| *n == name) {
                    sums[i] += value.trim().parse::<f64>().unwrap_or(0.0) as u64;
                }
            }
        }
        sums
    }

    /// Fails if a daemon has exited on its own (bad flags, port taken).
    fn check_alive(&mut self) -> Result<()> {
        for (i, node) in self.nodes.iter_mut().enumerate() {
            if let Some(child) = node.child.as_mut()
                && let Some(status) = child.try_wait().wrap_err("poll a daemon")?
            {
                bail!("node{i} exited with {status}; see {}", node.log.display());
            }
        }
        Ok(())
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for node in &mut self.nodes {
            if let Some(mut child) = node.child.take() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}
