//! Who holds a lock (written into the lock as one JSON line), what the holder
//! is doing on the node (a deploy's phase, rewritten into the same line as it
//! moves on), and what a node answered about its lock (parsed from the lock
//! script's output).
//!
//! The stored line is read by other versions of `timectl`: fields are only ever
//! added, optional, and unknown ones are ignored, so an older reader parses a
//! newer holder and a newer reader an older one.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// The holder of a lock, as stored on the node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    /// The operator's login on the controller.
    pub(crate) user: String,
    /// The controller's host name.
    pub(crate) host: String,
    /// The `timectl` process that took it.
    pub(crate) pid: u32,
    /// Which command took it (stored as `command`).
    #[serde(rename = "command")]
    pub(crate) taken_by: TakenBy,
    /// Seconds since the epoch when it was taken (controller clock).
    pub(crate) since: u64,
    /// The commit or ref being deployed, when there is one: the ref asked for
    /// (none: the branch's head), then, once every node pulled, the commit.
    pub(crate) target: Option<String>,
    /// Why: the operator's `-m` message.
    pub(crate) message: String,
    /// Random; only the taker knows it, so only the taker refreshes or releases.
    pub(crate) token: String,
    /// Where a deploy or rollback holding the lock stands on this node; absent
    /// from a maintenance lock and from holders written before phases existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) phase: Option<Phase>,
}

/// Where a deploy or rollback stands on one node, recorded in its lock so that
/// anyone watching the node (another operator's dashboard, the exporter) sees
/// it. Stored as its name; a name this version does not know is kept as written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum Phase {
    /// From the lock on: preflight, keeping the old binary, pulling, building
    /// or receiving the new one.
    Staging,
    /// Staged like every other node: waiting for its turn to restart.
    Staged,
    /// Running the restart command.
    Restarting,
    /// Waiting for the health gate after the restart.
    Gating,
    /// Restarted and gated: this node is done.
    Done,
    /// Putting the kept binary and commit back.
    RollingBack,
    /// Back on the kept binary and commit, gated.
    RolledBack,
    /// A gate or a rollback failed: a human must look.
    Failed,
    Other(String),
}

impl Phase {
    /// Every phase this version writes, in the order a node goes through them.
    pub(crate) const ALL: [Phase; 8] = [
        Phase::Staging,
        Phase::Staged,
        Phase::Restarting,
        Phase::Gating,
        Phase::Done,
        Phase::RollingBack,
        Phase::RolledBack,
        Phase::Failed,
    ];

    /// The name stored on the node and shown to the operator.
    pub(crate) fn name(&self) -> &str {
        match self {
            Phase::Staging => "staging",
            Phase::Staged => "staged",
            Phase::Restarting => "restarting",
            Phase::Gating => "gating",
            Phase::Done => "done",
            Phase::RollingBack => "rolling_back",
            Phase::RolledBack => "rolled_back",
            Phase::Failed => "failed",
            Phase::Other(name) => name,
        }
    }
}

impl From<String> for Phase {
    fn from(name: String) -> Phase {
        Phase::ALL
            .into_iter()
            .find(|p| p.name() == name)
            .unwrap_or(Phase::Other(name))
    }
}

impl From<Phase> for String {
    fn from(phase: Phase) -> String {
        phase.name().to_owned()
    }
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Which `timectl` command took a lock. Stored as its name; a name this
/// version does not know (written by another version) is kept as written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum TakenBy {
    Deploy,
    Rollback,
    /// `timectl lock acquire`: a maintenance window.
    Maintenance,
    Other(String),
}

impl TakenBy {
    /// The name stored on the node and shown to the operator.
    pub(crate) fn name(&self) -> &str {
        match self {
            TakenBy::Deploy => "deploy",
            TakenBy::Rollback => "rollback",
            TakenBy::Maintenance => "lock",
            TakenBy::Other(name) => name,
        }
    }
}

