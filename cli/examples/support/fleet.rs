//! What the fleet benchmarks share: the binaries of the build they measure
//! (beside the example), a devnet of real daemons, and a fleet of SSH nodes
//! behind one sshd whose RPCs and logs are the devnet's daemons' in turn.

use std::fmt::Write as _;
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

/// Writes `dir/fleet.toml`: `count` SSH nodes `n1`..`nN` behind `sshd`, node
/// `nK` reaching the devnet's daemons in turn, its RPC through a tunnel and its
/// log (`logs`, read by `check`) through a link `dir/nK/timed.log` to that
/// daemon's log file, its repo the devnet's. Returns the file's path.
///
/// # Panics
/// A file or link cannot be written.
pub(crate) fn ssh_fleet(sshd: &Sshd, devnet: &Devnet, count: usize, dir: &Path) -> PathBuf {
    let names: Vec<String> = (1..=count).map(|i| format!("n{i}")).collect();
    let daemons = (1..=devnet.rpcs.len()).map(|k| devnet.dir.join(format!("node{k}")));
    let mut nodes = Vec::with_capacity(count);
    for ((name, rpc), daemon) in names
        .iter()
        .zip(devnet.rpcs.iter().cycle())
        .zip(daemons.cycle())
    {
        let own = dir.join(name);
        std::fs::create_dir_all(&own).expect("node dir");
        std::os::unix::fs::symlink(daemon.join("timed.log"), own.join("timed.log"))
            .expect("log link");
        nodes.push((name.as_str(), *rpc));
    }
    let mut text = sshd.fleet_toml_with_rpc(&nodes);
    // The devnet's checkout, whose HEAD `status` and `check` compare each
    // node's running commit with, read over SSH as on a real fleet.
    let local = timecoin_shared::fleet::parse(
        &std::fs::read_to_string(devnet.fleet()).expect("devnet fleet file"),
    )
    .expect("devnet fleet file");
    if let Some(repo) = local.nodes.first().and_then(|n| n.repo.clone()) {
        text = text.replacen(
            "[defaults]\n",
            &format!("[defaults]\nrepo = {}\n", toml::Value::String(repo)),
            1,
        );
    }
    let logs = format!("tail -n +1 -F {}/{{node}}/timed.log", dir.display());
    write!(
        text,
        "\n[defaults.commands]\nlogs = {}\n",
        toml::Value::String(logs)
    )
    .expect("fmt");
    let path = dir.join("fleet.toml");
    std::fs::write(&path, text).expect("fleet file");
    path
}
