//! One `timed` process of the memory benchmark: its own loopback address and
//! data dir, its resident memory read from `/proc/PID/status`, its RPC polled;
//! killed on drop.

use std::fs::File;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use color_eyre::eyre::{Result, WrapErr, bail};
use timecoin_shared::rpc::{ConsensusInfo, PeerInfo};

/// P2P port of every daemon (each has its own loopback address).
pub(crate) const P2P_PORT: u16 = 24100;
/// RPC port of every daemon.
const RPC_PORT: u16 = 8332;
/// Longest wait for one RPC answer.
const RPC_TIMEOUT: Duration = Duration::from_secs(5);

/// A running daemon.
pub(crate) struct Daemon {
    pub(crate) p2p: SocketAddr,
    rpc: SocketAddr,
    child: Child,
    http: reqwest::Client,
}

impl Daemon {
    /// Starts `timed` on `ip` with the data dir `dir/data` (keyed beforehand
    /// with `timed keygen` when the node must be listed), logging to
    /// `dir/timed.log`.
    pub(crate) fn start(timed: &Path, ip: IpAddr, dir: &Path, extra: &[String]) -> Result<Daemon> {
        let p2p = SocketAddr::new(ip, P2P_PORT);
        let rpc = SocketAddr::new(ip, RPC_PORT);
        let log = File::create(dir.join("timed.log")).wrap_err("create the log")?;
        let child = Command::new(timed)
            .arg("--listen")
            .arg(p2p.to_string())
            .arg("--rpc-bind")
            .arg(rpc.to_string())
            .arg("--data-dir")
            .arg(dir.join("data"))
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(log.try_clone().wrap_err("clone the log handle")?)
            .stderr(log)
            .spawn()
            .wrap_err_with(|| format!("spawn {}", timed.display()))?;
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(RPC_TIMEOUT)
            .build()
            .wrap_err("build the HTTP client")?;
        Ok(Daemon {
            p2p,
            rpc,
            child,
            http,
        })
    }

    /// Resident memory in MiB, from `VmRSS` in `/proc/PID/status`.
    pub(crate) fn rss_mib(&self) -> Result<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .wrap_err("read /proc/PID/status")?;
        let Some(kib) = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        else {
            bail!("no VmRSS in /proc/{}/status", self.child.id());
        };
        Ok(kib / 1024.0)
    }

    pub(crate) async fn consensus(&self) -> Option<ConsensusInfo> {
        let url = format!("http://{}/consensus_info", self.rpc);
        self.http.get(url).send().await.ok()?.json().await.ok()
    }

    pub(crate) async fn peers(&self) -> Option<Vec<PeerInfo>> {
        let url = format!("http://{}/peers", self.rpc);
        self.http.get(url).send().await.ok()?.json().await.ok()
    }

    /// Submits one transaction; whether the node took it.
    pub(crate) async fn submit(&self, tx: &serde_json::Value) -> bool {
        let url = format!("http://{}/tx", self.rpc);
        let sent = self.http.post(url).json(tx).send().await;
        sent.is_ok_and(|r| r.status().is_success())
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
