//! The lock by hand, on several nodes at once (`timectl lock status` and
//! `release`): each node's lock as it is, and the release of a maintenance lock
//! this operator took, or of anyone's when forced (recorded on the node).
//! Results come in the order of the nodes given; the caller renders them.

use timecoin_shared::fleet::Node;

use super::holder::{Holder, LockState, TakenBy};
use super::ops::{self, LockError};
use crate::remote::Remote;

/// How one node's release ended.
#[derive(Debug)]
pub(crate) enum Release {
    /// There was no lock to release.
    WasFree,
    /// Released; the lock as it was just before.
    Released(LockState),
}

/// Every node's lock as it is now.
pub(crate) async fn status_all(nodes: &[(&Node, &Remote)]) -> Vec<Result<LockState, LockError>> {
    let asks = nodes
        .iter()
        .map(|&(node, remote)| ops::status(node, remote));
    futures_util::future::join_all(asks).await
}

/// Releases, on every node, the maintenance lock `me`'s operator holds there;
/// with `force`, whatever lock the node has.
///
/// # Errors
/// Per node: [`LockError::Held`] for a lock someone else holds (without
/// `force`), or the node could not be asked or the lock not removed.
pub(crate) async fn release_all(
    nodes: &[(&Node, &Remote)],
    me: &Holder,
    force: bool,
) -> Vec<Result<Release, LockError>> {
    let releases = nodes.iter().map(|&(node, remote)| async move {
        let state = ops::status(node, remote).await?;
        let holder = match &state {
            LockState::Free => return Ok(Release::WasFree),
            LockState::Held { holder, .. } => holder.clone(),
        };
        match holder {
            Some(h) if h.same_operator(me) && h.taken_by == TakenBy::Maintenance => {
                ops::release(node, remote, &h).await?;
            }
            _ if force => {
                ops::force_release(node, remote, me).await?;
            }
            _ => {
                return Err(LockError::Held {
                    node: node.name.clone(),
                    state,
                });
            }
        }
        Ok(Release::Released(state))
    });
    futures_util::future::join_all(releases).await
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::lock::all::tests::{local_nodes, pairs};
    use crate::lock::ops::Takeover;

    #[tokio::test]
    async fn only_ones_own_maintenance_lock_is_released_unless_forced() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (nodes, remotes) = local_nodes(dir.path(), 3).await;
        let ttl = Duration::from_secs(60);
        let mine = Holder::here(TakenBy::Maintenance, None, "disk swap".into());
        ops::acquire(&nodes[0], &remotes[0], &mine, ttl, Takeover::No)
            .await
            .expect("n1 mine");
        let mut other = Holder::here(TakenBy::Deploy, None, "hotfix".into());
        other.user = format!("not-{}", other.user);
        ops::acquire(&nodes[1], &remotes[1], &other, ttl, Takeover::No)
            .await
            .expect("n2 someone else's");
        let me = Holder::here(TakenBy::Maintenance, None, "release".into());

        let ends = release_all(&pairs(&nodes, &remotes), &me, false).await;
        assert!(matches!(ends[0], Ok(Release::Released(_))), "{ends:?}");
        assert!(
            matches!(&ends[1], Err(LockError::Held { node, .. }) if node == "n2"),
            "{ends:?}"
        );
        assert!(matches!(ends[2], Ok(Release::WasFree)), "{ends:?}");
        let states = status_all(&pairs(&nodes, &remotes)).await;
        assert!(matches!(states[0], Ok(LockState::Free)), "{states:?}");
        assert!(
            matches!(states[1], Ok(LockState::Held { .. })),
            "{states:?}"
        );

        let ends = release_all(&pairs(&nodes[1..2], &remotes[1..2]), &me, true).await;
        assert!(matches!(ends[0], Ok(Release::Released(_))), "{ends:?}");
        let states = status_all(&pairs(&nodes, &remotes)).await;
        assert!(
            states.iter().all(|s| matches!(s, Ok(LockState::Free))),
            "{states:?}"
        );
    }
}
