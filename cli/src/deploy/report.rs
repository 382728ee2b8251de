//! How a deploy or rollback ended: the outcome with its exit code, one row per
//! node for the summary table, and the audit record written locally and on
//! every node.

use std::path::PathBuf;

use serde::Serialize;

/// How the whole run ended. Each has its own exit code (see [`Outcome::code`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Outcome {
    /// Every node runs the target and passed its gate.
    Deployed,
    /// Nothing restarted: preflight, a lock, staging or the quorum stopped it;
    /// the fleet runs what it ran.
    Untouched,
    /// A gate failed and the node (or nodes) went back to the old version.
    RolledBack,
    /// A node is in a state the tool could not vouch for (a rollback failed,
    /// `--no-rollback`, a lock lost): look at the summary.
    NeedsHuman,
    /// Ctrl-C: the step in flight was finished or undone, no node left stopped.
    Interrupted,
}

/// Exit codes of `deploy` and `rollback`, listed in their `--help`.
pub(crate) mod code {
    pub(crate) const DEPLOYED: u8 = 0;
    pub(crate) const UNTOUCHED: u8 = 3;
    pub(crate) const ROLLED_BACK: u8 = 4;
    pub(crate) const NEEDS_HUMAN: u8 = 5;
    pub(crate) const INTERRUPTED: u8 = 130;
}

impl Outcome {
    /// The process exit code.
    pub(crate) fn code(self) -> u8 {
        match self {
            Outcome::Deployed => code::DEPLOYED,
            Outcome::Untouched => code::UNTOUCHED,
            Outcome::RolledBack => code::ROLLED_BACK,
            Outcome::NeedsHuman => code::NEEDS_HUMAN,
            Outcome::Interrupted => code::INTERRUPTED,
        }
    }
}

/// Where one node ended up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum NodeResult {
    /// Runs the target, gate passed.
    Deployed,
    /// Was restarted on the target, then put back on its old version.
    RolledBack,
    /// Never restarted; runs what it ran.
    Untouched,
    /// Left in a state that needs a look (see the run's events).
    Failed,
}

/// One row of the summary.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct NodeReport {
    pub(crate) node: String,
    /// The commit it ran before.
    pub(crate) from: Option<String>,
    /// The commit it runs now, as last seen.
    pub(crate) to: Option<String>,
    pub(crate) result: NodeResult,
    /// Pull and build.
    pub(crate) stage_secs: f64,
    /// Restart, gate and any rollback.
    pub(crate) rollout_secs: f64,
}

/// The whole run, as the summary and the audit log record it.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Report {
    /// `deploy` or `rollback`.
    pub(crate) command: &'static str,
    pub(crate) outcome: Outcome,
    /// Why it stopped, when it did not deploy.
    pub(crate) reason: Option<String>,
    pub(crate) fleet: String,
    /// The target commit (full hash), once known.
    pub(crate) target: Option<String>,
    pub(crate) user: String,
    pub(crate) controller: String,
    /// The operator's `-m` message.
    pub(crate) message: String,
    /// Seconds since the epoch when it started.
    pub(crate) started: u64,
    pub(crate) secs: f64,
    pub(crate) nodes: Vec<NodeReport>,
}

/// The local audit log: `$TIMECTL_AUDIT_LOG`, else
/// `$XDG_STATE_HOME/timectl/audit.jsonl`, else `~/.local/state/timectl/audit.jsonl`.
pub(crate) fn local_audit_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("TIMECTL_AUDIT_LOG") {
        return Some(PathBuf::from(path));
    }
    let state = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))?;
    Some(state.join("timectl").join("audit.jsonl"))
}

/// Appends the report as one JSON line to the local audit log.
///
/// # Errors
/// The log cannot be written.
pub(crate) async fn append_local(report: &Report) -> std::io::Result<PathBuf> {
    use tokio::io::AsyncWriteExt as _;
    let path = local_audit_path()
        .ok_or_else(|| std::io::Error::other("no HOME, XDG_STATE_HOME or TIMECTL_AUDIT_LOG"))?;
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir).await?;
    }
    let mut file = tokio::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .await?;
    let mut line = serde_json::to_string(report).map_err(std::io::Error::other)?;
    line.push('\n');
    // One write of the whole line, so concurrent appenders never interleave.
    file.write_all(line.as_bytes()).await?;
    file.flush().await?;
    Ok(path)
}
