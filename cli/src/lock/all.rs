//! "Every node or none": the lock taken on all the given nodes at once, and,
//! when any node refuses or cannot be asked, given back on those where it was
//! taken, so no node is left locked by an attempt that failed. `timectl lock
//! acquire`, `deploy` and `rollback` all take their locks through here; each
//! renders the [`Progress`] emitted (with the node's name) and the [`Taken`]
//! each node ended in.

use std::time::{Duration, Instant};

use timecoin_shared::fleet::Node;

use super::holder::Holder;
use super::ops::{self, Acquired, LockError, Takeover};
use crate::emit::Emit;
use crate::remote::Remote;

/// What [`acquire_all`] is doing on one node, as it happens.
#[derive(Debug)]
pub(crate) enum Progress<'a> {
    /// Asking the node for its lock.
    Taking,
    /// The node answered the request that began at `began`.
    Took {
        began: Instant,
        result: &'a Result<Acquired, LockError>,
    },
    /// Giving back a lock taken here, because another node's was not.
    GivingBack,
    /// The give-back that began at `began` ended.
    GaveBack {
        began: Instant,
        result: &'a Result<(), LockError>,
    },
}

/// How one node ended.
#[derive(Debug)]
pub(crate) enum Taken {
    /// Held now: every node's lock was taken (what a takeover displaced was
    /// told in [`Progress::Took`]).
    Held,
    /// Not taken here: held by someone else, or the node could not be asked.
    Failed(LockError),
    /// Taken, then given back because another node's was not; the result of
    /// giving it back (an error leaves the node locked by us).
    GivenBack(Result<(), LockError>),
}

/// Takes `holder`'s lock on every one of `nodes` at once, or on none: when
/// one node's lock is not taken, the ones that were are released again.
/// Results come in the order of `nodes`; each step on each node is emitted as
/// it happens, with the node's name.
pub(crate) async fn acquire_all(
    nodes: &[(&Node, &Remote)],
    holder: &Holder,
    ttl: Duration,
    takeover: Takeover,
    emit: &dyn for<'a> Emit<(&'a str, Progress<'a>)>,
) -> Vec<Taken> {
    let takes = nodes.iter().map(|&(node, remote)| async move {
        emit.emit((&node.name, Progress::Taking));
        let began = Instant::now();
        let result = ops::acquire(node, remote, holder, ttl, takeover).await;
        emit.emit((
            &node.name,
            Progress::Took {
                began,
                result: &result,
            },
        ));
        result
    });
    let results = futures_util::future::join_all(takes).await;
    if results.iter().all(Result::is_ok) {
        return results
            .into_iter()
            .map(|result| match result {
                Ok(_) => Taken::Held,
                Err(e) => Taken::Failed(e),
            })
            .collect();
    }
    let ends = nodes
        .iter()
        .zip(results)
        .map(|(&(node, remote), result)| async move {
            match result {
                Err(e) => Taken::Failed(e),
                Ok(_) => {
                    emit.emit((&node.name, Progress::GivingBack));
                    let began = Instant::now();
                    let released = ops::release(node, remote, holder).await;
                    emit.emit((
                        &node.name,
                        Progress::GaveBack {
                            began,
                            result: &released,
                        },
                    ));
                    Taken::GivenBack(released)
                }
            }
        });
    futures_util::future::join_all(ends).await
}

