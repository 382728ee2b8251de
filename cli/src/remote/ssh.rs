//! The `ssh` transport: one multiplexed master connection per node through the
//! system `ssh`, with strict host key checking unless the operator opted in to
//! accept-new. Commands, streams and forwards go over the master's control socket
//! (the `openssh` crate's native mux), so they cost no new handshake.
//!
//! We start the master ourselves rather than through the crate's builder: it puts
//! no `--` before the destination (a host such as `-oProxyCommand=...` would be
//! read as an option), reports an ssh that failed before writing its log as
//! `No such file or directory`, and maps accept-new to `StrictHostKeyChecking=no`.

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::process::Stdio as StdStdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use openssh::{ForwardType, Session, Socket, Stdio};
use tempfile::TempDir;
use timecoin_shared::fleet::Node;
use tokio::net::UnixStream;

use super::forward::{self, Forward};
use super::stream::{LineStream, Running, StreamEnd, spawn_stream};
use super::{ConnectOptions, Output, RemoteError, ShellCommand};
use crate::constants::{
    SSH_CONNECT_TIMEOUT, SSH_CONTROL_PERSIST_SECS, SSH_MASTER_STARTS, SSH_SERVER_ALIVE_INTERVAL,
    SSH_START_ATTEMPTS, SSH_START_BACKOFF,
};

/// Where control and forward sockets live: short (unix socket paths are capped
/// near 108 bytes, and `$TMPDIR` can be long) and private (tempfile makes it 0700).
const SOCKET_PARENT: &str = "/tmp";

/// The master's control socket, its log (`ssh -E`) and its stderr, in the
/// node's socket directory.
const CONTROL: &str = "master";
const LOG: &str = "log";
const STDERR: &str = "stderr";

/// Permits to set up a master, shared by the whole process: at most
/// [`SSH_MASTER_STARTS`] handshakes in flight, whichever pool or command
/// starts them.
static MASTER_STARTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(SSH_MASTER_STARTS);

/// A node reached over one SSH master connection.
#[derive(Debug)]
pub struct SshNode {
    name: String,
    destination: String,
    session: Arc<Session>,
    /// Holds the control socket, the master's log and the forward sockets.
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
        let dir = socket_dir.path();
        let accept_new = node.accept_new_host_keys || options.accept_new_host_keys;
        let mut attempt = 1;
        loop {
            match start_master(node, dir, accept_new).await {
                Ok(()) => break,
                Err(Start::Said(reason))
                    if refused_before_banner(&reason) && attempt < SSH_START_ATTEMPTS =>
                {
                    // sshd at its MaxStartups, or too busy to greet: it asks
                    // for another try later. Spread out, so the retries of many
                    // masters do not arrive together.
                    let pause = SSH_START_BACKOFF * u32::try_from(attempt).unwrap_or(1);
                    tokio::time::sleep(pause + pause.mul_f64(fastrand::f64())).await;
                    attempt += 1;
                }
                Err(Start::Said(reason)) => {
                    return Err(explain_connect_error(node, &destination, &reason));
                }
                Err(Start::Failed(reason)) => return Err(fail(reason)),
            }
        }
        let session = Session::resume_mux(
            dir.join(CONTROL).into_boxed_path(),
            Some(dir.join(LOG).into_boxed_path()),
        );
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

    pub(crate) async fn run_bytes(
        &self,
        cmd: &ShellCommand,
    ) -> Result<std::process::Output, RemoteError> {
        self.session
            .command("sh")
            .arg("-c")
            .arg(cmd.script())
            .stdin(Stdio::null())
            .output()
            .await
            .map_err(|e| self.ssh_error("running a command", e))
    }

    /// Starts `sh -c SCRIPT` on the node with stdin, stdout and stderr piped.
    async fn spawn_piped(&self, script: &str) -> Result<openssh::Child<Arc<Session>>, RemoteError> {
        self.session
            .clone()
            .arc_command("sh")
            .arg("-c")
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .await
            .map_err(|e| self.ssh_error("starting a command", e))
    }

    pub(crate) async fn run_with_input(
        &self,
        cmd: &ShellCommand,
        input: &[u8],
    ) -> Result<Output, RemoteError> {
        let mut child = self.spawn_piped(cmd.script()).await?;
        let stdin = child
            .stdin()
            .take()
            .ok_or_else(|| self.ssh_error("taking stdin", openssh::Error::Disconnected))?;
        // Written while the output is read, so neither side waits on a full pipe.
        let (written, out) =
            tokio::join!(super::stdio::feed(stdin, input), child.wait_with_output());
        let out = out.map_err(|e| self.ssh_error("running a command", e))?;
        written.map_err(|source| RemoteError::Io {
            node: self.name.clone(),
            what: "writing to a command's stdin".into(),
            source,
        })?;
        Ok(Output::from_std(out))
    }

