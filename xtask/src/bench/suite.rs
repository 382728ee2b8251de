//! The benchmarks: which example of which package, with which arguments in a
//! full run and in a smoke run. `{timed}` in an argument stands for the daemon
//! binary of the build being measured.

use std::path::Path;

use super::run::Mode;

/// One benchmark: an example binary and how to run it.
#[derive(Debug)]
pub(crate) struct Bench {
    /// Its name on the command line (`--only`) and in the report.
    pub(crate) name: &'static str,
    pub(crate) package: &'static str,
    pub(crate) example: &'static str,
    /// What it measures, for the report.
    pub(crate) about: &'static str,
    /// One invocation per entry.
    full: &'static [&'static [&'static str]],
    /// The smallest invocation that still goes through every phase.
    smoke: &'static [&'static str],
    /// Takes the Ansible virtualenv as its last argument, when there is one.
    takes_ansible: bool,
}

/// Stands for the daemon binary of the build in an argument.
pub(crate) const TIMED: &str = "{timed}";

const ALL: &[Bench] = &[
    Bench {
        name: "mesh",
        package: "timed",
        example: "mesh_bench",
        about: "time to a full mesh of N daemons with proven identities, and to rejoin after SIGTERM and SIGKILL",
        full: &[&["--sizes", "4,16,64", "--reps", "5", "--deadline", "120s"]],
        smoke: &["--sizes", "4", "--reps", "1"],
        takes_ansible: false,
    },
    Bench {
        name: "consensus",
        package: "timed",
        example: "consensus_bench",
        about: "final blocks per second and proposal-to-final latency of N masternodes",
        full: &[
            &["--nodes", "4", "--interval", "1s", "--secs", "20"],
            &["--nodes", "4", "--interval", "100ms", "--secs", "20"],
            &["--nodes", "16", "--interval", "1s", "--secs", "20"],
            &["--nodes", "16", "--interval", "100ms", "--secs", "20"],
            &[
                "--nodes",
                "64",
                "--interval",
                "1s",
                "--secs",
                "20",
                "--warmup",
                "240s",
            ],
            &[
                "--nodes",
                "64",
                "--interval",
                "100ms",
                "--secs",
                "20",
                "--warmup",
                "240s",
            ],
        ],
        smoke: &["--nodes", "4", "--interval", "500ms", "--secs", "2"],
        takes_ansible: false,
    },
    Bench {
        name: "chain",
        package: "timed",
        example: "chain_bench",
        about: "blocks and transactions per second under POST /tx load, and a fresh node's sync speed",
        full: &[&["--interval", "100ms", "--secs", "30"]],
        smoke: &[
            "--interval",
            "200ms",
            "--secs",
            "2",
            "--clients",
            "2",
            "--sync-height",
            "5",
        ],
        takes_ansible: false,
    },
    Bench {
        name: "rpc",
        package: "timed",
        example: "hostile_rpc_bench",
        about: "RPC latency while blocks are written, memory under a mempool flood, /health under a header siege",
        full: &[&[]],
        smoke: &[
            "--secs",
            "1",
            "--flood",
            "40",
            "--siege",
            "40",
            "--siege-rounds",
            "1",
        ],
        takes_ansible: false,
    },
    Bench {
        name: "memory",
        package: "timed",
        example: "hostile_net_bench",
        about: "resident memory of one daemon idle, with full blocks, under slow readers and squatters",
        full: &[&["--timed", TIMED, "--per-ip", "64"]],
        smoke: &[
            "--timed",
            TIMED,
            "--per-ip",
            "64",
            "--peers",
            "2",
            "--blocks",
            "1",
            "--readers",
            "1",
            "--window",
            "1s",
            "--requests",
            "10",
            "--squatters",
            "8",
        ],
        takes_ansible: false,
    },
    Bench {
        name: "channel",
        package: "timed",
        example: "channel_bench",
        about: "CPU cost of opening the encrypted channel and of the identity proofs, and its throughput",
        full: &[&["1000"]],
        smoke: &["10"],
        takes_ansible: false,
    },
    Bench {
        name: "classifier",
        package: "timecoin-shared",
        example: "classify_bench",
        about: "the log classifier's lines per second, and `timectl logs --summary` beside C-locale `grep -ciE` on one million mixed lines, paired",
        full: &[&["1000000"]],
        smoke: &["2000"],
        takes_ansible: false,
    },
    Bench {
        name: "status",
        package: "timectl",
        example: "status_bench",
        about: "`timectl status` over SSH at 4 and 100 nodes: a new process (new masters) and the rounds of one process, beside plain ssh",
        full: &[&["10"], &["5", "100"]],
        smoke: &["1"],
        takes_ansible: false,
    },
    Bench {
        name: "fleet",
        package: "timectl",
        example: "fleet_bench",
        about: "`timectl status` on devnets of 4 and 64 daemons, and how far `timectl check --window 60s` runs past its window there and over SSH at 100 nodes",
        full: &[
            &["--devnet", "4", "--window", "60s", "--runs", "10"],
            &[
                "--devnet", "64", "--ssh", "100", "--window", "60s", "--runs", "10", "--checks",
                "2",
            ],
        ],
        smoke: &[
            "--devnet", "4", "--ssh", "4", "--window", "2s", "--runs", "1",
        ],
        takes_ansible: false,
    },
    Bench {
        name: "deploy",
        package: "timectl",
        example: "deploy_bench",
        about: "a no-op `timectl deploy` of four SSH nodes beside Ansible and plain ssh, and `deploy --build-on` to 64 nodes behind one sshd, phase by phase",
        full: &[&["3", "--build-on", "64"]],
        smoke: &["1", "--build-on", "4"],
        takes_ansible: true,
    },
    Bench {
        name: "dashboard",
        package: "timectl",
        example: "tui_bench",
        about: "the dashboard's frame time at 4 and 100 nodes, idle CPU, CPU under a log flood, memory",
        full: &[&[]],
        smoke: &["2", "2", "2"],
        takes_ansible: false,
    },
];

