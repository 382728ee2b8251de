//! `deploy --build-on` to a fleet of many nodes: one node builds, its binary is
//! shipped to every other node and checked there, and the nodes restart in the
//! batches the quorum allows, each gated. A no-op release (nothing to pull, a
//! no-op build, the same binary), so the time is the engine's and the fleet's.
//! The goal (issue 26): under 60 s at 64 nodes, with the time of each phase.

use std::path::Path;

use crate::fleet::{BenchFleet, Release};
use crate::timing::{self, ms};

/// The fleet's quorum for `nodes`: three quarters of them, so a quarter
/// restarts at once (one at a time at four nodes).
fn min_masternodes(nodes: usize) -> usize {
    nodes - nodes / 4
}

/// Staging and shipping at once: one wave for a fleet of this size behind one
/// sshd.
const PARALLEL: usize = 16;

/// Deploys `release` to a fresh fleet of `nodes` nodes `runs` times.
pub(crate) fn run(timectl: &Path, release: &Release, nodes: usize, runs: usize) {
    let fleet = BenchFleet::new(timectl, release, nodes, min_masternodes(nodes), "500ms");
    let deploy = format!(
        "{} --fleet {} deploy --yes --output json --gate-timeout 60s --build-on {} --parallel {PARALLEL}",
        timectl.display(),
        fleet.file.display(),
        fleet.names[0]
    );
    let audit = fleet.root().join("audit.jsonl");
    println!(
        "\ntimectl deploy --build-on {} to {nodes} nodes (min_masternodes {}), {runs} run(s)",
        fleet.names[0],
        min_masternodes(nodes)
    );
    let mut totals = Vec::new();
    let mut spans: std::collections::BTreeMap<&str, Vec<f64>> = Default::default();
    for i in 0..runs {
        let timed = timing::run(&deploy, &audit);
        let phases = timed.phases();
        println!(
            "run {}: {:.0} ms, restart batches {:?}",
            i + 1,
            ms(timed.took),
            timed.batches()
        );
        timing::print_phases(&phases);
        totals.push(ms(timed.took));
        for name in timing::ORDER {
            if let Some(p) = phases.get(name) {
                spans.entry(name).or_default().push(p.span_ms());
            }
        }
    }
    let figure = format!("deploy.build_on.n{nodes}");
    testkit::figures::record(&figure, "ms", &totals);
    for (name, samples) in spans {
        testkit::figures::record(&format!("{figure}.{name}"), "ms", &samples);
    }
}
