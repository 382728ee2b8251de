//! Real `timed` daemons for `timectl` tests: on random 127.x.y.z addresses (so
//! concurrent runs never collide), each with its own data dir, killed on drop.
//!
//! The binary comes from [`super::timed::binary`].

use std::net::Ipv4Addr;
use std::process::{Child, Command, Stdio};

use tempfile::TempDir;

/// The daemon's default P2P and RPC ports; the random address keeps them free.
const P2P_PORT: u16 = 24100;
const RPC_PORT: u16 = 8332;

/// A random loopback address outside 127.0.0.0/24 (the sshd harness uses that).
pub fn random_ip() -> Ipv4Addr {
    Ipv4Addr::new(
        127,
        fastrand::u8(1..=254),
        fastrand::u8(0..=255),
        fastrand::u8(1..=254),
    )
}

/// A running daemon.
pub struct Timed {
    child: Child,
    pub ip: Ipv4Addr,
    pub data: TempDir,
}

impl Timed {
    /// Starts a masternode on `ip` dialing `peers`, with stdout to `stdout`.
    pub fn start(ip: Ipv4Addr, peers: &[Ipv4Addr], stdout: Stdio) -> Timed {
        let data = tempfile::Builder::new()
            .prefix("tctl-timed-")
            .tempdir()
            .expect("tempdir");
        Timed::start_in(ip, peers, stdout, data)
    }

    /// Same, reusing a data dir (a restart keeps the node's identity and chain).
    pub fn start_in(ip: Ipv4Addr, peers: &[Ipv4Addr], stdout: Stdio, data: TempDir) -> Timed {
        let mut cmd = Command::new(super::timed::binary());
        cmd.args([
            "--network",
            "logstest",
            "--masternode",
            "--min-masternodes",
            "2",
        ])
        .args(["--block-interval", "500ms"])
        .arg("--listen")
        .arg(format!("{ip}:{P2P_PORT}"))
        .arg("--rpc-bind")
        .arg(format!("{ip}:{RPC_PORT}"))
        .arg("--data-dir")
        .arg(data.path());
        for peer in peers {
            cmd.arg("--peer").arg(format!("{peer}:{P2P_PORT}"));
        }
        let child = cmd
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(Stdio::null())
            .spawn()
            .expect("start timed");
        Timed { child, ip, data }
    }

    /// Kills it (SIGKILL) and hands back its data dir for a restart.
    pub fn kill(mut self) -> TempDir {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let data = tempfile::Builder::new()
            .prefix("tctl-timed-")
            .tempdir()
            .expect("tempdir");
        std::mem::replace(&mut self.data, data)
    }
}

impl Drop for Timed {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
