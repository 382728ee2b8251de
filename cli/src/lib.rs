//! `timectl`, the operator tool for a Timecoin fleet, as a library: the binary is
//! a thin shell over [`run`], and tests and the xtask reach the same code.
//!
//! # Layout
//! - [`cli`]: the clap definition (`command()`), shared by completions and the man page.
//! - [`cmd`]: one module per subcommand.
//! - [`fleet`]: finding and loading the fleet file.
//! - [`remote`]: transports (`ssh`, `local`): run, stream lines, forward a port.
//! - [`rpc_client`]: a node's HTTP RPC through a tunnel or a URL.
//! - [`devnet`]: the parts of a local devnet (state, processes, fleet file).
//! - [`table`]: tables and colour for terminal output.
//! - [`constants`]: every timeout and limit.
//! - [`logs`]: the parts of `timectl logs` (classified, merged, resumable streams).
//! - [`deploy`], [`lock`]: the engine of `deploy` and `rollback`, and the node lock.

pub mod cli;
pub mod cmd;
pub mod constants;
pub mod deploy;
pub mod devnet;
pub mod fleet;
pub mod lock;
pub mod logs;
pub mod remote;
pub mod rpc_client;
pub mod table;

use std::process::ExitCode;

use clap::Parser;

/// Exit codes: the same for every subcommand, documented in `--help`.
pub mod exit {
    /// Everything asked for was done; every node answered.
    pub const OK: u8 = 0;
    /// A node was unreachable or an operation failed.
    pub const FAILED: u8 = 1;
    /// Bad input: flags or the fleet file.
    pub const BAD_INPUT: u8 = 2;
}

/// An error caused by what the operator gave us (exit code 2), as opposed to
/// what happened on the way (exit code 1).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

/// Parses the command line, runs the subcommand and returns the exit code.
pub fn run() -> ExitCode {
    let cli = cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(exit::FAILED);
        }
    };
    let result = runtime.block_on(dispatch(cli));
    // Background tasks (forwards, streams) end with the runtime, not after it.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    match result {
        Ok(code) => ExitCode::from(code),
        Err(report) => {
            if is_broken_pipe(&report) {
                return ExitCode::from(exit::OK);
            }
            let bad_input = report.downcast_ref::<fleet::LoadError>().is_some()
                || report.downcast_ref::<BadInput>().is_some();
            if bad_input {
                // The operator's own mistake: the message is the whole story.
                eprintln!("error: {report}");
                ExitCode::from(exit::BAD_INPUT)
            } else {
                eprintln!("Error: {report:?}");
                ExitCode::from(exit::FAILED)
            }
        }
    }
}

async fn dispatch(cli: cli::Cli) -> color_eyre::Result<u8> {
    let options = remote::ConnectOptions {
        accept_new_host_keys: cli.accept_new_host_keys,
    };
    match cli.command {
        cli::Command::Status(args) => cmd::status::run(cli.fleet.as_deref(), &options, &args).await,
        cli::Command::Devnet(args) => cmd::devnet::run(&args).await,
        cli::Command::Logs(args) => cmd::logs::run(&args, cli.fleet.as_deref(), &options).await,
        cli::Command::Deploy(args) => cmd::deploy::run(cli.fleet.as_deref(), &options, &args).await,
        cli::Command::Rollback(args) => {
            cmd::rollback::run(cli.fleet.as_deref(), &options, &args).await
        }
        cli::Command::Lock(args) => cmd::lock::run(cli.fleet.as_deref(), &options, &args).await,
        cli::Command::Completions(args) => cmd::completions::run(&args).map(|()| exit::OK),
    }
}

fn is_broken_pipe(report: &color_eyre::Report) -> bool {
    report.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
