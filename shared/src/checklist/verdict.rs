//! What the checklist says: a status per item with its evidence, and the worst of
//! them as the fleet's verdict. The JSON shape is a contract (`timectl check
//! --output json`).

use serde::{Deserialize, Serialize};

/// One item's outcome. Ordered from best to worst, so the fleet's verdict is the
/// maximum. A definite failure outranks an unknown: a fork seen between two nodes
/// matters more than a third node that did not answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Warn,
    /// The data needed to judge was missing (a node unreachable, a journal unreadable).
    Unknown,
    Fail,
}

impl Status {
    /// The lower-case word used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Unknown => "unknown",
        }
    }
}

/// The verdict on one checklist item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemVerdict {
    /// Stable snake_case id (`no_resets`, `masternodes_active`, ...).
    pub id: String,
    /// The item as an operator reads it.
    pub title: String,
    pub status: Status,
    /// Lines that justify the status, each naming the node and the numbers or log lines.
    pub evidence: Vec<String>,
}

/// The whole checklist.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// The worst item status (`pass` for an empty list).
    pub verdict: Status,
    pub items: Vec<ItemVerdict>,
}

impl Report {
    /// A report whose verdict is the worst of `items`.
    pub fn new(items: Vec<ItemVerdict>) -> Self {
        let verdict = items.iter().map(|i| i.status).max().unwrap_or(Status::Pass);
        Report { verdict, items }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(status: Status) -> ItemVerdict {
        ItemVerdict {
            id: "x".into(),
            title: "x".into(),
            status,
            evidence: vec![],
        }
    }

    #[test]
    fn the_verdict_is_the_worst_item_and_fail_outranks_unknown() {
        assert_eq!(Report::new(vec![]).verdict, Status::Pass);
        assert_eq!(
            Report::new(vec![item(Status::Pass), item(Status::Warn)]).verdict,
            Status::Warn
        );
        assert_eq!(
            Report::new(vec![item(Status::Fail), item(Status::Unknown)]).verdict,
            Status::Fail
        );
        assert_eq!(
            Report::new(vec![item(Status::Warn), item(Status::Unknown)]).verdict,
            Status::Unknown
        );
        assert_eq!(
            serde_json::to_string(&Status::Unknown).unwrap(),
            r#""unknown""#
        );
    }
}