    pub(crate) async fn stream_lines(&self, cmd: &ShellCommand) -> Result<LineStream, RemoteError> {
        let mut child = self.spawn_piped(&cancellable(cmd)).await?;
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
                        reason: format!("ssh connection lost: {}", crate::causes::render(&check)),
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

    /// Stops the master (`ssh -O exit`): streams still running on it end as
    /// lost, and its sockets go with it.
    pub(crate) async fn close(&self) -> Result<(), RemoteError> {
        let fail = |what: String, source| RemoteError::Io {
            node: self.name.clone(),
            what,
            source,
        };
        let out = tokio::process::Command::new("ssh")
            .arg("-S")
            .arg(self.session.control_socket())
            .args(["-O", "exit", "timectl-close"])
            .stdin(StdStdio::null())
            .stdout(StdStdio::null())
            .stderr(StdStdio::piped())
            .output()
            .await
            .map_err(|e| fail("cannot run ssh -O exit".into(), e))?;
        if out.status.success() {
            return Ok(());
        }
        let why = String::from_utf8_lossy(&out.stderr).trim().to_string();
        Err(fail(
            format!("ssh -O exit: {}", out.status),
            std::io::Error::other(why),
        ))
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

/// `ssh` arguments that start a master for `node` in `dir`, forking into the
/// background once authenticated.
fn master_args(node: &Node, dir: &Path, accept_new: bool) -> Vec<std::ffi::OsString> {
    let mut args: Vec<std::ffi::OsString> = vec![
        "-E".into(),
        dir.join(LOG).into(),
        "-S".into(),
        dir.join(CONTROL).into(),
    ];
    for a in ["-M", "-f", "-N", "-o", "BatchMode=yes"] {
        args.push(a.into());
    }
    let persist = NonZeroUsize::new(SSH_CONTROL_PERSIST_SECS).unwrap_or(NonZeroUsize::MIN);
    let checking = if accept_new { "accept-new" } else { "yes" };
    for option in [
        format!("ControlPersist={persist}s"),
        format!("StrictHostKeyChecking={checking}"),
        format!("ConnectTimeout={}", SSH_CONNECT_TIMEOUT.as_secs()),
        format!(
            "ServerAliveInterval={}",
            SSH_SERVER_ALIVE_INTERVAL.as_secs()
        ),
    ] {
        args.push("-o".into());
        args.push(option.into());
    }
    args.push("-p".into());
    args.push(node.port.to_string().into());
    if let Some(user) = &node.user {
        args.push("-l".into());
        args.push(user.into());
    }
    if let Some(identity) = &node.identity {
        args.push("-o".into());
        args.push("IdentitiesOnly=yes".into());
        args.push("-i".into());
        args.push(expand_home(identity).into());
    }
    if let Some(known_hosts) = &node.known_hosts {
        let mut option = std::ffi::OsString::from("UserKnownHostsFile=");
        option.push(expand_home(known_hosts));
        args.push("-o".into());
        args.push(option);
    }
    // Correctness: whatever the host holds, ssh reads it as the destination.
    args.push("--".into());
    args.push(node.host.clone().into());
    args
}

/// Why a master did not start: what ssh said (or how it exited), or what
/// kept it from running at all.
enum Start {
    Said(String),
    Failed(String),
}

/// Starts the node's master with its control socket, log and stderr in `dir`
/// (the last attempt's log and stderr replaced), once a start permit is free.
async fn start_master(node: &Node, dir: &Path, accept_new: bool) -> Result<(), Start> {
    let log = dir.join(LOG);
    if let Err(e) = tokio::fs::remove_file(&log).await
        && e.kind() != std::io::ErrorKind::NotFound
    {
        return Err(Start::Failed(format!(
            "cannot remove {}: {e}",
            log.display()
        )));
    }
    let stderr = tokio::fs::File::create(dir.join(STDERR))
        .await
        .map_err(|e| Start::Failed(format!("cannot create {}: {e}", dir.join(STDERR).display())))?
        .into_std()
        .await;
    let mut ssh = tokio::process::Command::new("ssh");
    ssh.args(master_args(node, dir, accept_new))
        // Correctness: the master forks into the background holding these;
        // a pipe here would keep whoever reads our output waiting for it.
        .stdin(StdStdio::null())
        .stdout(StdStdio::null())
        .stderr(stderr)
        .kill_on_drop(true);
    // Held until the master has authenticated and gone to the background
    // (`-f`); the semaphore is never closed, so acquiring cannot fail.
    let _permit = MASTER_STARTS
        .acquire()
        .await
        .map_err(|e| Start::Failed(format!("no turn to start a master: {e}")))?;
    // ssh's ConnectTimeout covers the TCP connect only; this bounds auth too.
    match tokio::time::timeout(SSH_CONNECT_TIMEOUT * 2, ssh.status()).await {
        Ok(Ok(status)) if status.success() => Ok(()),
        Ok(Ok(status)) => Err(Start::Said(master_failure(dir, &status.to_string()).await)),
        Ok(Err(e)) => Err(Start::Failed(format!("cannot run ssh: {e}"))),
        Err(_) => Err(Start::Failed(format!(
            "timed out after {}s",
            (SSH_CONNECT_TIMEOUT * 2).as_secs()
        ))),
    }
}

/// Whether sshd closed the connection before its version banner: what it does
/// to a handshake over `MaxStartups`, and when it cannot keep up.
fn refused_before_banner(reason: &str) -> bool {
    reason.contains("kex_exchange_identification")
}

/// What a master that did not start said: its log, else its stderr, else how
/// it exited.
async fn master_failure(dir: &Path, status: &str) -> String {
    let mut said = None;
    for file in [LOG, STDERR] {
        if let Ok(text) = tokio::fs::read_to_string(dir.join(file)).await
            && !text.trim().is_empty()
        {
            said = Some(text.trim().to_string());
            break;
        }
    }
    match said {
        Some(text) => text
            .lines()
            .filter(|l| !l.starts_with("Warning: Permanently added"))
            .collect::<Vec<_>>()
            .join("; "),
        None => format!("ssh exited with {status} and said nothing"),
    }
}

fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => Path::new(&home).join(rest),
        _ => PathBuf::from(path),
    }
}

fn explain_connect_error(node: &Node, destination: &str, reason: &str) -> RemoteError {
    let reason = reason.strip_prefix("ssh: ").unwrap_or(reason).to_string();
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
