//! Lock actions on one node over its transport, and the heartbeat that keeps a
//! deploy's locks fresh while it runs.

use std::sync::Arc;
use std::time::Duration;

use timecoin_shared::fleet::Node;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::holder::{Answer, Holder, LockState};
use super::script::{LOCK, in_repo, lock_then, split_then};
use crate::constants::LOCK_READ_TIMEOUT;
use crate::pool::Pool;
use crate::remote::{Remote, RemoteError};

/// How a lock held by someone else may be taken.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Takeover {
    /// Never: a held lock refuses.
    #[default]
    No,
    /// Only a lock past its TTL (`--steal-stale`).
    StealStale,
    /// Any lock (`--force-unlock`).
    Force,
}

/// Why a lock action failed. Messages start with the node's name.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LockError {
    #[error("{node}: locked: {}{}", state.describe(), hint(state))]
    Held { node: String, state: LockState },
    #[error("{node}: not released: the lock is no longer ours ({})", state.describe())]
    NotHeld { node: String, state: LockState },
    #[error("{node}: the lock is no longer ours, phase not recorded ({})", state.describe())]
    Lost { node: String, state: LockState },
    #[error(transparent)]
    Remote(#[from] RemoteError),
    #[error("{node}: lock script failed (exit {code:?}): {stderr}")]
    Script {
        node: String,
        code: Option<i32>,
        stderr: String,
    },
}

fn hint(state: &LockState) -> &'static str {
    if state.is_stale() {
        " (take it over with --steal-stale)"
    } else {
        " (wait for it, or break it with --force-unlock)"
    }
}

/// A lock this process now holds on a node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Acquired {
    /// The holder a takeover displaced (recorded on the node too).
    pub(crate) previous: Option<Holder>,
}

async fn run(
    node: &Node,
    remote: &Remote,
    action: &str,
    holder: Option<&Holder>,
    ttl: Duration,
) -> Result<Answer, LockError> {
    Ok(run_then(node, remote, action, holder, ttl, None).await?.0)
}

/// [`run`], and when `then` is given (a script and its arguments), that
/// script once the lock was taken, in the same round trip: its output, empty
/// when the lock was not taken.
async fn run_then(
    node: &Node,
    remote: &Remote,
    action: &str,
    holder: Option<&Holder>,
    ttl: Duration,
    then: Option<(&str, &[&str])>,
) -> Result<(Answer, String), LockError> {
    let token = holder.map(|h| h.token.clone()).unwrap_or_default();
    let json = match holder {
        Some(h) => serde_json::to_string(h).unwrap_or_default(),
        None => String::new(),
    };
    let ttl = ttl.as_secs().to_string();
    let mut args = vec![action, &token, &json, &ttl];
    let cmd = match then {
        None => in_repo(node, LOCK, &args)?,
        Some((body, then_args)) => {
            args.extend_from_slice(then_args);
            in_repo(node, &lock_then(body), &args)?
        }
    };
    let out = remote.run(&cmd).await?;
    let failed = || LockError::Script {
        node: node.name.clone(),
        code: out.code,
        stderr: out.stderr.trim().to_owned(),
    };
    if !out.success() {
        return Err(failed());
    }
    let (lock, after) = split_then(&out.stdout);
    let answer = Answer::parse(lock).ok_or_else(failed)?;
    Ok((answer, after.to_owned()))
}

/// Takes the lock on `node` for `holder`, or says who holds it.
///
/// # Errors
/// [`LockError::Held`] when another holder has it and `takeover` does not allow
/// taking it; otherwise the node could not be asked.
pub(crate) async fn acquire(
    node: &Node,
    remote: &Remote,
    holder: &Holder,
    ttl: Duration,
    takeover: Takeover,
) -> Result<Acquired, LockError> {
    let answer = run(node, remote, takeover_action(takeover), Some(holder), ttl).await?;
    taken(node, answer)
}

