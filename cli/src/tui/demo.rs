//! `timectl demo`'s devnet: brought up with `timectl devnet up` in a temporary
//! directory, its nodes stopped, killed and restarted on demand, and torn down
//! with `timectl devnet down` however the demo ends (quit, Ctrl-C, error, or a
//! panic unwinding through the guard), directory included.
//!
//! It drives the `devnet` subcommand of this same executable rather than its
//! internals, so the demo does exactly what an operator typing those commands
//! would, and its output (captured here) never reaches the dashboard's screen.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use tempfile::TempDir;

use super::DemoAction;
use crate::devnet::error::DevnetError;
use crate::devnet::process;
use crate::devnet::state::DevnetState;

/// Why the demo's devnet could not be set up or taken down.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DemoError {
    #[error("demo: {what}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("demo: `timectl {command}` failed: {output}")]
    Command { command: String, output: String },
    #[error(transparent)]
    Devnet(#[from] DevnetError),
    #[error("no node {0} in the devnet")]
    NoNode(String),
    #[error("signalling {node}")]
    Signal {
        node: String,
        #[source]
        source: nix::Error,
    },
}

/// How to start the devnet.
#[derive(Clone, Debug)]
pub(crate) struct DemoPlan {
    pub nodes: usize,
    pub block_interval: String,
    /// The `timed` executable, when not next to `timectl` or on PATH.
    pub timed: Option<PathBuf>,
}

/// A running demo devnet; taken down when dropped.
#[derive(Debug)]
pub(crate) struct DemoDevnet {
    dir: PathBuf,
    timectl: PathBuf,
    tmp: Option<TempDir>,
}

impl DemoDevnet {
    /// Starts the devnet in a fresh temporary directory.
    ///
    /// # Errors
    /// No temporary directory, or `devnet up` failed (its message is kept).
    pub(crate) async fn up(plan: &DemoPlan) -> Result<DemoDevnet, DemoError> {
        let timectl = std::env::current_exe().map_err(|source| DemoError::Io {
            what: "locating timectl".into(),
            source,
        })?;
        let tmp = tempfile::Builder::new()
            .prefix("timectl-demo-")
            .tempdir()
            .map_err(|source| DemoError::Io {
                what: "creating a temporary directory".into(),
                source,
            })?;
        let devnet = DemoDevnet {
            dir: tmp.path().join("devnet"),
            timectl,
            tmp: Some(tmp),
        };
        let mut args = vec![
            "devnet".to_owned(),
            "up".into(),
            "--nodes".into(),
            plan.nodes.to_string(),
            "--block-interval".into(),
            plan.block_interval.clone(),
            "--dir".into(),
            devnet.dir.display().to_string(),
        ];
        if let Some(timed) = &plan.timed {
            args.extend(["--timed".into(), timed.display().to_string()]);
        }
        // On failure `devnet` is dropped here, which takes down what did start.
        devnet.timectl(&args).await?;
        Ok(devnet)
    }

    /// The devnet's fleet file.
    pub(crate) fn fleet_file(&self) -> PathBuf {
        self.dir.join("fleet.toml")
    }

    /// The devnet's directory.
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// Stops every daemon and removes the directory.
    ///
    /// # Errors
    /// `devnet down` failed, or the directory could not be removed.
    pub(crate) async fn down(mut self) -> Result<(), DemoError> {
        let dir = self.dir.display().to_string();
        self.timectl(&["devnet".into(), "down".into(), "--dir".into(), dir])
            .await?;
        match self.tmp.take() {
            Some(tmp) => tmp.close().map_err(|source| DemoError::Io {
                what: "removing the demo directory".into(),
                source,
            }),
            None => Ok(()),
        }
    }

    async fn timectl(&self, args: &[String]) -> Result<String, DemoError> {
        run_timectl(&self.timectl, args).await
    }

    /// Carries out a demo key on `node`; says what happened, for the status line.
    pub(crate) async fn act(timectl: &Path, dir: &Path, node: &str, action: DemoAction) -> String {
        let outcome = match action {
            DemoAction::Stop => signal(dir, node, Signal::SIGTERM),
            DemoAction::Kill => signal(dir, node, Signal::SIGKILL),
            DemoAction::Restart => {
                let args = [
                    "devnet".to_owned(),
                    "restart".into(),
                    "--dir".into(),
                    dir.display().to_string(),
                    node.to_owned(),
                ];
                run_timectl(timectl, &args)
                    .await
                    .map(|_| format!("{node} restarted"))
            }
        };
        outcome.unwrap_or_else(|e| {
            format!(
                "{node}: {} failed: {}",
                action.verb(),
                crate::error::render(&e)
            )
        })
    }

    /// The `timectl` executable the demo drives.
    pub(crate) fn timectl_path(&self) -> &Path {
        &self.timectl
    }
}

impl Drop for DemoDevnet {
    fn drop(&mut self) {
        if self.tmp.is_some() {
            // Not taken down through `down` (an error or a panic): do it now,
            // synchronously, before the directory goes.
            let _ = std::process::Command::new(&self.timectl)
                .args(["devnet", "down", "--dir"])
                .arg(&self.dir)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

async fn run_timectl(timectl: &Path, args: &[String]) -> Result<String, DemoError> {
    let out = tokio::process::Command::new(timectl)
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|source| DemoError::Io {
            what: format!("running {}", timectl.display()),
            source,
        })?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(DemoError::Command {
            command: args.join(" "),
            output: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        })
    }
}

/// Sends `signal` to the node's recorded daemon, if it is still that process.
fn signal(dir: &Path, node: &str, signal: Signal) -> Result<String, DemoError> {
    let state = DevnetState::load(dir)?;
    let recorded = state
        .nodes
        .iter()
        .find(|n| n.name == node)
        .ok_or_else(|| DemoError::NoNode(node.to_owned()))?;
    let id = recorded.process();
    if !process::is_running(id) {
        return Ok(format!("{node} is not running"));
    }
    kill(Pid::from_raw(id.pid.cast_signed()), signal).map_err(|source| DemoError::Signal {
        node: node.to_owned(),
        source,
    })?;
    let verb = if signal == Signal::SIGKILL {
        "killed"
    } else {
        "stopped"
    };
    Ok(format!("{node} {verb}"))
}
