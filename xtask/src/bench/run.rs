//! Building the benchmarks, running each invocation with a deadline and its
//! output in a log, and collecting what they recorded.

use std::fs::File;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use super::figures::{self, Figure};
use super::report::{self, BenchRun, Invocation};
use super::suite::{Bench, TIMED};
use crate::command::{cargo, output, target_dir};

/// A full run (release build, every size, a report) or a smoke run (debug
/// build, smallest size once, no report).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Full,
    Smoke,
}

impl Mode {
    fn profile_dir(self) -> &'static str {
        match self {
            Mode::Full => "release",
            Mode::Smoke => "debug",
        }
    }

    /// Longest one invocation may take before it is killed as hung.
    fn deadline(self) -> Duration {
        match self {
            Mode::Full => Duration::from_secs(30 * 60),
            Mode::Smoke => Duration::from_secs(5 * 60),
        }
    }
}

/// Runs `benches`; in a full run, writes the report to `out`. True when
/// every invocation exited 0 and every benchmark recorded a figure.
pub(crate) fn run(
    root: &Path,
    mode: Mode,
    benches: &[&'static Bench],
    ansible: Option<&Path>,
    out: &Path,
) -> Result<bool, String> {
    let target = target_dir(root)?;
    build(root, mode, benches)?;
    let bin_dir = target.join(mode.profile_dir());
    let work = target.join("bench");
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    let mut runs = Vec::new();
    let mut all_ok = true;
    for bench in benches {
        let lines = bench.command_lines(mode, ansible);
        let mut ran = BenchRun {
            name: bench.name,
            about: bench.about,
            invocations: Vec::new(),
            figures: Vec::new(),
        };
        for (i, args) in lines.iter().enumerate() {
            let args: Vec<String> = args
                .iter()
                .map(|a| a.replace(TIMED, &bin_dir.join("timed").display().to_string()))
                .collect();
            let label = format!("{}-{}", bench.name, i + 1);
            eprintln!(
                "bench: {} {}/{}: {} {}",
                bench.name,
                i + 1,
                lines.len(),
                bench.example,
                args.join(" ")
            );
            let (invocation, recorded) = invoke(
                &bin_dir.join("examples").join(bench.example),
                &args,
                &work,
                &label,
                mode,
            )?;
            match &invocation.failure {
                None => eprintln!(
                    "bench: {} {}/{}: ok in {:.1} s, {} figures",
                    bench.name,
                    i + 1,
                    lines.len(),
                    invocation.wall_secs,
                    recorded.len()
                ),
                Some(why) => {
                    all_ok = false;
                    eprintln!(
                        "bench: {} {}/{}: FAILED: {why}",
                        bench.name,
                        i + 1,
                        lines.len()
                    );
                }
            }
            ran.invocations.push(invocation);
            for figure in recorded {
                figures::pool(&mut ran.figures, figure);
            }
        }
        if ran.figures.is_empty() {
            all_ok = false;
            eprintln!("bench: {}: recorded no figures", bench.name);
        }
        runs.push(ran);
    }
    if mode == Mode::Full {
        let previous = std::fs::read_to_string(out).unwrap_or_default();
        let text = report::render(&machine(root), &runs, report::kept_notes(&previous));
        if let Some(dir) = out.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::write(out, text).map_err(|e| format!("{}: {e}", out.display()))?;
        eprintln!("bench: wrote {}", out.display());
    }
    Ok(all_ok)
}

/// Builds the daemon, timectl and the benchmarks' examples in `mode`'s profile.
fn build(root: &Path, mode: Mode, benches: &[&Bench]) -> Result<(), String> {
    // The daemon and timectl always: the benchmarks run them.
    let mut packages = vec!["timed", "timectl"];
    for bench in benches {
        if !packages.contains(&bench.package) {
            packages.push(bench.package);
        }
    }
    let mut cmd = cargo();
    cmd.current_dir(root).args(["build", "--locked", "--bins"]);
    for package in packages {
        cmd.args(["-p", package]);
    }
    for bench in benches {
        cmd.args(["--example", bench.example]);
    }
    if mode == Mode::Full {
        cmd.arg("--release");
    }
    eprintln!("bench: building ({} profile)", mode.profile_dir());
    cmd.stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .status()
        .map_err(|e| format!("cargo build: {e}"))?
        .success()
        .then_some(())
        .ok_or_else(|| "cargo build of the benchmarks failed".to_owned())
}

/// Runs one invocation in a process group of its own (so that daemons it
/// leaves behind die with it), its output in `work/LABEL.log`; how it went
/// and what it recorded.
fn invoke(
    example: &Path,
    args: &[String],
    work: &Path,
    label: &str,
    mode: Mode,
) -> Result<(Invocation, Vec<Figure>), String> {
    let figures_file = work.join(format!("{label}.figures.jsonl"));
    let log_path = work.join(format!("{label}.log"));
    let _ = std::fs::remove_file(&figures_file);
    let log = File::create(&log_path).map_err(|e| format!("{}: {e}", log_path.display()))?;
    let err_log = log
        .try_clone()
        .map_err(|e| format!("{}: {e}", log_path.display()))?;
    let load_before = load_average();
    let started = Instant::now();
    let mut child = Command::new(example)
        .args(args)
        .env(testkit::figures::FIGURES_ENV, &figures_file)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(err_log)
        .process_group(0)
        .spawn()
        .map_err(|e| format!("{}: {e}", example.display()))?;
    let group = child.id();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) if started.elapsed() > mode.deadline() => {
                break Err(format!("killed after {:?}", mode.deadline()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(100)),
            Err(e) => break Err(format!("waiting for it: {e}")),
        }
    };
    // Whatever it started and left behind (or everything, when it hung).
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{group}")])
        .stderr(Stdio::null())
        .status();
    let _ = child.wait();
    let wall_secs = started.elapsed().as_secs_f64();
    let failure = match status {
        Ok(s) if s.success() => None,
        Ok(s) => Some(format!("{s}; its output is in {}", log_path.display())),
        Err(why) => Some(format!("{why}; its output is in {}", log_path.display())),
    };
    if failure.is_some() {
        print_tail(&log_path);
    }
    let recorded = match std::fs::read_to_string(&figures_file) {
        Ok(text) => figures::parse(&text)?,
        Err(_) => Vec::new(),
    };
    let invocation = Invocation {
        command: format!(
            "{} {}",
            example
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
            args.join(" ")
        )
        .trim_end()
        .to_owned(),
        wall_secs,
        failure,
        load_before,
        load_after: load_average(),
    };
    Ok((invocation, recorded))
}

