//! Project chores, run as `cargo xtask TASK`.
//!
//! - `completions`: regenerate `completions/` (a script per shell and the man
//!   page `timectl.1`) from timectl's clap definition. A test in `cli/` fails when
//!   the committed files differ from what this writes.
//! - `chaos`: real `timed` daemons on lab hosts through a seeded schedule of
//!   faults, with an invariant checker and a report (see `chaos.rs`).
//! - `bench`: every benchmark, and `docs/PERFORMANCE.md` from their figures
//!   (see `bench.rs`); `--smoke` runs each once at its smallest size.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod bench;
mod chaos;
mod command;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("completions") => completions(&root().join("completions")),
        Some("chaos") => return chaos::main(&root(), &args[1..]),
        Some("bench") => return bench::main(&root(), &args[1..]),
        _ => Err("usage: cargo xtask completions | cargo xtask chaos [--nodes N] [--duration D] [--seed S] | cargo xtask bench [--smoke] [--only NAME,...]".to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (the xtask crate's parent).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

fn completions(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for (shell, file) in timectl::COMPLETION_SHELLS {
        write(&dir.join(file), &timectl::completion_script(*shell))?;
    }
    let mut man = Vec::new();
    clap_mangen::Man::new(timectl::command())
        .render(&mut man)
        .map_err(|e| format!("rendering the man page: {e}"))?;
    write(&dir.join("timectl.1"), &man)
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}

/// A task's command line, parsed by clap as `cargo xtask TASK ARGS`; on
/// `--help` or a bad argument, what clap printed and the exit code to end with
/// (0 for help, 2 for a usage error).
fn parse_args<A: clap::Parser>(task: &str, argv: &[String]) -> Result<A, ExitCode> {
    A::try_parse_from(std::iter::once(format!("cargo xtask {task}")).chain(argv.iter().cloned()))
        .map_err(|e| {
            let _ = e.print();
            if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            }
        })
}
