//! The health gate after a restart: the node passes only when the chain says it
//! is back. RPC answers, it runs the target commit, its peers and the active
//! masternodes are back to the fleet's count, its height is within one block of
//! the fleet and rising, and its journal since the restart holds no ACK failure
//! or connection reset (but on a dial to a node restarted in the same batch,
//! whose own restart reset it). Polled until all pass or the timeout; every check's
//! evidence is kept for the operator.

use std::time::{Duration, Instant};

use timecoin_shared::snapshot::ChainView;

use super::connected::Connected;
use super::event::{Check, GateCheck};
use super::steps::journal_problems;
use crate::constants::DEPLOY_GATE_POLL;
use crate::probe::NodeApi;
use crate::table::short_commit;

/// What a restarted node must reach.
#[derive(Clone, Debug)]
pub(crate) struct Expect {
    /// The commit it must run (full hash).
    pub(crate) commit: String,
    /// Active masternodes the fleet had before the restart.
    pub(crate) masternodes: usize,
    /// Whether a `-dirty` build counts as the commit (`--allow-dirty`).
    pub(crate) allow_dirty: bool,
    /// Node clock at the restart, seconds since the epoch.
    pub(crate) restarted_at: u64,
    /// Peer addresses of the nodes restarted in the same batch: a reset on a
    /// dial to one of them is its restart's, not the incident's.
    pub(crate) restarting: Vec<String>,
    pub(crate) timeout: Duration,
}

/// Whether a running commit (maybe short, maybe `-dirty`) is `target`.
pub(crate) fn commit_matches(running: &str, target: &str, allow_dirty: bool) -> bool {
    let hash = match running.strip_suffix("-dirty") {
        Some(hash) if allow_dirty => hash,
        Some(_) => return false,
        None => running,
    };
    hash.len() >= 7 && target.starts_with(hash)
}

/// Waits for the node to pass; returns whether it did and the last evidence.
pub(crate) async fn wait(
    conn: &Connected,
    api: &dyn NodeApi,
    others: &[&dyn NodeApi],
    expect: &Expect,
) -> (bool, Vec<Check>) {
    let deadline = Instant::now() + expect.timeout;
    let mut first_height: Option<u64> = None;
    loop {
        let view = api.chain().await;
        let fleet_height = fleet_height(others).await;
        let mut checks = chain_checks(
            view.as_ref().map_err(ToString::to_string),
            fleet_height,
            &mut first_height,
            expect,
        );
        if checks.iter().all(|c| c.ok) {
            let journal =
                match journal_problems(conn, expect.restarted_at, &expect.restarting).await {
                    Ok(lines) if lines.is_empty() => Check {
                        name: GateCheck::Journal,
                        ok: true,
                        evidence: "no handshake_ack_failed or connection_reset since the restart"
                            .into(),
                    },
                    Ok(lines) => Check {
                        name: GateCheck::Journal,
                        ok: false,
                        evidence: format!(
                            "{} problem line(s) since the restart: {}",
                            lines.len(),
                            lines[..lines.len().min(3)].join(" | ")
                        ),
                    },
                    Err(e) => Check {
                        name: GateCheck::Journal,
                        ok: false,
                        evidence: format!("cannot read it: {e}"),
                    },
                };
            let ok = journal.ok;
            checks.push(journal);
            // A reset in the journal does not go away by waiting.
            return (ok, checks);
        }
        if Instant::now() >= deadline {
            return (false, checks);
        }
        tokio::time::sleep(DEPLOY_GATE_POLL).await;
    }
}

async fn fleet_height(others: &[&dyn NodeApi]) -> Option<u64> {
    let asks = others
        .iter()
        .map(|api| crate::deploy::connected::chain(*api));
    futures_util::future::join_all(asks)
        .await
        .into_iter()
        .filter_map(|view| view?.block_height)
        .max()
}

/// What a check shows for a fact the node's API does not give: the gate cannot
/// vouch for it, so the check fails rather than passing on a guess.
const UNKNOWN: &str = "unknown: the node's API does not say";

