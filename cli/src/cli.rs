//! The command line: every subcommand, flag and help text, as one clap definition
//! that the binary parses and the xtask turns into completions and a man page.

use std::path::PathBuf;
use std::time::Duration;

use clap::{CommandFactory, Parser, Subcommand};

use crate::cmd::{check, completions, demo, deploy, devnet, lock, logs, rollback, status, tui};

const EXAMPLES: &str = "\
Examples:
  timectl devnet up --nodes 4 --dir /tmp/devnet     # a local fleet of 4 daemons
  timectl --fleet /tmp/devnet/fleet.toml status      # one row per node
  timectl status --output json | jq '.nodes[].block_height'
  timectl completions bash > /etc/bash_completion.d/timectl

The fleet file is found by --fleet, $TIMECTL_FLEET, ./fleet.toml, then
$XDG_CONFIG_HOME/timectl/fleet.toml (else ~/.config/timectl/fleet.toml).

Exit codes: 0 success, 1 a node unreachable or an operation failed,
2 bad input (flags, fleet file), 130 interrupted (Ctrl-C), 143 terminated
(SIGTERM); each subcommand's --help lists its own.";

/// Operator tool for a Timecoin masternode fleet.
#[derive(Debug, Parser)]
#[command(name = "timectl", version, after_help = EXAMPLES)]
pub(crate) struct Cli {
    /// The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir).
    #[arg(long, global = true, value_name = "FILE")]
    pub fleet: Option<PathBuf>,

    /// Trust SSH host keys never seen before (accept-new) for every node; changed
    /// keys are still refused.
    #[arg(long, global = true)]
    pub accept_new_host_keys: bool,

    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    Status(status::Args),
    Check(check::Args),
    Devnet(devnet::Args),
    Logs(logs::Args),
    Tui(tui::Args),
    Demo(demo::Args),
    Lock(lock::Args),
    Deploy(deploy::Args),
    Rollback(rollback::Args),
    Completions(completions::Args),
}

/// The clap definition, for completions, the man page and tests.
pub fn command() -> clap::Command {
    Cli::command()
}

/// How a command prints its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub(crate) enum OutputFormat {
    /// A table for people (coloured on a terminal, NO_COLOR honoured).
    #[default]
    Text,
    /// JSON for scripts.
    Json,
}

/// A polling interval that is not a duration, or is zero.
#[derive(Debug, thiserror::Error)]
pub(crate) enum IntervalError {
    #[error(transparent)]
    Parse(#[from] humantime::DurationError),
    #[error("must be more than zero: a zero interval would poll in a busy loop")]
    Zero,
}

/// Parses a polling interval (`--interval`, `--watch`): a duration such as `2s`
/// or `1m 30s`, more than zero.
pub(crate) fn interval(text: &str) -> Result<Duration, IntervalError> {
    let every = humantime::parse_duration(text)?;
    if every.is_zero() {
        return Err(IntervalError::Zero);
    }
    Ok(every)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interval_is_a_duration_above_zero() {
        assert_eq!(interval("1m 30s").ok(), Some(Duration::from_secs(90)));
        assert!(matches!(interval("0s"), Err(IntervalError::Zero)));
        assert!(matches!(interval("0ms"), Err(IntervalError::Zero)));
        assert!(matches!(interval("soon"), Err(IntervalError::Parse(_))));
    }

    /// Every command and subcommand, by its path of names.
    fn all(cmd: &clap::Command, path: &str, out: &mut Vec<(String, clap::Command)>) {
        out.push((path.to_owned(), cmd.clone()));
        for sub in cmd.get_subcommands() {
            all(sub, &format!("{path} {}", sub.get_name()), out);
        }
    }

    #[test]
    fn every_help_states_its_exit_codes() {
        let mut commands = Vec::new();
        all(&command(), "timectl", &mut commands);
        assert!(commands.len() > 5, "{}", commands.len());
        for (path, mut cmd) in commands {
            let help = cmd.render_long_help().to_string();
            assert!(help.contains("Exit codes:"), "{path} --help:\n{help}");
        }
    }
}
