//! The fleet a benchmark deploys to: N nodes behind one sshd, each a clone of
//! one origin (so `git pull --ff-only` has nothing to do) holding a `timed`
//! that reports the clones' commit, and N real daemons of a devnet that the
//! fleet's restart command restarts. Shared by the comparison at four nodes and
//! the `--build-on` run at many.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;
use testkit::sshd::{self, Sshd};

/// One release: an origin repo with one commit and a daemon built to report it.
pub(crate) struct Release {
    tmp: TempDir,
    /// `timed` built to report the origin's commit.
    pub(crate) timed: PathBuf,
}

impl Release {
    /// Makes the origin and builds a daemon for it (same profile as the
    /// benchmark) beside `bin_dir`'s.
    pub(crate) fn new(bin_dir: &Path) -> Release {
        let tmp = tempfile::tempdir().expect("tempdir");
        let work = tmp.path().join("origin");
        std::fs::create_dir_all(&work).expect("mkdir");
        git(&work, &["init", "-q", "-b", "main"]);
        git(&work, &["commit", "-q", "--allow-empty", "-m", "release"]);
        let head = git(&work, &["rev-parse", "HEAD"]);
        let timed = timed_reporting(&head[..12], bin_dir, tmp.path());
        Release { tmp, timed }
    }

    fn origin(&self) -> PathBuf {
        self.tmp.path().join("origin")
    }
}

/// A running fleet; its devnet is stopped and its files removed on drop.
pub(crate) struct BenchFleet {
    // Dropped in this order: the daemons, then sshd, then the files.
    _down: testkit::devnet::Down,
    pub(crate) sshd: Sshd,
    tmp: TempDir,
    timectl: PathBuf,
    /// `node1` .. `nodeN`, the devnet's names.
    pub(crate) names: Vec<String>,
    /// The fleet file.
    pub(crate) file: PathBuf,
}

impl BenchFleet {
    /// `nodes` nodes of `release`, `min_masternodes` of them the fleet's quorum
    /// (the devnet's and the fleet file's), blocks every `block_interval`.
    pub(crate) fn new(
        timectl: &Path,
        release: &Release,
        nodes: usize,
        min_masternodes: usize,
        block_interval: &str,
    ) -> BenchFleet {
        let sshd = Sshd::start_with(&sshd::Options {
            hosts: nodes.clamp(1, sshd::MAX_HOSTS),
            ..sshd::Options::default()
        });
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path();
        let names: Vec<String> = (1..=nodes).map(|i| format!("node{i}")).collect();
        let origin = release.origin().display().to_string();
        for name in &names {
            let repo = root.join(name).join("repo");
            git(root, &["clone", "-q", &origin, &repo.display().to_string()]);
            std::fs::create_dir_all(repo.join("target/release")).expect("mkdir");
            std::fs::copy(&release.timed, repo.join("target/release/timed")).expect("binary");
        }
        let devnet = root.join("devnet");
        let file = root.join("fleet.toml");
        let min = min_masternodes.to_string();
        let down = testkit::devnet::up(
            timectl,
            &devnet,
            nodes,
            &release.timed,
            &[
                "--min-masternodes",
                &min,
                "--block-interval",
                block_interval,
            ],
        );
        let fleet = BenchFleet {
            _down: down,
            sshd,
            tmp,
            timectl: timectl.to_owned(),
            names,
            file,
        };
        fleet.write_fleet_file(min_masternodes);
        fleet
    }

    /// The scratch directory the fleet's files live in.
    pub(crate) fn root(&self) -> &Path {
        self.tmp.path()
    }

    /// The address the `i`th node's sshd answers on.
    pub(crate) fn host(&self, i: usize) -> &str {
        let hosts = self.sshd.hosts();
        &hosts[i % hosts.len()]
    }

    /// The node's checkout.
    pub(crate) fn repo(&self, name: &str) -> PathBuf {
        self.root().join(name).join("repo")
    }

    fn devnet(&self) -> PathBuf {
        self.root().join("devnet")
    }

    /// The shell command that restarts `node`'s daemon. Not serialised:
    /// `devnet restart` locks the devnet's state file only while it records
    /// the new process, so a batch's restarts run at once, as on a real fleet.
    pub(crate) fn restart(&self, node: &str) -> String {
        format!(
            "{1} devnet restart --dir {0} {node}",
            self.devnet().display(),
            self.timectl.display()
        )
    }

    fn write_fleet_file(&self, min_masternodes: usize) {
        let state: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(self.devnet().join("devnet.json")).expect("state"),
        )
        .expect("json");
        let mut text = self.sshd.fleet_toml(&[], "").replace(
            "name = \"sshtest\"",
            &format!("name = \"bench\"\nmin_masternodes = {min_masternodes}"),
        );
        write!(
            text,
            "\n[defaults.commands]\nbuild = \"true\"\nrestart = {}\nlogs = {}\n",
            toml_str(&self.restart("{node}")),
            toml_str(&format!(
                "tail -n +1 {}/{{node}}/timed.log",
                self.devnet().display()
            ))
        )
        .expect("fmt");
        for (i, name) in self.names.iter().enumerate() {
            let rpc: std::net::SocketAddr = state["nodes"][i]["rpc"]
                .as_str()
                .expect("rpc")
                .parse()
                .expect("addr");
            write!(
                text,
                "\n[[nodes]]\nname = {name:?}\nhost = {:?}\nrepo = {:?}\nrpc_host = \"{}\"\nrpc_port = {}\n",
                self.host(i),
                self.repo(name).display().to_string(),
                rpc.ip(),
                rpc.port()
            )
            .expect("fmt");
        }
        std::fs::write(&self.file, text).expect("fleet");
    }
}

/// A `timed` built (same profile as this example) to report `commit`, copied out.
fn timed_reporting(commit: &str, bin_dir: &Path, dir: &Path) -> PathBuf {
    let release = bin_dir.ends_with("release");
    let build = |commit: &str| {
        let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        cmd.args(["build", "--quiet", "-p", "timed", "--bin", "timed"])
            .env("TIMED_BUILD_COMMIT", commit);
        if release {
            cmd.arg("--release");
        }
        assert!(cmd.status().expect("cargo").success(), "building timed");
    };
    build(commit);
    let copy = dir.join("timed");
    std::fs::copy(bin_dir.join("timed"), &copy).expect("copy timed");
    build("");
    copy
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "b")
        .env("GIT_AUTHOR_EMAIL", "b@example.invalid")
        .env("GIT_COMMITTER_NAME", "b")
        .env("GIT_COMMITTER_EMAIL", "b@example.invalid")
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

pub(crate) fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}
