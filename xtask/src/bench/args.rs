//! The command line of `cargo xtask bench`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;

use super::run::{self, Mode};
use super::suite;

#[derive(Parser, Debug)]
#[command(
    name = "cargo xtask bench",
    about = "Runs every benchmark and writes docs/PERFORMANCE.md from their figures",
    after_help = "Examples:\n  cargo xtask bench                       full run (release build, about an hour)\n  cargo xtask bench --only mesh,consensus  two benchmarks; the report keeps only these\n  cargo xtask bench --smoke                each at its smallest size once, no report (CI)"
)]
struct Args {
    /// Each benchmark at its smallest size, once, on the debug build; no report.
    #[arg(long)]
    smoke: bool,
    /// Only these benchmarks (comma separated; see --list).
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Print the benchmarks and their command lines, and exit.
    #[arg(long)]
    list: bool,
    /// A Python virtualenv with `ansible-core` for the deploy comparison
    /// (`python3 -m venv V && V/bin/pip install ansible-core`); without it the
    /// deploy benchmark measures timectl and plain ssh only.
    #[arg(long)]
    ansible: Option<PathBuf>,
    /// Where the report goes.
    #[arg(long, default_value = "docs/PERFORMANCE.md")]
    out: PathBuf,
}

pub(crate) fn main(root: &Path, argv: &[String]) -> ExitCode {
    let args: Args = match crate::parse_args("bench", argv) {
        Ok(args) => args,
        Err(code) => return code,
    };
    let mode = if args.smoke { Mode::Smoke } else { Mode::Full };
    let benches = match suite::select(&args.only) {
        Ok(benches) => benches,
        Err(e) => {
            eprintln!("xtask bench: {e}");
            return ExitCode::from(2);
        }
    };
    if args.list {
        for bench in &benches {
            for line in bench.command_lines(mode, args.ansible.as_deref()) {
                println!("{:<10} {}", bench.name, line.join(" "));
            }
        }
        return ExitCode::SUCCESS;
    }
    let out = root.join(&args.out);
    match run::run(root, mode, &benches, args.ansible.as_deref(), &out) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("xtask bench: {e}");
            ExitCode::FAILURE
        }
    }
}
