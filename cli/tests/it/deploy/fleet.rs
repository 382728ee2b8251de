//! A deployable fleet: four real `timed` daemons (a devnet started through a
//! wrapper that runs whatever each node's repo built), reached over the loopback
//! sshd, each node with a git clone of one origin.
//!
//! The origin holds three commits: `old` (what runs at the start), `new` (a good
//! release) and `bad` (a release whose daemon starts but cannot join). The "build" copies a `timed` built with `TIMED_BUILD_COMMIT` set to
//! the commit, so each daemon reports the commit its repo is at, as a real build
//! would; those binaries are built once per test run.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

use super::fixture::{SshFleet, git};
use crate::support::timectl::{MESH_TIMEOUT, json, timectl};

/// The origin's commits, built once per test process.
pub(crate) struct Origin {
    /// A bare repo holding `old`, `new` and `bad` as branches.
    pub(crate) bare: PathBuf,
    pub(crate) old: String,
    pub(crate) new: String,
    pub(crate) bad: String,
}

/// What the build step runs on a node: the binary for the checked-out commit,
/// copied beside and renamed over the old one (a running binary cannot be
/// overwritten in place).
const BUILD_SH: &str = r#"set -e
c=$(git rev-parse --short=12 HEAD)
mkdir -p target/release
cp "$(cat .fixtures)/timed-$c" target/release/timed.new
mv -f target/release/timed.new target/release/timed
echo "built timed $c"
"#;

/// Stand-in for a node's installed daemon: runs what the node's repo built. A
/// repo holding `isolate` (the `bad` release) gets a daemon that starts and
/// answers its RPC but can never join: it dials no peer and listens on a port
/// nobody knows.
const WRAPPER: &str = r#"#!/bin/sh
for a; do [ "$p" = --data-dir ] && data=$a; p=$a; done
node=$(basename "$(dirname "$data")")
repo=$(cat "$(dirname "$0")/root")/$node/repo
iso=
[ -f "$repo/isolate" ] && iso=1
first=1 skip= prev=
for a; do
  [ -n "$first" ] && { set --; first=; }
  if [ -n "$skip" ]; then skip=; continue; fi
  if [ -n "$iso" ] && [ "$a" = --peer ]; then skip=1; continue; fi
  [ -n "$iso" ] && [ "$prev" = --listen ] && a=${a%:*}:0
  set -- "$@" "$a"
  prev=$a
done
exec "$repo/target/release/timed" "$@"
"#;

/// The origin and the binaries of its commits, made once.
pub(crate) fn origin() -> &'static Origin {
    static ORIGIN: OnceLock<Origin> = OnceLock::new();
    ORIGIN.get_or_init(|| {
        // Under the target dir, remade each run: a static is never dropped, so a
        // temporary directory here would outlive every run.
        let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("deploy-origin");
        let _ = std::fs::remove_dir_all(&root);
        let fixtures = root.join("bin");
        std::fs::create_dir_all(&fixtures).expect("mkdir bin");
        let work = root.join("work");
        std::fs::create_dir_all(&work).expect("mkdir work");
        git(&work, &["init", "-q", "-b", "main"]);
        std::fs::write(work.join("build.sh"), BUILD_SH).expect("build.sh");
        std::fs::write(work.join(".fixtures"), fixtures.display().to_string()).expect("fixtures");
        std::fs::write(work.join("VERSION"), "1\n").expect("version");
        git(&work, &["add", "."]);
        git(&work, &["commit", "-q", "-m", "old"]);
        let old = git(&work, &["rev-parse", "HEAD"]);
        std::fs::write(work.join("VERSION"), "2\n").expect("version");
        git(&work, &["commit", "-q", "-am", "new"]);
        let new = git(&work, &["rev-parse", "HEAD"]);
        std::fs::write(work.join("isolate"), "").expect("isolate");
        git(&work, &["add", "isolate"]);
        git(&work, &["commit", "-q", "-m", "bad: cannot join"]);
        let bad = git(&work, &["rev-parse", "HEAD"]);
        git(&work, &["branch", "old", &old]);
        git(&work, &["branch", "new", &new]);
        git(&work, &["branch", "bad", &bad]);
        let bare = root.join("origin.git");
        git(
            &root,
            &[
                "clone",
                "-q",
                "--bare",
                &work.display().to_string(),
                &bare.display().to_string(),
            ],
        );
        for commit in [&old, &new, &bad] {
            build_timed_at(&commit[..12], &fixtures);
        }
        Origin {
            bare,
            old,
            new,
            bad,
        }
    })
}

