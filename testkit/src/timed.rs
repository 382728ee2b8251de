//! Real `timed` processes for tests: each on its own loopback address with its
//! own data dir, killed on drop. How a daemon is started lives here only, so a
//! change to its command line (a network file, say) is made once.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use tempfile::TempDir;

use crate::net::free_addr;

/// The network name test daemons use unless told otherwise.
pub const NETWORK: &str = "testnet";

/// How to start one daemon.
#[derive(Clone, Debug)]
pub struct TimedSpec {
    /// The `timed` executable (`env!("CARGO_BIN_EXE_timed")` in the daemon's tests).
    pub bin: PathBuf,
    pub network: String,
    pub p2p: SocketAddr,
    pub rpc: SocketAddr,
    pub peers: Vec<SocketAddr>,
    /// Further flags (`--min-masternodes 2`, timing knobs).
    pub args: Vec<String>,
}

impl TimedSpec {
    /// A masternode on `ip`, P2P and RPC on free ports, dialing nobody yet.
    pub fn new(bin: impl Into<PathBuf>, ip: Ipv4Addr) -> TimedSpec {
        TimedSpec {
            bin: bin.into(),
            network: NETWORK.to_owned(),
            p2p: free_addr(ip),
            rpc: free_addr(ip),
            peers: Vec::new(),
            args: Vec::new(),
        }
    }

    /// Adds flags.
    #[must_use]
    pub fn args<I, S>(mut self, args: I) -> TimedSpec
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// The command line that starts this daemon with `data` as its data dir.
    pub fn command(&self, data: &std::path::Path) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.arg("--network")
            .arg(&self.network)
            .arg("--listen")
            .arg(self.p2p.to_string())
            .arg("--rpc-bind")
            .arg(self.rpc.to_string())
            .arg("--data-dir")
            .arg(data)
            .arg("--masternode")
            .args(&self.args);
        for peer in &self.peers {
            cmd.arg("--peer").arg(peer.to_string());
        }
        cmd.env("NO_COLOR", "1").stdin(Stdio::null());
        cmd
    }
}

/// A running daemon, killed (SIGKILL) when dropped.
#[derive(Debug)]
pub struct Timed {
    pub spec: TimedSpec,
    child: Child,
    data: TempDir,
}

impl Timed {
    /// Starts a daemon in a fresh data dir, its stdout to `stdout`, stderr
    /// discarded.
    ///
    /// # Panics
    /// The data dir cannot be made or the binary cannot be started.
    pub fn start(spec: TimedSpec, stdout: Stdio) -> Timed {
        let data = tempfile::Builder::new()
            .prefix("timed-")
            .tempdir()
            .expect("tempdir");
        Timed::start_in(spec, stdout, data)
    }

    /// Starts a daemon in an existing data dir (a restart keeps its identity and
    /// chain).
    ///
    /// # Panics
    /// The binary cannot be started.
    pub fn start_in(spec: TimedSpec, stdout: Stdio, data: TempDir) -> Timed {
        let child = spec
            .command(data.path())
            .stdout(stdout)
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", spec.bin.display()));
        Timed { spec, child, data }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The data dir.
    pub fn data_dir(&self) -> &std::path::Path {
        self.data.path()
    }

    /// Kills it and hands back its spec and data dir, for a restart.
    pub fn kill(mut self) -> (TimedSpec, TempDir) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let empty = tempfile::tempdir().expect("tempdir");
        let data = std::mem::replace(&mut self.data, empty);
        (self.spec.clone(), data)
    }
}

impl Drop for Timed {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
