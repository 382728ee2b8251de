//! Who holds a lock (written into the lock as one JSON line), and what a node
//! answered about its lock (parsed from the lock script's output).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// The holder of a lock, as stored on the node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Holder {
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
    /// The commit or ref being deployed, when there is one.
    pub(crate) target: Option<String>,
    /// Why: the operator's `-m` message.
    pub(crate) message: String,
    /// Random; only the taker knows it, so only the taker refreshes or releases.
    pub(crate) token: String,
}

/// Which `timectl` command took a lock. Stored as its name; a name this
/// version does not know (written by another version) is kept as written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub(crate) enum TakenBy {
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
pub(crate) enum LockState {
    /// No lock.
    Free,
    /// Locked; `holder` is `None` when it is being written or unreadable.
    Held {
        holder: Option<Holder>,
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
                    .as_ref()
                    .map_or_else(|| "an unknown holder".to_owned(), Holder::who);
                let stale = if self.is_stale() {
                    format!(", stale (ttl {}s)", ttl.as_secs())
                } else {
                    String::new()
                };
                let message = holder
                    .as_ref()
                    .filter(|h| !h.message.is_empty())
                    .map(|h| format!(": {:?}", h.message))
                    .unwrap_or_default();
                format!(
                    "held by {who}, refreshed {}s ago{stale}{message}",
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
}
