//! Rendering a deploy's events: a progress line per node on a terminal
//! (indicatif: step, elapsed, last output line), plain lines otherwise, or one
//! JSON object per event; then the summary table and the audit record.

use std::collections::BTreeMap;
use std::io::{IsTerminal as _, Write as _};
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use tokio::sync::mpsc::UnboundedReceiver;

use crate::constants::DEPLOY_LOCK_TTL;
use crate::deploy::event::{Event, StepEnd};
use crate::deploy::report::{self, NodeResult, Report};
use crate::flags::OutputFormat;
use crate::shutdown::Shutdown;
use crate::table::{Cell, Table, short_commit, theme};

/// How often progress bars redraw their spinner and elapsed time.
const TICK: Duration = Duration::from_millis(120);

/// The task drawing events as they come.
pub(crate) struct Renderer {
    output: OutputFormat,
    task: tokio::task::JoinHandle<()>,
}

impl Renderer {
    /// Starts drawing `events` in the chosen form.
    pub(crate) fn start(output: OutputFormat, events: UnboundedReceiver<Event>) -> Renderer {
        let fancy = output == OutputFormat::Text && std::io::stderr().is_terminal();
        let task = tokio::spawn(async move {
            match (output, fancy) {
                (OutputFormat::Json, _) => json_lines(events).await,
                (OutputFormat::Text, true) => bars(events).await,
                (OutputFormat::Text, false) => plain(events).await,
            }
        });
        Renderer { output, task }
    }

    /// Waits for the last event, then prints the summary and appends the audit
    /// record locally.
    ///
    /// # Errors
    /// Stdout is closed.
    pub(crate) async fn finish(self, report: &Report) -> std::io::Result<()> {
        let _ = self.task.await;
        let audit = report::append_local(report).await;
        let mut out = anstream::stdout();
        match self.output {
            OutputFormat::Json => {
                let mut value = serde_json::to_value(report).map_err(std::io::Error::other)?;
                if let Some(object) = value.as_object_mut() {
                    object.insert("event".into(), "summary".into());
                }
                writeln!(out, "{value}")?;
            }
            OutputFormat::Text => {
                write!(out, "{}", summary(report))?;
                match &audit {
                    Ok(path) => writeln!(out, "audit: {}", path.display())?,
                    Err(e) => writeln!(out, "audit: not written locally: {e}")?,
                }
            }
        }
        if let Err(e) = audit
            && self.output == OutputFormat::Json
        {
            eprintln!("warning: audit record not written locally: {e}");
        }
        out.flush()
    }
}

async fn json_lines(mut events: UnboundedReceiver<Event>) {
    let mut out = std::io::stdout();
    while let Some(event) = events.recv().await {
        if let Ok(line) = serde_json::to_string(&event) {
            let _ = writeln!(out, "{line}");
        }
    }
}

/// One line per event, for logs and CI: `node step: result (secs)`.
fn line_of(event: &Event) -> Option<String> {
    Some(match event {
        Event::Plan {
            batches,
            live_masternodes,
            min_masternodes,
        } => format!(
            "plan: {live_masternodes} masternodes live, min {min_masternodes}; batches: {}",
            batches
                .iter()
                .map(|b| b.join(","))
                .collect::<Vec<_>>()
                .join(" | ")
        ),
        Event::Started { node, step } => format!("{node} {}: started", step.name()),
        Event::Output { node, step, line } => format!("{node} {}| {line}", step.name()),
        Event::Finished {
            node,
            step,
            end,
            secs,
            detail,
        } => {
            let word = match end {
                StepEnd::Ok => "ok",
                StepEnd::Failed => "FAILED",
            };
            let detail = detail
                .as_ref()
                .map(|d| format!(": {d}"))
                .unwrap_or_default();
            format!("{node} {}: {word} ({secs:.1}s){detail}", step.name())
        }
        Event::Gate {
            node,
            passed,
            checks,
        } => {
            if *passed {
                return None;
            }
            let evidence: Vec<String> = checks
                .iter()
                .map(|c| {
                    format!(
                        "  {} {}: {}",
                        if c.ok { "ok  " } else { "FAIL" },
                        c.name,
                        c.evidence
                    )
                })
                .collect();
            format!("{node} gate evidence:\n{}", evidence.join("\n"))
        }
        Event::Notice { message } => format!("note: {message}"),
    })
}

async fn plain(mut events: UnboundedReceiver<Event>) {
    let mut err = anstream::stderr();
    while let Some(event) = events.recv().await {
        if let Some(line) = line_of(&event) {
            let _ = writeln!(err, "{line}");
        }
    }
}

