//! Measures `timectl deploy` over SSH to nodes running real `timed` daemons: a
//! no-op deploy of four nodes beside Ansible and plain `ssh`, then (with
//! `--build-on NODES`) a no-op `deploy --build-on` to NODES nodes behind one
//! sshd, with each phase's time.
//!
//! ```text
//! cargo build --release -p timectl -p timed
//! python3 -m venv /tmp/ansible && /tmp/ansible/bin/pip install ansible-core
//! cargo run --release -p timectl --example deploy_bench [RUNS] [--build-on NODES] [ANSIBLE_VENV]
//! ```
//!
//! # Layout
//! - `fleet`: the release and the fleet both measurements deploy to.
//! - `compare`: four nodes, timectl beside Ansible and plain ssh.
//! - `build_on`: many nodes, one build shipped, restarts in quorum batches.
//! - `timing`: a command under the clock, its JSON events cut into phases.

mod build_on;
mod compare;
mod fleet;
mod timing;

use std::path::{Path, PathBuf};

/// Timed runs per tool unless given.
const DEFAULT_RUNS: usize = 3;

fn main() {
    let mut runs = None;
    let mut build_on = None;
    let mut venv = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--build-on" {
            let nodes = args.next().unwrap_or_default();
            build_on = Some(
                nodes
                    .parse::<usize>()
                    .unwrap_or_else(|e| panic!("--build-on {nodes:?}: not a node count: {e}")),
            );
        } else if runs.is_none() && venv.is_none() && arg.parse::<usize>().is_ok() {
            runs = arg.parse().ok();
        } else {
            venv = Some(PathBuf::from(arg));
        }
    }
    let runs = runs.unwrap_or(DEFAULT_RUNS);
    let bin_dir = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent()?.parent().map(Path::to_path_buf))
        .expect("target dir");
    let timectl = bin_dir.join("timectl");
    assert!(
        timectl.is_file(),
        "{} missing: cargo build --release -p timectl -p timed",
        timectl.display()
    );
    let release = fleet::Release::new(&bin_dir);
    compare::run(&timectl, &release, runs, venv.as_deref());
    if let Some(nodes) = build_on {
        assert!(
            nodes >= 2,
            "--build-on needs a builder and a node to ship to"
        );
        build_on::run(&timectl, &release, nodes, runs);
    }
}