/// Builds `timed` reporting `commit` and copies it into `fixtures` as
/// `timed-COMMIT`; its path. In a target dir of its own: the other tests of this
/// binary run `target/debug/timed` meanwhile, and must never find it swapped for
/// a build that reports another commit.
pub(crate) fn build_timed_at(commit: &str, fixtures: &Path) -> PathBuf {
    let target = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("deploy-fixture-build");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args([
            "build", "--quiet", "--locked", "-p", "timed", "--bin", "timed",
        ])
        .arg("--target-dir")
        .arg(&target)
        .env("TIMED_BUILD_COMMIT", commit)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("cargo build -p timed");
    assert!(status.success(), "building timed at {commit:?}");
    let copy = fixtures.join(format!("timed-{commit}"));
    std::fs::copy(target.join("debug").join("timed"), &copy).expect("copy timed");
    // Stripped: every node keeps two copies, and a debug build is ~100 MB.
    let stripped = Command::new("strip")
        .arg(&copy)
        .status()
        .expect("run strip (binutils)");
    assert!(stripped.success(), "strip {}", copy.display());
    copy
}

/// Four nodes running `old`, their origin's `main` at `release`.
pub(crate) struct DeployFleet {
    /// First, so the daemons stop before the directories go.
    _down: testkit::devnet::Down,
    pub(crate) ssh: SshFleet,
    pub(crate) fleet: String,
    pub(crate) devnet: PathBuf,
    pub(crate) audit: PathBuf,
}

/// Node names, as the devnet names them.
pub(crate) const NODES: [&str; 4] = ["node1", "node2", "node3", "node4"];

impl DeployFleet {
    /// Clones the origin per node at `old`, builds, starts the daemons (a devnet
    /// of 4, minimum 3) and waits until they mesh; the origin's `main` is then
    /// moved to `release`.
    pub(crate) fn start(release: &str) -> DeployFleet {
        DeployFleet::start_with(release, |_| String::new())
    }

    /// Same, with extra lines in a node's table (e.g. its own commands).
    pub(crate) fn start_with(release: &str, node_extra: impl Fn(&str) -> String) -> DeployFleet {
        let origin = origin();
        let ssh = SshFleet::start();
        let root = ssh.dir.path();
        let bare = root.join("origin.git");
        git(
            root,
            &[
                "clone",
                "-q",
                "--bare",
                &origin.bare.display().to_string(),
                &bare.display().to_string(),
            ],
        );
        git(&bare, &["update-ref", "refs/heads/main", &origin.old]);
        for node in NODES {
            let repo = root.join(node).join("repo");
            git(
                root,
                &[
                    "clone",
                    "-q",
                    &bare.display().to_string(),
                    &repo.display().to_string(),
                ],
            );
            let built = Command::new("sh")
                .arg("build.sh")
                .current_dir(&repo)
                .output()
                .expect("sh build.sh");
            assert!(built.status.success(), "{built:?}");
        }
        git(&bare, &["update-ref", "refs/heads/main", release]);
        let bin = root.join("bin");
        std::fs::create_dir_all(&bin).expect("mkdir bin");
        std::fs::write(bin.join("root"), root.display().to_string()).expect("root");
        let wrapper = bin.join("timed");
        std::fs::write(&wrapper, WRAPPER).expect("wrapper");
        let chmod = Command::new("chmod")
            .arg("+x")
            .arg(&wrapper)
            .status()
            .expect("chmod");
        assert!(chmod.success());
        let devnet = root.join("devnet");
        let devnet_s = devnet.display().to_string();
        let down = testkit::devnet::up(
            env!("CARGO_BIN_EXE_timectl").as_ref(),
            &devnet,
            4,
            &wrapper,
            &["--min-masternodes", "3", "--block-interval", "500ms"],
        );
        let status = json(&timectl(&[
            "devnet", "status", "--dir", &devnet_s, "--output", "json",
        ]));
        let fleet = write_fleet(&ssh, &devnet, &status, &node_extra);
        let deploy = DeployFleet {
            _down: down,
            audit: root.join("audit.jsonl"),
            ssh,
            fleet,
            devnet,
        };
        deploy.wait_meshed();
        deploy
    }

