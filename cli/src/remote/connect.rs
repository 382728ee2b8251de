//! Connecting to a node and running commands on it: [`Remote`] picks the
//! transport the node's fleet entry names and hides which one it is.

use timecoin_shared::fleet::{Node, Transport};

use super::{
    ConnectOptions, Forward, LineStream, LocalNode, Output, RemoteError, ShellCommand, SshNode,
};

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
