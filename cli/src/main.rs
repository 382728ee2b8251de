//! `timectl` binary entry point: install error reporting, then hand over to the
//! library.

use std::io::IsTerminal as _;
use std::process::ExitCode;

use color_eyre::config::{HookBuilder, Theme};

fn main() -> ExitCode {
    // Colour in error reports only on a terminal, and never under NO_COLOR.
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let hook = if colour {
        HookBuilder::default()
    } else {
        HookBuilder::default().theme(Theme::new())
    };
    if let Err(e) = hook.install() {
        eprintln!("warning: error reporting not installed: {e}");
    }
    timectl::run()
}
