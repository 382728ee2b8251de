//! `timectl fleet`: what can be derived from the fleet file for other tools;
//! `fleet sd` writes the Prometheus file-based service discovery list of the
//! daemons' `/metrics`, to stdout or atomically to a file Prometheus watches.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::fleet::targets;
use crate::{Code, Ctx, Error};

/// Derive files for other tools from the fleet file.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit codes: 0 written, 1 the file cannot be written, 2 bad input \
(flags, fleet file)."
)]
pub(crate) struct Args {
    #[command(subcommand)]
    pub what: What,
}

/// What to derive.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum What {
    Sd(SdArgs),
}

/// Write the daemons' metrics targets as a Prometheus file_sd list (JSON).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  timectl fleet sd > /etc/prometheus/timecoin/timed.json
  timectl fleet sd --write /etc/prometheus/timecoin/timed.json   # atomic, for a running Prometheus

One target group per node: its daemon's RPC address (where GET /metrics is),
labelled node and fleet. A node whose RPC is reached through an SSH tunnel to
its loopback is written at its host address, with a warning on stderr.

Exit codes: 0 written, 1 the file cannot be written, 2 bad input (flags, fleet file).")]
pub(crate) struct SdArgs {
    /// Write the list to FILE (a temporary file renamed over it, so Prometheus
    /// never reads half a list) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub write: Option<PathBuf>,
}

/// Runs `timectl fleet`.
///
/// # Errors
/// Bad input, or the file cannot be written.
pub(crate) async fn run(ctx: &Ctx, args: &Args) -> Result<Code, Error> {
    match &args.what {
        What::Sd(args) => sd(ctx, args).await,
    }
}

async fn sd(ctx: &Ctx, args: &SdArgs) -> Result<Code, Error> {
    let (groups, caveats) = targets(&ctx.fleet()?.fleet);
    for caveat in &caveats {
        eprintln!("warning: {}: {}", caveat.node, caveat.text);
    }
    let mut text = serde_json::to_string_pretty(&groups)
        .map_err(|e| Error::failed(format!("cannot write the list as JSON: {e}")))?;
    text.push('\n');
    match &args.write {
        Some(path) => write_atomically(path, text.as_bytes())
            .map_err(|e| Error::io(format!("writing {}", path.display()), e))?,
        None => {
            let mut out = ctx.output().stdout();
            out.write_all(text.as_bytes())?;
            out.flush()?;
        }
    }
    Ok(Code::OK)
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}
