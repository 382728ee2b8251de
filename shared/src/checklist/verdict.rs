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
    /// The item cannot apply to a node's daemon API (upstream logs no ACK
    /// failures): nothing was missing, so it never makes a verdict unknown.
    /// Below every other status: an item passes on the nodes it applies to.
    NotApplicable,
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
            Status::NotApplicable => "not_applicable",
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
    /// The item's status on each node its evidence names, in fleet order: the
    /// worst line naming that node. Items judged on pairs or the whole fleet
    /// name the nodes a line is about; a line naming none counts only for the
    /// fleet. Not in the JSON report, whose shape is a contract: the exporter
    /// serves it as per-node metrics.
    #[serde(skip)]
    pub nodes: Vec<NodeStatus>,
}

/// One item's status on one node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeStatus {
    pub node: String,
    pub status: Status,
}

/// The whole checklist.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// The worst item status (`pass` for an empty list); never `not_applicable`.
    pub verdict: Status,
    pub items: Vec<ItemVerdict>,
}

impl Report {
    /// A report whose verdict is the worst of `items`. Items that do not apply
    /// leave the verdict to the rest; when no item applies at all, nothing was
    /// judged, and that is unknown, never a pass.
    pub fn new(items: Vec<ItemVerdict>) -> Self {
        let verdict = match items.iter().map(|i| i.status).max() {
            None => Status::Pass,
            Some(Status::NotApplicable) => Status::Unknown,
            Some(worst) => worst,
        };
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
            nodes: vec![],
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

    #[test]
    fn an_item_that_does_not_apply_leaves_the_verdict_to_the_rest() {
        assert_eq!(
            Report::new(vec![item(Status::Pass), item(Status::NotApplicable)]).verdict,
            Status::Pass
        );
        assert_eq!(
            Report::new(vec![item(Status::NotApplicable), item(Status::Warn)]).verdict,
            Status::Warn
        );
        assert_eq!(
            Report::new(vec![item(Status::NotApplicable)]).verdict,
            Status::Unknown,
            "nothing judged is not a pass"
        );
        assert_eq!(
            serde_json::to_string(&Status::NotApplicable).unwrap(),
            r#""not_applicable""#
        );
        assert_eq!(Status::NotApplicable.as_str(), "not_applicable");
    }
}
