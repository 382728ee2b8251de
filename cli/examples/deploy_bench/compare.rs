//! The comparison at four nodes: a no-op `timectl deploy` (nothing to pull, a
//! no-op build, a restart and the health gates) beside the same three commands
//! run by Ansible (`serial: 1`) and by plain `ssh`, one node after another and
//! all four in parallel.
//!
//! The orchestration overhead of a tool is its time minus the time the commands
//! themselves take one node after another (the plain serial `ssh` run); the
//! gates' waiting for a new block is part of timectl's time and printed apart.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use crate::fleet::{BenchFleet, Release, toml_str};
use crate::timing::{self, ms};

/// The fleet's size: the four nodes, one restarting at a time.
const NODES: usize = 4;
const MIN_MASTERNODES: usize = 3;

/// Runs each tool `runs` times on a fresh four-node fleet of `release`; Ansible
/// too when `venv` holds it.
pub(crate) fn run(timectl: &Path, release: &Release, runs: usize, venv: Option<&Path>) {
    let fleet = BenchFleet::new(timectl, release, NODES, MIN_MASTERNODES, "500ms");
    let root = fleet.root();
    // The three commands per node, as plain ssh runs them.
    let node_script = |i: usize, name: &str| {
        format!(
            "ssh {} 'cd {} && git pull -q --ff-only && true && {}'",
            fleet.sshd.ssh_args(fleet.host(i)).join(" "),
            fleet.repo(name).display(),
            fleet.restart(name)
        )
    };
    let serial: Vec<String> = fleet
        .names
        .iter()
        .enumerate()
        .map(|(i, n)| node_script(i, n))
        .collect();
    let serial = serial.join(" && ");
    let parallel: Vec<String> = fleet
        .names
        .iter()
        .enumerate()
        .map(|(i, n)| format!("{} &", node_script(i, n)))
        .collect();
    let parallel = format!("{} wait", parallel.join(" "));
    let deploy = format!(
        "{} --fleet {} deploy --yes --output json --gate-timeout 60s",
        timectl.display(),
        fleet.file.display()
    );
    let mut commands = vec![
        (
            "plain ssh, one node after another (the commands' own time)",
            "deploy.ssh_serial",
            serial,
        ),
        (
            "plain ssh, all four at once (no quorum, no gate)",
            "deploy.ssh_parallel",
            parallel,
        ),
        (
            "timectl deploy (lock, preflight, keep, stage, restart + gate x4)",
            "deploy.timectl",
            deploy.clone(),
        ),
    ];
    if let Some(venv) = venv {
        commands.push((
            "ansible-playbook, serial: 1 (no gate)",
            "deploy.ansible",
            ansible(venv, &fleet),
        ));
    } else {
        println!("(no ANSIBLE_VENV given: Ansible not measured)");
    }
    let env_audit = root.join("audit.jsonl");
    println!("runs per tool: {runs}\n");
    let mut means = Vec::new();
    let mut gates_ms = Vec::new();
    for (what, figure, cmd) in &commands {
        let timed: Vec<timing::Timed> = (0..runs).map(|_| timing::run(cmd, &env_audit)).collect();
        if *figure == "deploy.timectl" {
            // The gates' own time, summed over the nodes as the serial run sums
            // the commands'; each run's phases for the profile.
            for (i, t) in timed.iter().enumerate() {
                let phases = t.phases();
                gates_ms.push(phases.get("gate").map_or(0.0, |g| g.node_secs * 1000.0));
                println!("timectl run {}: {:.0} ms", i + 1, ms(t.took));
                timing::print_phases(&phases);
            }
        }
        let took: Vec<Duration> = timed.iter().map(|t| t.took).collect();
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
    let gate_wait = gates_ms.iter().sum::<f64>() / gates_ms.len().max(1) as f64 / 1000.0;
    println!(
        "\ntimectl's gates (restarted to passed, summed over the nodes, mean): {gate_wait:.1} s"
    );
    let base = means[0];
    let overhead = |d: Duration| d.saturating_sub(base);
    println!("orchestration overhead over the commands' own time:");
    for ((what, _, _), mean) in commands.iter().zip(&means).skip(1) {
        println!("  {:>8.0} ms  {what}", ms(overhead(*mean)));
    }
    let beyond_gates = ms(overhead(means[2])) - gate_wait * 1000.0;
    println!("timectl's overhead beyond the commands and the gates: {beyond_gates:.0} ms");
    testkit::figures::record("deploy.gates", "ms", &gates_ms);
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

fn ansible(venv: &Path, fleet: &BenchFleet) -> String {
    let (root, sshd) = (fleet.root(), &fleet.sshd);
    let mut inventory = String::from("[fleet]\n");
    for (i, name) in fleet.names.iter().enumerate() {
        writeln!(
            inventory,
            "{name} ansible_host={} ansible_port={} ansible_user={} ansible_ssh_private_key_file={} repo={}",
            fleet.host(i),
            sshd.port,
            sshd.user,
            sshd.identity().display(),
            fleet.repo(name).display()
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
        toml_str(&fleet.restart("{{ inventory_hostname }}"))
    );
    std::fs::write(root.join("deploy.yml"), playbook).expect("playbook");
    format!(
        "ANSIBLE_HOST_KEY_CHECKING=True ANSIBLE_NOCOLOR=1 {}/bin/ansible-playbook -i {} {}",
        venv.display(),
        root.join("inventory.ini").display(),
        root.join("deploy.yml").display()
    )
}