/// The benchmarks named (all of them when none is), in the suite's order.
pub(crate) fn select(names: &[String]) -> Result<Vec<&'static Bench>, String> {
    if let Some(unknown) = names.iter().find(|n| !ALL.iter().any(|b| b.name == *n)) {
        let known: Vec<&str> = ALL.iter().map(|b| b.name).collect();
        return Err(format!(
            "no benchmark named {unknown:?} (there are: {})",
            known.join(", ")
        ));
    }
    Ok(ALL
        .iter()
        .filter(|b| names.is_empty() || names.iter().any(|n| n == b.name))
        .collect())
}

impl Bench {
    /// The argument lists of its invocations in `mode`, with the virtualenv
    /// appended where it takes one; `{timed}` still unresolved.
    pub(crate) fn command_lines(&self, mode: Mode, ansible: Option<&Path>) -> Vec<Vec<String>> {
        let lists: Vec<&[&str]> = match mode {
            Mode::Full => self.full.to_vec(),
            Mode::Smoke => vec![self.smoke],
        };
        lists
            .into_iter()
            .map(|args| {
                let mut line: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
                if let (true, Mode::Full, Some(venv)) = (self.takes_ansible, mode, ansible) {
                    line.push(venv.display().to_string());
                }
                line
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_selectable() {
        for bench in ALL {
            assert_eq!(ALL.iter().filter(|b| b.name == bench.name).count(), 1);
            assert_eq!(select(&[bench.name.to_owned()]).unwrap().len(), 1);
        }
        assert_eq!(select(&[]).unwrap().len(), ALL.len());
    }

    #[test]
    fn an_unknown_name_is_refused_with_the_known_ones() {
        let err = select(&["mesh".into(), "meshh".into()]).unwrap_err();
        assert!(
            err.contains("\"meshh\"") && err.contains("mesh, consensus"),
            "{err}"
        );
    }

    #[test]
    fn only_a_full_deploy_run_takes_the_virtualenv() {
        let deploy = select(&["deploy".into()]).unwrap()[0];
        let venv = Path::new("/v");
        assert_eq!(
            deploy.command_lines(Mode::Full, Some(venv)),
            vec![vec!["3", "--build-on", "64", "/v"]]
        );
        assert_eq!(
            deploy.command_lines(Mode::Smoke, Some(venv)),
            vec![vec!["1", "--build-on", "4"]]
        );
        let mesh = select(&["mesh".into()]).unwrap()[0];
        assert!(!mesh.command_lines(Mode::Full, Some(venv))[0].contains(&"/v".to_owned()));
    }
}