    /// Waits until every node sees all four masternodes.
    pub(crate) fn wait_meshed(&self) {
        testkit::wait_until_blocking("four meshed nodes", MESH_TIMEOUT, || {
            let report: Value = serde_json::from_slice(
                &timectl(&["--fleet", &self.fleet, "status", "--output", "json"]).stdout,
            )
            .ok()?;
            let nodes = report["nodes"].as_array()?;
            nodes
                .iter()
                .all(|n| n["active_masternodes"] == 4)
                .then_some(())
        });
    }

    /// Each daemon's pid, from the devnet's record (a restart changes it).
    pub(crate) fn pids(&self) -> Vec<u64> {
        let devnet = self.devnet.display().to_string();
        nodes(&["devnet", "status", "--dir", &devnet, "--output", "json"])
            .iter()
            .map(|n| match n["running"] == true {
                true => n["pid"].as_u64().unwrap_or(0),
                false => 0,
            })
            .collect()
    }

    /// A node's repo HEAD.
    pub(crate) fn head(&self, node: &str) -> String {
        git(
            &self.ssh.dir.path().join(node).join("repo"),
            &["rev-parse", "HEAD"],
        )
    }

    /// What each node's RPC says it runs, by `status`.
    pub(crate) fn running(&self) -> Vec<String> {
        nodes(&["--fleet", &self.fleet, "status", "--output", "json"])
            .iter()
            .map(|n| n["commit"].as_str().unwrap_or("down").to_owned())
            .collect()
    }

    /// Whether every node's RPC says it runs `commit`.
    pub(crate) fn all_run(&self, commit: &str) -> bool {
        self.running()
            .iter()
            .all(|c| commit.starts_with(c.as_str()))
    }

    /// Runs `timectl --fleet F deploy ARGS` with the local audit log in the test dir.
    pub(crate) fn timectl(&self, args: &[&str]) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_timectl"))
            .arg("--fleet")
            .arg(&self.fleet)
            .args(args)
            .env("NO_COLOR", "1")
            .env("TIMECTL_AUDIT_LOG", &self.audit)
            .output()
            .expect("run timectl")
    }
}

/// The `nodes` array of the JSON report `timectl ARGS` prints.
fn nodes(args: &[&str]) -> Vec<Value> {
    json(&timectl(args))["nodes"]
        .as_array()
        .expect("nodes")
        .clone()
}

fn write_fleet(
    ssh: &SshFleet,
    devnet: &Path,
    status: &Value,
    node_extra: &dyn Fn(&str) -> String,
) -> String {
    let timectl_bin = env!("CARGO_BIN_EXE_timectl");
    let devnet_s = devnet.display().to_string();
    let head = format!(
        "\n[defaults.commands]\nbuild = \"sh build.sh\"\nrestart = {}\nlogs = {}\n",
        toml_str(&format!(
            "{timectl_bin} devnet restart --dir {devnet_s} {{node}}"
        )),
        toml_str(&format!("tail -n +1 {devnet_s}/{{node}}/timed.log")),
    );
    let nodes = status["nodes"].as_array().expect("devnet nodes").clone();
    let mut text = ssh.sshd.fleet_toml(&[], "");
    text = text.replace(
        "name = \"sshtest\"",
        "name = \"deploytest\"\nmin_masternodes = 3",
    );
    text.push_str(&head);
    for (i, node) in NODES.iter().enumerate() {
        let rpc: std::net::SocketAddr = nodes[i]["rpc"]
            .as_str()
            .expect("rpc")
            .parse()
            .expect("addr");
        text.push_str(&format!(
            "\n[[nodes]]\nname = {node:?}\nhost = {:?}\nrepo = {:?}\nrpc_host = \"{}\"\nrpc_port = {}\n{}\n",
            testkit::sshd::HOSTS[i],
            ssh.dir.path().join(node).join("repo").display().to_string(),
            rpc.ip(),
            rpc.port(),
            node_extra(node)
        ));
    }
    let path = ssh.dir.path().join("deploy-fleet.toml");
    std::fs::write(&path, text).expect("write fleet");
    path.display().to_string()
}

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}
