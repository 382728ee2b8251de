//! What a rule is (an item with a stable id and title, and a pure function that
//! judges it) and the tally a rule fills while it walks the nodes.

use crate::checklist::facts::CheckFacts;
use crate::checklist::thresholds::Thresholds;
use crate::checklist::verdict::{ItemVerdict, Status};

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

/// The status so far and the evidence for it. Starts at pass; every note can
/// only make it worse, so one bad node decides the item.
#[derive(Debug, Default)]
pub(super) struct Tally {
    status: Option<Status>,
    evidence: Vec<String>,
}

impl Tally {
    pub(super) fn note(&mut self, status: Status, line: impl Into<String>) {
        self.status = Some(self.status.map_or(status, |s| s.max(status)));
        self.evidence.push(line.into());
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

    /// The verdict. With no nodes checked nothing was noted, and nothing noted
    /// is unknown: an empty check must not pass.
    pub(super) fn finish(self, item: Item, facts: &CheckFacts) -> ItemVerdict {
        let (status, evidence) = match (self.status, facts.nodes.is_empty()) {
            (Some(status), false) => (status, self.evidence),
            _ => (Status::Unknown, vec!["no nodes were checked".to_owned()]),
        };
        ItemVerdict {
            id: item.id.to_owned(),
            title: item.title.to_owned(),
            status,
            evidence,
        }
    }
}
