//! `timectl devnet up|status|down|restart`: N `timed` daemons on loopback, each
//! with its own address, ports and data dir, all masternodes, all meshed, recorded
//! in a directory with a `fleet.toml` that points the other commands at them.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::cli::OutputFormat;
use crate::devnet::process::{self, ProcessId};
use crate::devnet::state::{DevnetNode, DevnetState};
use crate::devnet::{fleet_file, network_file, start};
use crate::table::{Cell, Table, theme};
use crate::{Code, Ctx, Error};

/// Most nodes in one devnet: they share one /24 of loopback addresses.
const MAX_NODES: usize = 250;

/// Run a local fleet of timed daemons on loopback.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  timectl devnet up --nodes 4 --dir /tmp/devnet --block-interval 2s
  timectl --fleet /tmp/devnet/fleet.toml status
  timectl devnet status --dir /tmp/devnet --output json
  timectl devnet restart --dir /tmp/devnet node2
  timectl devnet down --dir /tmp/devnet

Exit codes: 0 done, 1 failed (a daemon did not start or stop), 2 bad input.")]
pub(crate) struct Args {
    #[command(subcommand)]
    pub action: Action,
}

/// What to do with the devnet.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Action {
    /// Start N daemons that outlive this command; write DIR/fleet.toml.
    #[command(
        after_help = "Example:\n  timectl devnet up --nodes 4 --dir /tmp/devnet\n\n\
        Exit codes: 0 all up and answering, 1 a daemon did not start, 2 bad input \
        (flags, a devnet already running there)."
    )]
    Up(UpArgs),
    /// Show which recorded daemons still run.
    #[command(
        after_help = "Example:\n  timectl devnet status --dir /tmp/devnet --output json\n\n\
        Exit codes: 0 every daemon runs, 1 one does not, 2 no devnet there."
    )]
    Status(StatusArgs),
    /// Stop exactly the recorded daemons (SIGTERM, then SIGKILL) and check they are gone.
    #[command(after_help = "Example:\n  timectl devnet down --dir /tmp/devnet\n\n\
        Exit codes: 0 none runs any more, 1 one would not stop, 2 no devnet there.")]
    Down(DirArgs),
    /// Restart one daemon with the flags it was started with.
    #[command(
        after_help = "Example:\n  timectl devnet restart --dir /tmp/devnet node2\n\n\
        Exit codes: 0 restarted and answering, 1 it did not come back, 2 bad input \
        (no devnet there, no such node)."
    )]
    Restart(RestartArgs),
}

/// The devnet's directory.
#[derive(Debug, clap::Args)]
pub(crate) struct DirArgs {
    /// Directory holding devnet.json, fleet.toml and each node's data and log.
    #[arg(long, value_name = "DIR")]
    pub dir: PathBuf,
}

/// `devnet up`.
#[derive(Debug, clap::Args)]
pub(crate) struct UpArgs {
    #[command(flatten)]
    pub dir: DirArgs,
    /// How many daemons.
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub nodes: usize,
    /// Time between block rounds (e.g. 2s).
    #[arg(long, default_value = "2s", value_name = "DURATION")]
    pub block_interval: String,
    /// Active masternodes needed to produce blocks [default: 3, or N if smaller].
    #[arg(long, value_name = "N")]
    pub min_masternodes: Option<usize>,
    /// Network name the daemons use.
    #[arg(long, default_value = "devnet", value_name = "NAME")]
    pub network: String,
    /// The timed executable [default: next to timectl, else on PATH].
    #[arg(long, value_name = "PATH")]
    pub timed: Option<PathBuf>,
}

