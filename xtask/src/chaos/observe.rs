//! Reads the fleet: every node's `/consensus_info`, `/peers`, `/metrics` and its
//! final blocks, with curl inside each host's network namespace (the RPC stays
//! on the host's loopback, as in production), all nodes at once; and each
//! node's journal and unit state over SSH.

use std::process::{Command, Stdio};

use timecoin_shared::rpc::{ConsensusInfo, Direction, PeerInfo};

use crate::chaos::cluster::Cluster;
use crate::chaos::sample::{Link, NodeView, Sample, block_identity, final_height};

const RPC: &str = "http://127.0.0.1:8332";
/// Separates the answers of one curl run; not in JSON or Prometheus text.
const MARK: &str = "\n\u{1e}status ";

/// The bodies of `paths` from host `i`'s RPC, `None` for each that failed.
fn get(cluster: &Cluster, i: usize, paths: &[String]) -> Vec<Option<String>> {
    let mut cmd: Command = cluster.lab.in_host(i, "curl");
    cmd.args(["-s", "-m", "3", "-w", &format!("{MARK}%{{http_code}}\n")])
        .args(paths.iter().map(|p| format!("{RPC}{p}")))
        .stdin(Stdio::null());
    let Ok(out) = cmd.output() else {
        return vec![None; paths.len()];
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let mut answers: Vec<Option<String>> = Vec::new();
    let mut rest: &str = &text;
    while let Some((body, after)) = rest.split_once(MARK) {
        let (code, next) = after.split_once('\n').unwrap_or((after, ""));
        answers.push((code == "200").then(|| body.to_owned()));
        rest = next;
    }
    answers.resize(paths.len(), None);
    answers
}

/// Final blocks read from one node in one sample at most: a node that comes
/// back from a restart or a long cut may finalize hundreds at once, and the
/// end's whole-chain comparison reads those.
const NEW_FINALS_PER_SAMPLE: u64 = 16;

/// The heights whose blocks a sample reads from a node at `final_height` that
/// was last read up to `read`: every final height since (the newest
/// [`NEW_FINALS_PER_SAMPLE`] of them), the final height itself even when it went
/// down, and `common`, a height every node held as final at the last sample.
fn final_heights(final_height: u64, read: u64, common: u64) -> Vec<u64> {
    let from = (read + 1)
        .max(final_height.saturating_sub(NEW_FINALS_PER_SAMPLE - 1))
        .min(final_height);
    let mut heights: Vec<u64> = (from..=final_height).collect();
    if common < from {
        heights.push(common);
    }
    heights.retain(|h| *h > 0);
    heights
}

/// One node's view; `read` is the highest final height whose block was read
/// from it before, `common` as in [`final_heights`].
fn view(cluster: &Cluster, i: usize, read: u64, common: u64) -> Option<NodeView> {
    let answers = get(
        cluster,
        i,
        &["/consensus_info".into(), "/peers".into(), "/metrics".into()],
    );
    let info: ConsensusInfo = serde_json::from_str(answers[0].as_deref()?).ok()?;
    let peers: Vec<PeerInfo> = serde_json::from_str(answers[1].as_deref()?).ok()?;
    let final_height = final_height(answers[2].as_deref()?)?;
    let heights = final_heights(final_height, read, common);
    let blocks = get(
        cluster,
        i,
        &heights
            .iter()
            .map(|h| format!("/blocks/{h}"))
            .collect::<Vec<_>>(),
    );
    let final_blocks = heights
        .iter()
        .zip(blocks)
        .filter_map(|(h, b)| {
            let block: serde_json::Value = serde_json::from_str(b.as_deref()?).ok()?;
            Some((*h, block_identity(&block)?))
        })
        .collect();
    Some(NodeView {
        height: info.block_height,
        final_height,
        commit: info.commit,
        active_masternodes: info.active_masternodes,
        links: peers
            .into_iter()
            .map(|p| Link {
                peer: p.node_id.to_string(),
                outbound: p.direction == Direction::Outbound,
            })
            .collect(),
        final_blocks,
    })
}

/// The whole fleet now, every node read in parallel; `read[i]` is the highest
/// final height read from host `i + 1` before.
pub(crate) fn sample(cluster: &Cluster, at: f64, read: &[u64], common: u64) -> Sample {
    let nodes = std::thread::scope(|s| {
        let readers: Vec<_> = (1..=cluster.nodes())
            .map(|i| s.spawn(move || view(cluster, i, read[i - 1], common)))
            .collect();
        readers
            .into_iter()
            .map(|r| r.join().ok().flatten())
            .collect()
    });
    Sample { at, nodes }
}

/// Every block from height 1 to `upto` as host `i` holds it, for the final
/// comparison of whole chains (heights whose block did not come are left out).
pub(crate) fn chain(cluster: &Cluster, i: usize, upto: u64) -> Vec<(u64, String)> {
    let paths: Vec<String> = (1..=upto).map(|h| format!("/blocks/{h}")).collect();
    (1..=upto)
        .zip(get(cluster, i, &paths))
        .filter_map(|(h, body)| {
            let block: serde_json::Value = serde_json::from_str(body.as_deref()?).ok()?;
            Some((h, block_identity(&block)?))
        })
        .collect()
}

/// The lowest final height of the nodes that answered (0 if none did).
pub(crate) fn common_final(sample: &Sample) -> u64 {
    sample
        .nodes
        .iter()
        .flatten()
        .map(|v| v.final_height)
        .min()
        .unwrap_or(0)
}

/// Every `timed` journal line of host `i` since it booted, as journalctl
/// printed it (`-o short-unix`; see `journal::parse`).
pub(crate) fn journal(cluster: &Cluster, i: usize) -> Result<String, String> {
    cluster.ssh(i, "journalctl -u timed -o short-unix --no-pager -q")
}

/// Hosts whose `timed` unit is not active, with its state.
pub(crate) fn inactive_units(cluster: &Cluster) -> Vec<String> {
    (1..=cluster.nodes())
        .filter_map(|i| match cluster.ssh(i, "systemctl is-active timed") {
            Ok(_) => None,
            Err(e) => Some(format!("n{i}: timed is not active: {}", e.trim())),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_new_final_height_is_read_once_and_a_long_jump_only_its_newest() {
        assert_eq!(final_heights(12, 9, 5), vec![10, 11, 12, 5]);
        assert_eq!(final_heights(12, 12, 12), vec![12]);
        assert_eq!(
            final_heights(100, 3, 3),
            (85..=100).chain([3]).collect::<Vec<_>>()
        );
        // A final height that went down is still read, and a fresh node has none.
        assert_eq!(final_heights(7, 9, 7), vec![7]);
        assert_eq!(final_heights(0, 0, 0), Vec::<u64>::new());
    }
}