/// The checks that come from the node's API; pure, so the rules are tested alone.
fn chain_checks(
    view: Result<&ChainView, String>,
    fleet_height: Option<u64>,
    first_height: &mut Option<u64>,
    expect: &Expect,
) -> Vec<Check> {
    let view = match view {
        Ok(view) => view,
        Err(e) => {
            return vec![Check {
                name: GateCheck::Rpc,
                ok: false,
                evidence: e,
            }];
        }
    };
    let peers_wanted = expect.masternodes.saturating_sub(1);
    let mut checks = vec![
        Check {
            name: GateCheck::Rpc,
            ok: true,
            evidence: match view.uptime_secs {
                Some(up) => format!("answers, up {up}s"),
                None => "answers".into(),
            },
        },
        Check {
            name: GateCheck::Commit,
            ok: view
                .commit
                .as_deref()
                .is_some_and(|c| commit_matches(c, &expect.commit, expect.allow_dirty)),
            evidence: format!(
                "runs {} (target {})",
                view.commit.as_deref().unwrap_or(UNKNOWN),
                short_commit(&expect.commit)
            ),
        },
        at_least(
            GateCheck::Peers,
            view.connected_peers,
            peers_wanted,
            "connected",
        ),
        at_least(
            GateCheck::Masternodes,
            view.active_masternodes,
            expect.masternodes,
            "active",
        ),
    ];
    let Some(height) = view.block_height else {
        checks.push(Check {
            name: GateCheck::Height,
            ok: false,
            evidence: UNKNOWN.into(),
        });
        return checks;
    };
    let first = *first_height.get_or_insert(height);
    checks.push(Check {
        name: GateCheck::Height,
        ok: fleet_height.is_none_or(|h| height + 1 >= h),
        evidence: match fleet_height {
            Some(h) => format!("{height} (fleet {h})"),
            None => format!("{height} (no other node answered)"),
        },
    });
    checks.push(Check {
        name: GateCheck::Rising,
        ok: height > first,
        evidence: format!("{height} since the gate began at {first}"),
    });
    checks
}

/// A count that must reach `wanted`; unknown fails.
fn at_least(name: GateCheck, got: Option<usize>, wanted: usize, what: &str) -> Check {
    Check {
        name,
        ok: got.is_some_and(|n| n >= wanted),
        evidence: match got {
            Some(n) => format!("{n} {what} (want {wanted})"),
            None => format!("{UNKNOWN} (want {wanted})"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dirty_builds_pass_only_when_allowed() {
        let target = "0123456789abcdef0123456789abcdef01234567";
        assert!(commit_matches("0123456789ab", target, false));
        assert!(!commit_matches("0123456789ab-dirty", target, false));
        assert!(commit_matches("0123456789ab-dirty", target, true));
        assert!(!commit_matches("unknown", target, true));
        assert!(!commit_matches("", target, true));
        assert!(!commit_matches("fedcba987654", target, false));
    }

    fn expect() -> Expect {
        Expect {
            commit: "0123456789abcdef0123456789abcdef01234567".into(),
            masternodes: 4,
            allow_dirty: false,
            restarted_at: 0,
            restarting: Vec::new(),
            timeout: Duration::from_secs(1),
        }
    }

    #[test]
    fn what_the_api_does_not_say_fails_its_check() {
        let view = ChainView {
            block_height: Some(10),
            commit: Some("0123456789ab".into()),
            ..ChainView::default()
        };
        let mut first = None;
        let checks = chain_checks(Ok(&view), Some(10), &mut first, &expect());
        let failed: Vec<GateCheck> = checks.iter().filter(|c| !c.ok).map(|c| c.name).collect();
        assert_eq!(
            failed,
            [GateCheck::Peers, GateCheck::Masternodes, GateCheck::Rising]
        );
        assert!(checks[2].evidence.starts_with("unknown"));
    }

    #[test]
    fn a_caught_up_rising_node_with_its_peers_passes() {
        let view = |height| ChainView {
            block_height: Some(height),
            commit: Some("0123456789ab".into()),
            connected_peers: Some(3),
            active_masternodes: Some(4),
            ..ChainView::default()
        };
        let mut first = None;
        let before = chain_checks(Ok(&view(10)), Some(11), &mut first, &expect());
        assert!(before.iter().any(|c| c.name == GateCheck::Rising && !c.ok));
        let after = chain_checks(Ok(&view(12)), Some(12), &mut first, &expect());
        assert!(after.iter().all(|c| c.ok), "{after:?}");
        // What a plan says the gate checks is what it checks: the API's, then the journal.
        let names: Vec<GateCheck> = after.iter().map(|c| c.name).collect();
        assert_eq!(names, GateCheck::ALL[..GateCheck::ALL.len() - 1]);
        assert_eq!(GateCheck::ALL.last(), Some(&GateCheck::Journal));
    }
}
