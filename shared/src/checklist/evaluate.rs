//! Running the checklist: every rule over the same facts, in checklist order.

use super::facts::CheckFacts;
use super::rules::{Item, RULES};
use super::thresholds::Thresholds;
use super::verdict::Report;

/// The whole checklist over `facts`: one verdict per item, the worst as the
/// fleet's verdict.
pub fn evaluate(facts: &CheckFacts, thresholds: &Thresholds) -> Report {
    Report::new(
        RULES
            .iter()
            .map(|rule| (rule.judge)(facts, thresholds))
            .collect(),
    )
}

/// The items in checklist order, for outputs that list them before a run ends
/// (a dashboard pane, `--watch`).
pub fn items() -> impl Iterator<Item = Item> {
    RULES.iter().map(|rule| rule.item)
}