#[cfg(test)]
pub(super) mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::lock::ops::status;
    use crate::lock::{LockState, TakenBy};
    use crate::remote::ConnectOptions;

    /// `n` nodes on the local transport, each with its own git repo (where its
    /// lock lives), connected.
    pub(in crate::lock) async fn local_nodes(
        dir: &std::path::Path,
        n: usize,
    ) -> (Vec<Node>, Vec<Remote>) {
        let mut text = "[fleet]\nname = \"locks\"\n".to_owned();
        for i in 1..=n {
            let repo = dir.join(format!("n{i}"));
            std::fs::create_dir_all(&repo).expect("mkdir repo");
            let init = std::process::Command::new("git")
                .args(["init", "-q"])
                .current_dir(&repo)
                .status()
                .expect("git init");
            assert!(init.success());
            text.push_str(&format!(
                "\n[[nodes]]\nname = \"n{i}\"\ntransport = \"local\"\nrepo = {:?}\n",
                repo.display().to_string()
            ));
        }
        let nodes = crate::fleet::parse_named("fleet.toml", &text)
            .expect("fleet")
            .nodes;
        let mut remotes = Vec::new();
        for node in &nodes {
            let remote = Remote::connect(node, &ConnectOptions::default()).await;
            remotes.push(remote.expect("local transport"));
        }
        (nodes, remotes)
    }

    pub(in crate::lock) fn pairs<'a>(
        nodes: &'a [Node],
        remotes: &'a [Remote],
    ) -> Vec<(&'a Node, &'a Remote)> {
        nodes.iter().zip(remotes).collect()
    }

    fn held_by(state: &LockState, holder: &Holder) -> bool {
        matches!(state, LockState::Held { holder: Some(h), .. } if h.token == holder.token)
    }

    #[tokio::test]
    async fn every_free_node_is_locked() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (nodes, remotes) = local_nodes(dir.path(), 3).await;
        let me = Holder::here(TakenBy::Maintenance, None, "maintenance".into());
        let ttl = Duration::from_secs(60);
        let ignore = |_: (&str, Progress<'_>)| {};
        let ends = acquire_all(&pairs(&nodes, &remotes), &me, ttl, Takeover::No, &ignore).await;
        assert!(ends.iter().all(|e| matches!(e, Taken::Held)), "{ends:?}");
        for (node, remote) in nodes.iter().zip(&remotes) {
            let state = status(node, remote).await.expect("status");
            assert!(held_by(&state, &me), "{}: {state:?}", node.name);
        }
    }

    #[tokio::test]
    async fn one_node_held_by_another_leaves_none_locked() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (nodes, remotes) = local_nodes(dir.path(), 3).await;
        let ttl = Duration::from_secs(60);
        let other = Holder::here(TakenBy::Deploy, None, "someone else".into());
        ops::acquire(&nodes[1], &remotes[1], &other, ttl, Takeover::No)
            .await
            .expect("the other holder takes n2");

        let me = Holder::here(TakenBy::Maintenance, None, "maintenance".into());
        let heard = Mutex::new(Vec::new());
        let progress = |(name, p): (&str, Progress<'_>)| {
            let step = match p {
                Progress::Taking => "taking",
                Progress::Took { result, .. } if result.is_ok() => "took",
                Progress::Took { .. } => "refused",
                Progress::GivingBack => "giving back",
                Progress::GaveBack { .. } => "gave back",
            };
            heard.lock().expect("lock").push(format!("{name} {step}"));
        };
        let ends = acquire_all(&pairs(&nodes, &remotes), &me, ttl, Takeover::No, &progress).await;

        assert!(matches!(ends[0], Taken::GivenBack(Ok(()))), "{ends:?}");
        assert!(
            matches!(&ends[1], Taken::Failed(LockError::Held { node, .. }) if node == "n2"),
            "{ends:?}"
        );
        assert!(matches!(ends[2], Taken::GivenBack(Ok(()))), "{ends:?}");
        for i in [0, 2] {
            let state = status(&nodes[i], &remotes[i]).await.expect("status");
            assert_eq!(state, LockState::Free, "{} given back", nodes[i].name);
        }
        let state = status(&nodes[1], &remotes[1]).await.expect("status");
        assert!(held_by(&state, &other), "n2 still the other's: {state:?}");
        let heard = heard.into_inner().expect("lock");
        for expected in ["n1 gave back", "n2 refused", "n3 gave back"] {
            assert!(heard.iter().any(|h| h == expected), "{expected}: {heard:?}");
        }
        assert!(!heard.iter().any(|h| h == "n2 giving back"), "{heard:?}");
    }
}
