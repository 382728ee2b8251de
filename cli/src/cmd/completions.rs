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

/// The completion script for `shell`, generated from the clap definition.
pub fn script(shell: Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut crate::cli::command(), "timectl", &mut out);
    out
}

/// Prints the script.
///
/// # Errors
/// Stdout is closed.
pub(crate) fn run(_ctx: &Ctx, args: &Args) -> Result<Code, Error> {
    std::io::stdout().write_all(&script(args.shell))?;
    Ok(Code::OK)
}
