//! What `deploy` and `rollback` share on the command side: the lock takeover
//! flags, the confirmation, and running the engine under its renderer with
//! Ctrl-C explained, so the two commands differ only in their request.

use std::future::Future;
use std::io::IsTerminal as _;

use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tokio_util::sync::CancellationToken;

use super::render::{Renderer, confirm, explain_interrupt};
use crate::deploy::event::Event;
use crate::deploy::report::{self, Report};
use crate::flags::OutputFormat;
use crate::lock::Takeover;
use crate::{Code, Ctx, Error};

/// The flags `deploy` and `rollback` share: how to take over the deploy locks
/// a run finds, why it runs, and how it shows itself.
#[derive(Debug, clap::Args)]
pub(crate) struct RunFlags {
    /// Take over deploy locks past their TTL (recorded on the node).
    #[arg(long, conflicts_with = "force_unlock")]
    pub(crate) steal_stale: bool,
    /// Break any deploy lock (recorded on the node).
    #[arg(long)]
    pub(crate) force_unlock: bool,
    /// Why: recorded in the lock and the audit log.
    #[arg(short, long, value_name = "MSG", default_value = "")]
    pub(crate) message: String,
    /// text (progress and a summary) or json (one event per line, then the summary).
    #[arg(long, value_enum, default_value_t)]
    pub(crate) output: OutputFormat,
}

impl RunFlags {
    /// The takeover the flags ask for.
    pub(crate) fn takeover(&self) -> Takeover {
        if self.force_unlock {
            Takeover::Force
        } else if self.steal_stale {
            Takeover::StealStale
        } else {
            Takeover::No
        }
    }
}

/// Whether to go on: yes with `--yes`, else the operator's answer on a
/// terminal; without one, bad input naming `what` (e.g. "deploy").
///
/// # Errors
/// No terminal and no `--yes`, or the terminal cannot be read.
pub(crate) fn go_ahead(yes: bool, what: &str, question: &str) -> Result<bool, Error> {
    if yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        return Err(Error::bad_input(format!(
            "refusing to {what} without confirmation: no terminal to ask on; pass --yes"
        )));
    }
    Ok(confirm(question)?)
}

/// The exit code of a run the operator declined.
pub(crate) fn declined() -> Code {
    Code::new(report::code::UNTOUCHED)
}

/// Runs an engine (`run::deploy` or `run::rollback`) with its events rendered
/// as `output` asks and Ctrl-C wired to its cancellation; prints the summary
/// and returns the run's exit code.
///
/// # Errors
/// stdout closed.
pub(crate) async fn drive<F, Fut>(ctx: &Ctx, flags: &RunFlags, engine: F) -> Result<Code, Error>
where
    F: FnOnce(UnboundedSender<Event>, CancellationToken) -> Fut,
    Fut: Future<Output = Report>,
{
    let (emit, events) = unbounded_channel();
    let watcher = tokio::spawn(explain_interrupt(ctx.shutdown().clone()));
    let renderer = Renderer::start(flags.output, events);
    // A JSON stream also carries the run's notices (a certificate trusted on
    // first use), besides their `warning:` line on stderr.
    let notices = (flags.output == OutputFormat::Json).then(|| emit.clone());
    let report = engine(emit, ctx.shutdown().token().clone()).await;
    if let Some(notices) = notices {
        for notice in ctx.unreported_notices() {
            let _ = notices.send(Event::Notice {
                message: notice.to_string(),
            });
        }
    }
    watcher.abort();
    renderer.finish(&report).await?;
    Ok(Code::new(report.outcome.code()))
}
