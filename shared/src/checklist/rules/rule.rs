//! What a rule is (an item with a stable id and title, and a pure function that
//! judges it) and the tally a rule fills while it walks the nodes.

use crate::checklist::facts::CheckFacts;
use crate::checklist::thresholds::Thresholds;
use crate::checklist::verdict::{ItemVerdict, NodeStatus, Status};

use super::inputs::Absent;

/// A checklist item as outputs name it. Ids are a contract (JSON, JUnit class
/// names, `--watch` lines): snake_case, never renamed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Item {
    pub id: &'static str,
    pub title: &'static str,
}

/// One item and the function that judges it.
#[derive(Clone, Copy)]
pub(crate) struct Rule {
    pub(crate) item: Item,
    pub(crate) judge: fn(&CheckFacts, &Thresholds) -> ItemVerdict,
}

/// The evidence noted so far, each line with the status it argues for. The
/// item's status is the worst of them, so one bad node decides the item.
#[derive(Debug, Default)]
pub(super) struct Tally {
    notes: Vec<(Status, String)>,
}

impl Tally {
    pub(super) fn note(&mut self, status: Status, line: impl Into<String>) {
        self.notes.push((status, line.into()));
    }

    pub(super) fn pass(&mut self, line: impl Into<String>) {
        self.note(Status::Pass, line);
    }

    pub(super) fn warn(&mut self, line: impl Into<String>) {
        self.note(Status::Warn, line);
    }

    pub(super) fn fail(&mut self, line: impl Into<String>) {
        self.note(Status::Fail, line);
    }

    pub(super) fn unknown(&mut self, line: impl Into<String>) {
        self.note(Status::Unknown, line);
    }

    pub(super) fn not_applicable(&mut self, line: impl Into<String>) {
        self.note(Status::NotApplicable, line);
    }

    /// Notes data that could not be judged: unknown where it was missing, not
    /// applicable where the node's API cannot give it.
    pub(super) fn absent(&mut self, absent: Absent) {
        match absent {
            Absent::Missing(line) => self.unknown(line),
            Absent::NotApplicable(line) => self.not_applicable(line),
        }
    }

    /// The verdict, its evidence worst first (in the order noted within a
    /// status), so the first line says why; summaries show only that one. With
    /// no nodes checked nothing was noted, and nothing noted is unknown: an
    /// empty check must not pass. Where the item applies to no node, it is not
    /// applicable, with each node's reason.
    pub(super) fn finish(mut self, item: Item, facts: &CheckFacts) -> ItemVerdict {
        self.notes
            .sort_by_key(|(status, _)| std::cmp::Reverse(*status));
        let worst = self.notes.first().map(|(status, _)| *status);
        let nodes = per_node(&self.notes, facts);
        let (status, evidence) = match (worst, facts.nodes.is_empty()) {
            (Some(status), false) => (
                status,
                self.notes.into_iter().map(|(_, line)| line).collect(),
            ),
            _ => (Status::Unknown, vec!["no nodes were checked".to_owned()]),
        };
        ItemVerdict {
            id: item.id.to_owned(),
            title: item.title.to_owned(),
            status,
            evidence,
            nodes,
        }
    }
}

/// Each node's worst status among the lines naming it, in fleet order. A line
/// names its nodes before its first `": "`: `n1: ...`, `n1 log: ...`, or a
/// list such as `n1 and n2: ...` and `n1, n2: ...` (pairs, forks).
fn per_node(notes: &[(Status, String)], facts: &CheckFacts) -> Vec<NodeStatus> {
    facts
        .nodes
        .iter()
        .filter_map(|node| {
            notes
                .iter()
                .filter(|(_, line)| names(line).any(|name| name == node.name))
                .map(|(status, _)| *status)
                .max()
                .map(|status| NodeStatus {
                    node: node.name.clone(),
                    status,
                })
        })
        .collect()
}

/// The words before a line's first `": "`, as node names.
fn names(line: &str) -> impl Iterator<Item = &str> {
    let head = line.split_once(": ").map_or("", |(head, _)| head);
    let head = head.strip_suffix(" log").unwrap_or(head);
    head.split(", ").flat_map(|part| part.split(" and "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::fixture::Fixture;

    #[test]
    fn each_node_gets_the_worst_line_naming_it() {
        let f = Fixture::healthy(3);
        let mut tally = Tally::default();
        tally.pass("n0: fine");
        tally.fail("n0 log: WARN something");
        tally.warn("n1 and n2: one link missing");
        tally.unknown("n2, n10: block abc");
        tally.fail("heights at the end 4 apart");
        let verdict = tally.finish(
            Item {
                id: "x",
                title: "x",
            },
            &f.facts,
        );
        let got: Vec<(&str, Status)> = verdict
            .nodes
            .iter()
            .map(|n| (n.node.as_str(), n.status))
            .collect();
        assert_eq!(
            got,
            [
                ("n0", Status::Fail),
                ("n1", Status::Warn),
                ("n2", Status::Unknown)
            ]
        );
        assert_eq!(verdict.status, Status::Fail);
    }
}
