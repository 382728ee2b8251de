//! The chaos run: boots the fleet, plays the schedule while sampling every node
//! about once a second (each sample checked for forks and stalls), waits after
//! each heal for the fleet to be whole again, then judges the end state and
//! writes the report. Ctrl-C or a failure ends the run early; the hosts go down
//! with the cluster either way.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::chaos::cluster::{BLOCK_INTERVAL_SECS, Cluster};
use crate::chaos::inject::{self, Applied};
use crate::chaos::invariant::converge;
use crate::chaos::invariant::journal::{self, JournalLine};
use crate::chaos::invariant::liveness::Progress;
use crate::chaos::invariant::minority::minority_blocks;
use crate::chaos::invariant::safety::FinalLedger;
use crate::chaos::invariant::verdict::{Findings, verdicts};
use crate::chaos::observe;
use crate::chaos::plan::{self, Fault, Step};
use crate::chaos::report::model::{FaultRecord, Outcome, Point, Record, Report};
use crate::chaos::report::{svg, text};
use crate::chaos::sample::Sample;

/// Time between samples.
const POLL: Duration = Duration::from_secs(1);
/// The first mesh: hosts boot and the daemons find each other.
const FORM_BOUND: Duration = Duration::from_secs(120);
/// After a heal, how long the run waits for a whole fleet before it moves on
/// (and counts that heal as not reconverged).
const RECONVERGE_BOUND: Duration = Duration::from_secs(60);
/// After the last heal, the invariant's bound for a whole fleet: generous for a
/// machine shared with builds (a redial is ~2 s, a sync a few more).
const FINAL_BOUND: Duration = Duration::from_secs(90);
/// How long a connected quorum may go without a new final block: fifteen block
/// intervals, past the finality depth (six) plus a leader's fall-over timeouts.
const STALL_BOUND_SECS: f64 = 15.0 * BLOCK_INTERVAL_SECS as f64;
/// The window `timectl check` watches once the fleet is whole again; no node
/// may fail a dial in it.
const CHECK_WINDOW: &str = "20s";
/// A deploy or rollback that has not finished by then is killed and failed.
const COMMAND_BOUND: Duration = Duration::from_secs(600);

/// What `cargo xtask chaos` was asked for.
#[derive(Clone, Debug)]
pub(crate) struct Options {
    pub(crate) nodes: usize,
    pub(crate) duration: Duration,
    pub(crate) seed: u64,
    pub(crate) out: PathBuf,
}

/// The run in progress: the hosts, the watchers and what was recorded.
struct Run<'a> {
    cluster: &'a Cluster,
    started: Instant,
    stop: Arc<AtomicBool>,
    ledger: FinalLedger,
    progress: Progress,
    record: Record,
    common: u64,
    /// Per node, the highest final height whose block was read from it.
    read: Vec<u64>,
    last: Sample,
}

impl Run<'_> {
    fn now(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Takes one sample and feeds every watcher.
    fn sample(&mut self) -> &Sample {
        let s = observe::sample(self.cluster, self.now(), &self.read, self.common);
        for (read, view) in self.read.iter_mut().zip(&s.nodes) {
            if let Some(view) = view {
                *read = view.final_height;
            }
        }
        self.ledger.observe(&s);
        self.progress.observe(&s, &self.cluster.ids);
        self.common = self.common.max(observe::common_final(&s));
        self.record.timeline.push(Point::of(&s));
        self.last = s;
        &self.last
    }

    /// Compares every block up to the common final height on every node: the
    /// samples compared what each node held final at that moment, this the
    /// whole final chain at the end.
    fn compare_chains(&mut self) {
        let mut whole = self.last.clone();
        let upto = observe::common_final(&whole);
        for (i, view) in whole.nodes.iter_mut().enumerate() {
            if let Some(view) = view {
                view.final_blocks = observe::chain(self.cluster, i + 1, upto);
            }
        }
        self.ledger.observe(&whole);
    }

    /// Samples until `until`, or Ctrl-C.
    fn watch_until(&mut self, until: Instant) {
        while Instant::now() < until && !self.stopped() {
            let next = Instant::now() + POLL;
            self.sample();
            pause_until(next.min(until), &self.stop);
        }
    }

    /// Samples until the fleet is whole; the seconds it took, or the last
    /// reasons it was not within `bound`.
    fn until_whole(&mut self, bound: Duration) -> Result<f64, Vec<String>> {
        let from = Instant::now();
        loop {
            let next = Instant::now() + POLL;
            let ids = self.cluster.ids.clone();
            match converge::whole(self.sample(), &ids) {
                Ok(()) => return Ok(from.elapsed().as_secs_f64()),
                Err(problems) if from.elapsed() >= bound || self.stopped() => return Err(problems),
                Err(_) => pause_until(next, &self.stop),
            }
        }
    }

    /// Samples while a deploy or rollback runs; its outcome.
    fn watch_child(&mut self, fault: &Fault, mut child: std::process::Child) -> Outcome {
        let deadline = Instant::now() + COMMAND_BOUND;
        loop {
            match child.try_wait() {
                Ok(Some(status)) => return inject::finished(fault, status.code()),
                Ok(None) if Instant::now() < deadline && !self.stopped() => {
                    self.watch_until(Instant::now() + POLL);
                }
                Ok(None) | Err(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Outcome::Failed {
                        reason: format!("timectl {} did not finish", fault.kind()),
                    };
                }
            }
        }
    }

    /// Plays one step: on, hold, off, wait for a whole fleet, pause.
    fn step(&mut self, step: &Step, netem: Option<&str>, logs: &Path) {
        let started = self.now();
        let outcome = match inject::apply(self.cluster, &step.fault, netem, logs) {
            Applied::Done(outcome) => {
                self.watch_until(Instant::now() + step.hold);
                if outcome == Outcome::Injected
                    && let Err(e) = inject::heal(self.cluster, &step.fault)
                {
                    self.record
                        .notes
                        .push(format!("healing {} failed: {e}", step.fault));
                }
                outcome
            }
            Applied::Running(child) => self.watch_child(&step.fault, child),
        };
        let healed = self.now();
        let reconverge_secs = if matches!(outcome, Outcome::Skipped { .. }) {
            None
        } else {
            self.until_whole(RECONVERGE_BOUND).ok()
        };
        eprintln!(
            "chaos: {started:6.1} s {} ({}){}",
            step.fault,
            match &outcome {
                Outcome::Injected => "injected".to_owned(),
                Outcome::Skipped { .. } => "skipped".to_owned(),
                Outcome::Failed { reason } => format!("failed: {reason}"),
            },
            reconverge_secs.map_or_else(String::new, |s| format!(", whole again after {s:.1} s"))
        );
        self.record.faults.push(FaultRecord {
            kind: step.fault.kind(),
            description: step.fault.to_string(),
            fault: step.fault.clone(),
            started,
            healed,
            reconverge_secs,
            outcome,
        });
        self.watch_until(Instant::now() + step.pause);
    }
}

