//! The limits the rules judge by, their defaults, and the `[check]` table of the
//! fleet file that changes them for the fleet and per node:
//!
//! ```toml
//! [check]
//! window = "60s"            # how long a check watches
//! backoff_spam = 10         # failed connects per node per window that count as spam
//! height_spread = 1         # blocks the nodes' heights may differ by
//! stale_block_age = "2m"    # a last block older than this is stale
//!
//! [check.nodes.LW-Michigan2]  # per-node overrides (a node on a poor link)
//! backoff_spam = 30
//! stale_block_age = "5m"
//! ```
//!
//! Command-line flags override the file by setting the public fields.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Six rounds at the daemon's default 10 s block interval: long enough to see
/// production and heights move, short enough for a cron job.
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(60);

/// A peer restarting costs a handful of failed dials under exponential backoff
/// (1, 2, 4, 8 s ...); the incident's nodes logged dozens a minute. Ten in a
/// minute-long window separates the two.
pub const DEFAULT_BACKOFF_SPAM: u64 = 10;

/// Probes of different nodes are not simultaneous, so a block made between them
/// leaves a spread of one in a healthy fleet (DESIGN: heights agree within one).
pub const DEFAULT_HEIGHT_SPREAD: u64 = 1;

/// Twelve default block intervals: a node whose last block is older has missed
/// many rounds, not one slow round.
pub const DEFAULT_STALE_BLOCK_AGE: Duration = Duration::from_secs(120);

/// The limits of one check run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Thresholds {
    /// How long the check watches the fleet.
    pub window: Duration,
    /// Failed connects in the window at or above which a node is spamming.
    pub backoff_spam: u64,
    /// The most the nodes' final heights may differ by.
    pub height_spread: u64,
    /// A last block older than this is stale.
    pub stale_block_age: Duration,
    /// Overrides for single nodes, by node name.
    pub per_node: BTreeMap<String, NodeLimits>,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            window: DEFAULT_WINDOW,
            backoff_spam: DEFAULT_BACKOFF_SPAM,
            height_spread: DEFAULT_HEIGHT_SPREAD,
            stale_block_age: DEFAULT_STALE_BLOCK_AGE,
            per_node: BTreeMap::new(),
        }
    }
}

impl Thresholds {
    /// The backoff-spam limit for `node`, its override first.
    pub fn backoff_spam_for(&self, node: &str) -> u64 {
        self.per_node
            .get(node)
            .and_then(|l| l.backoff_spam)
            .unwrap_or(self.backoff_spam)
    }

    /// The stale block age for `node`, its override first.
    pub fn stale_block_age_for(&self, node: &str) -> Duration {
        self.per_node
            .get(node)
            .and_then(|l| l.stale_block_age)
            .unwrap_or(self.stale_block_age)
    }
}

/// The limits a node may override: those that depend on the node's link and
/// host rather than on the fleet as a whole.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeLimits {
    pub backoff_spam: Option<u64>,
    pub stale_block_age: Option<Duration>,
}

/// `[check]` as written in the fleet file; durations are humantime text (`90s`, `2m`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckTable {
    pub window: Option<String>,
    pub backoff_spam: Option<u64>,
    pub height_spread: Option<u64>,
    pub stale_block_age: Option<String>,
    /// `[check.nodes.NAME]`: overrides for the node called NAME.
    pub nodes: Option<BTreeMap<String, CheckNodeTable>>,
}

/// `[check.nodes.NAME]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckNodeTable {
    pub backoff_spam: Option<u64>,
    pub stale_block_age: Option<String>,
}

/// Keys of [`CheckTable`]; a test keeps this list and the struct in step.
pub const CHECK_KEYS: &[&str] = &[
    "window",
    "backoff_spam",
    "height_spread",
    "stale_block_age",
    "nodes",
];
/// Keys of [`CheckNodeTable`].
pub const CHECK_NODE_KEYS: &[&str] = &["backoff_spam", "stale_block_age"];

/// A `[check]` value that has the right type but not a usable value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ThresholdError {
    /// The node whose override is wrong, `None` for the fleet-wide keys.
    pub node: Option<String>,
    /// The key whose value is wrong.
    pub key: &'static str,
    pub message: String,
}

