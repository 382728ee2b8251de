//! What every subcommand runs in, built once by [`crate::run`]: the fleet (loaded
//! on first use, so `devnet` and `completions` need none) and node selection,
//! the output settings, the connection pool, the notices met on the way, and
//! the shutdown that Ctrl-C fires.
//! Each subcommand is `run(&Ctx, &Args) -> Result<Code, Error>`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use timecoin_shared::fleet::{Fleet, Node};
use tokio::sync::mpsc::UnboundedReceiver;

use crate::emit::Emit;
use crate::error::Error;
use crate::fleet::{self, LoadedFleet};
use crate::notice::{Board, Notice, Notices};
use crate::pool::Pool;
use crate::remote::ConnectOptions;
use crate::shutdown::Shutdown;

/// The context of one `timectl` run.
#[derive(Debug)]
pub struct Ctx {
    fleet_path: Option<PathBuf>,
    fleet: OnceLock<LoadedFleet>,
    output: Output,
    pool: Pool,
    /// How the notices the pool's connections send are shown.
    notices: Arc<Board>,
    shutdown: Shutdown,
}

impl Ctx {
    /// A context for a run with `--fleet` (if given) and these connect options.
    /// Nothing is loaded or connected yet.
    pub fn new(fleet_path: Option<&Path>, options: ConnectOptions, shutdown: Shutdown) -> Ctx {
        let notices = Arc::new(Board::default());
        let to: Arc<dyn Emit<Notice> + Send> = notices.clone();
        Ctx {
            fleet_path: fleet_path.map(Path::to_path_buf),
            fleet: OnceLock::new(),
            output: Output::detect(),
            pool: Pool::with_notices(options, Notices::new(to)),
            notices,
            shutdown,
        }
    }

    /// The run's notices, for the dashboard, which shows them itself; `None`
    /// once another renderer chose.
    pub(crate) fn take_notices(&self) -> Option<UnboundedReceiver<Notice>> {
        self.notices.forward()
    }

    /// Prints each notice as a `warning:` line on stderr, those held first; for
    /// every command but the dashboard, which owns the screen.
    pub(crate) fn print_notices(&self) {
        self.notices.print();
    }

    /// The notices no JSON output has carried yet, for the next one to carry.
    pub(crate) fn unreported_notices(&self) -> Vec<Notice> {
        self.notices.unreported()
    }

    /// The fleet, loaded on first call from `--fleet`, `$TIMECTL_FLEET`,
    /// `./fleet.toml` or the XDG config dir.
    ///
    /// # Errors
    /// No fleet file, or an invalid one (exit code 2).
    pub fn fleet(&self) -> Result<&LoadedFleet, Error> {
        if let Some(loaded) = self.fleet.get() {
            return Ok(loaded);
        }
        let loaded = fleet::load(self.fleet_path.as_deref())?;
        Ok(self.fleet.get_or_init(|| loaded))
    }

    /// The nodes named, in fleet order, or every node when `names` is empty.
    ///
    /// # Errors
    /// No usable fleet, or names not in it (all of them in one message, with
    /// the fleet's nodes).
    pub fn select(&self, names: &[String]) -> Result<Vec<Node>, Error> {
        let fleet = &self.fleet()?.fleet;
        select(fleet, names)
    }

    /// How output looks.
    pub fn output(&self) -> &Output {
        &self.output
    }

    /// The connections to the nodes, shared by everything in this run.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// Fired by Ctrl-C or SIGTERM; spawn long tasks on its tracker.
    pub fn shutdown(&self) -> &Shutdown {
        &self.shutdown
    }
}

/// The nodes named, in fleet order, or all when `names` is empty.
///
/// # Errors
/// Names not in the fleet, all listed in one message.
pub(crate) fn select(fleet: &Fleet, names: &[String]) -> Result<Vec<Node>, Error> {
    let unknown: Vec<&str> = names
        .iter()
        .filter(|n| fleet.node(n).is_none())
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        let known: Vec<&str> = fleet.nodes.iter().map(|n| n.name.as_str()).collect();
        return Err(Error::bad_input(format!(
            "no node named {} in fleet {:?} (nodes: {})",
            unknown.join(", "),
            fleet.name,
            known.join(", ")
        )));
    }
    Ok(fleet
        .nodes
        .iter()
        .filter(|n| names.is_empty() || names.contains(&n.name))
        .cloned()
        .collect())
}

/// Output settings decided once per run. The format (`--output`) is each
/// command's own flag, since commands offer different ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Output {
    colour: anstream::ColorChoice,
}

impl Output {
    /// Colour when stdout is a terminal and `NO_COLOR` is unset (anstream's
    /// rules, which also honour `CLICOLOR` and `CLICOLOR_FORCE`).
    fn detect() -> Output {
        Output {
            colour: anstream::AutoStream::choice(&std::io::stdout()),
        }
    }

    /// Whether stdout gets colours.
    pub fn colour(&self) -> bool {
        !matches!(self.colour, anstream::ColorChoice::Never)
    }

    /// Stdout, with styles kept or stripped as decided.
    pub fn stdout(&self) -> anstream::AutoStream<std::io::Stdout> {
        anstream::AutoStream::new(std::io::stdout(), self.colour)
    }

    /// `out`, with styles kept or stripped as decided.
    pub fn wrap<W: anstream::stream::RawStream>(&self, out: W) -> anstream::AutoStream<W> {
        anstream::AutoStream::new(out, self.colour)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn select_names_every_unknown_node_once() {
        let fleet = timecoin_shared::fleet::parse(
            "[fleet]\nname = \"f\"\n[[nodes]]\nname = \"a\"\nhost = \"h\"\n[[nodes]]\nname = \"b\"\nhost = \"h\"\n",
        )
        .expect("fleet");
        let all = select(&fleet, &[]).expect("all");
        assert_eq!(all.len(), 2);
        let one = select(&fleet, &["b".into()]).expect("b");
        assert_eq!(one[0].name, "b");
        let err = select(&fleet, &["x".into(), "a".into(), "y".into()]).expect_err("unknown");
        assert_eq!(err.code(), crate::error::Code::BAD_INPUT);
        assert_eq!(
            err.to_string(),
            "no node named x, y in fleet \"f\" (nodes: a, b)"
        );
    }
}
