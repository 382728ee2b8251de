//! What changed between two checks, for `--watch`: an item whose status moved
//! (going red, recovering), with the new evidence. Pure, so it is tested on
//! reports alone.

use timecoin_shared::checklist::{ItemVerdict, Report, Status};

/// One item whose status moved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Change {
    /// The item as it is now.
    pub item: ItemVerdict,
    /// Its status before; `None` on the first check, where only items that do
    /// not pass are reported.
    pub was: Option<Status>,
}

/// The items of `now` whose status differs from `before`, in checklist order.
/// With no `before`, every item that does not pass.
pub(crate) fn changes(before: Option<&Report>, now: &Report) -> Vec<Change> {
    now.items
        .iter()
        .filter_map(|item| {
            let was = match before {
                Some(before) => before
                    .items
                    .iter()
                    .find(|b| b.id == item.id)
                    .map(|b| b.status),
                None if item.status == Status::Pass => return None,
                None => None,
            };
            (was != Some(item.status)).then(|| Change {
                item: item.clone(),
                was,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(statuses: &[(&str, Status)]) -> Report {
        Report::new(
            statuses
                .iter()
                .map(|(id, status)| ItemVerdict {
                    id: (*id).into(),
                    title: format!("title of {id}"),
                    status: *status,
                    evidence: vec![],
                    nodes: vec![],
                })
                .collect(),
        )
    }

    #[test]
    fn only_moved_items_are_changes() {
        let first = report(&[("a", Status::Pass), ("b", Status::Warn)]);
        let initial = changes(None, &first);
        assert_eq!(initial.len(), 1);
        assert_eq!((initial[0].item.id.as_str(), initial[0].was), ("b", None));

        let red = report(&[("a", Status::Fail), ("b", Status::Warn)]);
        let went = changes(Some(&first), &red);
        assert_eq!(went.len(), 1);
        assert_eq!(
            (went[0].item.id.as_str(), went[0].was, went[0].item.status),
            ("a", Some(Status::Pass), Status::Fail)
        );
        assert!(changes(Some(&red), &red).is_empty());
        let back = changes(Some(&red), &first);
        assert_eq!(
            (back[0].was, back[0].item.status),
            (Some(Status::Fail), Status::Pass)
        );
    }
}
