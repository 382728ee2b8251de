//! Why one step on one node failed, with its cause: the error of every step in
//! `steps.rs` and `ship.rs`. The run turns it into an event's text and a
//! report's reason only where it reports, so the cause stays reachable until
//! then.

use std::time::Duration;

use crate::remote::{CommandError, RemoteError};

/// A step that failed on a node.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StepError {
    /// Reaching the node, or running a command there, failed.
    #[error(transparent)]
    Remote(#[from] RemoteError),
    /// A command line could not be built from its words.
    #[error(transparent)]
    Command(#[from] CommandError),
    /// The fleet's logs command cannot be made to read since the restart.
    #[error(transparent)]
    LogsCommand(#[from] crate::logs::command::CommandError),
    /// The step's script failed: what it printed on stderr.
    #[error("{0}")]
    Script(String),
    /// The step's command failed and printed nothing on stderr.
    #[error("exit code {0:?}")]
    Code(Option<i32>),
    /// The step's command failed: its exit code and its last output.
    #[error("exit code {code:?}: {last}")]
    Exited { code: Option<i32>, last: String },
    /// The step did not end in time.
    #[error("no end within {}s", .0.as_secs())]
    Timeout(Duration),
    /// The output stream of a step was lost (the connection dropped).
    #[error("{0}")]
    Lost(String),
    #[error("cancelled")]
    Cancelled,
    #[error("output ended without an exit code")]
    NoExitCode,
    #[error("no commit checked out in the repo")]
    NoHead,
    #[error("nothing kept to roll back to (no deploy recorded)")]
    NothingKept(#[source] Box<StepError>),
    #[error("kept record unreadable: {0}")]
    KeptUnreadable(#[source] serde_json::Error),
    #[error("the origin has no such branch")]
    NoSuchBranch,
    #[error("logs command: exit code {0:?}")]
    LogsExited(Option<i32>),
    /// The run found no connection for the node (not selected, or not connected).
    #[error("{0}: not connected")]
    NotConnected(String),
    #[error("the binary read from {node} has sha256 {got}, the node computed {want:?}")]
    Checksum {
        node: String,
        got: String,
        want: String,
    },
}
