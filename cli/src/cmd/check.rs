//! `timectl check`: the monitoring checklist over a window, as a verdict per item
//! with evidence, for people (text), scripts (JSON), CI (JUnit) and Nagios; one
//! run can also write the JSON and JUnit reports to files. `--watch` re-runs it
//! every window and prints only what changed.

use std::io::{IsTerminal as _, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde_json::json;
use timecoin_shared::checklist::{Report, Status, Thresholds, measures};

use crate::check::{self, Change, Event, Plan};
use crate::output::{json, junit, nagios, text};
use crate::{Code, Ctx, Error};

/// Exit code: every item passed.
pub(crate) const PASS: Code = Code::OK;
/// Exit code: an item warned, none failed or was unknown.
pub(crate) const WARN: Code = Code::new(1);
/// Exit code: an item failed.
pub(crate) const FAIL: Code = Code::new(2);
/// Exit code: an item could not be judged (a node unreachable, a journal
/// unreadable or empty), none failed. Items that do not apply to a node's API
/// are not this: they leave the verdict to the rest.
pub(crate) const UNKNOWN: Code = Code::new(3);
/// Exit code of bad input (flags, fleet file, an unknown node): sysexits'
/// EX_USAGE, outside 0 to 3 so that cron and Nagios never read a typo as a verdict.
pub(crate) const USAGE: Code = Code::new(64);
/// Exit code when a report file could not be written: sysexits' EX_IOERR.
pub(crate) const IO_ERROR: Code = Code::new(74);

/// Most evidence lines printed under a change in `--watch`; the full list is in
/// the next full run (`timectl check`).
const WATCH_EVIDENCE_LINES: usize = 5;

/// Run the monitoring checklist over the fleet for a window and give a verdict.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = "Examples:
  timectl check                                    every node, the [check] window (60s)
  timectl check --window 10s LW-London LW-Arizona
  timectl check --output nagios                    one plugin line with perfdata
  timectl check --output json --junit report.xml   JSON to stdout, JUnit to a file
  timectl check --expect-commit 1a2b3c4            the commit every node must run
  timectl check --watch --window 30s               print only changes, until Ctrl-C

Thresholds come from flags, else the fleet file's [check] table (with
[check.nodes.NAME] overrides of backoff_spam and stale_block_age), else defaults.

Exit codes: 0 every item passed, 1 a warning, 2 a failure, 3 unknown (data that
should have been there was not: a node unreachable, a journal unreadable, or
empty while the node's height rose; nothing failed); with --watch, those of the
last run. An item that cannot apply to a node's daemon API (time-masternode
logs failed dials only at debug level) is not_applicable, with its reason, and
leaves the exit code to the other items. Bad input (a bad flag or value, a bad fleet file, an unknown node)
exits 64 with an `error:` line on stderr and nothing on stdout, so it never
reads as a verdict; a report file that cannot be written exits 74; Ctrl-C 130.")]
pub(crate) struct Args {
    /// Only these nodes (by name); all when none given. The fleet's size still
    /// sets how many masternodes and peers each node should see.
    #[arg(value_name = "NODES")]
    pub nodes: Vec<String>,
    #[command(flatten)]
    pub judging: Judging,
    /// What goes to stdout.
    #[arg(long, value_enum, default_value_t)]
    pub output: CheckOutput,
    /// Also write the JSON report to FILE, from the same run.
    #[arg(long, value_name = "FILE", conflicts_with = "watch")]
    pub json: Option<PathBuf>,
    /// Also write the JUnit XML report to FILE, from the same run.
    #[arg(long, value_name = "FILE", conflicts_with = "watch")]
    pub junit: Option<PathBuf>,
    /// Show the evidence of passing items too.
    #[arg(short, long)]
    pub verbose: bool,
    /// Check again every window until Ctrl-C, printing only the items whose
    /// status changed, each with a timestamp (text, or JSON lines).
    #[arg(long)]
    pub watch: bool,
}

/// How the checklist judges, shared by `check` and `exporter`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct Judging {
    /// How long to watch the fleet (e.g. 30s, 2m) [default: the [check] table's, else 60s].
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub window: Option<Duration>,
    /// Failed connects per node in the window that count as backoff spam.
    #[arg(long, value_name = "N")]
    pub backoff_spam: Option<u64>,
    /// Blocks the nodes' final heights may differ by.
    #[arg(long, value_name = "N")]
    pub height_spread: Option<u64>,
    /// A last block older than this is stale (e.g. 2m).
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub stale_block_age: Option<Duration>,
    /// The commit every node must run [default: each node's repo HEAD].
    #[arg(long, value_name = "COMMIT")]
    pub expect_commit: Option<String>,
}

