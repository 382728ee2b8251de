//! How `timectl` reaches a node: run a command, stream its output line by line,
//! forward a local port to an address the node can reach. Two transports behind
//! one interface, [`Remote`]: `ssh` and `local`.
//!
//! # Layout
//! - [`command`]: quoted shell command lines from templates and arguments.
//! - `connect`: [`Remote`], a connected node over either transport.
//! - `options`: [`ConnectOptions`], connection choices from flags.
//! - `node_command`: `node_command()`, a node's fleet-file command made runnable.
//! - `error`: [`RemoteError`], why talking to a node failed.
//! - [`ssh`], [`local`]: the transports.
//! - `stdio`: a command's stdin and its [`Output`].
//! - [`stream`]: line streams with an end reason and cancellation.
//! - [`forward`]: the local half of a port forward.

pub(crate) mod command;
mod connect;
mod error;
pub(crate) mod forward;
pub(crate) mod local;
mod node_command;
mod options;
pub(crate) mod ssh;
mod stdio;
pub(crate) mod stream;

pub(crate) use command::CommandError;
pub use command::{ShellCommand, node_vars};
pub use connect::Remote;
pub use error::RemoteError;
pub(crate) use forward::Forward;
pub(crate) use local::LocalNode;
pub use node_command::node_command;
pub use options::ConnectOptions;
pub(crate) use ssh::SshNode;
pub(crate) use stdio::Output;
pub use stream::{LineStream, StreamEnd, StreamEvent};
