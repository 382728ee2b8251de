//! `timectl`, the operator tool for a Timecoin fleet, as a library: the binary is
//! a thin shell over [`run`]; the xtask takes the clap definition from here.
//! The modules are private: what is public is the chosen list below (the
//! context, connection pool and probe every command builds on), and the seams
//! the integration tests drive sit in `testing`, behind the `testing` feature.
//!
//! # Layout
//! - `cli`: the clap definition (`command()`), shared by completions and the man page.
//! - `flags`: flag types several subcommands share (`--output`, intervals).
//! - `cmd`: one module per subcommand: its `Args` and `run(&Ctx, &Args)`.
//! - `ctx`: what every subcommand runs in (fleet, selection, output, pool, shutdown).
//! - `error`: the one error type and the exit codes.
//! - `causes`: an error and its causes on one line, as every command prints them.
//! - `shutdown`: Ctrl-C and SIGTERM.
//! - `fleet`: finding and loading the fleet file.
//! - `remote`: transports (`ssh`, `local`).
//! - `pool`: one connection and one RPC client per node for the whole process.
//! - `rpc_client`: a node's HTTP RPC through a tunnel or a URL.
//! - `probe`: one node's state as a `NodeSnapshot`, behind the node's API.
//! - `devnet`: the engine of `devnet` and the demo: `up`, `down`, `restart`, `status`.
//! - `table`: tables and colour for terminal output.
//! - `notice`: what the operator must be told that is no result and no error
//!   (a certificate trusted on first use), sent by whoever meets it and shown
//!   by whatever renders the command.
//! - `emit`: the one way an engine reports: typed events handed to an `Emit`.
//! - `constants`: every timeout and limit (its doc lists the few display sizes
//!   and wire codes that stay beside their code).
//! - `check`: the engine of `timectl check` (one window, facts, verdict).
//! - `exporter`: the engine of `timectl exporter` (evaluations, metrics, `/metrics`).
//! - `logs`: the engine of `timectl logs` (classified, merged, resumable streams).
//! - `output`: renderers of a checklist report (text, JSON, JUnit, Nagios).
//! - `deploy`, `lock`: the engine of `deploy` and `rollback`, and the node lock.
//! - `tui`: the live dashboard (state, update, drawing, pollers) behind `tui` and `demo`.

mod causes;
mod check;
mod cli;
mod cmd;
// Correctness: the seams `testing` re-exports are `pub`; without that feature
// nothing reaches them, which is expected.
#[cfg_attr(not(feature = "testing"), allow(unreachable_pub))]
mod constants;
mod ctx;
mod deploy;
#[cfg_attr(not(feature = "testing"), allow(unreachable_pub))]
mod devnet;
#[cfg_attr(not(feature = "testing"), allow(unreachable_pub))]
mod emit;
mod error;
mod exporter;
mod flags;
#[cfg_attr(not(feature = "testing"), allow(unreachable_pub))]
mod fleet;
#[cfg_attr(not(feature = "testing"), allow(unreachable_pub))]
mod lock;
#[cfg_attr(not(feature = "testing"), allow(unreachable_pub))]
mod logs;
mod notice;
mod output;
mod pool;
mod probe;
#[cfg_attr(not(feature = "testing"), allow(unreachable_pub))]
mod remote;
#[cfg_attr(not(feature = "testing"), allow(unreachable_pub))]
mod rpc_client;
mod shutdown;
mod table;
#[cfg_attr(not(feature = "testing"), allow(unreachable_pub))]
mod tui;

#[cfg(feature = "testing")]
pub mod testing;

use std::process::ExitCode;

use clap::Parser;

pub use cli::{command, completion_script};
pub use cmd::completions::SHELLS as COMPLETION_SHELLS;
pub use ctx::{Ctx, Output};
pub use devnet::DevnetError;
pub use error::{Code, Error};
pub use pool::Pool;
pub use probe::{NodeApi, probe, probe_all};
pub use remote::ConnectOptions;
pub use shutdown::Shutdown;

/// Parses the command line, runs the subcommand and returns the exit code.
pub fn run() -> ExitCode {
    let cli = cli::Cli::try_parse().unwrap_or_else(|e| cli::exit_on_bad_usage(e));
    raise_open_files();
    let runtime = match runtime_for(&cli.command) {
        Ok(rt) => rt,
        Err(e) => {
            error::report(&Error::io("cannot start the async runtime", e));
            return Code::FAILED.into();
        }
    };
    let code = runtime.block_on(run_in_runtime(cli));
    // Background tasks (forwards, streams) end with the runtime, not after it.
    runtime.shutdown_timeout(constants::RUNTIME_SHUTDOWN_GRACE);
    code.into()
}

/// Lifts this process's soft limit on open files to its hard limit (at most
/// [`constants::OPEN_FILES`]): a command holds about eight descriptors per SSH
/// node (the master's control connection, the tunnel's listener and its RPC
/// connections), so a hundred-odd nodes pass the usual soft limit of 1024 while
/// the hard limit allows far more. Left as it was if that is refused.
fn raise_open_files() {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    if let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) {
        let wanted = hard.min(constants::OPEN_FILES);
        if soft < wanted {
            let _ = setrlimit(Resource::RLIMIT_NOFILE, wanted, hard);
        }
    }
}

/// The dashboard gets one thread: its tasks mostly wait, and handing every poll
/// answer and log line to another thread to be drawn cost more than the work
/// itself (an idle dashboard is meant to cost nothing). Every other command gets
/// two workers for its fan-out over the fleet.
fn runtime_for(command: &cli::Verb) -> std::io::Result<tokio::runtime::Runtime> {
    let mut builder = match command {
        cli::Verb::Tui(_) | cli::Verb::Demo(_) => tokio::runtime::Builder::new_current_thread(),
        _ => {
            let mut builder = tokio::runtime::Builder::new_multi_thread();
            builder.worker_threads(2);
            builder
        }
    };
    builder.enable_all().build()
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
    // The dashboard shows notices itself; every other command prints them.
    if !matches!(cli.command, cli::Verb::Tui(_) | cli::Verb::Demo(_)) {
        ctx.print_notices();
    }
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

async fn dispatch(ctx: &Ctx, command: cli::Verb) -> Result<Code, Error> {
    match command {
        cli::Verb::Status(args) => cmd::status::run(ctx, &args).await,
        cli::Verb::Check(args) => cmd::check::run(ctx, &args).await,
        cli::Verb::Exporter(args) => cmd::exporter::run(ctx, &args).await,
        cli::Verb::Fleet(args) => cmd::fleet::run(ctx, &args).await,
        cli::Verb::Devnet(args) => cmd::devnet::run(ctx, &args).await,
        cli::Verb::Logs(args) => cmd::logs::run(ctx, &args).await,
        cli::Verb::Tui(args) => cmd::tui::run(ctx, &args).await,
        cli::Verb::Demo(args) => cmd::demo::run(ctx, &args).await,
        cli::Verb::Deploy(args) => cmd::deploy::run(ctx, &args).await,
        cli::Verb::Rollback(args) => cmd::rollback::run(ctx, &args).await,
        cli::Verb::Lock(args) => cmd::lock::run(ctx, &args).await,
        cli::Verb::Completions(args) => cmd::completions::run(ctx, &args, cli::command()),
    }
}