/// What `check` prints on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub(crate) enum CheckOutput {
    /// The checklist with a glyph and a word per item (colour on a terminal).
    #[default]
    Text,
    /// `{"verdict", "items": [{"id", "title", "status", "evidence"}]}`.
    Json,
    /// JUnit XML: one testsuite, a testcase per item.
    Junit,
    /// One Nagios plugin line with perfdata.
    Nagios,
}

/// Runs `timectl check`.
///
/// # Errors
/// Bad input (exit code [`USAGE`]), a report file that cannot be written
/// ([`IO_ERROR`]), or stdout closed.
pub(crate) async fn run(ctx: &Ctx, args: &Args) -> Result<Code, Error> {
    let (plan, suite) = prepare(ctx, args).map_err(own_code)?;
    let result = if args.watch {
        watch(ctx, args, &plan).await
    } else {
        once(ctx, args, &plan, &suite).await
    };
    result.map_err(own_code)
}

/// Gives the errors that share code 1 or 2 with verdicts codes of their own.
fn own_code(error: Error) -> Error {
    let code = match error.code() {
        Code::BAD_INPUT => USAGE,
        Code::FAILED => IO_ERROR,
        _ => return error,
    };
    Error::Failed {
        code,
        message: crate::causes::render(&error),
    }
}

/// The plan from the fleet and flags, and the JUnit suite name.
fn prepare(ctx: &Ctx, args: &Args) -> Result<(Plan, String), Error> {
    if args.watch && matches!(args.output, CheckOutput::Junit | CheckOutput::Nagios) {
        return Err(Error::bad_input(
            "--watch prints changes as text or JSON lines; use --output text or json",
        ));
    }
    let plan = plan(ctx, &args.nodes, &args.judging)?;
    Ok((plan, format!("timectl check {}", ctx.fleet()?.fleet.name)))
}

/// The plan of a check of the nodes named (all when none), judged as the
/// fleet file and the flags say.
///
/// # Errors
/// No fleet file, an unknown node, a zero window.
pub(crate) fn plan(ctx: &Ctx, names: &[String], judging: &Judging) -> Result<Plan, Error> {
    let fleet = &ctx.fleet()?.fleet;
    Ok(Plan {
        nodes: ctx.select(names)?,
        fleet_size: fleet.nodes.len(),
        min_masternodes: fleet.min_masternodes,
        thresholds: thresholds(fleet.check.clone(), judging)?,
        expect_commit: judging.expect_commit.clone(),
    })
}

/// The fleet file's thresholds with the flags' values over them.
fn thresholds(mut t: Thresholds, args: &Judging) -> Result<Thresholds, Error> {
    if let Some(window) = args.window {
        if window.is_zero() {
            return Err(Error::bad_input("--window must be longer than zero"));
        }
        t.window = window;
    }
    if let Some(n) = args.backoff_spam {
        t.backoff_spam = n;
    }
    if let Some(n) = args.height_spread {
        t.height_spread = n;
    }
    if let Some(age) = args.stale_block_age {
        t.stale_block_age = age;
    }
    Ok(t)
}

/// The exit code of a verdict.
pub(crate) fn verdict_code(status: Status) -> Code {
    match status {
        Status::Pass => PASS,
        Status::Warn => WARN,
        Status::Fail => FAIL,
        // Never a verdict (`Report::new` makes "nothing applies" unknown);
        // were it one, nothing was judged.
        Status::Unknown | Status::NotApplicable => UNKNOWN,
    }
}

