//! What a deploy will do, decided before it touches anything: which nodes, which
//! ref, how many may restart at once (quorum), and each node's steps. Pure rules
//! here: `--dry-run` renders a [`Plan`] and `run/` carries the same [`Plan`] out,
//! so what the operator is shown cannot drift from what runs.

use std::time::Duration;

use timecoin_shared::fleet::{Fleet, Node};

use crate::constants::DEPLOY_LOCK_TTL;
use crate::deploy::event::GateCheck;
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

/// Why no node may restart now.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "the live fleet is at its minimum: {live} masternodes active, min_masternodes \
     {min_masternodes}; restarting any node would stop block production"
)]
pub(crate) struct AtMinimum {
    pub(crate) live: usize,
    pub(crate) min_masternodes: usize,
}

/// How many nodes may be down at once: the live masternodes above the minimum,
/// capped by `--max-unavailable`.
///
/// # Errors
/// The live fleet is at (or below) its minimum: nothing may restart.
pub(crate) fn batch_size(
    live: usize,
    min_masternodes: usize,
    max_unavailable: Option<usize>,
) -> Result<usize, AtMinimum> {
    let spare = live.saturating_sub(min_masternodes);
    if spare == 0 {
        return Err(AtMinimum {
            live,
            min_masternodes,
        });
    }
    Ok(max_unavailable.map_or(spare, |cap| cap.min(spare)))
}

/// The nodes in restart order, cut into batches of `size`.
fn batches(nodes: &[String], size: usize) -> Vec<Vec<String>> {
    nodes.chunks(size.max(1)).map(<[String]>::to_vec).collect()
}

/// What a deploy will do: the fleet's quorum rule and each selected node's
/// steps, in the order they run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Plan {
    pub(crate) fleet: String,
    /// Nodes in the fleet file (selected or not): the most that can be live.
    pub(crate) fleet_size: usize,
    pub(crate) min_masternodes: usize,
    max_unavailable: Option<usize>,
    /// The selected nodes in restart order.
    pub(crate) nodes: Vec<NodePlan>,
}

/// One node's steps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct NodePlan {
    /// The node as the fleet file says, whose templates the steps fill in.
    pub(crate) node: Node,
    /// The lock taken for the whole run, kept alive by a heartbeat.
    pub(crate) lock_ttl: Duration,
    /// The binary kept (with its commit and sha256) for rollback.
    pub(crate) keep: String,
    pub(crate) pull: Pull,
    pub(crate) build: Build,
    /// The fleet's restart command template.
    pub(crate) restart: String,
    /// What the health gate checks after the restart, in order.
    pub(crate) gate: Vec<GateCheck>,
    /// The fleet's logs command template the gate's journal check reads.
    pub(crate) journal: String,
}

/// How a node gets the new code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Pull {
    /// The `pull` command template the fleet file configures.
    Configured(String),
    /// `--ref`: a fetch and a detached checkout of this ref ([`PULL_REF`]).
    Ref(String),
}

/// How a node gets the new binary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Build {
    /// The fleet's `build` command template, run on the node.
    Here(String),
    /// `--build-on`: the builder's binary arrives, checksum verified.
    Shipped { from: String },
}

impl Plan {
    /// The plan for a validated request.
    pub(crate) fn new(request: &Request) -> Plan {
        let nodes = request
            .nodes
            .iter()
            .map(|node| NodePlan {
                node: node.clone(),
                lock_ttl: DEPLOY_LOCK_TTL,
                keep: node.binary.clone(),
                pull: match &request.git_ref {
                    Some(r) => Pull::Ref(r.clone()),
                    None => Pull::Configured(node.commands.pull.clone()),
                },
                build: match &request.build_on {
                    Some(builder) if builder != &node.name => Build::Shipped {
                        from: builder.clone(),
                    },
                    _ => Build::Here(node.commands.build.clone()),
                },
                restart: node.commands.restart.clone(),
                gate: GateCheck::ALL.to_vec(),
                journal: node.commands.logs.clone(),
            })
            .collect();
        Plan {
            fleet: request.fleet.name.clone(),
            fleet_size: request.fleet.nodes.len(),
            min_masternodes: request.fleet.min_masternodes,
            max_unavailable: request.max_unavailable,
            nodes,
        }
    }

    /// How many nodes may restart at once with `live` masternodes up.
    ///
    /// # Errors
    /// The live fleet is at its minimum.
    pub(crate) fn batch_size(&self, live: usize) -> Result<usize, AtMinimum> {
        batch_size(live, self.min_masternodes, self.max_unavailable)
    }

    /// Every selected node in restart batches with `live` masternodes up.
    ///
    /// # Errors
    /// The live fleet is at its minimum.
    pub(crate) fn batches(&self, live: usize) -> Result<Vec<Vec<String>>, AtMinimum> {
        let names: Vec<String> = self.nodes.iter().map(|n| n.node.name.clone()).collect();
        Ok(batches(&names, self.batch_size(live)?))
    }

    /// One node's steps.
    pub(crate) fn node(&self, name: &str) -> Option<&NodePlan> {
        self.nodes.iter().find(|n| n.node.name == name)
    }
}

impl Pull {
    /// The script the pull step runs and the ref it is given as `$1`.
    pub(crate) fn script(&self) -> (&str, Option<&str>) {
        match self {
            Pull::Configured(template) => (template, None),
            Pull::Ref(r) => (PULL_REF, Some(r)),
        }
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
        assert!(
            refused.to_string().contains("3 masternodes active"),
            "{refused}"
        );
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
