//! `timectl` binary entry point: the library does the work and picks the exit
//! code; errors are typed and printed once, without a backtrace.

use std::process::ExitCode;

fn main() -> ExitCode {
    timectl::run()
}
