//! What the chain and consensus benchmarks share about a fleet of `timed`
//! processes: their network file (keys made with `timed keygen`, as an
//! operator would), starting one on loopback with its own log, and killing
//! it when dropped.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use color_eyre::eyre::{Result, WrapErr};
use tempfile::TempDir;

/// One `timed` process, killed on drop; its data dir and log live in `dir`.
pub(crate) struct Proc {
    child: Child,
    pub(crate) rpc: SocketAddr,
    /// What it wrote on stdout and stderr.
    #[allow(dead_code)] // Not every benchmark reads the logs.
    pub(crate) log: PathBuf,
    _dir: TempDir,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free port on `ip`.
pub(crate) fn free_addr(ip: Ipv4Addr) -> Result<SocketAddr> {
    Ok(TcpListener::bind((ip, 0))?.local_addr()?)
}

/// A random address in 127.0.0.0/8, so nothing else on the box collides.
pub(crate) fn loopback() -> Ipv4Addr {
    Ipv4Addr::new(
        127,
        fastrand::u8(1..=254),
        fastrand::u8(..),
        fastrand::u8(1..=254),
    )
}

/// Writes the network file of a fleet whose masternodes are `ids`, genesis now.
pub(crate) fn network_file(
    dir: &Path,
    ids: &[String],
    interval: Duration,
    min_masternodes: usize,
) -> Result<PathBuf> {
    let keys: Vec<String> = ids.iter().map(|id| format!("\"{id}\"")).collect();
    let path = dir.join("network.toml");
    std::fs::write(
        &path,
        format!(
            "name = \"bench\"\nmasternodes = [{}]\nmin_masternodes = {min_masternodes}\nblock_interval = \"{}\"\ngenesis = \"{}\"\n",
            keys.join(", "),
            humantime::format_duration(interval),
            humantime::format_rfc3339_seconds(std::time::SystemTime::now()),
        ),
    )?;
    Ok(path)
}

/// The `--peer` values naming every node but `except` as `ID@ADDR`, as an
/// operator's config does: a node then knows whom it dials before the first
/// handshake (and a retry can wait for that node's own dial).
pub(crate) fn peers_of(ids: &[String], p2p: &[SocketAddr], except: Option<usize>) -> Vec<String> {
    ids.iter()
        .zip(p2p)
        .enumerate()
        .filter(|(j, _)| Some(*j) != except)
        .map(|(_, (id, addr))| format!("{id}@{addr}"))
        .collect()
}

/// How to start one node.
pub(crate) struct Spawn<'a> {
    pub(crate) bin: &'a Path,
    pub(crate) network: &'a Path,
    pub(crate) p2p: SocketAddr,
    pub(crate) rpc: SocketAddr,
    /// `ID@ADDR` of each peer (see [`peers_of`]).
    pub(crate) peers: &'a [String],
    pub(crate) masternode: bool,
}

/// Starts a node with its data dir in `dir` (keyed beforehand when it is one
/// of the masternodes), logging to `dir/stdout.log`.
pub(crate) fn spawn(how: Spawn<'_>, dir: TempDir) -> Result<Proc> {
    let log = dir.path().join("stdout.log");
    let out = std::fs::File::create(&log)?;
    let mut cmd = Command::new(how.bin);
    cmd.arg("--network-file")
        .arg(how.network)
        .arg("--listen")
        .arg(how.p2p.to_string())
        .arg("--rpc-bind")
        .arg(how.rpc.to_string())
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .args(["--backoff-initial", "50ms", "--backoff-max", "500ms"])
        .stdin(Stdio::null())
        .stdout(out.try_clone()?)
        .stderr(out);
    if how.masternode {
        cmd.arg("--masternode");
    }
    for peer in how.peers {
        cmd.arg("--peer").arg(peer);
    }
    let child = cmd
        .spawn()
        .wrap_err_with(|| format!("spawn {}", how.bin.display()))?;
    Ok(Proc {
        child,
        rpc: how.rpc,
        log,
        _dir: dir,
    })
}