/// [`acquire`], and once the lock is taken, `then` (a script run like the
/// lock's, in the node's repo with `$d` set, given `then_args`) in the same
/// round trip: its output. Whatever `then` does, the lock stays taken.
///
/// # Errors
/// As [`acquire`]; `then` runs only when the lock was taken.
pub(crate) async fn acquire_then(
    node: &Node,
    remote: &Remote,
    holder: &Holder,
    ttl: Duration,
    takeover: Takeover,
    then: &str,
    then_args: &[&str],
) -> Result<(Acquired, String), LockError> {
    let action = takeover_action(takeover);
    let (answer, after) = run_then(
        node,
        remote,
        action,
        Some(holder),
        ttl,
        Some((then, then_args)),
    )
    .await?;
    Ok((taken(node, answer)?, after))
}

/// What the lock script's answer to a taking action means.
fn taken(node: &Node, answer: Answer) -> Result<Acquired, LockError> {
    match answer.result.as_str() {
        "acquired" | "stolen" | "forced" => Ok(Acquired {
            previous: answer.previous,
        }),
        _ => Err(LockError::Held {
            node: node.name.clone(),
            state: answer.state,
        }),
    }
}

fn takeover_action(takeover: Takeover) -> &'static str {
    match takeover {
        Takeover::No => "acquire",
        Takeover::StealStale => "steal",
        Takeover::Force => "force",
    }
}

/// Releases the lock `holder` holds.
///
/// # Errors
/// [`LockError::NotHeld`] when `holder` no longer holds it (it was taken
/// over); [`LockError::Script`] when the lock could not be removed; otherwise
/// the node could not be asked.
pub(crate) async fn release(
    node: &Node,
    remote: &Remote,
    holder: &Holder,
) -> Result<(), LockError> {
    let answer = run(node, remote, "release", Some(holder), Duration::ZERO).await?;
    match answer.result.as_str() {
        "released" => Ok(()),
        _ => Err(LockError::NotHeld {
            node: node.name.clone(),
            state: answer.state,
        }),
    }
}

/// Records `holder`'s phase in the lock it holds on `node` (the stored holder
/// is replaced by `holder`, phase included), so that whoever watches the node
/// sees how far the deploy got there. Also a refresh, like a heartbeat.
///
/// # Errors
/// [`LockError::Lost`] when `holder` no longer holds the lock (it was taken
/// over); otherwise the node could not be asked.
pub(crate) async fn record_phase(
    node: &Node,
    remote: &Remote,
    holder: &Holder,
) -> Result<(), LockError> {
    let answer = run(node, remote, "phase", Some(holder), Duration::ZERO).await?;
    match answer.result.as_str() {
        "recorded" => Ok(()),
        _ => Err(LockError::Lost {
            node: node.name.clone(),
            state: answer.state,
        }),
    }
}

/// Breaks whatever lock the node has (recorded on the node as forced) and
/// leaves it free; returns the holder it displaced.
///
/// # Errors
/// The node could not be asked.
pub(crate) async fn force_release(
    node: &Node,
    remote: &Remote,
    by: &Holder,
) -> Result<Option<Holder>, LockError> {
    let taken = acquire(node, remote, by, Duration::ZERO, Takeover::Force).await?;
    release(node, remote, by).await?;
    Ok(taken.previous)
}

/// The node's lock as it is now.
///
/// # Errors
/// The node could not be asked.
pub(crate) async fn status(node: &Node, remote: &Remote) -> Result<LockState, LockError> {
    Ok(run(node, remote, "status", None, Duration::ZERO)
        .await?
        .state)
}

/// The lock of `node` through `pool`'s connection to it, for someone watching
/// the fleet (the dashboard, the exporter): bounded by [`LOCK_READ_TIMEOUT`],
/// the failure told as text.
///
/// # Errors
/// The node could not be reached or asked in time.
pub(crate) async fn watch_status(pool: &Pool, node: &Node) -> Result<LockState, String> {
    let read = async {
        let remote = pool.remote(node).await.map_err(|e| e.to_string())?;
        status(node, &remote).await.map_err(|e| e.to_string())
    };
    tokio::time::timeout(LOCK_READ_TIMEOUT, read)
        .await
        .unwrap_or_else(|_| {
            Err(format!(
                "{}: lock not read within {}s",
                node.name,
                LOCK_READ_TIMEOUT.as_secs()
            ))
        })
}

