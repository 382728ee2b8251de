//! `timectl` binary entry point: install error reporting, then hand over to the
//! library.

use std::process::ExitCode;

fn main() -> ExitCode {
    if let Err(e) = color_eyre::install() {
        eprintln!("warning: error reporting not installed: {e}");
    }
    timectl::run()
}