async fn once(ctx: &Ctx, args: &Args, plan: &Plan, suite: &str) -> Result<Code, Error> {
    let progress = std::io::stderr().is_terminal();
    let shown = |event: Event| {
        if progress {
            eprintln!("{}", describe(&event));
        }
    };
    let token = ctx.shutdown().token();
    let Some(outcome) = check::run(ctx.pool(), plan, &shown, token).await else {
        return Ok(Code::INTERRUPTED);
    };
    let report = &outcome.report;
    if let Some(path) = &args.json {
        write_file(path, |out| json::write(report, out)).await?;
    }
    if let Some(path) = &args.junit {
        write_file(path, |out| junit::write(report, suite, out)).await?;
    }
    let mut out = ctx.output().stdout();
    match args.output {
        CheckOutput::Text => {
            let options = text::TextOptions {
                color: ctx.output().colour(),
                all_evidence: args.verbose,
            };
            text::write(report, options, &mut out)?;
        }
        CheckOutput::Json => json::write(report, &mut out)?,
        CheckOutput::Junit => junit::write(report, suite, &mut out)?,
        CheckOutput::Nagios => {
            let measures = measures(&outcome.facts, &plan.thresholds);
            nagios::write(report, &measures, &mut out)?;
        }
    }
    out.flush()?;
    Ok(verdict_code(report.verdict))
}

/// Writes a report file in one go.
async fn write_file(
    path: &Path,
    render: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>,
) -> Result<(), Error> {
    let mut bytes = Vec::new();
    render(&mut bytes)?;
    tokio::fs::write(path, bytes)
        .await
        .map_err(|e| Error::io(format!("writing {}", path.display()), e))
}

/// `--watch`: a check per window, printing the items whose status changed.
async fn watch(ctx: &Ctx, args: &Args, plan: &Plan) -> Result<Code, Error> {
    let token = ctx.shutdown().token();
    let mut before: Option<Report> = None;
    let mut code = Code::INTERRUPTED;
    loop {
        let ignore = |_: Event| {};
        let Some(outcome) = check::run(ctx.pool(), plan, &ignore, token).await else {
            return Ok(code);
        };
        let now = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
        let mut out = ctx.output().stdout();
        if before.is_none() {
            let line = format!(
                "watching {} node(s) every {}: {}",
                plan.nodes.len(),
                humantime::format_duration(plan.thresholds.window),
                outcome.report.verdict.as_str()
            );
            match args.output {
                CheckOutput::Json => writeln!(
                    out,
                    "{}",
                    json!({"time": now, "watching": plan.nodes.len(), "verdict": outcome.report.verdict})
                )?,
                _ => writeln!(out, "{now}  {line}")?,
            }
        }
        for change in check::changes(before.as_ref(), &outcome.report) {
            write_change(&mut out, args.output, &now, &change, ctx.output().colour())?;
        }
        out.flush()?;
        code = verdict_code(outcome.report.verdict);
        before = Some(outcome.report);
    }
}

fn write_change(
    out: &mut impl Write,
    format: CheckOutput,
    now: &str,
    change: &Change,
    colour: bool,
) -> std::io::Result<()> {
    let item = &change.item;
    if format == CheckOutput::Json {
        let line = json!({
            "time": now, "id": item.id, "title": item.title, "status": item.status,
            "was": change.was, "evidence": item.evidence,
        });
        return writeln!(out, "{line}");
    }
    let (glyph, word) = text::badge(item.status);
    let was = change
        .was
        .map_or_else(String::new, |w| format!(" (was {})", w.as_str()));
    let badge = format!("{glyph} {word}");
    let badge = if colour {
        let style = text::style(item.status);
        format!("{style}{badge}{style:#}")
    } else {
        badge
    };
    writeln!(out, "{now}  {badge}  {}: {}{was}", item.id, item.title)?;
    if item.status != Status::Pass {
        for line in item.evidence.iter().take(WATCH_EVIDENCE_LINES) {
            writeln!(out, "    {line}")?;
        }
    }
    Ok(())
}

/// A progress line for a terminal.
fn describe(event: &Event) -> String {
    match event {
        Event::Started { nodes, window } => format!(
            "checking {nodes} node(s) over {}",
            humantime::format_duration(*window)
        ),
        Event::Probed {
            phase,
            answered,
            of,
        } => format!("{} probe: {answered} of {of} answered", phase.as_str()),
        Event::JournalLost { node, reason } => format!("{node}: journal stream lost: {reason}"),
        Event::JournalRead { node, lines } => format!("{node}: {lines} journal lines read"),
        Event::JournalUnreadable { node, reason } => {
            format!("{node}: journal unreadable: {reason}")
        }
        Event::Compared {
            height: Some(height),
        } => format!("comparing blocks at height {height}"),
        Event::Compared { height: None } => "no common height to compare blocks at".into(),
    }
}