/// Refreshes this process's locks every `interval` until stopped, and reports
/// the nodes where the lock was lost (taken over by someone else). A node is
/// refreshed once [`Heartbeat::add`] says its lock was taken: a deploy takes
/// each node's lock in that node's own pipeline, not all at once.
///
/// Each node beats on a timer of its own. A node's SSH master left without a
/// session for `ControlPersist` exits on its own, and a node waiting at the
/// fleet's barrier runs nothing else: in rounds over the whole fleet, a node's
/// gap was the interval plus the slowest node's round trip, which at 64 nodes
/// on a loaded machine outlasted the persist time and lost that node's
/// connection mid-deploy.
#[derive(Debug)]
pub(crate) struct Heartbeat {
    holder: Holder,
    interval: Duration,
    stop: CancellationToken,
    beats: TaskTracker,
    lost: Arc<watch::Sender<Vec<String>>>,
}

impl Heartbeat {
    /// Starts refreshing `holder`'s locks, on no node until one is added.
    pub(crate) fn start(holder: Holder, interval: Duration) -> Self {
        Heartbeat {
            holder,
            interval,
            stop: CancellationToken::new(),
            beats: TaskTracker::new(),
            lost: Arc::new(watch::Sender::new(Vec::new())),
        }
    }

    /// Refreshes `node`'s lock every interval from now on: the lock was just
    /// taken. Stops at the first refresh that finds the lock someone else's.
    pub(crate) fn add(&self, node: Node, remote: Arc<Remote>) {
        let (holder, interval) = (self.holder.clone(), self.interval);
        let (stop, lost) = (self.stop.clone(), Arc::clone(&self.lost));
        self.beats.spawn(async move {
            loop {
                tokio::select! {
                    () = stop.cancelled() => return,
                    () = tokio::time::sleep(interval) => {}
                }
                let answer = run(&node, &remote, "heartbeat", Some(&holder), Duration::ZERO).await;
                if let Ok(answer) = answer
                    && answer.result == "lost"
                {
                    lost.send_modify(|lost| lost.push(node.name.clone()));
                    return;
                }
            }
        });
    }

    /// Nodes whose lock someone else took since the start.
    pub(crate) fn lost(&self) -> Vec<String> {
        self.lost.borrow().clone()
    }

    /// Stops refreshing (before the locks are released), once the refreshes
    /// under way have ended: none may touch a lock after its release.
    pub(crate) async fn stop(self) {
        self.stop.cancel();
        self.beats.close();
        self.beats.wait().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lock::all::tests::local_nodes;
    use crate::lock::{Phase, TakenBy};

    fn phase_of(state: &LockState) -> Option<Phase> {
        match state {
            LockState::Held {
                holder: Some(h), ..
            } => h.phase.clone(),
            _ => None,
        }
    }

    #[tokio::test]
    async fn only_the_holder_records_its_phase() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (nodes, remotes) = local_nodes(dir.path(), 1).await;
        let (node, remote) = (&nodes[0], &remotes[0]);
        let mut mine = Holder::here(TakenBy::Deploy, Some("abc".into()), "fix".into());
        acquire(node, remote, &mine, Duration::from_secs(60), Takeover::No)
            .await
            .expect("acquire");
        let state = status(node, remote).await.expect("status");
        assert_eq!(phase_of(&state), None, "{state:?}");
        for phase in [Phase::Staging, Phase::Gating] {
            mine.phase = Some(phase.clone());
            record_phase(node, remote, &mine).await.expect("record");
            let state = status(node, remote).await.expect("status");
            assert_eq!(phase_of(&state), Some(phase), "{state:?}");
        }

        let mut other = Holder::here(TakenBy::Deploy, None, "not mine".into());
        other.phase = Some(Phase::Failed);
        let lost = record_phase(node, remote, &other).await;
        assert!(matches!(lost, Err(LockError::Lost { .. })), "{lost:?}");
        let state = status(node, remote).await.expect("status");
        assert_eq!(
            phase_of(&state),
            Some(Phase::Gating),
            "unchanged: {state:?}"
        );
        let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("n1/.git/timectl/lock"))
            .expect("lock dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(leftovers.len(), 2, "ttl and holder only: {leftovers:?}");

        release(node, remote, &mine).await.expect("release");
        let gone = record_phase(node, remote, &mine).await;
        assert!(matches!(gone, Err(LockError::Lost { .. })), "{gone:?}");
        let state = status(node, remote).await.expect("status");
        assert_eq!(state, LockState::Free, "a phase never makes a lock");
    }

