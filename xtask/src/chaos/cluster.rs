//! The hosts of a chaos run: the project's lab (`testkit::lab`) booted on
//! 10.77.0.0/24, each host running `timed` under systemd from a clone of this
//! repository, plus what the operator's deploy needs: a bare clone with a second
//! commit (this one with an empty commit on top) and a daemon binary for each
//! commit, built once here. The deploy's build step on a host picks the binary
//! of the commit it pulled, so `timectl deploy` pulls, "builds", restarts and
//! gates for real without compiling on every host.
//!
//! Each host's daemon runs under libfaketime reading an offset file, so the
//! clock of one host's daemon can be stepped: containers share this machine's
//! kernel clock, which no namespace can offset (time namespaces cover only the
//! monotonic and boot clocks).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use tempfile::TempDir;
use testkit::lab::Lab;
use testkit::lab_timed;

use crate::command::{cargo, output, target_dir};

/// The bridge every run uses: its own namespaces only, never this machine's.
const NET: &str = "10.77.0";
/// Where the bare repository, the binaries and the clone appear on each host.
const ORIGIN: &str = "/srv/timecoin.git";
const BINARIES: &str = "/srv/chaos-bin";
const REPO: &str = "/srv/timecoin";
const DATA: &str = "/var/lib/timed";
const NETWORK_FILE: &str = "/etc/timed-network.toml";
/// The offset file libfaketime reads (`+0`, `+0.5`, `-0.5`, `+3`).
pub(crate) const CLOCK_FILE: &str = "/run/timed-clock";
/// The branch each host tracks in the bare repository.
const BRANCH: &str = "chaos-run";
/// Block interval of the lab network: short, so ten minutes hold hundreds of blocks.
pub(crate) const BLOCK_INTERVAL_SECS: u64 = 2;

/// A booted fleet.
pub(crate) struct Cluster {
    /// Declared before the scratch dir: hosts go down before their binds vanish.
    pub(crate) lab: Lab,
    pub(crate) ids: Vec<String>,
    /// Masternodes needed for a block (`min_masternodes`): two thirds and one.
    pub(crate) quorum: usize,
    pub(crate) timectl: PathBuf,
    pub(crate) fleet: PathBuf,
    bare: PathBuf,
    /// The commit the hosts start on, and the one the deploy brings.
    pub(crate) head: String,
    pub(crate) next: String,
    /// Seconds spent building the daemons, and booting the hosts and starting them.
    pub(crate) build_secs: f64,
    pub(crate) boot_secs: f64,
    _scratch: TempDir,
}

fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let mut cmd = Command::new("git");
    cmd.arg("-C").arg(dir).args(args);
    Ok(output(cmd, &format!("git {}", args.join(" ")))?
        .trim()
        .to_owned())
}

/// Whether tracked files differ from HEAD (then a cached build may be stale).
fn dirty(workspace: &Path) -> Result<bool, String> {
    Ok(!git(
        workspace,
        &["status", "--porcelain", "--untracked-files=no"],
    )?
    .is_empty())
}

/// `timed` built from this workspace, labelled `commit` when given. The build
/// labelled for the next commit is kept under `target/chaos/bin` (a clean tree
/// builds it once); the workspace's own `target/debug/timed` then carries that
/// label until the next plain `cargo build`, which rebuilds it.
fn build_daemon(
    workspace: &Path,
    target: &Path,
    commit: Option<&str>,
    into: &Path,
) -> Result<(), String> {
    let mut cmd = cargo();
    cmd.current_dir(workspace)
        .args(["build", "-q", "-p", "timed", "-p", "timectl"]);
    match commit {
        Some(c) => cmd.env("TIMED_BUILD_COMMIT", c),
        None => cmd.env_remove("TIMED_BUILD_COMMIT"),
    };
    output(cmd, "cargo build -p timed")?;
    std::fs::copy(target.join("debug/timed"), into)
        .map_err(|e| format!("copy timed to {}: {e}", into.display()))?;
    Ok(())
}

