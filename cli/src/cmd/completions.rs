//! `timectl completions SHELL`: the completion script for a shell, the same text
//! `cargo xtask completions` writes into `completions/`.

use std::io::Write;

use clap_complete::Shell;

use crate::{Code, Ctx, Error};

/// Print the shell completion script for SHELL.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  timectl completions bash > ~/.local/share/bash-completion/completions/timectl
  timectl completions zsh > \"${fpath[1]}/_timectl\"
  timectl completions fish > ~/.config/fish/completions/timectl.fish

Exit codes: 0 printed, 2 bad input (an unknown shell).")]
pub(crate) struct Args {
    /// bash, zsh, fish, elvish or powershell.
    pub shell: Shell,
}

/// Every shell we ship a script for, with its file name in `completions/`.
pub const SHELLS: &[(Shell, &str)] = &[
    (Shell::Bash, "timectl.bash"),
    (Shell::Zsh, "_timectl"),
    (Shell::Fish, "timectl.fish"),
    (Shell::Elvish, "timectl.elv"),
    (Shell::PowerShell, "_timectl.ps1"),
];

/// The completion script for `shell`, generated from the clap `definition`.
pub(crate) fn script(shell: Shell, definition: &mut clap::Command) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, definition, "timectl", &mut out);
    out
}

/// Prints the script for the clap `definition` it is given (the dispatcher
/// hands it `cli::command()`, which names this module's `Args`).
///
/// # Errors
/// Stdout is closed.
pub(crate) fn run(_ctx: &Ctx, args: &Args, mut definition: clap::Command) -> Result<Code, Error> {
    std::io::stdout().write_all(&script(args.shell, &mut definition))?;
    Ok(Code::OK)
}
