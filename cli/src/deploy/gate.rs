//! The health gate after a restart: the node passes only when the chain says it
//! is back. RPC answers, it runs the target commit, its peers and the active
//! masternodes are back to the fleet's count, its height is within one block of
//! the fleet and rising, and its journal since the restart holds no ACK failure
//! or connection reset. Polled until all pass or the timeout; every check's
//! evidence is kept for the operator.

use std::time::{Duration, Instant};

use timecoin_shared::rpc::ConsensusInfo;

use super::event::Check;
use super::link::Link;
use super::steps::journal_problems;
use crate::rpc_client::RpcClient;

/// How often a gate polls the node: a few times per block at the shortest block
/// intervals we run (devnets, 500 ms), cheap for the RPC.
const GATE_POLL: Duration = Duration::from_millis(250);

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
    link: &Link,
    rpc: &RpcClient,
    others: &[&RpcClient],
    expect: &Expect,
) -> (bool, Vec<Check>) {
    let deadline = Instant::now() + expect.timeout;
    let mut first_height: Option<u64> = None;
    loop {
        let info = crate::deploy::link::consensus_info(rpc).await;
        let fleet_height = fleet_height(others).await;
        let mut checks = chain_checks(
            info.as_ref().map_err(ToString::to_string),
            fleet_height,
            &mut first_height,
            expect,
        );
        if checks.iter().all(|c| c.ok) {
            let journal = match journal_problems(link, expect.restarted_at).await {
                Ok(lines) if lines.is_empty() => Check {
                    name: "journal",
                    ok: true,
                    evidence: "no handshake_ack_failed or connection_reset since the restart"
                        .into(),
                },
                Ok(lines) => Check {
                    name: "journal",
                    ok: false,
                    evidence: format!(
                        "{} problem line(s) since the restart: {}",
                        lines.len(),
                        lines[..lines.len().min(3)].join(" | ")
                    ),
                },
                Err(e) => Check {
                    name: "journal",
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
        tokio::time::sleep(GATE_POLL).await;
    }
}

async fn fleet_height(others: &[&RpcClient]) -> Option<u64> {
    let asks = others
        .iter()
        .map(|rpc| crate::deploy::link::consensus_info(rpc));
    futures_util::future::join_all(asks)
        .await
        .into_iter()
        .filter_map(Result::ok)
        .map(|info| info.block_height)
        .max()
}

/// The checks that come from the RPC; pure, so the rules are tested alone.
fn chain_checks(
    info: Result<&ConsensusInfo, String>,
    fleet_height: Option<u64>,
    first_height: &mut Option<u64>,
    expect: &Expect,
) -> Vec<Check> {
    let info = match info {
        Ok(info) => info,
        Err(e) => {
            return vec![Check {
                name: "rpc",
                ok: false,
                evidence: e,
            }];
        }
    };
    let first = *first_height.get_or_insert(info.block_height);
    let peers_wanted = expect.masternodes.saturating_sub(1);
    let mut checks = vec![
        Check {
            name: "rpc",
            ok: true,
            evidence: format!("answers, up {}s", info.uptime_secs),
        },
        Check {
            name: "commit",
            ok: commit_matches(&info.commit, &expect.commit, expect.allow_dirty),
            evidence: format!("runs {} (target {})", info.commit, short(&expect.commit)),
        },
        Check {
            name: "peers",
            ok: info.connected_peers >= peers_wanted,
            evidence: format!("{} connected (want {peers_wanted})", info.connected_peers),
        },
        Check {
            name: "masternodes",
            ok: info.active_masternodes >= expect.masternodes,
            evidence: format!(
                "{} active (want {})",
                info.active_masternodes, expect.masternodes
            ),
        },
    ];
    let caught_up = fleet_height.is_none_or(|h| info.block_height + 1 >= h);
    checks.push(Check {
        name: "height",
        ok: caught_up,
        evidence: match fleet_height {
            Some(h) => format!("{} (fleet {h})", info.block_height),
            None => format!("{} (no other node answered)", info.block_height),
        },
    });
    checks.push(Check {
        name: "rising",
        ok: info.block_height > first,
        evidence: format!("{} since the gate began at {first}", info.block_height),
    });
    checks
}

fn short(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
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
}
