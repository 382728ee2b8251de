//! Deploy locks held by other operators on a devnet: a fleet file giving each
//! devnet node a repo of its own (where its lock lives), and a lock written
//! as another operator's `timectl deploy` leaves it mid-deploy.

use std::path::Path;

use super::timectl::Devnet;

/// The devnet's fleet file with a git repo of its own per node, at
/// `DIR/repos/NODE` (the devnet's nodes otherwise share the developer's
/// checkout, and its lock). Written beside the devnet's; its path.
pub(crate) fn fleet_with_own_repos(devnet: &Devnet) -> String {
    let text = std::fs::read_to_string(devnet.dir.join("fleet.toml")).expect("devnet fleet");
    let mut fleet: toml::Value = toml::from_str(&text).expect("devnet fleet is TOML");
    let nodes = fleet
        .get_mut("nodes")
        .and_then(toml::Value::as_array_mut)
        .expect("nodes");
    for node in nodes {
        let name = node["name"].as_str().expect("name").to_owned();
        let repo = devnet.dir.join("repos").join(&name);
        std::fs::create_dir_all(&repo).expect("mkdir repo");
        crate::deploy::git(&repo, &["init", "-q", "-b", "main"]);
        let table = node.as_table_mut().expect("node table");
        table.insert("repo".into(), repo.display().to_string().into());
    }
    let path = devnet.dir.join("fleet-own-repos.toml");
    std::fs::write(&path, toml::to_string(&fleet).expect("fleet TOML")).expect("write fleet");
    path.display().to_string()
}

/// What another operator's deploy holds a node with.
pub(crate) struct Deployer<'a> {
    pub(crate) user: &'a str,
    pub(crate) host: &'a str,
    pub(crate) commit: &'a str,
    pub(crate) phase: &'a str,
    pub(crate) message: &'a str,
}

/// Bob's deploy of `9f1c2ab3d4e5`, waiting at a node's gate.
pub(crate) const BOB: Deployer<'static> = Deployer {
    user: "bob",
    host: "ctl2",
    commit: "9f1c2ab3d4e5",
    phase: "gating",
    message: "hotfix 7",
};

/// Writes `who`'s lock into the node repo `repo`, taken now, as their
/// `timectl deploy` leaves it at `who.phase`.
pub(crate) fn hold_as_deployer(repo: &Path, who: &Deployer<'_>) {
    let lock = repo.join(".git/timectl/lock");
    std::fs::create_dir_all(&lock).expect("mkdir lock");
    std::fs::write(lock.join("ttl"), "120\n").expect("ttl");
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let holder = serde_json::json!({
        "user": who.user,
        "host": who.host,
        "pid": 77,
        "command": "deploy",
        "since": since,
        "target": who.commit,
        "message": who.message,
        "token": "t0",
        "phase": who.phase,
    });
    std::fs::write(lock.join("holder.json"), format!("{holder}\n")).expect("holder");
}
