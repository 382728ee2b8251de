//! The fault schedule of a chaos run, drawn from a seeded generator: the same
//! seed, node count and duration give the same faults, targets, hold times and
//! pauses, in the same order. Pure, so the schedule is testable without hosts.
//!
//! Faults run one after another, each followed by a wait for the fleet to
//! reconverge (measured, see `run.rs`), so every heal has its own reconvergence
//! time. The operator's deploy of another commit, and its rollback, come once a
//! third of the way through the planned time.

use std::fmt;
use std::time::Duration;

use serde::Serialize;

/// Clock offsets: inside the daemon's tolerance of blocks from the future
/// (`MAX_CLOCK_AHEAD_MS`, 1 s in daemon/src/chain/limits.rs) and well beyond it.
pub(crate) const CLOCK_STEP_WITHIN_MS: i64 = 500;
/// See [`CLOCK_STEP_WITHIN_MS`].
pub(crate) const CLOCK_STEP_BEYOND_MS: i64 = 3_000;

/// What one fault does. Nodes are 1-based, as the lab names its hosts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Fault {
    /// One node cut off from every other node.
    Isolate { node: usize },
    /// The fleet split in two halves that cannot reach each other.
    Split { side: Vec<usize> },
    /// Packets from `from` to `to` are dropped: `to` does not hear `from`.
    OneWay { from: usize, to: usize },
    /// A share of one node's packets to and from its peers is dropped.
    Loss { node: usize, percent: u8 },
    /// One node's packets leave late, with jitter (`tc netem`).
    Delay { node: usize, millis: u32 },
    /// One node's packets are reordered (`tc netem`).
    Reorder { node: usize, percent: u8 },
    /// `systemctl kill -s KILL timed`; systemd restarts it.
    Kill { node: usize },
    /// `systemctl restart timed`.
    Restart { node: usize },
    /// `systemctl stop timed`, started again after the hold.
    Stop { node: usize },
    /// The daemon's wall clock jumps by `millis` for the hold.
    ClockStep { node: usize, millis: i64 },
    /// A rolling `timectl deploy` of another commit.
    Deploy,
    /// `timectl rollback` to the commit before the deploy.
    Rollback,
}

impl Fault {
    /// The kind's name, as the report counts faults.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Fault::Isolate { .. } => "isolate",
            Fault::Split { .. } => "split",
            Fault::OneWay { .. } => "one_way",
            Fault::Loss { .. } => "loss",
            Fault::Delay { .. } => "delay",
            Fault::Reorder { .. } => "reorder",
            Fault::Kill { .. } => "kill",
            Fault::Restart { .. } => "restart",
            Fault::Stop { .. } => "stop",
            Fault::ClockStep { millis, .. } if millis.abs() <= CLOCK_STEP_WITHIN_MS => {
                "clock_within"
            }
            Fault::ClockStep { .. } => "clock_beyond",
            Fault::Deploy => "deploy",
            Fault::Rollback => "rollback",
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Isolate { node } => write!(f, "isolate n{node}"),
            Fault::Split { side } => {
                let names: Vec<String> = side.iter().map(|n| format!("n{n}")).collect();
                write!(f, "split {{{}}} from the rest", names.join(","))
            }
            Fault::OneWay { from, to } => write!(f, "n{to} stops hearing n{from}"),
            Fault::Loss { node, percent } => write!(f, "{percent}% loss on n{node}"),
            Fault::Delay { node, millis } => write!(f, "{millis} ms delay on n{node}"),
            Fault::Reorder { node, percent } => write!(f, "{percent}% reordering on n{node}"),
            Fault::Kill { node } => write!(f, "kill -9 timed on n{node}"),
            Fault::Restart { node } => write!(f, "restart timed on n{node}"),
            Fault::Stop { node } => write!(f, "stop timed on n{node}"),
            Fault::ClockStep { node, millis } => write!(f, "clock {millis:+} ms on n{node}"),
            Fault::Deploy => write!(f, "rolling deploy of the next commit"),
            Fault::Rollback => write!(f, "rollback to the previous commit"),
        }
    }
}

/// One scheduled fault: how long it holds before it is healed, and the pause
/// after the fleet has reconverged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Step {
    pub(crate) fault: Fault,
    #[serde(with = "secs")]
    pub(crate) hold: Duration,
    #[serde(with = "secs")]
    pub(crate) pause: Duration,
}

/// Serialises a duration as fractional seconds.
mod secs {
    use std::time::Duration;

    pub(crate) fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }
}

/// Time a step is expected to take besides its hold and pause (reconverging),
/// used only to place the deploy and size the schedule.
const EXPECTED_SETTLE: Duration = Duration::from_secs(3);
/// Time the deploy and the rollback are expected to take together.
const EXPECTED_DEPLOY: Duration = Duration::from_secs(90);

