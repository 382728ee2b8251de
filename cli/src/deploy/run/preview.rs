//! `deploy --dry-run`: the [`Plan`] the run would carry out, with each node's
//! target commit read without changing anything.

use crate::constants::DEPLOY_NODE_TIMEOUT;
use crate::deploy::connected::connect_all;
use crate::deploy::error::StepError;
use crate::deploy::plan::{Plan, Request};
use crate::deploy::steps;
use crate::pool::Pool;

/// What a deploy would do, and where each node would land.
#[derive(Debug)]
pub(crate) struct Preview {
    pub(crate) plan: Plan,
    /// Each planned node's target commit, or why it cannot be read, in plan order.
    pub(crate) targets: Vec<Result<String, StepError>>,
}

/// Connects read-only to every selected node to resolve its target commit; the
/// plan is the one [`deploy`](super::deploy) runs for the same request.
pub(crate) async fn preview(request: &Request, pool: &Pool) -> Preview {
    let plan = Plan::new(request);
    let connected = connect_all(pool, &request.nodes, DEPLOY_NODE_TIMEOUT).await;
    let resolves = connected.into_iter().map(|conn| async move {
        match conn {
            Ok(conn) => steps::resolve_target(&conn, request.git_ref.as_deref()).await,
            Err(e) => Err(StepError::from(e)),
        }
    });
    let targets = futures_util::future::join_all(resolves).await;
    Preview { plan, targets }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::deploy::event::GateCheck;
    use crate::deploy::plan::{Build, Pull};
    use crate::lock::Takeover;
    use crate::remote::ConnectOptions;

    /// Three local-transport nodes, each with a one-commit repo; the fleet's text.
    fn fleet(dir: &std::path::Path) -> (timecoin_shared::fleet::Fleet, Vec<String>) {
        let mut text = "[fleet]\nname = \"plan\"\nmin_masternodes = 2\n".to_owned();
        let mut heads = Vec::new();
        for i in 1..=3 {
            let repo = dir.join(format!("n{i}"));
            std::fs::create_dir_all(&repo).expect("mkdir repo");
            let git = |args: &[&str]| {
                std::process::Command::new("git")
                    .args(["-c", "user.name=t", "-c", "user.email=t@t"])
                    .args(args)
                    .current_dir(&repo)
                    .output()
                    .expect("git")
            };
            assert!(git(&["init", "-q"]).status.success());
            assert!(
                git(&["commit", "-q", "--allow-empty", "-m", &format!("n{i}")])
                    .status
                    .success()
            );
            let head = git(&["rev-parse", "HEAD"]);
            heads.push(String::from_utf8_lossy(&head.stdout).trim().to_owned());
            text.push_str(&format!(
                "\n[[nodes]]\nname = \"n{i}\"\ntransport = \"local\"\nrepo = {:?}\n",
                repo.display().to_string()
            ));
        }
        let fleet = crate::fleet::parse_named("fleet.toml", &text).expect("fleet");
        (fleet, heads)
    }

    fn request(fleet: timecoin_shared::fleet::Fleet, git_ref: Option<&str>) -> Request {
        Request {
            nodes: fleet.nodes.clone(),
            fleet,
            git_ref: git_ref.map(str::to_owned),
            allow_dirty: false,
            takeover: Takeover::No,
            max_unavailable: None,
            gate_timeout: Duration::from_secs(5),
            no_rollback: false,
            rollback_all: false,
            parallel: 2,
            build_on: Some("n2".into()),
            message: String::new(),
        }
    }

    #[tokio::test]
    async fn a_preview_plans_every_node_and_reads_each_target_without_changing_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (fleet, heads) = fleet(dir.path());
        let pool = Pool::new(ConnectOptions::default());

        let planned = preview(&request(fleet.clone(), Some("HEAD")), &pool).await;
        let names: Vec<&str> = planned
            .plan
            .nodes
            .iter()
            .map(|n| n.node.name.as_str())
            .collect();
        assert_eq!(names, ["n1", "n2", "n3"]);
        // Each node's own HEAD, as the repo (no origin) resolves the ref.
        let targets: Vec<&str> = planned
            .targets
            .iter()
            .map(|t| t.as_deref().expect("resolved"))
            .collect();
        assert_eq!(targets, heads);
        let n1 = &planned.plan.nodes[0];
        assert_eq!(n1.pull, Pull::Ref("HEAD".into()));
        assert_eq!(n1.build, Build::Shipped { from: "n2".into() });
        assert_eq!(
            planned.plan.nodes[1].build,
            Build::Here(fleet.nodes[1].commands.build.clone())
        );
        assert_eq!(n1.gate, GateCheck::ALL);
        // Three live, two needed: one restart at a time; at two, none.
        assert_eq!(
            planned.plan.batches(3),
            Ok(vec![
                vec!["n1".into()],
                vec!["n2".into()],
                vec!["n3".into()]
            ])
        );
        assert!(planned.plan.batches(2).is_err());

        // Without --ref the pull is the fleet's, and a repo with no upstream says so.
        let planned = preview(&request(fleet.clone(), None), &pool).await;
        assert_eq!(
            planned.plan.nodes[2].pull,
            Pull::Configured(fleet.nodes[2].commands.pull.clone())
        );
        for target in &planned.targets {
            let why = target.as_ref().expect_err("no upstream").to_string();
            assert!(why.contains("no upstream branch"), "{why}");
        }
        pool.close().await;
    }
}
