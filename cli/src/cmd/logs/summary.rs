//! `--summary`: how many lines of each kind each node logged in the window, as a
//! table (kinds down, nodes across, so four or forty nodes fit) or as JSON.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;
use timecoin_shared::classify::EventKind;

use crate::logs::Tally;
use crate::logs::record::Record;

/// Counts for one node.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct NodeCounts {
    pub name: String,
    /// Every line seen, with or without a kind.
    pub lines: u64,
    /// Per kind, every kind present (zero included) so scripts need no defaults.
    pub kinds: BTreeMap<EventKind, u64>,
}

/// Counts for every node, in the order nodes were first listed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub nodes: Vec<NodeCounts>,
}

impl Summary {
    /// Starts with `nodes` listed (zero counts), so a silent node still shows.
    pub fn new<'a>(nodes: impl IntoIterator<Item = &'a str>) -> Self {
        let mut summary = Summary::default();
        for node in nodes {
            summary.node_mut(node);
        }
        summary
    }

    fn node_mut(&mut self, name: &str) -> &mut NodeCounts {
        let index = match self.nodes.iter().position(|n| n.name == name) {
            Some(i) => i,
            None => {
                self.nodes.push(NodeCounts {
                    name: name.to_owned(),
                    lines: 0,
                    kinds: EventKind::ALL.into_iter().map(|k| (k, 0)).collect(),
                });
                self.nodes.len() - 1
            }
        };
        &mut self.nodes[index]
    }

    pub fn add(&mut self, record: &Record) {
        let counts = self.node_mut(record.node.as_deref().unwrap_or("-"));
        counts.lines += 1;
        for kind in record.class.kinds.iter() {
            *counts.kinds.entry(kind).or_default() += 1;
        }
    }

    /// Adds a file's counts (the engine counted its lines itself).
    pub fn merge(&mut self, tally: &Tally) {
        for row in &tally.nodes {
            let counts = self.node_mut(row.node.as_deref().unwrap_or("-"));
            counts.lines += row.lines;
            for (kind, n) in EventKind::ALL.into_iter().zip(row.kinds) {
                *counts.kinds.entry(kind).or_default() += n;
            }
        }
    }

    /// The count of `kind` on `node` (zero for an unknown node).
    #[cfg(test)]
    pub fn count(&self, node: &str, kind: EventKind) -> u64 {
        self.nodes
            .iter()
            .find(|n| n.name == node)
            .and_then(|n| n.kinds.get(&kind).copied())
            .unwrap_or(0)
    }

    /// The table: a row per kind and one for all lines, a column per node and a total.
    ///
    /// # Errors
    /// The writer's errors.
    pub fn write_table(&self, out: &mut impl Write) -> io::Result<()> {
        let kind_width = EventKind::ALL
            .iter()
            .map(|k| k.name().len())
            .max()
            .unwrap_or(0);
        let widths: Vec<usize> = self.nodes.iter().map(|n| n.name.len().max(5)).collect();
        let bold = anstyle::Style::new().bold();
        write!(out, "{bold}{:<kind_width$}", "kind")?;
        for (node, width) in self.nodes.iter().zip(&widths) {
            write!(out, "  {:>width$}", node.name)?;
        }
        writeln!(out, "  {:>7}{bold:#}", "total")?;
        let row = |out: &mut dyn Write, label: &str, values: Vec<u64>| -> io::Result<()> {
            write!(out, "{label:<kind_width$}")?;
            for (value, width) in values.iter().zip(&widths) {
                write!(out, "  {value:>width$}")?;
            }
            writeln!(out, "  {:>7}", values.iter().sum::<u64>())
        };
        for kind in EventKind::ALL {
            row(
                out,
                kind.name(),
                self.nodes
                    .iter()
                    .map(|n| n.kinds.get(&kind).copied().unwrap_or(0))
                    .collect(),
            )?;
        }
        row(out, "lines", self.nodes.iter().map(|n| n.lines).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use timecoin_shared::classify::LogEntry;

    #[test]
    fn counts_per_node_and_kind() {
        let mut summary = Summary::new(["a", "b", "quiet"]);
        for (node, line) in [
            ("a", "Handshake completed with 1.2.3.4:1"),
            ("a", "Handshake completed with 1.2.3.5:1"),
            (
                "b",
                "Rejecting duplicate inbound from 1.2.3.4:9 after handshake",
            ),
            ("b", "nothing"),
        ] {
            summary.add(&Record::new(LogEntry::parse(line), Some(node)));
        }
        assert_eq!(summary.count("a", EventKind::HandshakeCompleted), 2);
        assert_eq!(summary.count("b", EventKind::DuplicateRejected), 1);
        assert_eq!(summary.count("quiet", EventKind::Connected), 0);
        let mut table = Vec::new();
        summary.write_table(&mut table).unwrap();
        let table = anstream::adapter::strip_str(std::str::from_utf8(&table).unwrap()).to_string();
        assert!(
            table.contains("handshake_completed        2      0      0        2"),
            "{table}"
        );
        assert!(
            table.contains("lines                      2      2      0        4"),
            "{table}"
        );
        let json = serde_json::to_value(&summary).unwrap();
        assert_eq!(json["nodes"][1]["kinds"]["duplicate_rejected"], 1);
    }
}