/// libfaketime's thread-safe build, wherever Debian put it for this architecture.
fn faketime_library() -> Result<PathBuf, String> {
    std::fs::read_dir("/usr/lib")
        .map_err(|e| format!("/usr/lib: {e}"))?
        .flatten()
        .map(|d| d.path().join("faketime/libfaketimeMT.so.1"))
        .find(|p| p.exists())
        .ok_or_else(|| "libfaketime not found: apt-get install libfaketime".to_owned())
}

/// Masternodes needed so that any two quorums share an honest node: 2f + 1 of
/// 3f + 1 and more (4 of 5, 5 of 7, 6 of 8; 3 of 4).
pub(crate) fn quorum(nodes: usize) -> usize {
    nodes - (nodes - 1) / 3
}

impl Cluster {
    /// Builds the binaries, boots `n` hosts and waits for their mesh.
    pub(crate) fn up(workspace: &Path, n: usize) -> Result<Cluster, String> {
        let building = Instant::now();
        let faketime = faketime_library()?;
        let target = target_dir(workspace)?;
        for tool in ["nft", "curl"] {
            output(
                {
                    let mut c = Command::new("sh");
                    c.args(["-c", &format!("command -v {tool}")]);
                    c
                },
                &format!("{tool} not found (apt-get install nftables curl)"),
            )?;
        }
        let scratch = tempfile::Builder::new()
            .prefix("chaos-")
            .tempdir()
            .map_err(|e| format!("tempdir: {e}"))?;
        let bare = scratch.path().join("timecoin.git");
        let bin = scratch.path().join("bin");
        std::fs::create_dir_all(&bin).map_err(|e| format!("{}: {e}", bin.display()))?;
        let head = git(workspace, &["rev-parse", "HEAD"])?;
        git(
            scratch.path(),
            &[
                "clone",
                "-q",
                "--bare",
                &workspace.display().to_string(),
                "timecoin.git",
            ],
        )?;
        git(
            &bare,
            &["update-ref", &format!("refs/heads/{BRANCH}"), &head],
        )?;
        // Dated as HEAD, so one HEAD always gets the same next commit (and its
        // cached binary).
        let date = git(workspace, &["log", "-1", "--format=%cI", &head])?;
        let mut commit = Command::new("git");
        commit
            .arg("-C")
            .arg(&bare)
            .args(["commit-tree", &format!("{head}^{{tree}}"), "-p", &head])
            .args(["-m", "chaos: the same tree, one commit on, for the deploy"])
            .env("GIT_AUTHOR_NAME", "chaos")
            .env("GIT_AUTHOR_EMAIL", "chaos@localhost")
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_NAME", "chaos")
            .env("GIT_COMMITTER_EMAIL", "chaos@localhost")
            .env("GIT_COMMITTER_DATE", &date);
        let next = output(commit, "git commit-tree")?.trim().to_owned();
        build_daemon(
            workspace,
            &target,
            None,
            &bin.join(format!("timed-{}", &head[..12])),
        )?;
        let cached = target.join(format!("chaos/bin/timed-{}", &next[..12]));
        if !cached.exists() || dirty(workspace)? {
            std::fs::create_dir_all(cached.parent().unwrap_or(workspace))
                .map_err(|e| format!("{}: {e}", cached.display()))?;
            build_daemon(workspace, &target, Some(&next[..12]), &cached)?;
        }
        std::fs::copy(&cached, bin.join(format!("timed-{}", &next[..12])))
            .map_err(|e| format!("copy {}: {e}", cached.display()))?;

        let build_secs = building.elapsed().as_secs_f64();
        eprintln!("chaos: daemons built in {build_secs:.1} s; booting {n} hosts");
        let booting = Instant::now();
        let lab = Lab::up_on(NET, n, &[(&bare, ORIGIN, false), (&bin, BINARIES, false)]);
        let install = format!(
            "mkdir -p target/release && cp {BINARIES}/timed-$(git rev-parse --short=12 HEAD) target/release/timed.new && mv -f target/release/timed.new target/release/timed"
        );
        let mut ids = Vec::new();
        for i in 1..=n {
            let id = ssh_ok(
                &lab,
                i,
                &format!(
                    "git clone -q -b {BRANCH} {ORIGIN} {REPO} && cd {REPO} && {install} && \
                     target/release/timed keygen --data-dir {DATA}"
                ),
            )?;
            ids.push(id.trim().to_owned());
        }
        let quorum = quorum(n);
        let network =
            lab_timed::network_file("chaos", &ids, quorum, &format!("{BLOCK_INTERVAL_SECS}s"));
        // Restarted after a kill as in production; the clock is libfaketime's.
        let service = format!(
            "Environment=LD_PRELOAD={} FAKETIME_TIMESTAMP_FILE={CLOCK_FILE} \
             FAKETIME_CACHE_DURATION=1 DONT_FAKE_MONOTONIC=1\nRestart=on-failure\nRestartSec=1\n",
            faketime.display()
        );
        for i in 1..=n {
            let unit = lab_timed::unit(&lab_timed::Daemon {
                binary: &format!("{REPO}/target/release/timed"),
                network_file: NETWORK_FILE,
                data_dir: DATA,
                ip: lab.ip(i),
                peers: (1..=n).filter(|j| *j != i).map(|j| lab.ip(j)).collect(),
                service: &service,
            });
            ssh_ok(
                &lab,
                i,
                &format!(
                    "echo +0 > {CLOCK_FILE} && cat > {NETWORK_FILE} <<'EOF'\n{network}EOF\n\
                     cat > /etc/systemd/system/timed.service <<'EOF'\n{unit}EOF\n\
                     systemctl daemon-reload && systemctl enable -q --now timed"
                ),
            )?;
        }
        let fleet = lab.dir().join("fleet.toml");
        let mut text = format!(
            "[fleet]\nname = \"chaos\"\nmin_masternodes = {quorum}\n\n[defaults]\nuser = \"root\"\n\
             identity = {:?}\nknown_hosts = {:?}\nrepo = \"{REPO}\"\n\n[defaults.commands]\n\
             build = {:?}\nrestart = \"systemctl restart {{service}}\"\n",
            lab.key().display().to_string(),
            lab.known_hosts().display().to_string(),
            install
        );
        for i in 1..=n {
            text.push_str(&format!(
                "\n[[nodes]]\nname = \"n{i}\"\nhost = \"{}\"\n",
                lab.ip(i)
            ));
        }
        std::fs::write(&fleet, text).map_err(|e| format!("{}: {e}", fleet.display()))?;
        Ok(Cluster {
            lab,
            ids,
            quorum,
            timectl: target.join("debug/timectl"),
            fleet,
            bare,
            head,
            next,
            build_secs,
            boot_secs: booting.elapsed().as_secs_f64(),
            _scratch: scratch,
        })
    }