/// The schedule for `nodes` hosts and a run of `duration`. Longer than the run
/// will likely need: the run stops starting faults when its time is up.
pub(crate) fn schedule(seed: u64, nodes: usize, duration: Duration) -> Vec<Step> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let deploy_at = duration / 3;
    let mut planned = Duration::ZERO;
    let mut deployed = false;
    let mut steps = Vec::new();
    // Twice the time, so a fleet reconverging faster than expected still has faults.
    while planned < duration * 2 {
        if !deployed && planned >= deploy_at {
            deployed = true;
            for fault in [Fault::Deploy, Fault::Rollback] {
                steps.push(Step {
                    fault,
                    hold: Duration::ZERO,
                    pause: Duration::from_secs(2),
                });
            }
            planned += EXPECTED_DEPLOY;
            continue;
        }
        let step = draw(&mut rng, nodes);
        planned += step.hold + step.pause + EXPECTED_SETTLE;
        steps.push(step);
    }
    steps
}

fn millis(rng: &mut fastrand::Rng, range: std::ops::RangeInclusive<u64>) -> Duration {
    Duration::from_millis(rng.u64(range))
}

/// One random fault with its hold and pause.
fn draw(rng: &mut fastrand::Rng, nodes: usize) -> Step {
    let node = rng.usize(1..=nodes);
    let other = loop {
        let o = rng.usize(1..=nodes);
        if o != node {
            break o;
        }
    };
    // Partitions sometimes outlast the keepalive (15 s), so links die and redial.
    let partition_hold = if rng.u8(0..4) == 0 {
        millis(rng, 16_000..=22_000)
    } else {
        millis(rng, 2_000..=8_000)
    };
    let (fault, hold) = match rng.u8(0..12) {
        0 | 1 => (Fault::Isolate { node }, partition_hold),
        2 => {
            let mut all: Vec<usize> = (1..=nodes).collect();
            rng.shuffle(&mut all);
            let mut side = all[..nodes / 2].to_vec();
            side.sort_unstable();
            (Fault::Split { side }, partition_hold)
        }
        3 => (
            Fault::OneWay {
                from: node,
                to: other,
            },
            partition_hold,
        ),
        4 => (
            Fault::Loss {
                node,
                percent: rng.u8(10..=40),
            },
            millis(rng, 3_000..=8_000),
        ),
        5 => (
            Fault::Delay {
                node,
                millis: rng.u32(50..=400),
            },
            millis(rng, 3_000..=8_000),
        ),
        6 => (
            Fault::Reorder {
                node,
                percent: rng.u8(10..=50),
            },
            millis(rng, 3_000..=8_000),
        ),
        7 => (Fault::Kill { node }, Duration::ZERO),
        8 => (Fault::Restart { node }, Duration::ZERO),
        9 => (Fault::Stop { node }, millis(rng, 3_000..=8_000)),
        10 => {
            let sign = if rng.bool() { 1 } else { -1 };
            (
                Fault::ClockStep {
                    node,
                    millis: sign * CLOCK_STEP_WITHIN_MS,
                },
                millis(rng, 4_000..=10_000),
            )
        }
        _ => (
            Fault::ClockStep {
                node,
                millis: CLOCK_STEP_BEYOND_MS,
            },
            millis(rng, 4_000..=10_000),
        ),
    };
    Step {
        fault,
        hold,
        pause: millis(rng, 500..=2_000),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEN_MINUTES: Duration = Duration::from_secs(600);

    #[test]
    fn the_same_seed_repeats_the_schedule_and_another_changes_it() {
        assert_eq!(schedule(7, 4, TEN_MINUTES), schedule(7, 4, TEN_MINUTES));
        assert_ne!(schedule(7, 4, TEN_MINUTES), schedule(8, 4, TEN_MINUTES));
    }

    #[test]
    fn ten_minutes_hold_every_kind_one_deploy_and_its_rollback_after_it() {
        let steps = schedule(1, 4, TEN_MINUTES);
        let kinds: std::collections::BTreeSet<&str> =
            steps.iter().map(|s| s.fault.kind()).collect();
        for kind in [
            "isolate",
            "split",
            "one_way",
            "loss",
            "delay",
            "reorder",
            "kill",
            "restart",
            "stop",
            "clock_within",
            "clock_beyond",
            "deploy",
            "rollback",
        ] {
            assert!(kinds.contains(kind), "no {kind} in {kinds:?}");
        }
        let deploys: Vec<usize> = (0..steps.len())
            .filter(|i| steps[*i].fault == Fault::Deploy)
            .collect();
        assert_eq!(deploys.len(), 1);
        assert_eq!(steps[deploys[0] + 1].fault, Fault::Rollback);
        assert!(deploys[0] > 5, "the deploy comes mid-run, not first");
    }

    #[test]
    fn targets_are_hosts_of_the_run_and_a_one_way_cut_joins_two_of_them() {
        for seed in 0..50 {
            for step in schedule(seed, 5, TEN_MINUTES) {
                match step.fault {
                    Fault::OneWay { from, to } => {
                        assert_ne!(from, to);
                        assert!((1..=5).contains(&from) && (1..=5).contains(&to));
                    }
                    Fault::Split { side } => assert_eq!(side.len(), 2),
                    Fault::Isolate { node } | Fault::Kill { node } => {
                        assert!((1..=5).contains(&node));
                    }
                    _ => {}
                }
            }
        }
    }
}