/// The last lines of a failed invocation's log, where its error is.
fn print_tail(log: &PathBuf) {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    for line in &lines[lines.len().saturating_sub(20)..] {
        eprintln!("  | {line}");
    }
}

/// The 1, 5 and 15 minute load averages, as the kernel gives them.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}

/// What the report says about the machine and the build.
fn machine(root: &Path) -> Vec<(String, String)> {
    let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
    let field = |text: &str, key: &str| {
        text.lines()
            .find_map(|l| {
                l.strip_prefix(key)?
                    .split_once(':')
                    .map(|(_, v)| v.trim().to_owned())
            })
            .unwrap_or_else(|| "unknown".to_owned())
    };
    let cpuinfo = read("/proc/cpuinfo");
    let meminfo = read("/proc/meminfo");
    let run = |program: &str, args: &[&str]| {
        let mut cmd = Command::new(program);
        cmd.current_dir(root).args(args);
        output(cmd, program).map_or_else(|e| e, |s| s.trim().to_owned())
    };
    let dirty = !run("git", &["status", "--porcelain", "--untracked-files=no"]).is_empty();
    let commit = run("git", &["rev-parse", "--short=12", "HEAD"]);
    vec![
        (
            "date".to_owned(),
            humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        ),
        (
            "commit".to_owned(),
            if dirty {
                format!("{commit} with uncommitted changes")
            } else {
                commit
            },
        ),
        (
            "cores".to_owned(),
            std::thread::available_parallelism().map_or_else(|e| e.to_string(), |n| n.to_string()),
        ),
        ("CPU".to_owned(), field(&cpuinfo, "model name")),
        ("memory".to_owned(), field(&meminfo, "MemTotal")),
        (
            "kernel".to_owned(),
            read("/proc/sys/kernel/osrelease").trim().to_owned(),
        ),
        ("rustc".to_owned(), run("rustc", &["-V"])),
        (
            "build".to_owned(),
            "release (`cargo build --release`)".to_owned(),
        ),
    ]
}
