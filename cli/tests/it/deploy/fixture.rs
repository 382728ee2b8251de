//! A fleet of four SSH "hosts" (one sshd on 127.0.0.1-4), each node with its own
//! git repo, written as a fleet file.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use testkit::sshd::Sshd;

/// Node names, in fleet order.
pub(crate) const NODES: [&str; 4] = ["n1", "n2", "n3", "n4"];

/// Runs git in `dir`, failing the test with its stderr.
pub(crate) fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?} in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Four nodes behind one sshd, each with a repo at `DIR/<node>/repo`.
pub(crate) struct SshFleet {
    pub(crate) sshd: Sshd,
    pub(crate) dir: tempfile::TempDir,
}

impl SshFleet {
    /// Starts sshd and makes an empty committed repo per node.
    pub(crate) fn start() -> SshFleet {
        let sshd = Sshd::start();
        let dir = tempfile::Builder::new()
            .prefix("tctl-deploy-")
            .tempdir()
            .expect("tempdir");
        for node in NODES {
            let repo = dir.path().join(node).join("repo");
            std::fs::create_dir_all(&repo).expect("mkdir repo");
            git(&repo, &["init", "-q", "-b", "main"]);
            git(&repo, &["commit", "-q", "--allow-empty", "-m", "start"]);
        }
        SshFleet { sshd, dir }
    }

    /// A node's repo.
    pub(crate) fn repo(&self, node: &str) -> PathBuf {
        self.dir.path().join(node).join("repo")
    }

    /// Writes a fleet file of the four nodes; `per_node` adds lines to a node's
    /// table (after `repo`), `head` lines to the top (e.g. `[defaults.commands]`).
    pub(crate) fn write_fleet(&self, head: &str, per_node: impl Fn(&str) -> String) -> String {
        let mut text = self.sshd.fleet_toml(&[], "");
        text.push_str(head);
        for (i, node) in NODES.iter().enumerate() {
            write!(
                text,
                "\n[[nodes]]\nname = {node:?}\nhost = {:?}\nrepo = {:?}\n{}\n",
                testkit::sshd::HOSTS[i],
                self.repo(node).display().to_string(),
                per_node(node)
            )
            .expect("fmt");
        }
        let path = self.dir.path().join("fleet.toml");
        std::fs::write(&path, text).expect("write fleet");
        path.display().to_string()
    }

    /// The node's timectl state directory (in its git dir).
    pub(crate) fn state_dir(&self, node: &str) -> PathBuf {
        self.repo(node).join(".git").join("timectl")
    }
}