impl CheckTable {
    /// The thresholds this table gives, the defaults filling what it leaves out.
    ///
    /// # Errors
    /// A duration that does not parse, or a zero window.
    pub fn resolve(&self) -> Result<Thresholds, ThresholdError> {
        let defaults = Thresholds::default();
        let window = duration(self.window.as_deref(), None, "window")?.unwrap_or(defaults.window);
        if window.is_zero() {
            return Err(ThresholdError {
                node: None,
                key: "window",
                message: "window must be longer than zero".into(),
            });
        }
        let mut per_node = BTreeMap::new();
        for (name, table) in self.nodes.iter().flatten() {
            let limits = NodeLimits {
                backoff_spam: table.backoff_spam,
                stale_block_age: duration(
                    table.stale_block_age.as_deref(),
                    Some(name),
                    "stale_block_age",
                )?,
            };
            per_node.insert(name.clone(), limits);
        }
        Ok(Thresholds {
            window,
            backoff_spam: self.backoff_spam.unwrap_or(defaults.backoff_spam),
            height_spread: self.height_spread.unwrap_or(defaults.height_spread),
            stale_block_age: duration(self.stale_block_age.as_deref(), None, "stale_block_age")?
                .unwrap_or(defaults.stale_block_age),
            per_node,
        })
    }
}

fn duration(
    text: Option<&str>,
    node: Option<&str>,
    key: &'static str,
) -> Result<Option<Duration>, ThresholdError> {
    text.map(|t| {
        humantime::parse_duration(t).map_err(|e| ThresholdError {
            node: node.map(str::to_owned),
            key,
            message: format!("bad duration {t:?}: {e} (write it as 90s, 2m or 1h)"),
        })
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_table_gives_the_defaults() {
        assert_eq!(CheckTable::default().resolve(), Ok(Thresholds::default()));
    }

    #[test]
    fn node_overrides_win_over_the_fleet_values() {
        let table = CheckTable {
            backoff_spam: Some(5),
            stale_block_age: Some("3m".into()),
            nodes: Some(BTreeMap::from([(
                "far".to_string(),
                CheckNodeTable {
                    backoff_spam: Some(40),
                    stale_block_age: None,
                },
            )])),
            ..CheckTable::default()
        };
        let t = table.resolve().expect("resolve");
        assert_eq!(t.backoff_spam_for("far"), 40);
        assert_eq!(t.backoff_spam_for("near"), 5);
        assert_eq!(t.stale_block_age_for("far"), Duration::from_secs(180));
    }

    #[test]
    fn bad_durations_name_the_node_and_key() {
        let table = CheckTable {
            nodes: Some(BTreeMap::from([(
                "far".to_string(),
                CheckNodeTable {
                    backoff_spam: None,
                    stale_block_age: Some("soon".into()),
                },
            )])),
            ..CheckTable::default()
        };
        let err = table.resolve().unwrap_err();
        assert_eq!(
            (err.node.as_deref(), err.key),
            (Some("far"), "stale_block_age")
        );
        let zero = CheckTable {
            window: Some("0s".into()),
            ..CheckTable::default()
        };
        assert_eq!(zero.resolve().unwrap_err().key, "window");
    }

    #[test]
    fn key_lists_match_the_structs() {
        let full = CheckTable {
            window: Some(String::new()),
            backoff_spam: Some(1),
            height_spread: Some(1),
            stale_block_age: Some(String::new()),
            nodes: Some(BTreeMap::from([(
                "n".to_string(),
                CheckNodeTable {
                    backoff_spam: Some(1),
                    stale_block_age: Some(String::new()),
                },
            )])),
        };
        let value = serde_json::to_value(&full).expect("serialize");
        let keys: Vec<&str> = value
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        let mut known = CHECK_KEYS.to_vec();
        known.sort_unstable();
        assert_eq!(keys, known);
        assert_eq!(
            value["nodes"]["n"].as_object().expect("node").len(),
            CHECK_NODE_KEYS.len()
        );
    }
}
