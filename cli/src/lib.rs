//! `timectl`, the operator tool for a Timecoin fleet, as a library: the binary is
//! a thin shell over [`run`], and tests and the xtask reach the same code.
//!
//! # Layout
//! - [`cli`]: the clap definition (`command()`), shared by completions and the man page.
//! - [`cmd`]: one module per subcommand: its `Args` and `run(&Ctx, &Args)`.
//! - [`ctx`]: what every subcommand runs in (fleet, selection, output, pool, shutdown).
//! - [`error`]: the one error type and the exit codes.
//! - [`shutdown`]: Ctrl-C and SIGTERM.
//! - [`fleet`]: finding and loading the fleet file.
//! - [`remote`]: transports (`ssh`, `local`) and the connection pool.
//! - [`rpc_client`]: a node's HTTP RPC through a tunnel or a URL.
//! - [`probe`]: one node's state as a `NodeSnapshot`, behind the node's API.
//! - [`devnet`]: the parts of a local devnet (state, processes, fleet file).
//! - [`table`]: tables and colour for terminal output.
//! - [`constants`]: every timeout and limit.
//! - [`logs`]: the parts of `timectl logs` (classified, merged, resumable streams).
//! - [`output`]: renderers of a checklist report (text, JSON, JUnit, Nagios).
//! - [`deploy`], [`lock`]: the engine of `deploy` and `rollback`, and the node lock.

pub mod cli;
pub mod cmd;
pub mod constants;
pub mod ctx;
pub mod deploy;
pub mod devnet;
pub mod error;
pub mod fleet;
pub mod lock;
pub mod logs;
pub mod output;
pub mod probe;
pub mod remote;
pub mod rpc_client;
pub mod shutdown;
pub mod table;

use std::process::ExitCode;

use clap::Parser;

pub use ctx::Ctx;
pub use error::{Code, Error};

use crate::shutdown::Shutdown;

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
            error::report(&Error::io("cannot start the async runtime", e));
            return Code::FAILED.into();
        }
    };
    let code = runtime.block_on(run_in_runtime(cli));
    // Background tasks (forwards, streams) end with the runtime, not after it.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    code.into()
}

async fn run_in_runtime(cli: cli::Cli) -> Code {
    let shutdown = Shutdown::new();
    if let Err(e) = shutdown.listen() {
        error::report(&Error::io("cannot handle Ctrl-C", e));
        return Code::FAILED;
    }
    let options = remote::ConnectOptions {
        accept_new_host_keys: cli.accept_new_host_keys,
    };
    let ctx = Ctx::new(cli.fleet.as_deref(), options, shutdown.clone());
    let result = dispatch(&ctx, cli.command).await;
    // Everything started is stopped before we exit: tasks, then connections.
    shutdown.token().cancel();
    shutdown.drain().await;
    ctx.pool().close().await;
    let code = match result {
        Ok(code) => code,
        Err(e) => {
            if shutdown.signal_code().is_none() {
                error::report(&e);
            }
            e.code()
        }
    };
    shutdown.signal_code().unwrap_or(code)
}

async fn dispatch(ctx: &Ctx, command: cli::Command) -> Result<Code, Error> {
    match command {
        cli::Command::Status(args) => cmd::status::run(ctx, &args).await,
        cli::Command::Devnet(args) => cmd::devnet::run(ctx, &args).await,
        cli::Command::Logs(args) => cmd::logs::run(ctx, &args).await,
        cli::Command::Deploy(args) => cmd::deploy::run(ctx, &args).await,
        cli::Command::Rollback(args) => cmd::rollback::run(ctx, &args).await,
        cli::Command::Lock(args) => cmd::lock::run(ctx, &args).await,
        cli::Command::Completions(args) => cmd::completions::run(ctx, &args),
    }
}
