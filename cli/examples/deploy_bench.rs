//! Measures a no-op `timectl deploy` (nothing to pull, a no-op build, a restart
//! and the health gates) across four SSH nodes running real `timed` daemons,
//! beside the same three commands run by Ansible (`serial: 1`) and by plain
//! `ssh`, one node after another and all four in parallel.
//!
//! ```text
//! cargo build --release -p timectl -p timed
//! python3 -m venv /tmp/ansible && /tmp/ansible/bin/pip install ansible-core
//! cargo run --release -p timectl --example deploy_bench [RUNS] [ANSIBLE_VENV]
//! ```
//!
//! The orchestration overhead of a tool is its time minus the time the commands
//! themselves take one node after another (the plain serial `ssh` run); the
//! gates' waiting for a new block is part of timectl's time and printed apart.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use testkit::sshd;

/// Timed runs per tool unless given.
const DEFAULT_RUNS: usize = 3;

fn main() {
    let mut args = std::env::args().skip(1);
    let runs = args
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(DEFAULT_RUNS);
    let venv = args.next().map(PathBuf::from);
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

    let sshd = sshd::Sshd::start();
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    // One origin; each node a clone of it, so `git pull --ff-only` has nothing to do.
    let work = root.join("work");
    std::fs::create_dir_all(&work).expect("mkdir");
    git(&work, &["init", "-q", "-b", "main"]);
    git(&work, &["commit", "-q", "--allow-empty", "-m", "release"]);
    let head = git(&work, &["rev-parse", "HEAD"]);
    // A daemon that reports the repos' commit, as a build from them would.
    let timed = timed_reporting(&head[..12], &bin_dir, root);
    let names = ["node1", "node2", "node3", "node4"];
    for name in names {
        let repo = root.join(name).join("repo");
        git(
            root,
            &[
                "clone",
                "-q",
                &work.display().to_string(),
                &repo.display().to_string(),
            ],
        );
        std::fs::create_dir_all(repo.join("target/release")).expect("mkdir");
        std::fs::copy(&timed, repo.join("target/release/timed")).expect("binary");
    }
    let devnet = root.join("devnet");
    let _down = testkit::devnet::up(
        &timectl,
        &devnet,
        4,
        &timed,
        &["--min-masternodes", "3", "--block-interval", "500ms"],
    );
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(devnet.join("devnet.json")).expect("state"))
            .expect("json");
    // Serialised on a lock file: `devnet restart` rewrites the devnet's state
    // file, and two at once would lose one's record. `-o`: the daemon it starts
    // must not inherit the lock, or it would hold it for its whole life.
    let restart = |node: &str| {
        format!(
            "flock -o {0}/restart.lock {1} devnet restart --dir {0} {node}",
            devnet.display(),
            timectl.display()
        )
    };
    let fleet = root.join("fleet.toml");
    let mut text = sshd.fleet_toml(&[], "").replace(
        "name = \"sshtest\"",
        "name = \"bench\"\nmin_masternodes = 3",
    );
    write!(
        text,
        "\n[defaults.commands]\nbuild = \"true\"\nrestart = {}\nlogs = {}\n",
        toml_str(&restart("{node}")),
        toml_str(&format!(
            "tail -n +1 {}/{{node}}/timed.log",
            devnet.display()
        ))
    )
    .expect("fmt");
    for (i, name) in names.iter().enumerate() {
        let rpc: std::net::SocketAddr = state["nodes"][i]["rpc"]
            .as_str()
            .expect("rpc")
            .parse()
            .expect("addr");
        write!(
            text,
            "\n[[nodes]]\nname = {name:?}\nhost = {:?}\nrepo = {:?}\nrpc_host = \"{}\"\nrpc_port = {}\n",
            sshd::HOSTS[i],
            root.join(name).join("repo").display().to_string(),
            rpc.ip(),
            rpc.port()
        )
        .expect("fmt");
    }
    std::fs::write(&fleet, text).expect("fleet");

    // The three commands per node, as plain ssh runs them.
    let node_script = |i: usize, name: &str| {
        format!(
            "ssh {} 'cd {} && git pull -q --ff-only && true && {}'",
            sshd.ssh_args(sshd::HOSTS[i]).join(" "),
            root.join(name).join("repo").display(),
            restart(name)
        )
    };
    let serial: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(i, n)| node_script(i, n))
        .collect();
    let serial = serial.join(" && ");
    let parallel: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(i, n)| format!("{} &", node_script(i, n)))
        .collect();
    let parallel = format!("{} wait", parallel.join(" "));
    let deploy = format!(
        "{} --fleet {} deploy --yes --output json --gate-timeout 60s",
        timectl.display(),
        fleet.display()
    );
    let mut commands = vec![
        (
            "plain ssh, one node after another (the commands' own time)",
            "deploy.ssh_serial",
            serial,
        ),
        (
            "plain ssh, all four at once (no quorum, no gate; restarts serialised)",
            "deploy.ssh_parallel",
            parallel,
        ),
        (
            "timectl deploy (lock, preflight, keep, stage, restart + gate x4)",
            "deploy.timectl",
            deploy.clone(),
        ),
    ];
    if let Some(venv) = &venv {
        commands.push((
            "ansible-playbook, serial: 1 (no gate)",
            "deploy.ansible",
            ansible(venv, root, &sshd, &names, &restart),
        ));
    } else {
        println!("(no ANSIBLE_VENV given: Ansible not measured)");
    }
    let env_audit = root.join("audit.jsonl");
    println!("runs per tool: {runs}\n");
    let mut means = Vec::new();
    for (what, figure, cmd) in &commands {
        let took: Vec<Duration> = (0..runs).map(|_| time(cmd, &env_audit)).collect();
        let took_ms: Vec<f64> = took.iter().copied().map(ms).collect();
        testkit::figures::record(figure, "ms", &took_ms);
        let mean = took.iter().sum::<Duration>() / u32::try_from(runs.max(1)).unwrap_or(1);
        let min = took.iter().min().copied().unwrap_or_default();
        println!(
            "{what}\n  mean {:>8.0} ms   min {:>8.0} ms",
            ms(mean),
            ms(min)
        );
        means.push(mean);
    }
    let gate_wait = gate_seconds(&env_audit);
    println!(
        "\ntimectl's gates (restart to pass, summed over 4 nodes, last run): {gate_wait:.1} s"
    );
    let base = means[0];
    let overhead = |d: Duration| d.saturating_sub(base);
    println!("orchestration overhead over the commands' own time:");
    for ((what, _, _), mean) in commands.iter().zip(&means).skip(1) {
        println!("  {:>8.0} ms  {what}", ms(overhead(*mean)));
    }
    let beyond_gates = ms(overhead(means[2])) - gate_wait * 1000.0;
    println!("timectl's overhead beyond the commands and the gates: {beyond_gates:.0} ms");
    testkit::figures::record("deploy.gates", "ms", &[gate_wait * 1000.0]);
    testkit::figures::record("deploy.overhead", "ms", &[beyond_gates]);
    if means.len() > 3 {
        testkit::figures::record(
            "deploy.speedup_vs_ansible",
            "x",
            &[means[3].as_secs_f64() / means[2].as_secs_f64().max(1e-3)],
        );
        let t = ms(overhead(means[2]));
        let a = ms(overhead(means[3]));
        println!(
            "ansible overhead / timectl overhead: {:.1}x",
            a / t.max(1.0)
        );
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

fn ansible(
    venv: &Path,
    root: &Path,
    sshd: &sshd::Sshd,
    names: &[&str],
    restart: &dyn Fn(&str) -> String,
) -> String {
    let mut inventory = String::from("[fleet]\n");
    for (i, name) in names.iter().enumerate() {
        writeln!(
            inventory,
            "{name} ansible_host={} ansible_port={} ansible_user={} ansible_ssh_private_key_file={} repo={}",
            sshd::HOSTS[i],
            sshd.port,
            sshd.user,
            sshd.identity().display(),
            root.join(name).join("repo").display()
        )
        .expect("fmt");
    }
    writeln!(
        inventory,
        "\n[fleet:vars]\nansible_ssh_common_args='-o UserKnownHostsFile={} -o StrictHostKeyChecking=yes'\nansible_python_interpreter={}",
        sshd.known_hosts().display(),
        // The nodes are this machine: the venv's own python runs the modules
        // (discovery can pick a shim that does not run over ssh).
        venv.join("bin/python").display()
    )
    .expect("fmt");
    std::fs::write(root.join("inventory.ini"), inventory).expect("inventory");
    let playbook = format!(
        "- hosts: fleet\n  serial: 1\n  gather_facts: false\n  tasks:\n    - shell: git pull -q --ff-only\n      args: {{chdir: \"{{{{ repo }}}}\"}}\n    - shell: \"true\"\n      args: {{chdir: \"{{{{ repo }}}}\"}}\n    - shell: {}\n",
        toml_str(&restart("{{ inventory_hostname }}"))
    );
    std::fs::write(root.join("deploy.yml"), playbook).expect("playbook");
    format!(
        "ANSIBLE_HOST_KEY_CHECKING=True ANSIBLE_NOCOLOR=1 {}/bin/ansible-playbook -i {} {}",
        venv.display(),
        root.join("inventory.ini").display(),
        root.join("deploy.yml").display()
    )
}

fn gate_seconds(audit: &Path) -> f64 {
    let text = std::fs::read_to_string(audit).unwrap_or_default();
    let last: serde_json::Value = text
        .lines()
        .last()
        .and_then(|l| serde_json::from_str(l).ok())
        .unwrap_or_default();
    last["nodes"].as_array().map_or(0.0, |nodes| {
        nodes
            .iter()
            .filter_map(|n| n["rollout_secs"].as_f64())
            .sum()
    })
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

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

fn time(cmd: &str, audit: &Path) -> Duration {
    let started = Instant::now();
    let out = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .env("TIMECTL_AUDIT_LOG", audit)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "failed: {cmd}\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    started.elapsed()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
