//! Why a devnet could not be read, found or keyed: each case names the file or
//! executable at fault and says what to do about it.

use std::io;
use std::path::PathBuf;

/// A devnet step that failed.
#[derive(Debug, thiserror::Error)]
pub enum DevnetError {
    /// No `devnet.json` where the operator pointed.
    #[error("{}: {source} (no devnet here? start one with `timectl devnet up --dir {}`)", path.display(), dir.display())]
    NoState {
        path: PathBuf,
        dir: PathBuf,
        #[source]
        source: io::Error,
    },
    /// A `devnet.json` that is not ours or was damaged.
    #[error("{}: {source}", path.display())]
    BadState {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// `--timed PATH` names no file.
    #[error("--timed {}: no such file", .0.display())]
    TimedMissing(PathBuf),
    /// No `timed` beside `timectl` nor on `PATH`.
    #[error(
        "cannot find `timed`: pass --timed PATH, put it next to timectl{beside}, or on PATH (cargo build -p timed)"
    )]
    TimedNotFound {
        /// ` (PATH)` where it was looked for beside `timectl`, or empty.
        beside: String,
    },
    /// `timed keygen` could not be started.
    #[error("running {} keygen", timed.display())]
    KeygenSpawn {
        timed: PathBuf,
        #[source]
        source: io::Error,
    },
    /// `timed keygen` ran and failed.
    #[error("{} keygen --data-dir {} failed: {stderr}", timed.display(), data_dir.display())]
    KeygenFailed {
        timed: PathBuf,
        data_dir: PathBuf,
        stderr: String,
    },
    /// `timed keygen` printed something else than a node id.
    #[error("timed keygen printed {0:?}, not a node id")]
    KeygenOutput(String),
    /// More daemons than one /24 of loopback addresses holds.
    #[error("{0} nodes: a devnet holds at most 255")]
    TooManyNodes(usize),
    /// No loopback port for a daemon.
    #[error("binding {ip}")]
    Bind {
        ip: std::net::IpAddr,
        #[source]
        source: io::Error,
    },
    /// A node count outside what one devnet holds.
    #[error("--nodes must be 1 to {max}")]
    NodeCount { max: usize },
    /// A block interval `humantime` cannot read.
    #[error("--block-interval {given:?}: {reason}")]
    BlockInterval { given: String, reason: String },
    /// A quorum larger than the devnet, or zero.
    #[error("--min-masternodes must be 1 to {max}")]
    MinMasternodes { max: usize },
    /// A devnet whose daemons still run where a new one was asked for.
    #[error("a devnet in {} is running; stop it first: timectl devnet down --dir {}", dir.display(), dir.display())]
    Running { dir: PathBuf },
    /// A node name the devnet does not have.
    #[error("no node {node:?} in this devnet (nodes: {})", known.join(", "))]
    NoNode { node: String, known: Vec<String> },
    /// Recorded daemons still running after SIGKILL.
    #[error("still running after SIGKILL: pids {pids:?}")]
    NotStopped { pids: Vec<u32> },
    /// A daemon being restarted that would not stop.
    #[error("{node}: still running: {pids:?}")]
    NodeNotStopped { node: String, pids: Vec<u32> },
    /// A file, directory or process of this machine.
    #[error("{what}")]
    Io {
        what: String,
        #[source]
        source: io::Error,
    },
    /// No HTTP client to ask a started daemon for its health.
    #[error("cannot build an HTTP client: {0}")]
    HttpClient(String),
    /// A daemon died while starting.
    #[error("{node} exited during start-up; its log ({}) ends with:\n{tail}", log.display())]
    Exited {
        node: String,
        log: PathBuf,
        tail: String,
    },
    /// A daemon that runs but never answered its health check.
    #[error("{node}: no answer on {url} within {secs}s; its log ({}) ends with:\n{tail}", log.display())]
    NoAnswer {
        node: String,
        url: String,
        secs: u64,
        log: PathBuf,
        tail: String,
    },
}

impl DevnetError {
    /// Whether the operator's input is at fault (a directory without a devnet, a
    /// `timed` that is not there), rather than this machine.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            DevnetError::NoState { .. }
                | DevnetError::BadState { .. }
                | DevnetError::TimedMissing(_)
                | DevnetError::TimedNotFound { .. }
                | DevnetError::TooManyNodes(_)
                | DevnetError::NodeCount { .. }
                | DevnetError::BlockInterval { .. }
                | DevnetError::MinMasternodes { .. }
                | DevnetError::Running { .. }
                | DevnetError::NoNode { .. }
        )
    }

    /// A failure of this machine's `what`.
    pub(crate) fn io(what: impl Into<String>, source: io::Error) -> DevnetError {
        DevnetError::Io {
            what: what.into(),
            source,
        }
    }
}
