//! The `ssh` transport: one multiplexed master connection per node through the
//! system `ssh` (the `openssh` crate, native mux), with strict host key checking
//! unless the operator opted in to accept-new.

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use openssh::{ControlPersist, ForwardType, KnownHosts, Session, SessionBuilder, Socket, Stdio};
use tempfile::TempDir;
use timecoin_shared::fleet::Node;
use tokio::net::UnixStream;

use super::forward::{self, Forward};
use super::stream::{LineStream, Running, StreamEnd, spawn_stream};
use super::{ConnectOptions, Output, RemoteError, ShellCommand};
use crate::constants::{SSH_CONNECT_TIMEOUT, SSH_CONTROL_PERSIST_SECS, SSH_SERVER_ALIVE_INTERVAL};

/// Where control and forward sockets live: short (unix socket paths are capped
/// near 108 bytes, and `$TMPDIR` can be long) and private (tempfile makes it 0700).
const SOCKET_PARENT: &str = "/tmp";

/// A node reached over one SSH master connection.
#[derive(Debug)]
pub struct SshNode {
    name: String,
    destination: String,
    session: Arc<Session>,
    /// Holds the forward sockets; the master's own directory is inside it too.
    socket_dir: Arc<TempDir>,
    next_forward: AtomicU64,
}

impl SshNode {
    pub(crate) async fn connect(
        node: &Node,
        options: &ConnectOptions,
    ) -> Result<Self, RemoteError> {
        let destination = format!("{}:{}", node.host, node.port);
        let fail = |reason: String| RemoteError::Connect {
            node: node.name.clone(),
            destination: destination.clone(),
            reason,
        };
        let socket_dir = tempfile::Builder::new()
            .prefix("tctl-")
            .tempdir_in(SOCKET_PARENT)
            .map_err(|e| {
                fail(format!(
                    "cannot make a socket directory in {SOCKET_PARENT}: {e}"
                ))
            })?;
        let accept_new = node.accept_new_host_keys || options.accept_new_host_keys;
        let mut builder = SessionBuilder::default();
        builder
            .port(node.port)
            .known_hosts_check(if accept_new {
                KnownHosts::Accept
            } else {
                KnownHosts::Strict
            })
            .connect_timeout(SSH_CONNECT_TIMEOUT)
            .server_alive_interval(SSH_SERVER_ALIVE_INTERVAL)
            .control_directory(socket_dir.path())
            .control_persist(ControlPersist::IdleFor(
                NonZeroUsize::new(SSH_CONTROL_PERSIST_SECS).unwrap_or(NonZeroUsize::MIN),
            ));
        if let Some(user) = &node.user {
            builder.user(user.clone());
        }
        if let Some(identity) = &node.identity {
            builder.keyfile(expand_home(identity));
        }
        if let Some(known_hosts) = &node.known_hosts {
            builder.user_known_hosts_file(expand_home(known_hosts));
        }
        // ssh's ConnectTimeout covers the TCP connect only; this bounds auth too.
        let connecting = builder.connect_mux(&node.host);
        let session = match tokio::time::timeout(SSH_CONNECT_TIMEOUT * 2, connecting).await {
            Ok(Ok(session)) => session,
            Ok(Err(e)) => return Err(explain_connect_error(node, &destination, &e)),
            Err(_) => {
                return Err(fail(format!(
                    "timed out after {}s",
                    (SSH_CONNECT_TIMEOUT * 2).as_secs()
                )));
            }
        };
        Ok(SshNode {
            name: node.name.clone(),
            destination,
            session: Arc::new(session),
            socket_dir: Arc::new(socket_dir),
            next_forward: AtomicU64::new(0),
        })
    }

    fn ssh_error(&self, what: &str, source: openssh::Error) -> RemoteError {
        RemoteError::Ssh {
            node: self.name.clone(),
            what: what.into(),
            source,
        }
    }

    pub(crate) async fn run(&self, cmd: &ShellCommand) -> Result<Output, RemoteError> {
        let out = self
            .session
            .command("sh")
            .arg("-c")
            .arg(cmd.script())
            .stdin(Stdio::null())
            .output()
            .await
            .map_err(|e| self.ssh_error("running a command", e))?;
        Ok(Output::from_std(out))
    }

    pub(crate) async fn stream_lines(&self, cmd: &ShellCommand) -> Result<LineStream, RemoteError> {
        let mut child = self
            .session
            .clone()
            .arc_command("sh")
            .arg("-c")
            .arg(cancellable(cmd))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .await
            .map_err(|e| self.ssh_error("starting a command", e))?;
        let missing = |what: &str| self.ssh_error(what, openssh::Error::Disconnected);
        let stdin = child
            .stdin()
            .take()
            .ok_or_else(|| missing("taking stdin"))?;
        let stdout = child
            .stdout()
            .take()
            .ok_or_else(|| missing("taking stdout"))?;
        let stderr = child
            .stderr()
            .take()
            .ok_or_else(|| missing("taking stderr"))?;
        let session = Arc::clone(&self.session);
        let wait = async move {
            let ended = child.wait().await;
            match ended {
                Ok(status) => StreamEnd::Exited {
                    code: status.code(),
                    stderr: String::new(),
                },
                // The mux protocol cannot tell a killed command from a lost
                // connection; asking the master tells them apart.
                Err(e) => match session.check().await {
                    Ok(()) => StreamEnd::Exited {
                        code: None,
                        stderr: e.to_string(),
                    },
                    Err(check) => StreamEnd::Lost {
                        reason: format!("ssh connection lost: {}", error_chain(&check)),
                    },
                },
            }
        };
        // Closing stdin is the remote command's signal to stop (see `cancellable`).
        let stop = async move { drop(stdin) };
        Ok(spawn_stream(
            Running {
                stdout,
                stderr,
                wait,
            },
            stop,
        ))
    }