async fn bars(mut events: UnboundedReceiver<Event>) {
    let multi = MultiProgress::new();
    let style = ProgressStyle::with_template("{spinner} {prefix:12} {elapsed:>4} {wide_msg}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    let mut bars: BTreeMap<String, (ProgressBar, Instant)> = BTreeMap::new();
    let mut bar = |node: &str| {
        bars.entry(node.to_owned())
            .or_insert_with(|| {
                let bar = multi.add(ProgressBar::new_spinner().with_style(style.clone()));
                bar.set_prefix(node.to_owned());
                bar.enable_steady_tick(TICK);
                (bar, Instant::now())
            })
            .0
            .clone()
    };
    while let Some(event) = events.recv().await {
        match &event {
            Event::Started { node, step } => bar(node).set_message(format!("{}…", step.name())),
            Event::Output { node, step, line } => {
                bar(node).set_message(format!("{}: {line}", step.name()))
            }
            Event::Finished {
                node,
                end: StepEnd::Ok,
                step,
                secs,
                ..
            } => {
                bar(node).set_message(format!("{} ok ({secs:.1}s)", step.name()));
            }
            other => {
                if let Some(line) = line_of(other) {
                    let _ = multi.println(line);
                }
            }
        }
    }
    for (bar, _) in bars.values() {
        bar.finish();
    }
}

fn summary(report: &Report) -> String {
    let mut table = Table::new(&["NODE", "FROM", "TO", "RESULT", "STAGE", "ROLLOUT"]);
    for row in &report.nodes {
        let (word, style) = match row.result {
            NodeResult::Deployed => ("deployed", theme::GOOD),
            NodeResult::RolledBack => ("rolled back", theme::WARN),
            NodeResult::Untouched => ("untouched", theme::PLAIN),
            NodeResult::Failed => ("NEEDS A LOOK", theme::BAD),
        };
        let commit = |c: &Option<String>| {
            c.as_deref()
                .map_or_else(Cell::missing, |c| Cell::plain(short_commit(c)))
        };
        table.push(vec![
            Cell::plain(&row.node),
            commit(&row.from),
            commit(&row.to),
            Cell::new(word, style),
            Cell::plain(format!("{:.1}s", row.stage_secs)),
            Cell::plain(format!("{:.1}s", row.rollout_secs)),
        ]);
    }
    let outcome = serde_json::to_value(report.outcome)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let mut text = table.render();
    text.push_str(&format!(
        "{}: {outcome} in {:.1}s (exit {}){}\n",
        report.command,
        report.secs,
        report.outcome.code(),
        report
            .target
            .as_deref()
            .map(|t| format!(", target {t}"))
            .unwrap_or_default()
    ));
    if let Some(reason) = &report.reason {
        text.push_str(&format!("why: {reason}\n"));
    }
    text
}

/// Asks on the terminal; `true` for yes.
///
/// # Errors
/// The terminal cannot be read.
pub(crate) fn confirm(question: &str) -> std::io::Result<bool> {
    eprint!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

/// Says what the first Ctrl-C does during a deploy, and what a second one (which
/// exits at once, see `shutdown`) would leave undone.
pub(crate) async fn explain_interrupt(shutdown: Shutdown) {
    shutdown.requested().await;
    eprintln!(
        "Ctrl-C: finishing the step in flight (a restarted node is gated or rolled back), \
         then releasing the locks. A second Ctrl-C leaves at once and leaves undone: the \
         step in flight (check `timectl status`), and the locks, which stay until they go \
         stale in {}s (or `timectl lock release --force-unlock`).",
        DEPLOY_LOCK_TTL.as_secs()
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deploy::report::{NodeReport, Outcome};

    #[test]
    fn the_summary_keeps_a_dirty_mark() {
        let report = Report {
            command: "deploy",
            outcome: Outcome::Deployed,
            reason: None,
            fleet: "f".into(),
            target: Some("0123456789abcdef0123456789abcdef01234567".into()),
            user: "u".into(),
            controller: "c".into(),
            message: String::new(),
            started: 0,
            secs: 1.0,
            nodes: vec![NodeReport {
                node: "n1".into(),
                from: Some("fedcba9876543210fedcba9876543210fedcba98-dirty".into()),
                to: Some("0123456789abcdef0123456789abcdef01234567".into()),
                result: NodeResult::Deployed,
                stage_secs: 1.0,
                rollout_secs: 1.0,
            }],
        };
        let text = summary(&report);
        let row = text.lines().find(|l| l.starts_with("n1")).expect("row");
        assert!(row.contains("fedcba987654-dirty"), "{row}");
        assert!(row.contains("0123456789ab "), "{row}");
    }
}