impl From<String> for TakenBy {
    fn from(name: String) -> TakenBy {
        match name.as_str() {
            "deploy" => TakenBy::Deploy,
            "rollback" => TakenBy::Rollback,
            "lock" => TakenBy::Maintenance,
            _ => TakenBy::Other(name),
        }
    }
}

impl From<TakenBy> for String {
    fn from(taken_by: TakenBy) -> String {
        taken_by.name().to_owned()
    }
}

impl std::fmt::Display for TakenBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Holder {
    /// A holder for this process, with a fresh token.
    pub(crate) fn here(taken_by: TakenBy, target: Option<String>, message: String) -> Holder {
        Holder {
            user: current_user(),
            host: hostname(),
            pid: std::process::id(),
            taken_by,
            since: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            target,
            message,
            token: format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..)),
            phase: None,
        }
    }

    /// `user@host pid N (command)`, for messages.
    pub(crate) fn who(&self) -> String {
        format!(
            "{}@{} pid {} ({})",
            self.user, self.host, self.pid, self.taken_by
        )
    }

    /// Whether this holder was taken by the same operator on the same controller.
    pub(crate) fn same_operator(&self, other: &Holder) -> bool {
        self.user == other.user && self.host == other.host
    }
}

/// What a node said about its lock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum LockState {
    /// No lock.
    Free,
    /// Locked; `holder` is `None` when it is being written or unreadable.
    Held {
        holder: Option<Box<Holder>>,
        /// Since the holder last refreshed it, by the node's clock.
        #[serde(with = "secs")]
        age: Duration,
        #[serde(with = "secs")]
        ttl: Duration,
    },
}

impl LockState {
    /// Held past its TTL: its holder stopped refreshing it.
    pub(crate) fn is_stale(&self) -> bool {
        match self {
            LockState::Free => false,
            LockState::Held { age, ttl, .. } => age > ttl,
        }
    }

    /// One line for people: `held by alice@ctl pid 7 (deploy) for 12s: "msg"`.
    pub(crate) fn describe(&self) -> String {
        match self {
            LockState::Free => "free".into(),
            LockState::Held { holder, age, ttl } => {
                let who = holder
                    .as_deref()
                    .map_or_else(|| "an unknown holder".to_owned(), Holder::who);
                let stale = if self.is_stale() {
                    format!(", stale (ttl {}s)", ttl.as_secs())
                } else {
                    String::new()
                };
                let phase = holder
                    .as_ref()
                    .and_then(|h| h.phase.as_ref())
                    .map(|p| format!(", {p}"))
                    .unwrap_or_default();
                let message = holder
                    .as_ref()
                    .filter(|h| !h.message.is_empty())
                    .map(|h| format!(": {:?}", h.message))
                    .unwrap_or_default();
                format!(
                    "held by {who}{phase}, refreshed {}s ago{stale}{message}",
                    age.as_secs()
                )
            }
        }
    }
}

/// The lock script's answer: its first word, the lock as it was, and the holder
/// it displaced (steal or force).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Answer {
    pub(crate) result: String,
    pub(crate) state: LockState,
    pub(crate) previous: Option<Holder>,
}

impl Answer {
    /// Parses `RESULT` then `age N`, `ttl N`, `holder JSON`, `previous JSON` lines.
    pub(crate) fn parse(stdout: &str) -> Option<Answer> {
        let mut lines = stdout.lines();
        let result = lines.next()?.trim().to_owned();
        if result.is_empty() {
            return None;
        }
        let (mut age, mut ttl, mut holder, mut previous, mut held) = (0, 0, None, None, false);
        for line in lines {
            let (key, value) = line.split_once(' ').unwrap_or((line, ""));
            match key {
                "age" => (age, held) = (value.trim().parse().unwrap_or(0), true),
                "ttl" => ttl = value.trim().parse().unwrap_or(0),
                "holder" => holder = serde_json::from_str(value).ok(),
                "previous" => previous = serde_json::from_str(value).ok(),
                _ => {}
            }
        }
        let state = if held {
            LockState::Held {
                holder,
                age: Duration::from_secs(age),
                ttl: Duration::from_secs(ttl),
            }
        } else {
            LockState::Free
        };
        Some(Answer {
            result,
            state,
            previous,
        })
    }
}