    pub(crate) async fn forward(&self, host: &str, port: u16) -> Result<Forward, RemoteError> {
        let n = self.next_forward.fetch_add(1, Ordering::Relaxed);
        let socket: PathBuf = self.socket_dir.path().join(format!("fwd-{n}"));
        let remote = Socket::new(host.to_owned(), port);
        self.session
            .request_port_forward(ForwardType::Local, socket.clone(), remote.clone())
            .await
            .map_err(|e| self.ssh_error(&format!("forwarding to {host}:{port}"), e))?;
        // Weak: a forward must not keep the master open past `close`.
        let session = Arc::downgrade(&self.session);
        let dir = Arc::clone(&self.socket_dir);
        let connect_to = socket.clone();
        let cleanup = async move {
            if let Some(session) = session.upgrade() {
                let _ = session
                    .close_port_forward(ForwardType::Local, socket, remote)
                    .await;
            }
            drop(dir);
        };
        forward::serve(move || UnixStream::connect(connect_to.clone()), cleanup)
            .await
            .map_err(|e| RemoteError::Io {
                node: self.name.clone(),
                what: "binding a local forward".into(),
                source: e,
            })
    }

    /// Whether the master connection is still up.
    pub(crate) async fn check(&self) -> Result<(), RemoteError> {
        self.session
            .check()
            .await
            .map_err(|e| self.ssh_error("checking the connection", e))
    }

    /// The control socket, for operators and tests that need to reach the master.
    pub fn control_socket(&self) -> &Path {
        self.session.control_socket()
    }

    pub(crate) async fn close(self) -> Result<(), RemoteError> {
        let name = self.name.clone();
        match Arc::try_unwrap(self.session) {
            Ok(session) => session.close().await.map_err(|e| RemoteError::Ssh {
                node: name,
                what: "closing the connection".into(),
                source: e,
            }),
            // A stream still holds the session: tell the master to exit through
            // its control socket, which ends that stream as lost.
            Err(shared) => {
                let status = tokio::process::Command::new("ssh")
                    .arg("-S")
                    .arg(shared.control_socket())
                    .args(["-O", "exit", "timectl-close"])
                    .stdin(std::process::Stdio::null())
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .status()
                    .await;
                match status {
                    Ok(s) if s.success() => Ok(()),
                    Ok(s) => Err(RemoteError::Io {
                        node: name,
                        what: format!("ssh -O exit: {s}"),
                        source: std::io::ErrorKind::Other.into(),
                    }),
                    Err(source) => Err(RemoteError::Io {
                        node: name,
                        what: "running ssh -O exit".into(),
                        source,
                    }),
                }
            }
        }
    }

    /// `host:port` as dialed.
    pub fn destination(&self) -> &str {
        &self.destination
    }
}

/// Wraps a command so that closing its stdin stops it and everything it started.
///
/// sshd runs each command as a session leader, so `kill 0` from the watcher
/// reaches the whole process group; the command itself gets /dev/null as stdin.
fn cancellable(cmd: &ShellCommand) -> String {
    format!(
        "exec 3<&0; ( {} ) & c=$!; {{ cat <&3 >/dev/null 2>&1; kill -TERM 0; }} >/dev/null 2>&1 & exec 3<&-; wait $c",
        cmd.script()
    )
}

fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => Path::new(&home).join(rest),
        _ => PathBuf::from(path),
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn explain_connect_error(node: &Node, destination: &str, e: &openssh::Error) -> RemoteError {
    let reason = error_chain(e);
    if reason.contains("Host key verification failed")
        || reason.contains("REMOTE HOST IDENTIFICATION HAS CHANGED")
    {
        let known_hosts = node
            .known_hosts
            .clone()
            .unwrap_or_else(|| "~/.ssh/known_hosts".into());
        return RemoteError::HostKey {
            node: node.name.clone(),
            destination: destination.into(),
            hint: format!(
                "check the key out of band, then add it: `ssh-keyscan -p {} {} >> {known_hosts}`; \
                 or set accept_new_host_keys = true for this node (or pass --accept-new-host-keys) \
                 to trust a first-seen key",
                node.port, node.host
            ),
        };
    }
    RemoteError::Connect {
        node: node.name.clone(),
        destination: destination.into(),
        reason,
    }
}