/// Sleeps in short steps until `until`, or returns early on Ctrl-C. The
/// schedule's holds and pauses, not a wait for a condition.
fn pause_until(until: Instant, stop: &AtomicBool) {
    loop {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() || stop.load(Ordering::Relaxed) {
            return;
        }
        std::thread::sleep(left.min(Duration::from_millis(50)));
    }
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// `timectl check` tries: a verdict of `unknown` (a probe over SSH that did not
/// answer on a loaded machine) is asked again, a warning or failure is not.
const CHECK_TRIES: usize = 3;

/// `timectl check` over the last window, asked again while its verdict is
/// unknown: its verdict line, or what failed (with the unknown tries before).
fn check(cluster: &Cluster) -> Result<String, Vec<String>> {
    let mut unknown = Vec::new();
    for attempt in 1..=CHECK_TRIES {
        match check_once(cluster) {
            Err((Some(3), items)) if attempt < CHECK_TRIES => {
                unknown.push(format!("try {attempt} unknown: {}", items.join("; ")));
            }
            Err((_, mut items)) => {
                unknown.append(&mut items);
                return Err(unknown);
            }
            Ok(line) if unknown.is_empty() => return Ok(line),
            Ok(line) => return Ok(format!("{line} (after: {})", unknown.join("; "))),
        }
    }
    Err(unknown)
}

/// One `timectl check`: its verdict line, or its exit code and what failed.
fn check_once(cluster: &Cluster) -> Result<String, (Option<i32>, Vec<String>)> {
    let out = cluster
        .timectl(&["check", "--window", CHECK_WINDOW, "--output", "json"])
        .output()
        .map_err(|e| (None, vec![format!("timectl check: {e}")]))?;
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| {
        (
            out.status.code(),
            vec![format!(
                "timectl check (exit {:?}) gave no JSON report: {e}: {}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr).trim()
            )],
        )
    })?;
    let verdict = report["verdict"].as_str().unwrap_or("?").to_owned();
    if out.status.code() == Some(0) {
        return Ok(format!("verdict {verdict} over the last {CHECK_WINDOW}"));
    }
    let items = report["items"].as_array().cloned().unwrap_or_default();
    let failed = items
        .iter()
        .filter(|i| i["status"] != "pass" && i["status"] != "not_applicable")
        .map(|i| format!("{}: {} {}", i["id"], i["status"], i["evidence"]))
        .chain(std::iter::once(format!(
            "verdict {verdict}, exit {:?}",
            out.status.code()
        )))
        .collect();
    Err((out.status.code(), failed))
}

