//! Why talking to a node failed, over either transport: the one error type of
//! [`crate::remote`], so callers match on one thing whatever the fleet file says.

use super::command::CommandError;

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
