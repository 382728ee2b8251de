//! How `timectl` reaches a node: run a command, stream its output line by line,
//! forward a local port to an address the node can reach. Two transports behind
//! one interface, [`Remote`]: `ssh` and `local`.
//!
//! # Layout
//! - [`command`]: quoted shell command lines from templates and arguments.
//! - [`ssh`], [`local`]: the transports.
//! - [`stream`]: line streams with an end reason and cancellation.
//! - [`forward`]: the local half of a port forward.
//! - [`pool`]: one connection and one RPC tunnel per node for the whole process.

pub(crate) mod command;
pub(crate) mod forward;
pub(crate) mod local;
pub(crate) mod pool;
pub(crate) mod ssh;
pub(crate) mod stream;

use timecoin_shared::fleet::{Node, Transport};

pub(crate) use command::CommandError;
pub use command::{ShellCommand, node_vars};
pub(crate) use forward::Forward;
pub(crate) use local::LocalNode;
pub use pool::Pool;
pub(crate) use ssh::SshNode;
pub use stream::{LineStream, StreamEnd, StreamEvent};

/// Choices that come from flags rather than the fleet file.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    /// Trust host keys never seen before (ssh's accept-new) for every node.
    pub accept_new_host_keys: bool,
}

/// Why talking to a node failed. Every message starts with the node's name.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    #[error("{node}: cannot connect over ssh to {destination}: {reason}")]
    Connect {
        node: String,
        destination: String,
        reason: String,
    },
    #[error("{node}: host key of {destination} is unknown or changed, refusing to connect: {hint}")]
    HostKey {
        node: String,
        destination: String,
        hint: String,
    },
    #[error("{node}: {what}")]
    Ssh {
        node: String,
        what: String,
        #[source]
        source: openssh::Error,
    },
    #[error("{node}: {what}")]
    Io {
        node: String,
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{node}: {source}")]
    Command {
        node: String,
        #[source]
        source: CommandError,
    },
}

/// What a finished command gave back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// `None` when a signal ended it.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    fn from_std(out: std::process::Output) -> Self {
        Output {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Exit code 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }
}

/// A connected node, over whichever transport its fleet entry names.
#[derive(Debug)]
pub enum Remote {
    Ssh(SshNode),
    Local(LocalNode),
}

impl Remote {
    /// Connects to a node (for ssh: starts its master connection).
    ///
    /// # Errors
    /// The node is unreachable, refused us, or its host key is not trusted; the
    /// error names the node.
    pub async fn connect(node: &Node, options: &ConnectOptions) -> Result<Remote, RemoteError> {
        Ok(match node.transport {
            Transport::Ssh => Remote::Ssh(SshNode::connect(node, options).await?),
            Transport::Local => Remote::Local(LocalNode::new(&node.name)),
        })
    }

    /// Runs a command to its end and collects its output.
    ///
    /// # Errors
    /// The command could not be started or the connection broke; a non-zero exit
    /// is not an error (see [`Output::code`]).
    pub async fn run(&self, cmd: &ShellCommand) -> Result<Output, RemoteError> {
        self.run_bytes(cmd).await.map(Output::from_std)
    }

    /// Runs a command to its end and returns its stdout as bytes: a file read
    /// from the node (a binary to ship), not text.
    ///
    /// # Errors
    /// As [`Remote::run`]; a non-zero exit is in the output's `code`.
    pub async fn run_bytes(&self, cmd: &ShellCommand) -> Result<std::process::Output, RemoteError> {
        match self {
            Remote::Ssh(n) => n.run_bytes(cmd).await,
            Remote::Local(n) => n.run_bytes(cmd).await,
        }
    }

    /// Runs a command with `input` on its stdin and collects its output: how a
    /// file reaches a node over the connection its commands already use.
    ///
    /// # Errors
    /// As [`Remote::run`], or stdin broke before all of `input` was written.
    pub async fn run_with_input(
        &self,
        cmd: &ShellCommand,
        input: &[u8],
    ) -> Result<Output, RemoteError> {
        match self {
            Remote::Ssh(n) => n.run_with_input(cmd, input).await,
            Remote::Local(n) => n.run_with_input(cmd, input).await,
        }
    }

    /// Starts a command and streams its stdout line by line as it is written.
    ///
    /// # Errors
    /// The command could not be started.
    pub async fn stream_lines(&self, cmd: &ShellCommand) -> Result<LineStream, RemoteError> {
        match self {
            Remote::Ssh(n) => n.stream_lines(cmd).await,
            Remote::Local(n) => n.stream_lines(cmd),
        }
    }

    /// Where to connect here to reach `host:port` as the node sees it: a fresh
    /// forwarded port on 127.0.0.1 for `ssh`, the address itself for `local`.
    ///
    /// # Errors
    /// The forward could not be set up, or a local name has no address.
    pub async fn forward(&self, host: &str, port: u16) -> Result<Forward, RemoteError> {
        match self {
            Remote::Ssh(n) => n.forward(host, port).await,
            Remote::Local(n) => n.forward(host, port).await,
        }
    }

    /// Whether the connection is still up (always for `local`).
    ///
    /// # Errors
    /// The SSH master is gone.
    pub async fn check(&self) -> Result<(), RemoteError> {
        match self {
            Remote::Ssh(n) => n.check().await,
            Remote::Local(_) => Ok(()),
        }
    }

    /// Ends the connection (for ssh: stops the master, which ends any stream
    /// still running on it as lost).
    ///
    /// # Errors
    /// The master could not be told to exit.
    pub async fn close(&self) -> Result<(), RemoteError> {
        match self {
            Remote::Ssh(n) => n.close().await,
            Remote::Local(_) => Ok(()),
        }
    }
}

/// One of a node's fleet-file commands with its placeholders filled in, run in
/// its `repo` when it has one.
///
/// # Errors
/// The template has an unknown placeholder or a value cannot be quoted.
pub fn node_command(node: &Node, template: &str) -> Result<ShellCommand, RemoteError> {
    let wrap = |source| RemoteError::Command {
        node: node.name.clone(),
        source,
    };
    let cmd = ShellCommand::template(template, &node_vars(node)).map_err(wrap)?;
    match &node.repo {
        Some(repo) => cmd.in_dir(repo).map_err(wrap),
        None => Ok(cmd),
    }
}

/// Writes `input` to a command's stdin and closes it, so the command sees the
/// end of its input.
async fn feed(mut stdin: impl tokio::io::AsyncWrite + Unpin, input: &[u8]) -> std::io::Result<()> {
    use tokio::io::AsyncWriteExt as _;
    stdin.write_all(input).await?;
    stdin.shutdown().await
}
