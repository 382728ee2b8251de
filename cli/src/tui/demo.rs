//! `timectl demo`'s devnet: brought up in-process by the `devnet` engine in a
//! temporary directory, its nodes stopped, killed and restarted on demand, and
//! taken down however the demo ends (quit, Ctrl-C, error, or a panic unwinding
//! through the guard), directory included.
//!
//! It calls the same engine as `timectl devnet`, so the demo does what an
//! operator typing those commands would; the engine prints nothing, so nothing
//! reaches the dashboard's screen.

use std::path::{Path, PathBuf};

use nix::sys::signal::Signal;
use tempfile::TempDir;

use super::DemoAction;
use crate::devnet::{self, DevnetError, UpOptions};

/// Why the demo's devnet could not be set up or taken down.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DemoError {
    #[error("demo: {what}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
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
    fleet_file: PathBuf,
    tmp: Option<TempDir>,
}

impl DemoDevnet {
    /// Starts the devnet in a fresh temporary directory.
    ///
    /// # Errors
    /// No temporary directory, or the devnet did not come up (the engine stops
    /// what did start).
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
        let options = UpOptions {
            dir: tmp.path().join("devnet"),
            nodes: plan.nodes,
            block_interval: plan.block_interval.clone(),
            min_masternodes: None,
            network: "devnet".into(),
            timed: plan.timed.clone(),
            timectl,
        };
        let up = devnet::up(&options).await?;
        Ok(DemoDevnet {
            dir: up.dir,
            fleet_file: up.fleet_file,
            tmp: Some(tmp),
        })
    }

    /// The devnet's fleet file.
    pub(crate) fn fleet_file(&self) -> &Path {
        &self.fleet_file
    }

    /// The devnet's directory.
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// Stops every daemon and removes the directory.
    ///
    /// # Errors
    /// A daemon would not stop, or the directory could not be removed.
    pub(crate) async fn down(mut self) -> Result<(), DemoError> {
        devnet::down(&self.dir).await?;
        match self.tmp.take() {
            Some(tmp) => tmp.close().map_err(|source| DemoError::Io {
                what: "removing the demo directory".into(),
                source,
            }),
            None => Ok(()),
        }
    }

    /// Carries out a demo key on `node`; says what happened, for the status line.
    pub(crate) async fn act(dir: &Path, node: &str, action: DemoAction) -> String {
        let outcome = match action {
            DemoAction::Stop => signal(dir, node, Signal::SIGTERM).await,
            DemoAction::Kill => signal(dir, node, Signal::SIGKILL).await,
            DemoAction::Restart => devnet::restart(dir, node)
                .await
                .map(|_| format!("{node} restarted"))
                .map_err(DemoError::from),
        };
        outcome.unwrap_or_else(|e| {
            format!(
                "{node}: {} failed: {}",
                action.verb(),
                crate::causes::render(&e)
            )
        })
    }
}

impl Drop for DemoDevnet {
    fn drop(&mut self) {
        if self.tmp.is_some() {
            // Not taken down through `down` (an error or a panic): a destructor
            // cannot wait for a clean stop, so every recorded daemon is killed
            // now, before the directory goes.
            devnet::state::DevnetState::kill_recorded(&self.dir);
        }
    }
}

/// Sends `signal` to the node's recorded daemon, if it is still that process.
async fn signal(dir: &Path, node: &str, signal: Signal) -> Result<String, DemoError> {
    let state = devnet::state::DevnetState::load(dir).await?;
    let recorded = state
        .nodes
        .iter()
        .find(|n| n.name == node)
        .ok_or_else(|| DemoError::NoNode(node.to_owned()))?;
    let id = recorded.process();
    if !devnet::process::is_running(id) {
        return Ok(format!("{node} is not running"));
    }
    devnet::process::signal(id, signal).map_err(|source| DemoError::Signal {
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
