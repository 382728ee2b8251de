//! Running the `timectl` binary from tests (to completion, or in the background
//! with its JSON lines collected), and a guard that stops a devnet however the
//! test ends.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::Value;
use testkit::sshd::Sshd;

/// Bound on four daemons meshing (or re-meshing after a restart). They take well
/// under a second here; the margin is for a loaded CI machine.
pub(crate) const MESH_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs `timectl ARGS` to completion, colour off so output can be matched.
pub(crate) fn timectl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_timectl"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run timectl")
}

/// Parses a run's stdout as JSON, showing both streams when it is not.
pub(crate) fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// The item `id` of a `check --output json` report.
pub(crate) fn item<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["items"]
        .as_array()
        .and_then(|items| items.iter().find(|i| i["id"] == id))
        .unwrap_or_else(|| panic!("no item {id} in {report:#}"))
}

/// A check item's evidence lines, one per line.
pub(crate) fn evidence(item: &serde_json::Value) -> String {
    item["evidence"]
        .as_array()
        .map(|e| {
            e.iter()
                .filter_map(serde_json::Value::as_str)
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

/// Runs `devnet down` on drop, so a failing test leaves no daemons behind.
pub(crate) struct Down(pub(crate) PathBuf);

impl Drop for Down {
    fn drop(&mut self) {
        let dir = self.0.to_string_lossy().into_owned();
        let _ = timectl(&["devnet", "down", "--dir", &dir]);
    }
}

/// A 4-node devnet of the workspace's own `timed`, in a temporary directory,
/// stopped on drop (before the directory goes).
pub(crate) struct Devnet {
    /// The devnet's directory (`fleet.toml`, `devnet.json`, one folder per node).
    pub(crate) dir: PathBuf,
    _down: Down,
    _tmp: tempfile::TempDir,
}

impl Devnet {
    /// Runs `timectl devnet up --nodes 4` plus `extra` arguments, and fails the test
    /// with timectl's stderr if it does not succeed.
    pub(crate) fn up(extra: &[&str]) -> Devnet {
        Devnet::up_sized(4, extra)
    }

    /// [`Devnet::up`] with `nodes` daemons.
    pub(crate) fn up_sized(nodes: usize, extra: &[&str]) -> Devnet {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("devnet");
        let down = Down(dir.clone());
        let dir_s = dir.display().to_string();
        let timed = super::timed::binary().display().to_string();
        let nodes = nodes.to_string();
        let mut args = vec![
            "devnet", "up", "--nodes", &nodes, "--dir", &dir_s, "--timed", &timed,
        ];
        args.extend_from_slice(extra);
        let up = timectl(&args);
        assert!(
            up.status.success(),
            "devnet up: {}",
            String::from_utf8_lossy(&up.stderr)
        );
        Devnet {
            dir,
            _down: down,
            _tmp: tmp,
        }
    }

    /// The directory as a command-line argument.
    pub(crate) fn dir_arg(&self) -> String {
        self.dir.display().to_string()
    }

    /// The devnet's fleet file as a command-line argument.
    pub(crate) fn fleet_arg(&self) -> String {
        self.dir.join("fleet.toml").display().to_string()
    }

    /// `devnet status --output json`: each daemon's name, pid and addresses.
    fn status(&self) -> Value {
        json(&timectl(&[
            "devnet",
            "status",
            "--dir",
            &self.dir_arg(),
            "--output",
            "json",
        ]))
    }

    /// The daemons' RPC addresses, node1 first.
    pub(crate) fn rpc_addrs(&self) -> Vec<SocketAddr> {
        self.addrs("rpc")
    }

    /// The daemons' P2P addresses, node1 first.
    pub(crate) fn p2p_addrs(&self) -> Vec<SocketAddr> {
        self.addrs("p2p")
    }

    /// The address `devnet status` gives in `field` for each daemon.
    fn addrs(&self, field: &str) -> Vec<SocketAddr> {
        let status = self.status();
        status["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|n| n[field].as_str().expect(field).parse().expect("addr"))
            .collect()
    }

    /// Kills the daemon of each node named in `nodes` with SIGKILL (by the pid
    /// `devnet status` reports), failing the test if one cannot be killed.
    pub(crate) fn kill(&self, nodes: &[&str]) {
        let status = self.status();
        let recorded = status["nodes"].as_array().expect("nodes");
        for name in nodes {
            let node = recorded
                .iter()
                .find(|n| n["name"] == *name)
                .unwrap_or_else(|| panic!("no {name} in {status:#}"));
            let pid = node["pid"].as_u64().expect("pid").to_string();
            let killed = Command::new("kill")
                .args(["-9", &pid])
                .status()
                .expect("kill");
            assert!(killed.success(), "kill -9 {pid} ({name})");
        }
    }

    /// A fleet file reaching the same daemons as four SSH hosts of `sshd`
    /// (`ssh1`..`ssh4` at 127.0.0.1-4), each RPC through an SSH tunnel.
    pub(crate) fn ssh_fleet(&self, sshd: &Sshd) -> String {
        let names = ["ssh1", "ssh2", "ssh3", "ssh4"];
        let nodes: Vec<(&str, SocketAddr)> = names.into_iter().zip(self.rpc_addrs()).collect();
        sshd.fleet_toml_with_rpc(&nodes)
    }
}

/// A `timectl` run in the background whose stdout is JSON lines, collected as
/// they come; killed on drop.
pub(crate) struct Running {
    child: Child,
    objects: Arc<Mutex<Vec<Value>>>,
}

impl Running {
    /// Starts `timectl --fleet FLEET ARGS`.
    pub(crate) fn start(fleet: &Path, args: &[&str]) -> Running {
        let mut child = Command::new(env!("CARGO_BIN_EXE_timectl"))
            .arg("--fleet")
            .arg(fleet)
            .args(args)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start timectl");
        let stdout = child.stdout.take().expect("stdout");
        let objects = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&objects);
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let value = serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
                sink.lock().expect("lock").push(value);
            }
        });
        Running { child, objects }
    }

    /// The JSON objects printed so far.
    pub(crate) fn snapshot(&self) -> Vec<Value> {
        self.objects.lock().expect("lock").clone()
    }

    /// Sends SIGINT, as Ctrl-C does, and waits for the exit.
    pub(crate) fn interrupt(&mut self, within: Duration) -> ExitStatus {
        let pid = Pid::from_raw(i32::try_from(self.child.id()).expect("pid"));
        kill(pid, Signal::SIGINT).expect("SIGINT");
        testkit::wait_until_blocking("timectl to exit after SIGINT", within, || {
            self.child.try_wait().expect("wait")
        })
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
