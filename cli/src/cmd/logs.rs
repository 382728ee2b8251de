//! `timectl logs`: the journals of many nodes at once, merged in time order,
//! node-coloured, each line tagged with its event kinds; or a saved log
//! classified offline (`--from-file`). The engine ([`crate::logs`]) emits; this
//! module chooses the output and writes it.

// Correctness: `testing` re-exports the printer (and so the sink's parts) as
// `pub`; without that feature nothing reaches them, which is expected.
#[cfg_attr(not(feature = "testing"), allow(unreachable_pub))]
mod sink;
#[cfg_attr(not(feature = "testing"), allow(unreachable_pub))]
mod summary;
#[cfg_attr(not(feature = "testing"), allow(unreachable_pub))]
mod text;

use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use regex::Regex;
use timecoin_shared::checklist::EMPTY_JOURNAL_HINT;
use timecoin_shared::classify::EventKind;

use tokio_util::sync::CancellationToken;

use crate::constants::{LOGS_DEFAULT_LINES, LOGS_FILE_BUFFER};
use crate::ctx::Output;
use crate::flags::OutputFormat;
use crate::logs::filter::Filter;
use crate::logs::offline::{self, Detail};
use crate::logs::source::FleetSource;
use crate::logs::tail::LogSource;
use crate::logs::{self as engine, NodeLogs, Outcome, Since};
use crate::{Code, Ctx, Error};

#[cfg_attr(not(feature = "testing"), allow(unreachable_pub))]
pub use sink::{Printer, Sink};
use summary::Summary;
use text::TextWriter;

/// Tail the journals of many nodes at once, merged, each line tagged with its
/// event kinds.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = "Examples:
  timectl logs -f                                 follow every node
  timectl logs LW-London LW-Arizona --since 1h    the last hour of two nodes
  timectl logs --since 30m --events connection_reset,handshake_ack_failed
  timectl logs --since 1d --summary               counts per node and kind
  journalctl -u timed -o json | timectl logs --from-file - --output json

A node whose logs command printed no line at all for the window gets a warning
on stderr naming the command (a wrong unit name prints nothing); the exit code
stays 0, as a quiet window is possible.

Exit codes: 0 done, 1 a node's stream failed for good (the others still print),
2 bad input (flags, fleet file, unknown node), 130 interrupted (Ctrl-C).")]
pub(crate) struct Args {
    /// Nodes to stream, by fleet name (default: every node).
    pub nodes: Vec<String>,
    /// Keep streaming new lines; a lost stream is reconnected and resumed.
    #[arg(short = 'f', long)]
    pub follow: bool,
    /// Start of the window: a duration back from now (`10m`, `2h 30m`) or a time
    /// journalctl understands (`2026-11-25 04:00:00`, `today`).
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// Past lines shown first when neither --since nor a cursor says where to start.
    #[arg(short = 'n', long, value_name = "N")]
    pub lines: Option<u32>,
    /// Only lines carrying one of these kinds (comma-separated).
    #[arg(long, value_name = "KIND,...", value_delimiter = ',')]
    pub events: Vec<EventKind>,
    /// Only lines matching this regex.
    #[arg(long, value_name = "REGEX")]
    pub grep: Option<Regex>,
    /// Output shape: coloured lines with kind badges, or one JSON object per line
    /// (`line`, `kinds`, `peer`, `node`, numbers; stream markers carry `marker`).
    #[arg(long, value_enum, default_value_t)]
    pub output: OutputFormat,
    /// Count lines per node and kind over the window, then print a table (or JSON).
    #[arg(long, conflicts_with = "follow")]
    pub summary: bool,
    /// Classify a saved log (plain text or `journalctl -o json` lines) instead of
    /// streaming nodes; `-` reads stdin.
    #[arg(long, value_name = "PATH|-", conflicts_with_all = ["nodes", "follow", "since", "lines"])]
    pub from_file: Option<PathBuf>,
}

impl Args {
    fn filter(&self) -> Filter {
        Filter {
            kinds: self.events.iter().copied().collect(),
            grep: self.grep.clone(),
        }
    }

    fn shape(&self) -> Shape {
        match (self.summary, self.output) {
            (true, format) => Shape::Summary {
                json: format == OutputFormat::Json,
            },
            (false, OutputFormat::Json) => Shape::Json,
            (false, _) => Shape::Text,
        }
    }
}

/// How a run's lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    /// Coloured lines with kind badges.
    Text,
    /// One JSON object per line.
    Json,
    /// Counted, printed at the end as a table (or JSON).
    Summary { json: bool },
}

type Stdout = anstream::AutoStream<Box<dyn Write + Send>>;

/// A printer of `shape` on stdout, node names padded for `nodes`.
fn printer(output: &Output, shape: Shape, nodes: &[String]) -> Printer<Stdout> {
    let raw: Box<dyn Write + Send> = Box::new(io::BufWriter::new(io::stdout()));
    let out = output.wrap(raw);
    Printer::new(match shape {
        Shape::Summary { json } => Sink::Summary {
            summary: Summary::new(nodes.iter().map(String::as_str)),
            out,
            json,
        },
        Shape::Json => Sink::Json(out),
        Shape::Text => {
            let width = nodes.iter().map(String::len).max().unwrap_or(1);
            Sink::Text(TextWriter::new(out, width))
        }
    })
}

