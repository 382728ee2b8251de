//! A node's own commands from the fleet file (`pull`, `build`, `restart`,
//! `logs`...) made runnable: its values filled in, run in its repo. Apart from
//! [`super::command`] because its error names the node, as a [`RemoteError`].

use timecoin_shared::fleet::Node;

use super::RemoteError;
use super::command::{ShellCommand, node_vars};

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
