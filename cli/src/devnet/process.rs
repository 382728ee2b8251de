//! Starting `timed` detached (its own process group, output to a log file, so it
//! outlives `timectl` and a terminal's Ctrl-C), and stopping exactly the processes
//! we recorded: SIGTERM, then SIGKILL after a deadline, then a check they are gone.

use std::fs::OpenOptions;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{WaitPidFlag, waitpid};
use nix::unistd::Pid;
use tokio::time::Instant;

use super::error::DevnetError;

use crate::constants::{DEVNET_KILL_WAIT, DEVNET_STOP_GRACE, POLL_INTERVAL};

/// A started process: pid and start time identify it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ProcessId {
    pub pid: u32,
    pub start_time: u64,
}

/// Finds `timed`: `explicit`, else next to the running `timectl`, else on PATH.
///
/// # Errors
/// Not found anywhere, with where it looked.
pub(crate) fn find_timed(explicit: Option<&Path>) -> Result<PathBuf, DevnetError> {
    if let Some(path) = explicit {
        return if path.is_file() {
            Ok(path.to_path_buf())
        } else {
            Err(DevnetError::TimedMissing(path.to_path_buf()))
        };
    }
    let beside = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("timed")));
    if let Some(path) = beside.as_ref().filter(|p| p.is_file()) {
        return Ok(path.clone());
    }
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("timed"))
            .find(|p| p.is_file())
    });
    on_path.ok_or_else(|| DevnetError::TimedNotFound {
        beside: beside
            .map(|p| format!(" ({})", p.display()))
            .unwrap_or_default(),
    })
}

/// Starts `timed ARGS` in its own process group, stdin closed, stdout and stderr
/// appended to `log`.
///
/// # Errors
/// The log cannot be opened or the program not started.
pub(crate) fn spawn_detached(
    timed: &Path,
    args: &[String],
    log: &Path,
) -> std::io::Result<ProcessId> {
    let out = OpenOptions::new().create(true).append(true).open(log)?;
    let err = out.try_clone()?;
    let child = Command::new(timed)
        .args(args)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .process_group(0)
        .spawn()?;
    let pid = child.id();
    // Not waited for on purpose: the daemon outlives us; init reaps it.
    drop(child);
    let start_time = start_time(pid).ok_or_else(|| {
        std::io::Error::other(format!(
            "timed (pid {pid}) exited at once; see {}",
            log.display()
        ))
    })?;
    Ok(ProcessId { pid, start_time })
}

/// Whether the recorded process is still the one running under its pid and is
/// not a zombie.
pub(crate) fn is_running(id: ProcessId) -> bool {
    stat_fields(id.pid)
        .is_some_and(|(state, start)| state != "Z" && state != "X" && start == id.start_time)
}

/// Stops the given processes: SIGTERM, up to [`DEVNET_STOP_GRACE`] to exit, then
/// SIGKILL and up to [`DEVNET_KILL_WAIT`]. Waits on the runtime's timer, so a
/// stop never holds one of its workers.
///
/// # Errors
/// The pids still running after all that.
pub(crate) async fn stop(ids: &[ProcessId]) -> Result<(), Vec<u32>> {
    signal_running(ids, Signal::SIGTERM);
    let gone = wait_gone(ids, DEVNET_STOP_GRACE).await || {
        signal_running(ids, Signal::SIGKILL);
        wait_gone(ids, DEVNET_KILL_WAIT).await
    };
    reap(ids);
    if gone {
        return Ok(());
    }
    Err(ids
        .iter()
        .filter(|id| is_running(**id))
        .map(|id| id.pid)
        .collect())
}

/// Sends `signal` to every one of `ids` still running, best effort.
pub(crate) fn signal_running(ids: &[ProcessId], signal: Signal) {
    for id in ids.iter().filter(|id| is_running(**id)) {
        let _ = self::signal(*id, signal);
    }
}

/// Sends `signal` to one process.
///
/// # Errors
/// The kernel refused (no such process, not ours).
pub(crate) fn signal(id: ProcessId, signal: Signal) -> nix::Result<()> {
    kill(Pid::from_raw(id.pid.cast_signed()), signal)
}

/// Collects the exit status of those of `ids` that are our own children and
/// have exited. A daemon started by this process (the demo, a test calling the
/// engine) is its child: unreaped, it would stay a zombie until we exit.
/// Others are not ours to reap, and the call does nothing for them.
fn reap(ids: &[ProcessId]) {
    for id in ids {
        let _ = waitpid(
            Pid::from_raw(id.pid.cast_signed()),
            Some(WaitPidFlag::WNOHANG),
        );
    }
}

async fn wait_gone(ids: &[ProcessId], deadline: std::time::Duration) -> bool {
    let end = Instant::now() + deadline;
    loop {
        if !ids.iter().any(|id| is_running(*id)) {
            return true;
        }
        if Instant::now() >= end {
            return false;
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

/// Start time of a live process.
pub(crate) fn start_time(pid: u32) -> Option<u64> {
    stat_fields(pid).map(|(_, start)| start)
}

/// (state, start time) from `/proc/PID/stat`. The command name (field 2) may
/// hold spaces and parentheses, so fields are counted after its last `)`.
fn stat_fields(pid: u32) -> Option<(String, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3 (state); start time is field 22.
    let state = fields.first()?.to_string();
    let start = fields.get(22 - 3)?.parse().ok()?;
    Some((state, start))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_own_process_is_running_and_a_wrong_start_time_is_not() {
        let pid = std::process::id();
        let start = start_time(pid).expect("own start time");
        assert!(is_running(ProcessId {
            pid,
            start_time: start
        }));
        assert!(!is_running(ProcessId {
            pid,
            start_time: start + 1
        }));
    }
}