/// `devnet status`.
#[derive(Debug, clap::Args)]
pub(crate) struct StatusArgs {
    #[command(flatten)]
    pub dir: DirArgs,
    /// text or json (`{"nodes": [{"name", "pid", "running", "p2p", "rpc"}]}`).
    #[arg(long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

/// `devnet restart`.
#[derive(Debug, clap::Args)]
pub(crate) struct RestartArgs {
    #[command(flatten)]
    pub dir: DirArgs,
    /// The node to restart (node1, node2, ...).
    pub node: String,
}

/// Runs `devnet`.
///
/// # Errors
/// Bad arguments, a devnet already running, `timed` not found or not starting,
/// or processes that would not stop.
pub(crate) async fn run(ctx: &Ctx, args: &Args) -> Result<Code, Error> {
    match &args.action {
        Action::Up(up_args) => up(up_args).await,
        Action::Status(status_args) => status(ctx, status_args),
        Action::Down(dir) => down(&dir.dir),
        Action::Restart(restart_args) => restart(restart_args).await,
    }
}

async fn up(args: &UpArgs) -> Result<Code, Error> {
    if args.nodes == 0 || args.nodes > MAX_NODES {
        return Err(Error::bad_input(format!(
            "--nodes must be 1 to {MAX_NODES}"
        )));
    }
    humantime::parse_duration(&args.block_interval).map_err(|e| {
        Error::bad_input(format!("--block-interval {:?}: {e}", args.block_interval))
    })?;
    let timed = process::find_timed(args.timed.as_deref())?;
    let dir = absolute(&args.dir.dir)?;
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    if let Ok(old) = DevnetState::load(&dir)
        && old.nodes.iter().any(|n| process::is_running(n.process()))
    {
        return Err(Error::bad_input(format!(
            "a devnet in {} is running; stop it first: timectl devnet down --dir {}",
            dir.display(),
            dir.display()
        )));
    }
    let min_masternodes = args.min_masternodes.unwrap_or(3.min(args.nodes));
    if min_masternodes == 0 || min_masternodes > args.nodes {
        return Err(Error::bad_input(format!(
            "--min-masternodes must be 1 to {}",
            args.nodes
        )));
    }
    let addresses = start::pick_addresses(args.nodes)?;
    let network_path = dir.join(network_file::NETWORK_FILE);
    let mut state = DevnetState {
        network: args.network.clone(),
        timed: timed.clone(),
        nodes: Vec::new(),
    };
    for (i, (p2p, rpc)) in addresses.iter().enumerate() {
        let name = format!("node{}", i + 1);
        let node_dir = dir.join(&name);
        let data_dir = node_dir.join("data");
        std::fs::create_dir_all(&data_dir)
            .map_err(|e| Error::io(format!("creating {}", data_dir.display()), e))?;
        let flags = vec![
            "--network-file".to_string(),
            network_path.display().to_string(),
            "--listen".into(),
            p2p.to_string(),
            "--rpc-bind".into(),
            rpc.to_string(),
            "--data-dir".into(),
            data_dir.display().to_string(),
            "--masternode".into(),
        ];
        state.nodes.push(DevnetNode {
            name,
            pid: 0,
            start_time: 0,
            p2p: *p2p,
            rpc: *rpc,
            data_dir,
            log: node_dir.join("timed.log"),
            args: flags,
        });
    }
    let ids = state
        .nodes
        .iter()
        .map(|n| network_file::keygen(&timed, &n.data_dir))
        .collect::<Result<Vec<_>, _>>()?;
    // Each node dials every other and names the id it expects there, so a
    // devnet never links to whatever else answers at a peer's address.
    let peers: Vec<String> = state
        .nodes
        .iter()
        .zip(&ids)
        .map(|(node, id)| format!("{id}@{}", node.p2p))
        .collect();
    for (i, node) in state.nodes.iter_mut().enumerate() {
        for (_, peer) in peers.iter().enumerate().filter(|(j, _)| *j != i) {
            node.args.push("--peer".into());
            node.args.push(peer.clone());
        }
    }
    let text = network_file::render(
        &args.network,
        &ids,
        min_masternodes,
        &args.block_interval,
        std::time::SystemTime::now(),
    );
    std::fs::write(&network_path, text)
        .map_err(|e| Error::io(format!("writing {}", network_path.display()), e))?;
    // Start all, recording each as it starts, so `down` can stop a partial devnet.
    for i in 0..state.nodes.len() {
        let node = &state.nodes[i];
        let started = process::spawn_detached(&timed, &node.args, &node.log);
        match started {
            Ok(pid) => {
                let node = &mut state.nodes[i];
                node.pid = pid.pid;
                node.start_time = pid.start_time;
                state
                    .save(&dir)
                    .map_err(|e| Error::io("recording the devnet", e))?;
            }
            Err(e) => {
                state.stop_all();
                return Err(Error::io(format!("starting {}", state.nodes[i].name), e));
            }
        }
    }
    for node in &state.nodes {
        if let Err(e) = start::wait_healthy(node).await {
            state.stop_all();
            return Err(e.into());
        }
    }
    let timectl = std::env::current_exe().map_err(|e| Error::io("locating timectl", e))?;
    let repo = git_toplevel();
    let fleet_path = dir.join("fleet.toml");
    let text = fleet_file::render(&state, &dir, &timectl, repo.as_deref(), min_masternodes);
    std::fs::write(&fleet_path, text)
        .map_err(|e| Error::io(format!("writing {}", fleet_path.display()), e))?;
    let mut out = anstream::stdout();
    writeln!(
        out,
        "{} daemons up (network {}, min_masternodes {min_masternodes}).\n\
         fleet file: {}\n\
         network file: {}\n\
         try:  timectl --fleet {} status\n\
         stop: timectl devnet down --dir {}",
        state.nodes.len(),
        state.network,
        fleet_path.display(),
        network_path.display(),
        fleet_path.display(),
        dir.display()
    )?;
    Ok(Code::OK)
}

fn status(ctx: &Ctx, args: &StatusArgs) -> Result<Code, Error> {
    #[derive(Serialize)]
    struct Row {
        name: String,
        pid: u32,
        running: bool,
        p2p: SocketAddr,
        rpc: SocketAddr,
        log: PathBuf,
    }
    #[derive(Serialize)]
    struct Report {
        nodes: Vec<Row>,
    }
    let state = DevnetState::load(&args.dir.dir)?;
    let rows: Vec<Row> = state
        .nodes
        .iter()
        .map(|n| Row {
            name: n.name.clone(),
            pid: n.pid,
            running: process::is_running(n.process()),
            p2p: n.p2p,
            rpc: n.rpc,
            log: n.log.clone(),
        })
        .collect();
    let all_running = rows.iter().all(|r| r.running);
    let mut out = ctx.output().stdout();
    match args.output {
        OutputFormat::Json => writeln!(
            out,
            "{}",
            // A struct of strings, numbers and addresses always serialises.
            serde_json::to_string_pretty(&Report { nodes: rows }).unwrap_or_default()
        )?,
        OutputFormat::Text => {
            let mut table = Table::new(&["NODE", "PID", "STATE", "P2P", "RPC", "LOG"]);
            for r in &rows {
                table.push(vec![
                    Cell::plain(&r.name),
                    Cell::plain(r.pid.to_string()),
                    if r.running {
                        Cell::new("running", theme::GOOD)
                    } else {
                        Cell::new("stopped", theme::BAD)
                    },
                    Cell::plain(r.p2p.to_string()),
                    Cell::plain(r.rpc.to_string()),
                    Cell::plain(r.log.display().to_string()),
                ]);
            }
            write!(out, "{}", table.render())?;
        }
    }
    Ok(if all_running { Code::OK } else { Code::FAILED })
}

fn down(dir: &Path) -> Result<Code, Error> {
    let state = DevnetState::load(dir)?;
    let ids: Vec<ProcessId> = state.nodes.iter().map(DevnetNode::process).collect();
    let running = ids.iter().filter(|i| process::is_running(**i)).count();
    process::stop(&ids)
        .map_err(|left| Error::failed(format!("still running after SIGKILL: pids {left:?}")))?;
    writeln!(
        anstream::stdout(),
        "stopped {running} of {} daemons; none of them runs any more",
        ids.len()
    )?;
    Ok(Code::OK)
}

async fn restart(args: &RestartArgs) -> Result<Code, Error> {
    let dir = &args.dir.dir;
    let mut state = DevnetState::load(dir)?;
    let timed = state.timed.clone();
    let known: Vec<String> = state.nodes.iter().map(|n| n.name.clone()).collect();
    let node = state.node_mut(&args.node).ok_or_else(|| {
        Error::bad_input(format!(
            "no node {:?} in this devnet (nodes: {})",
            args.node,
            known.join(", ")
        ))
    })?;
    process::stop(&[node.process()])
        .map_err(|left| Error::failed(format!("{}: still running: {left:?}", node.name)))?;
    let started = process::spawn_detached(&timed, &node.args, &node.log)
        .map_err(|e| Error::io(format!("starting {}", node.name), e))?;
    node.pid = started.pid;
    node.start_time = started.start_time;
    let node = node.clone();
    state
        .save(dir)
        .map_err(|e| Error::io("recording the devnet", e))?;
    start::wait_healthy(&node).await?;
    writeln!(
        anstream::stdout(),
        "{} restarted (pid {})",
        node.name,
        node.pid
    )?;
    Ok(Code::OK)
}

fn absolute(path: &Path) -> Result<PathBuf, Error> {
    if path.is_absolute() {
        Ok(path.to_path_buf())
    } else {
        let here =
            std::env::current_dir().map_err(|e| Error::io("finding the current directory", e))?;
        Ok(here.join(path))
    }
}

/// The git checkout we are run from, so `status` can compare commits with HEAD.
fn git_toplevel() -> Option<PathBuf> {
    let out = std::process::Command::new("git")
        .args(["rev-parse", "--show-toplevel"])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}
