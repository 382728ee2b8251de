//! What a deploy will do, decided before it touches anything: which nodes, which
//! ref, how many may restart at once (quorum), and the exact commands. Pure rules
//! here; `run.rs` carries them out.

use std::time::Duration;

use timecoin_shared::fleet::{Fleet, Node};

use crate::lock::Takeover;

/// Everything the operator asked for.
#[derive(Clone, Debug)]
pub(crate) struct Request {
    pub(crate) fleet: Fleet,
    /// The nodes to deploy, in fleet order.
    pub(crate) nodes: Vec<Node>,
    /// A branch, tag or commit; `None` pulls with the fleet's `pull` command.
    pub(crate) git_ref: Option<String>,
    pub(crate) allow_dirty: bool,
    pub(crate) takeover: Takeover,
    /// The operator's cap on nodes restarting at once.
    pub(crate) max_unavailable: Option<usize>,
    pub(crate) gate_timeout: Duration,
    pub(crate) no_rollback: bool,
    pub(crate) rollback_all: bool,
    /// Nodes staged (pull, build) at once.
    pub(crate) parallel: usize,
    /// Build only on this node and ship its binary to the others.
    pub(crate) build_on: Option<String>,
    pub(crate) message: String,
}

/// Why a request is refused before anything runs.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum PlanError {
    #[error(
        "--ref {0:?}: not a plain branch, tag or commit name (letters, digits, `._/-`, not starting with `-`)"
    )]
    BadRef(String),
    #[error("node name {0:?} holds characters a deploy refuses (letters, digits, `._-` only)")]
    BadNodeName(String),
    #[error("{0}: no `repo` in the fleet file; deploy pulls and builds in it")]
    NoRepo(String),
    #[error("--max-unavailable must be at least 1")]
    ZeroUnavailable,
    #[error("--build-on {0:?}: not one of the nodes being deployed")]
    BuildOnOutside(String),
}

/// Checks names that end up on remote command lines: quoted anyway, but a name
/// that needs quoting is almost surely a mistake or an attack.
///
/// # Errors
/// The first bad ref, node name, missing repo or zero cap.
pub(crate) fn validate(request: &Request) -> Result<(), PlanError> {
    if let Some(r) = &request.git_ref
        && !is_plain_ref(r)
    {
        return Err(PlanError::BadRef(r.clone()));
    }
    for node in &request.nodes {
        if !is_plain_name(&node.name) {
            return Err(PlanError::BadNodeName(node.name.clone()));
        }
        if node.repo.is_none() {
            return Err(PlanError::NoRepo(node.name.clone()));
        }
    }
    if request.max_unavailable == Some(0) {
        return Err(PlanError::ZeroUnavailable);
    }
    if let Some(builder) = &request.build_on
        && !request.nodes.iter().any(|n| &n.name == builder)
    {
        return Err(PlanError::BuildOnOutside(builder.clone()));
    }
    Ok(())
}

fn is_plain_ref(r: &str) -> bool {
    !r.is_empty()
        && r.len() <= 200
        && !r.starts_with('-')
        && !r.contains("..")
        && r.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | '-'))
}

fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// How many nodes may be down at once: the live masternodes above the minimum,
/// capped by `--max-unavailable`.
///
/// # Errors
/// The live fleet is at (or below) its minimum: nothing may restart; the message
/// says so with the numbers.
pub(crate) fn batch_size(
    live: usize,
    min_masternodes: usize,
    max_unavailable: Option<usize>,
) -> Result<usize, String> {
    let spare = live.saturating_sub(min_masternodes);
    if spare == 0 {
        return Err(format!(
            "the live fleet is at its minimum: {live} masternodes active, min_masternodes \
             {min_masternodes}; restarting any node would stop block production"
        ));
    }
    Ok(max_unavailable.map_or(spare, |cap| cap.min(spare)))
}

/// The nodes in restart order, cut into batches of `size`.
pub(crate) fn batches(nodes: &[String], size: usize) -> Vec<Vec<String>> {
    nodes.chunks(size.max(1)).map(<[String]>::to_vec).collect()
}

/// The pull step: the fleet's `pull` command, or with `--ref` a fetch and a
/// detached checkout of that ref.
pub(crate) fn pull_script(node: &Node, git_ref: Option<&str>) -> String {
    match git_ref {
        None => node.commands.pull.clone(),
        Some(_) => PULL_REF.to_owned(),
    }
}

/// `--ref`: `$1` is the ref; a remote branch wins over a local name.
pub(crate) const PULL_REF: &str = r#"ref=$1
git fetch -q --tags origin || exit 1
c=$(git rev-parse -q --verify "refs/remotes/origin/$ref^{commit}" || git rev-parse -q --verify "$ref^{commit}") || { echo "no branch, tag or commit named $ref" >&2; exit 1; }
git checkout -q --detach "$c"
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quorum_sets_the_batch_size_and_the_cap_only_lowers_it() {
        assert_eq!(batch_size(4, 3, None), Ok(1));
        assert_eq!(batch_size(4, 3, Some(3)), Ok(1), "never past the quorum");
        assert_eq!(batch_size(10, 3, Some(2)), Ok(2));
        assert_eq!(batch_size(10, 3, None), Ok(7));
        let refused = batch_size(3, 3, None).expect_err("degraded fleet");
        assert!(refused.contains("3 masternodes active"), "{refused}");
        assert!(batch_size(2, 3, Some(1)).is_err());
        let names: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        assert_eq!(batches(&names, 2), vec![vec!["a", "b"], vec!["c"]]);
    }

    #[test]
    fn refs_and_names_that_would_reach_a_shell_are_refused() {
        for good in ["main", "v1.2.3", "release/2026-11", "abc123"] {
            assert!(is_plain_ref(good), "{good}");
        }
        for bad in ["", "-x", "a;b", "$(reboot)", "a b", "a..b", "`x`", "a|b"] {
            assert!(!is_plain_ref(bad), "{bad}");
        }
        assert!(is_plain_name("LW-London_2.eu"));
        for bad in ["a;b", "-n", "x y", ""] {
            assert!(!is_plain_name(bad), "{bad}");
        }
    }
}
