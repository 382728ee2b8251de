//! Reading one node's facts for a rule: a field over every probe, at the last
//! probe, or the journal, each either a value or the evidence line saying why it
//! is missing. Rules turn that line into an unknown, never a pass or a fail;
//! what the node's daemon API cannot give at all is not applicable instead.

use crate::checklist::facts::{EMPTY_JOURNAL_HINT, Journal, LogEvidence, NodeFacts};
use crate::classify::EventKind;
use crate::snapshot::{ChainView, NodeSnapshot, Reach};

use super::rule::Tally;

/// Why a node's data is missing, as an evidence line naming the node.
pub(super) type Missing = String;

/// Why a node's data cannot be judged, as an evidence line naming the node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Absent {
    /// It should have been there and was not: the item is unknown for the node.
    Missing(Missing),
    /// The node's daemon API never gives it: the item does not apply to the node.
    NotApplicable(String),
}

/// `field` at every probe, in order.
pub(super) fn series<T>(
    node: &NodeFacts,
    field: &str,
    get: impl Fn(&ChainView) -> Option<T>,
) -> Result<Vec<T>, Missing> {
    if node.probes.is_empty() {
        return Err(format!("{}: never probed", node.name));
    }
    let count = node.probes.len();
    node.probes
        .iter()
        .enumerate()
        .map(|(index, probe)| value(node, probe, probe_label(index, count), field, &get))
        .collect()
}

/// `field` at the last probe (the window's end).
pub(super) fn at_end<T>(
    node: &NodeFacts,
    field: &str,
    get: impl Fn(&ChainView) -> Option<T>,
) -> Result<T, Missing> {
    let probe = end_probe(node)?;
    value(node, probe, "end", field, &get)
}

/// The last probe, if the node answered it.
pub(super) fn end_probe(node: &NodeFacts) -> Result<&NodeSnapshot, Missing> {
    let probe = node
        .last_probe()
        .ok_or_else(|| format!("{}: never probed", node.name))?;
    match unanswered(node, probe, "end") {
        Some(why) => Err(why),
        None => Ok(probe),
    }
}

/// The node's classified journal. A journal that held no line at all while
/// the node's height rose was not read where the daemon writes (a wrong unit
/// name, a user who may not read it): missing, not quiet.
pub(super) fn journal(node: &NodeFacts) -> Result<&LogEvidence, Missing> {
    let log = match &node.journal {
        Journal::Read(log) => log,
        Journal::Unreadable { error } => {
            return Err(format!("{}: journal unreadable: {error}", node.name));
        }
    };
    match height_rise(node) {
        Some((from, to)) if log.lines() == 0 => Err(format!(
            "{}: its journal held nothing over the window while its height rose {from} to {to}; {EMPTY_JOURNAL_HINT}",
            node.name
        )),
        _ => Ok(log),
    }
}

/// The node's classified journal, for a rule counting `kind`: not applicable
/// when the node's daemon never logs that kind (at its default level).
pub(super) fn journal_of(node: &NodeFacts, kind: EventKind) -> Result<&LogEvidence, Absent> {
    let silent = node
        .probes
        .last()
        .and_then(|probe| probe.api.silent_on(kind));
    if let Some(why) = silent {
        return Err(Absent::NotApplicable(format!(
            "{}: {kind} not judged: {why}",
            node.name
        )));
    }
    journal(node).map_err(Absent::Missing)
}

/// The count of `kind` in the node's journal as its item judges it: `None`
/// where the journal is missing or the daemon never logs the kind.
pub(crate) fn judged_count(node: &NodeFacts, kind: EventKind) -> Option<u64> {
    journal_of(node, kind).ok().map(|log| log.count(kind))
}

/// The height at the first and the last answering probe, when it rose.
fn height_rise(node: &NodeFacts) -> Option<(u64, u64)> {
    let mut heights = node
        .probes
        .iter()
        .filter(|p| p.is_reachable())
        .filter_map(|p| p.chain.block_height);
    let from = heights.next()?;
    let to = heights.next_back()?;
    (to > from).then_some((from, to))
}

/// Notes how many lines of `kind` the node logged and the first of them.
pub(super) fn note_lines(
    tally: &mut Tally,
    status: crate::checklist::Status,
    node: &NodeFacts,
    log: &LogEvidence,
    kind: EventKind,
) {
    let count = log.count(kind);
    let lines = if count == 1 { "line" } else { "lines" };
    tally.note(
        status,
        format!("{}: {count} {kind} {lines} in the window", node.name),
    );
    for line in log.samples(kind) {
        tally.note(status, format!("{} log: {line}", node.name));
    }
}

/// Values over the probes, start first: `4,4,2`.
pub(super) fn join<T: ToString>(values: &[T]) -> String {
    values
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn value<T>(
    node: &NodeFacts,
    probe: &NodeSnapshot,
    label: &str,
    field: &str,
    get: &impl Fn(&ChainView) -> Option<T>,
) -> Result<T, Missing> {
    if let Some(why) = unanswered(node, probe, label) {
        return Err(why);
    }
    get(&probe.chain)
        .ok_or_else(|| format!("{}: {field} not reported at the {label} probe", node.name))
}

fn unanswered(node: &NodeFacts, probe: &NodeSnapshot, label: &str) -> Option<Missing> {
    match &probe.reach {
        Reach::Reachable => None,
        Reach::Unreachable { error } => {
            // The probe's error starts with the node's name; say it once.
            let error = error
                .strip_prefix(node.name.as_str())
                .and_then(|rest| rest.strip_prefix(": "))
                .unwrap_or(error);
            Some(format!(
                "{}: did not answer at the {label} probe: {error}",
                node.name
            ))
        }
        Reach::WrongApi { expected, detail } => Some(format!(
            "{}: did not answer as the {expected} API at the {label} probe: {detail}",
            node.name
        )),
    }
}

fn probe_label(index: usize, count: usize) -> &'static str {
    match index {
        0 => "start",
        i if i + 1 == count => "end",
        _ => "middle",
    }
}
