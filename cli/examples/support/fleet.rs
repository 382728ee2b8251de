//! What the fleet benchmarks share: the binaries of the build they measure
//! (beside the example), a devnet of real daemons, and a fleet of SSH nodes
//! behind one sshd whose RPCs and logs are the devnet's daemons' in turn.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use testkit::sshd::{self, Sshd};

/// `timectl` and `timed` of the profile this example was built in.
pub(crate) struct Binaries {
    pub(crate) timectl: PathBuf,
    pub(crate) timed: PathBuf,
}

/// The binaries beside this example's directory.
///
/// # Panics
/// One is missing: the benchmarks measure the build, they do not make it.
pub(crate) fn binaries() -> Binaries {
    let dir = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent()?.parent().map(Path::to_path_buf))
        .expect("target dir");
    let found = Binaries {
        timectl: dir.join("timectl"),
        timed: dir.join("timed"),
    };
    for bin in [&found.timectl, &found.timed] {
        assert!(
            bin.is_file(),
            "{} missing: cargo build --release -p timectl -p timed",
            bin.display()
        );
    }
    found
}

/// A devnet in a directory of its own, stopped on drop.
pub(crate) struct Devnet {
    /// `fleet.toml`, `devnet.json` and a folder per node (`nodeK/timed.log`).
    pub(crate) dir: PathBuf,
    /// The daemons' RPC addresses, node1 first.
    pub(crate) rpcs: Vec<SocketAddr>,
    _down: testkit::devnet::Down,
}

impl Devnet {
    /// `timectl devnet up --nodes NODES` in `dir` plus `extra` arguments.
    ///
    /// # Panics
    /// The devnet does not come up, or its state file cannot be read.
    pub(crate) fn up(bins: &Binaries, dir: &Path, nodes: usize, extra: &[&str]) -> Devnet {
        let down = testkit::devnet::up(&bins.timectl, dir, nodes, &bins.timed, extra);
        let state: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join("devnet.json")).expect("devnet state"),
        )
        .expect("devnet state json");
        let rpcs = state["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|n| n["rpc"].as_str().expect("rpc").parse().expect("addr"))
            .collect();
        Devnet {
            dir: dir.to_owned(),
            rpcs,
            _down: down,
        }
    }

    /// The devnet's own fleet file (local transport).
    pub(crate) fn fleet(&self) -> PathBuf {
        self.dir.join("fleet.toml")
    }
}

/// One sshd for `count` nodes: at its test defaults (four addresses) for up to
/// four, else at every address it can listen on with `MaxStartups` and
/// `MaxSessions` at OpenSSH's defaults, as a jump host would be.
pub(crate) fn sshd_for(count: usize) -> Sshd {
    if count > sshd::HOSTS.len() {
        Sshd::start_with(&sshd::Options {
            hosts: sshd::MAX_HOSTS,
            max_startups: "10:30:100".into(),
            max_sessions: 10,
        })
    } else {
        Sshd::start()
    }
}

/// The fleet file text of `count` SSH nodes `n1`..`nN` behind `sshd`, node
/// `nK` reaching the devnet's daemons in turn (`node1`, `node2`, ... and from
/// `node1` again), its RPC through a tunnel.
pub(crate) fn ssh_fleet(sshd: &Sshd, devnet: &Devnet, count: usize) -> String {
    let names: Vec<String> = (1..=count).map(|i| format!("n{i}")).collect();
    let nodes: Vec<(&str, SocketAddr)> = names
        .iter()
        .map(String::as_str)
        .zip(devnet.rpcs.iter().copied().cycle())
        .collect();
    sshd.fleet_toml_with_rpc(&nodes)
}