/// Runs `timectl logs`: offline on a file, or streaming the selected nodes
/// until their windows end or Ctrl-C.
///
/// # Errors
/// Bad input (unknown node, no fleet file, a bad `--since`), a file that
/// cannot be read, a node's stream failed for good, or stdout closed.
pub(crate) async fn run(ctx: &Ctx, args: &Args) -> Result<Code, Error> {
    if let Some(path) = &args.from_file {
        run_from_file(ctx.output(), args, path).await?;
        return Ok(Code::OK);
    }
    let selected = ctx.select(&args.nodes)?;
    let nodes = node_logs(&selected);
    let since = args.since.as_deref().map(parse_since).transpose()?;
    // A summary counts the whole window: without --since, all there is.
    let lines =
        (since.is_none() && !args.summary).then(|| args.lines.unwrap_or(LOGS_DEFAULT_LINES));
    let options = engine::Options {
        follow: args.follow,
        since,
        lines,
        filter: args.filter(),
    };
    let source = Arc::new(FleetSource::new(selected, ctx.pool().clone()));
    let stop = ctx.shutdown().token();
    stream(ctx.output(), args.shape(), source, nodes, &options, stop).await?;
    Ok(Code::OK)
}

/// `--from-file`: classifies the file (or stdin) and prints it, on the
/// blocking pool: reading a file or a pipe to its end would hold a runtime
/// worker.
///
/// # Errors
/// The file cannot be opened or read, or stdout is closed.
pub(crate) async fn run_from_file(output: &Output, args: &Args, path: &Path) -> Result<(), Error> {
    let printer = printer(output, args.shape(), &[]);
    let filter = args.filter();
    let detail = match args.shape() {
        Shape::Summary { .. } => Detail::Counts,
        Shape::Text | Shape::Json => Detail::Records,
    };
    let file = path.to_path_buf();
    let classified = tokio::task::spawn_blocking(move || {
        let input: Box<dyn BufRead> = if file.as_os_str() == "-" {
            Box::new(BufReader::with_capacity(LOGS_FILE_BUFFER, io::stdin()))
        } else {
            match std::fs::File::open(&file) {
                Ok(opened) => Box::new(BufReader::with_capacity(LOGS_FILE_BUFFER, opened)),
                Err(e) => return Err(Error::io(format!("cannot open {}", file.display()), e)),
            }
        };
        let read = offline::classify_all(input, &filter, detail, &printer);
        Ok((read, printer.finish()))
    })
    .await
    .map_err(|e| Error::failed(format!("classifying {}: {e}", path.display())))?;
    let (read, written) = classified?;
    let shown = |e: io::Error| {
        if e.kind() == io::ErrorKind::BrokenPipe {
            Error::Output(e)
        } else {
            Error::io(format!("classifying {}", path.display()), e)
        }
    };
    written.map_err(shown)?;
    read.map_err(shown)?;
    Ok(())
}

/// Each node's name and logs command, what the engine streams.
pub(crate) fn node_logs(nodes: &[timecoin_shared::fleet::Node]) -> Vec<NodeLogs> {
    nodes
        .iter()
        .map(|n| NodeLogs {
            name: n.name.clone(),
            command: n.commands.logs.clone(),
        })
        .collect()
}

/// Streams `nodes` through `source`, merged, and prints them in `shape`.
///
/// # Errors
/// A node's stream failed for good (the others are still printed), or stdout
/// is closed.
pub(crate) async fn stream<S: LogSource>(
    output: &Output,
    shape: Shape,
    source: Arc<S>,
    nodes: Vec<NodeLogs>,
    options: &engine::Options,
    stop: &CancellationToken,
) -> Result<(), Error> {
    let names: Vec<String> = nodes.iter().map(|n| n.name.clone()).collect();
    let commands: Vec<(String, String)> = nodes
        .iter()
        .map(|n| (n.name.clone(), n.command.clone()))
        .collect();
    let printer = printer(output, shape, &names);
    let Outcome { failed, empty } = engine::follow(source, nodes, options, &printer, stop).await;
    printer.finish()?;
    for (node, command) in commands.iter().filter(|(n, _)| empty.contains(n)) {
        eprintln!(
            "warning: {node}: its logs command printed no line for the window ({command}); \
             {EMPTY_JOURNAL_HINT}"
        );
    }
    if failed.is_empty() {
        Ok(())
    } else {
        let list: Vec<String> = failed
            .iter()
            .map(|(n, why)| format!("{n}: {why}"))
            .collect();
        Err(Error::failed(format!(
            "log stream failed on {} node(s): {}",
            failed.len(),
            list.join("; ")
        )))
    }
}

/// `--since` for journalctl, and as a time (µs since epoch) when we can tell it,
/// to filter sources that cannot (a tailed file).
///
/// # Errors
/// An empty value.
pub(crate) fn parse_since(value: &str) -> Result<Since, Error> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Error::bad_input(
            "--since needs a value such as 10m, 2h or \"2026-11-25 04:00:00\"",
        ));
    }
    let now = SystemTime::now();
    if let Ok(back) = humantime::parse_duration(value) {
        let at = now.checked_sub(back).unwrap_or(UNIX_EPOCH);
        return Ok(Since {
            journal: format!("-{}s", back.as_secs().max(1)),
            time_us: Some(micros(at)),
        });
    }
    let at = humantime::parse_rfc3339_weak(value).ok().map(micros);
    Ok(Since {
        journal: value.to_owned(),
        time_us: at,
    })
}

fn micros(at: SystemTime) -> i64 {
    at.duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_micros()
        .try_into()
        .unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_durations_and_times() {
        let since = parse_since("10m").unwrap();
        assert_eq!(since.journal, "-600s");
        assert!(since.time_us.is_some());
        let since = parse_since("2026-11-25 04:00:00").unwrap();
        assert_eq!(since.journal, "2026-11-25 04:00:00");
        assert_eq!(since.time_us, Some(1_795_579_200_000_000));
        assert_eq!(
            parse_since("today").unwrap(),
            Since {
                journal: "today".to_owned(),
                time_us: None
            }
        );
        assert!(parse_since(" ").is_err());
    }
}
