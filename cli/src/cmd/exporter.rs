//! `timectl exporter`: the checklist and each node's facts as Prometheus
//! metrics, judged over back-to-back windows and served on `--listen` until
//! Ctrl-C. One line a window on stdout says how it went (journald keeps them
//! under systemd).

use std::io::Write as _;
use std::net::SocketAddr;

use crate::cmd::check::{Judging, plan};
use crate::constants::EXPORTER_LISTEN_BACKLOG;
use crate::exporter::{self, Event, Options};
use crate::{Code, Ctx, Error};

/// Serve the checklist and the nodes' facts as Prometheus metrics.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  timectl exporter --listen 127.0.0.1:9750
  timectl exporter --listen 0.0.0.0:9750 --window 2m LW-London LW-Arizona

Each window (the [check] table's, else 60s; --window) is judged with the same
engine as `timectl check`, one at a time; GET /metrics answers from the last
one at once. contrib/prometheus/ has the alert rules and a scrape configuration.

Exit codes: 0 never (it runs until stopped), 1 the address cannot be listened
on or the server failed, 2 bad input (flags, fleet file, unknown node),
130 interrupted (Ctrl-C), 143 terminated (SIGTERM).")]
pub(crate) struct Args {
    /// Only these nodes (by name); all when none given. The fleet's size still
    /// sets how many masternodes and peers each node should see.
    #[arg(value_name = "NODES")]
    pub nodes: Vec<String>,
    /// Where to serve /metrics.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:9750")]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub judging: Judging,
}

/// Runs `timectl exporter` until Ctrl-C or SIGTERM.
///
/// # Errors
/// Bad input, an address that cannot be listened on, a failed server.
pub(crate) async fn run(ctx: &Ctx, args: &Args) -> Result<Code, Error> {
    let plan = plan(ctx, &args.nodes, &args.judging)?;
    let listener = timecoin_http::bind(args.listen, EXPORTER_LISTEN_BACKLOG)
        .map_err(|e| Error::io(format!("cannot listen on {}", args.listen), e))?;
    let output = ctx.output();
    let shown = |event: Event| {
        let mut out = output.stdout();
        let _ = writeln!(out, "{}", describe(&event));
        let _ = out.flush();
    };
    let options = Options { plan, listener };
    exporter::run(ctx.pool(), options, &shown, ctx.shutdown().token())
        .await
        .map_err(|e| Error::io("the metrics server failed", e))?;
    Ok(Code::OK)
}

/// One line for an event.
fn describe(event: &Event) -> String {
    match event {
        Event::Listening { addr } => format!("serving http://{addr}/metrics"),
        Event::Evaluated {
            number,
            took,
            verdict,
            unanswered,
        } => {
            let mut line = format!(
                "evaluation {number}: {} in {:.1}s",
                verdict.as_str(),
                took.as_secs_f64()
            );
            if !unanswered.is_empty() {
                line.push_str(&format!("; did not answer: {}", unanswered.join(", ")));
            }
            line
        }
    }
}
