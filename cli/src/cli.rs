//! The command line: every subcommand, flag and help text, as one clap definition
//! that the binary parses and the xtask turns into completions and a man page.

use std::path::PathBuf;

use clap::{CommandFactory, Parser, Subcommand};

use crate::cmd::{
    check, completions, demo, deploy, devnet, exporter, fleet, lock, logs, rollback, status, tui,
};

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
    pub command: Verb,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Verb {
    Status(status::Args),
    Check(check::Args),
    Exporter(exporter::Args),
    Fleet(fleet::Args),
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

/// The completion script for `shell`, generated from this definition (what
/// `cargo xtask completions` writes into `completions/`).
pub fn completion_script(shell: clap_complete::Shell) -> Vec<u8> {
    completions::script(shell, &mut command())
}

/// Ends the process for a command line clap cannot parse. clap exits 2, which
/// `check` uses for a failed item; for `check`, a bad flag exits
/// [`check::USAGE`].
pub(crate) fn exit_on_bad_usage(error: clap::Error) -> ! {
    let is_check = command()
        .ignore_errors(true)
        .try_get_matches()
        .ok()
        .is_some_and(|m| m.subcommand_name() == Some("check"));
    if is_check && error.use_stderr() {
        let _ = error.print();
        std::process::exit(i32::from(check::USAGE.get()));
    }
    error.exit()
}

#[cfg(test)]
mod tests {
    use super::*;

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
