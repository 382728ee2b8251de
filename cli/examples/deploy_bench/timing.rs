//! Running a command under the clock, stamping each line of its output as it
//! arrives: `timectl deploy --output json` prints one event per line as the
//! engine emits it, so the stamps give each phase's span on the wall clock
//! (the events carry only each step's own duration).

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader, Read as _};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A finished command: how long it took and its stdout's lines, each with the
/// time since the start it was read at.
pub(crate) struct Timed {
    pub(crate) took: Duration,
    lines: Vec<(Duration, String)>,
}

/// Runs `cmd` with `sh -c`, the deploy audit log going to `audit`.
///
/// # Panics
/// The command fails (its output in the message).
pub(crate) fn run(cmd: &str, audit: &Path) -> Timed {
    let started = Instant::now();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .env("TIMECTL_AUDIT_LOG", audit)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run");
    let mut stderr = child.stderr.take().expect("stderr");
    // Drained beside stdout so a chatty command cannot block on a full pipe.
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let lines: Vec<(Duration, String)> = BufReader::new(child.stdout.take().expect("stdout"))
        .lines()
        .map_while(Result::ok)
        .map(|line| (started.elapsed(), line))
        .collect();
    let status = child.wait().expect("wait");
    let took = started.elapsed();
    let stderr = errors.join().unwrap_or_default();
    let text: Vec<&str> = lines.iter().map(|(_, l)| l.as_str()).collect();
    assert!(
        status.success(),
        "failed: {cmd}\n{}\n{stderr}",
        text.join("\n")
    );
    Timed { took, lines }
}

/// One step's span over every node: from the first node starting it to the
/// last finishing it, and the sum of the nodes' own durations.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Phase {
    pub(crate) first_start: Option<Duration>,
    pub(crate) last_end: Duration,
    /// Seconds summed over the nodes (the events' `secs`).
    pub(crate) node_secs: f64,
    pub(crate) nodes: usize,
}

impl Phase {
    /// The wall-clock span in milliseconds.
    pub(crate) fn span_ms(&self) -> f64 {
        let start = self.first_start.unwrap_or(self.last_end);
        self.last_end.saturating_sub(start).as_secs_f64() * 1000.0
    }
}

impl Timed {
    /// The deploy's phases by step name, from its JSON events.
    pub(crate) fn phases(&self) -> BTreeMap<String, Phase> {
        let mut phases: BTreeMap<String, Phase> = BTreeMap::new();
        for (at, line) in &self.lines {
            let Ok(event) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            let Some(step) = event["step"].as_str() else {
                continue;
            };
            let phase = phases.entry(step.to_owned()).or_default();
            match event["event"].as_str() {
                Some("started") => {
                    phase.first_start.get_or_insert(*at);
                }
                Some("finished") => {
                    phase.last_end = *at;
                    phase.node_secs += event["secs"].as_f64().unwrap_or(0.0);
                    phase.nodes += 1;
                }
                _ => {}
            }
        }
        phases
    }

    /// The restart batches the deploy announced.
    pub(crate) fn batches(&self) -> Vec<usize> {
        self.lines
            .iter()
            .filter_map(|(_, line)| serde_json::from_str::<serde_json::Value>(line).ok())
            .find(|event| event["event"] == "plan")
            .and_then(|plan| {
                plan["batches"].as_array().map(|b| {
                    b.iter()
                        .filter_map(|x| x.as_array().map(Vec::len))
                        .collect()
                })
            })
            .unwrap_or_default()
    }
}

/// Milliseconds.
pub(crate) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The order phases run in, for tables.
pub(crate) const ORDER: [&str; 10] = [
    "connect",
    "lock",
    "preflight",
    "keep",
    "pull",
    "build",
    "ship",
    "restart",
    "gate",
    "release",
];

/// Prints each phase's wall span and per-node sum.
pub(crate) fn print_phases(phases: &BTreeMap<String, Phase>) {
    println!("  phase       span ms   node-sum ms  nodes");
    for name in ORDER {
        if let Some(p) = phases.get(name) {
            println!(
                "  {name:<10} {:>8.0} {:>13.0} {:>6}",
                p.span_ms(),
                p.node_secs * 1000.0,
                p.nodes
            );
        }
    }
}