/// Runs the chaos test and writes its report; whether every invariant held.
///
/// # Errors
/// The fleet could not be set up, or the report not written.
pub(crate) fn chaos(
    workspace: &Path,
    options: &Options,
    stop: Arc<AtomicBool>,
) -> Result<bool, String> {
    std::fs::create_dir_all(&options.out).map_err(|e| format!("{}: {e}", options.out.display()))?;
    let schedule = plan::schedule(options.seed, options.nodes, options.duration);
    eprintln!(
        "chaos: seed {}, {} nodes, {} s; building and booting",
        options.seed,
        options.nodes,
        options.duration.as_secs()
    );
    let cluster = Cluster::up(workspace, options.nodes)?;
    let netem = inject::netem_missing(&cluster);
    let mut run = Run {
        cluster: &cluster,
        started: Instant::now(),
        stop: stop.clone(),
        ledger: FinalLedger::default(),
        progress: Progress::new(cluster.quorum, STALL_BOUND_SECS),
        record: Record {
            seed: options.seed,
            nodes: options.nodes,
            planned_secs: options.duration.as_secs_f64(),
            ..Record::default()
        },
        common: 0,
        read: vec![0; options.nodes],
        last: Sample::default(),
    };
    if let Some(reason) = &netem {
        run.record
            .notes
            .push(format!("delay and reorder skipped: {reason}"));
    }
    run.record.notes.push(format!(
        "bounds: whole again within {} s of the last heal; a connected quorum adds a final block within {STALL_BOUND_SECS} s; \
         heights agree within {} block(s); after each heal the run waits up to {} s",
        FINAL_BOUND.as_secs(),
        converge::HEIGHT_SKEW,
        RECONVERGE_BOUND.as_secs()
    ));
    run.record.notes.push(format!(
        "deploy: {} -> {} (same tree, empty commit on top)",
        &cluster.head[..12],
        &cluster.next[..12]
    ));
    if let Err(problems) = run.until_whole(FORM_BOUND) {
        return Err(format!("the fleet never formed: {}", problems.join("; ")));
    }
    let formed = run.now();
    eprintln!(
        "chaos: hosts booted in {:.1} s, fleet whole {formed:.1} s later; injecting",
        cluster.boot_secs
    );
    let started = Instant::now();
    let started_unix = unix_now();
    run.started = started;
    for step in &schedule {
        // A deploy is always followed by its rollback, even past the time.
        let due = step.fault == Fault::Rollback || started.elapsed() < options.duration;
        if !due || run.stopped() {
            break;
        }
        run.step(step, netem.as_deref(), &options.out);
    }
    if run.stopped() {
        return Err("interrupted".into());
    }
    let ending = Instant::now();
    let reconverged = run.until_whole(FINAL_BOUND);
    let whole_at = unix_now();
    // The check watches its own window (so the journals below span it too).
    let check = check(&cluster);
    run.sample();
    run.compare_chains();
    let mut lines: Vec<JournalLine> = Vec::new();
    let mut stores = observe::inactive_units(&cluster);
    for i in 1..=cluster.nodes() {
        match observe::journal(&cluster, i) {
            Ok(text) => {
                let path = options.out.join(format!("journal-n{i}.log"));
                std::fs::write(&path, &text).map_err(|e| format!("{}: {e}", path.display()))?;
                lines.extend(journal::parse(i, &text));
            }
            Err(e) => stores.push(format!("n{i}: journal unreadable: {e}")),
        }
    }
    stores.extend(journal::store_failures(&lines));
    let findings = Findings {
        forks: run.ledger.forks().to_vec(),
        heights_compared: run.ledger.heights(),
        stalls: run.progress.stalls().to_vec(),
        reconverged,
        reconverge_bound: FINAL_BOUND.as_secs_f64(),
        check,
        // Dials that failed while the fleet was still mending are no backoff.
        backoff: journal::in_backoff(&lines, whole_at),
        stores,
    };
    run.record.verdicts = verdicts(&findings);
    run.record.skipped_rounds = journal::skipped_rounds(&lines);
    run.record.minority_blocks = minority_blocks(
        &run.record.faults,
        &lines,
        cluster.nodes(),
        cluster.quorum,
        started_unix,
    );
    run.record.ran_secs = started.elapsed().as_secs_f64();
    run.record.notes.push(format!(
        "time: daemons built in {:.0} s, hosts booted in {:.0} s, fleet whole {formed:.0} s later, \
         faults for {:.0} s, end checks {:.0} s",
        cluster.build_secs,
        cluster.boot_secs,
        ending.duration_since(started).as_secs_f64(),
        ending.elapsed().as_secs_f64()
    ));
    run.record.last = run.last.clone();
    let report = Report::build(run.record);
    write(&options.out, &report)?;
    Ok(report.pass)
}

fn write(out: &Path, report: &Report) -> Result<(), String> {
    let json = serde_json::to_string_pretty(report).map_err(|e| format!("report: {e}"))?;
    let table = text::render(report);
    for (name, body) in [
        ("report.json", json.as_str()),
        ("report.txt", table.as_str()),
        ("timeline.svg", svg::render(report).as_str()),
    ] {
        let path = out.join(name);
        std::fs::write(&path, body).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    print!("{table}");
    println!(
        "report: {}/{{report.json,report.txt,timeline.svg}}",
        out.display()
    );
    Ok(())
}