    pub(crate) fn nodes(&self) -> usize {
        self.ids.len()
    }

    /// Runs `script` as root on host `i` (1-based).
    pub(crate) fn ssh(&self, i: usize, script: &str) -> Result<String, String> {
        ssh_ok(&self.lab, i, script)
    }

    /// Moves the branch the hosts pull to `commit`.
    pub(crate) fn publish(&self, commit: &str) -> Result<(), String> {
        git(
            &self.bare,
            &["update-ref", &format!("refs/heads/{BRANCH}"), commit],
        )
        .map(drop)
    }

    /// `timectl --fleet FLEET ARGS` from the controller namespace.
    pub(crate) fn timectl(&self, args: &[&str]) -> Command {
        let mut cmd = self.lab.ctl(&self.timectl.display().to_string());
        cmd.arg("--fleet")
            .arg(&self.fleet)
            .args(args)
            .env("TIMECTL_AUDIT_LOG", self.lab.dir().join("audit.jsonl"))
            .stdin(Stdio::null());
        cmd
    }
}

fn ssh_ok(lab: &Lab, i: usize, script: &str) -> Result<String, String> {
    let started = Instant::now();
    let out = lab.ssh(i, script);
    if out.status.success() {
        return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
    }
    Err(format!(
        "n{i} ({:.1} s): {}: {}{}",
        started.elapsed().as_secs_f64(),
        script.lines().next().unwrap_or(""),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    ))
}

#[cfg(test)]
mod tests {
    use super::quorum;

    #[test]
    fn a_quorum_is_two_thirds_and_one() {
        let q: Vec<usize> = (4..=8).map(quorum).collect();
        assert_eq!(q, vec![3, 4, 5, 5, 6]);
    }
}