    #[tokio::test]
    async fn a_node_whose_refresh_hangs_does_not_hold_back_the_others() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (nodes, remotes) = local_nodes(dir.path(), 2).await;
        let mine = Holder::here(TakenBy::Deploy, None, "beat".into());
        for (node, remote) in nodes.iter().zip(&remotes) {
            acquire(node, remote, &mine, Duration::from_secs(60), Takeover::No)
                .await
                .expect("acquire");
        }
        // n2's holder file becomes a FIFO nobody writes: its refresh waits in
        // `grep`, as a refresh over a stalled SSH session would.
        let stalled = dir.path().join("n2/.git/timectl/lock/holder.json");
        std::fs::remove_file(&stalled).expect("rm holder");
        let made = std::process::Command::new("mkfifo")
            .arg(&stalled)
            .status()
            .expect("mkfifo");
        assert!(made.success());
        let heartbeat = Heartbeat::start(mine.clone(), Duration::from_millis(100));
        for (node, remote) in nodes.iter().zip(remotes) {
            heartbeat.add(node.clone(), Arc::new(remote));
        }
        // n1's lock is refreshed again and again meanwhile. In rounds over the
        // whole fleet it was refreshed once, then waited on n2 for good.
        let refreshed = dir.path().join("n1/.git/timectl/lock/holder.json");
        let stamp = || {
            std::fs::metadata(&refreshed)
                .and_then(|m| m.modified())
                .ok()
        };
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        let (mut refreshes, mut last) = (0, stamp());
        while refreshes < 3 {
            assert!(
                tokio::time::Instant::now() < deadline,
                "n1 refreshed {refreshes} time(s) in 20 s while n2's refresh hung"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
            let now = stamp();
            if now != last {
                (refreshes, last) = (refreshes + 1, now);
            }
        }
        // Stopping waits for the refresh under way: let n2's finish.
        let stopped = tokio::spawn(heartbeat.stop());
        let token = mine.token.clone();
        tokio::task::spawn_blocking(move || std::fs::write(&stalled, token))
            .await
            .expect("join")
            .expect("n2's refresh reads its holder");
        tokio::time::timeout(Duration::from_secs(20), stopped)
            .await
            .expect("stopped once the refreshes under way ended")
            .expect("join");
    }

    #[tokio::test]
    async fn what_runs_with_the_lock_runs_only_once_it_is_taken() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (nodes, remotes) = local_nodes(dir.path(), 1).await;
        let (node, remote) = (&nodes[0], &remotes[0]);
        let ttl = Duration::from_secs(60);
        // Writes a file beside the lock, then fails: its failure is not the lock's.
        let then = r#"echo "ran with $1"; : > "$d/ran"; echo "then's own error" >&2; exit 7"#;
        let mine = Holder::here(TakenBy::Deploy, None, "first".into());
        let (taken, out) = acquire_then(node, remote, &mine, ttl, Takeover::No, then, &["x y"])
            .await
            .expect("taken");
        assert_eq!(taken.previous, None);
        assert_eq!(out, "ran with x y\n");
        let ran = dir.path().join("n1/.git/timectl/ran");
        std::fs::remove_file(&ran).expect("it ran under the lock");

        let other = Holder::here(TakenBy::Deploy, None, "second".into());
        let refused = acquire_then(node, remote, &other, ttl, Takeover::No, then, &["z"]).await;
        assert!(
            matches!(&refused, Err(LockError::Held { state: LockState::Held { holder: Some(h), .. }, .. }) if h.token == mine.token),
            "{refused:?}"
        );
        assert!(!ran.exists(), "nothing ran without the lock");

        let (taken, out) = acquire_then(node, remote, &other, ttl, Takeover::Force, then, &["z"])
            .await
            .expect("forced");
        assert_eq!(taken.previous.map(|p| p.token), Some(mine.token));
        assert_eq!(out, "ran with z\n");
    }
}
