//! The `local` transport: a node's commands run on this machine (devnets, tests).

use std::process::Stdio;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::process::Command;

use super::forward::Forward;
use super::stream::{LineStream, Running, StreamEnd, spawn_stream};
use super::{Output, RemoteError, ShellCommand};

/// A node reached by running `sh -c` here.
#[derive(Debug)]
pub struct LocalNode {
    name: String,
}

impl LocalNode {
    pub(crate) fn new(name: &str) -> Self {
        LocalNode { name: name.into() }
    }

    fn shell(cmd: &ShellCommand) -> Command {
        let mut command = Command::new("sh");
        command.arg("-c").arg(cmd.script()).stdin(Stdio::null());
        command
    }

    fn io_error(&self, what: &str, source: std::io::Error) -> RemoteError {
        RemoteError::Io {
            node: self.name.clone(),
            what: what.into(),
            source,
        }
    }

    pub(crate) async fn run_bytes(
        &self,
        cmd: &ShellCommand,
    ) -> Result<std::process::Output, RemoteError> {
        Self::shell(cmd)
            .kill_on_drop(true)
            .output()
            .await
            .map_err(|e| self.io_error("running sh", e))
    }

    pub(crate) async fn run_with_input(
        &self,
        cmd: &ShellCommand,
        input: &[u8],
    ) -> Result<Output, RemoteError> {
        let mut child = Self::shell(cmd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| self.io_error("starting sh", e))?;
        let stdin = child
            .stdin
            .take()
            .ok_or_else(|| self.io_error("taking stdin", std::io::ErrorKind::BrokenPipe.into()))?;
        // Written while the output is read, so neither side waits on a full pipe.
        let (written, out) =
            tokio::join!(super::stdio::feed(stdin, input), child.wait_with_output());
        let out = out.map_err(|e| self.io_error("running sh", e))?;
        written.map_err(|e| self.io_error("writing to a command's stdin", e))?;
        Ok(Output::from_std(out))
    }

    pub(crate) fn stream_lines(&self, cmd: &ShellCommand) -> Result<LineStream, RemoteError> {
        // Its own process group, so cancelling stops the whole pipeline it runs.
        let mut child = Self::shell(cmd)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| self.io_error("starting sh", e))?;
        let group = child.id().map(|id| Pid::from_raw(id.cast_signed()));
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| self.io_error("taking stdout", std::io::ErrorKind::BrokenPipe.into()))?;
        let stderr = child
            .stderr
            .take()
            .ok_or_else(|| self.io_error("taking stderr", std::io::ErrorKind::BrokenPipe.into()))?;
        let wait = async move {
            match child.wait().await {
                Ok(status) => StreamEnd::Exited {
                    code: status.code(),
                    stderr: String::new(),
                },
                Err(e) => StreamEnd::Lost {
                    reason: format!("waiting for the command: {e}"),
                },
            }
        };
        let stop = async move {
            if let Some(group) = group {
                let _ = killpg(group, Signal::SIGTERM);
            }
        };
        Ok(spawn_stream(
            Running {
                stdout,
                stderr,
                wait,
            },
            stop,
        ))
    }

    /// The node is this machine: its `host:port` is reached as it is. A splice
    /// here would only copy every byte of a dashboard's polls a second time.
    pub(crate) async fn forward(&self, host: &str, port: u16) -> Result<Forward, RemoteError> {
        let what = format!("resolving {host}:{port}");
        let addr = tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| self.io_error(&what, e))?
            .next()
            .ok_or_else(|| {
                self.io_error(&what, std::io::Error::other("the name has no address"))
            })?;
        Ok(Forward::direct(addr))
    }
}