fn current_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// The kernel's host name (Linux, the only controller platform).
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

mod secs {
    use std::time::Duration;

    pub(super) fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_secs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_parse_with_and_without_a_lock() {
        let holder = Holder::here(TakenBy::Deploy, Some("abc".into()), "fix".into());
        let json = serde_json::to_string(&holder).expect("json");
        let text = format!("held\nage 40\nttl 30\nholder {json}\n");
        let answer = Answer::parse(&text).expect("parse");
        assert_eq!(answer.result, "held");
        assert!(answer.state.is_stale());
        assert!(answer.state.describe().contains("stale"), "{answer:?}");
        let free = Answer::parse("free\n").expect("free");
        assert_eq!(free.state, LockState::Free);
        assert!(Answer::parse("").is_none());
        let odd = Answer::parse("held\nage x\nholder {not json\n").expect("odd");
        assert!(matches!(odd.state, LockState::Held { holder: None, .. }));
    }

    #[test]
    fn the_taking_command_is_stored_by_name_and_an_unknown_one_kept() {
        let holder = Holder::here(TakenBy::Maintenance, None, "disk".into());
        let json = serde_json::to_value(&holder).expect("json");
        assert_eq!(json["command"], "lock", "the stored shape is unchanged");
        let mut written = json.clone();
        written["command"] = "bisect".into();
        let read: Holder = serde_json::from_value(written).expect("read");
        assert_eq!(read.taken_by, TakenBy::Other("bisect".into()));
        assert!(read.who().ends_with("(bisect)"), "{}", read.who());
        let back: Holder = serde_json::from_value(json).expect("read");
        assert_eq!(back.taken_by, TakenBy::Maintenance);
    }

    /// The holder as versions before phases wrote and read it.
    #[derive(Debug, Deserialize)]
    #[allow(dead_code, reason = "only parsed: the shape is what is tested")]
    struct BeforePhases {
        user: String,
        host: String,
        pid: u32,
        command: String,
        since: u64,
        target: Option<String>,
        message: String,
        token: String,
    }

    #[test]
    fn holders_with_and_without_a_phase_parse_in_both_versions() {
        // As an older timectl wrote it (the shape in the lock tests).
        let old = r#"{"user":"alice","host":"laptop","pid":7,"command":"deploy","since":1,"target":"abc","message":"hotfix","token":"t0"}"#;
        let read: Holder = serde_json::from_str(old).expect("an old holder parses");
        assert_eq!(read.phase, None);
        assert_eq!(read.message, "hotfix");
        let rewritten = serde_json::to_string(&read).expect("json");
        assert!(
            !rewritten.contains("phase"),
            "no phase, no field: {rewritten}"
        );

        let mut holder = Holder::here(TakenBy::Deploy, Some("abc".into()), "fix".into());
        for phase in Phase::ALL {
            holder.phase = Some(phase.clone());
            let json = serde_json::to_string(&holder).expect("json");
            assert!(json.contains(&format!(r#""phase":"{phase}""#)), "{json}");
            let back: Holder = serde_json::from_str(&json).expect("read back");
            assert_eq!(back.phase, Some(phase));
            let older: BeforePhases = serde_json::from_str(&json).expect("an old reader parses");
            assert_eq!(older.token, holder.token);
        }
        let newer = old.replace(r#""token":"t0""#, r#""token":"t0","phase":"canary""#);
        let read: Holder = serde_json::from_str(&newer).expect("a newer phase parses");
        assert_eq!(read.phase, Some(Phase::Other("canary".into())));
    }
}
