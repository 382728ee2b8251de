//! `timed` binary: parse flags, set up logging, run the node, map failures to exit
//! codes (2 for a bad config, 1 for anything else that stops the node). A panic
//! (a bug) is reported by color-eyre.
//! `timed keygen` prints the node's id instead, for the network file.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use timed::{Args, Command, Config, DEFAULT_DATA_DIR, Identity};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    // Fails only when a hook is already installed, and none is before main.
    let _ = color_eyre::install();
    let mut args = Args::parse();
    if let Some(Command::Keygen { data_dir }) = args.command.take() {
        return keygen(
            data_dir
                .or(args.data_dir)
                .unwrap_or_else(|| DEFAULT_DATA_DIR.into()),
        );
    }
    init_tracing();
    let config = match Config::load(args) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("timed: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("timed: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(timed::run(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("timed: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Prints the node id of the key in `data_dir`, creating the key on first use.
fn keygen(data_dir: std::path::PathBuf) -> ExitCode {
    match Identity::load_or_create(&data_dir) {
        Ok(identity) => {
            println!("{}", identity.node_id());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("timed: {e}");
            ExitCode::FAILURE
        }
    }
}

/// One event per line on stdout; colours only on a terminal; `RUST_LOG` filters.
fn init_tracing() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stdout().is_terminal())
        .with_writer(std::io::stdout)
        .init();
}
