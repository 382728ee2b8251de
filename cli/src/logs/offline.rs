//! `--from-file PATH|-`: classifying a saved log (plain text or `journalctl -o
//! json` lines) with no fleet and no network, in input order.
//!
//! A line that is no log line of its own (no level, time or node: a
//! `debug.log` restart banner) was written with its neighbours: it takes the
//! node and time of the line before it, or, at the start, of the first line
//! that has them.
//!
//! A summary needs only each line's node and kinds, so for one the lines are
//! counted as they are read ([`Detail::Counts`]): no record, no copy of the
//! line, no peer or time, one [`Tally`] emitted at the end. A day of journals
//! from a hundred nodes is millions of lines; making each a record cost four
//! times what `grep` takes to read them.

use std::borrow::Cow;
use std::io::{self, BufRead};

use timecoin_shared::classify::{Classifier, Envelope, EventKind, KindSet, LogEntry, Read};

use super::event::{Event, NodeTally, Tally};
use super::filter::Filter;
use super::lines::each_line;
use super::record::{Record, is_standalone};
use crate::emit::Emit;

/// What the caller needs of each line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Detail {
    /// Every kept line as an [`Event::Record`].
    Records,
    /// Kept lines counted per node and kind, as one [`Event::Counted`].
    Counts,
}

/// Classifies every line of `input` and emits the kept ones (or their counts),
/// until the input ends or `emit` closes. Bytes that are not UTF-8 are
/// replaced, never fatal: a saved log is whatever the operator has. Returns
/// how many lines were read.
///
/// # Errors
/// Reading `input`.
pub(crate) fn classify_all<E: Emit<Event> + ?Sized>(
    input: impl BufRead,
    filter: &Filter,
    detail: Detail,
    emit: &E,
) -> io::Result<u64> {
    match detail {
        Detail::Records => records(input, filter, emit),
        Detail::Counts => counts(input, filter, emit),
    }
}

fn records<E: Emit<Event> + ?Sized>(
    input: impl BufRead,
    filter: &Filter,
    emit: &E,
) -> io::Result<u64> {
    let mut carry = Carry::default();
    let mut keep = |record: Record| {
        if filter.keeps(&record) {
            emit.emit(Event::Record(Box::new(record)));
        }
        Ok::<(), io::Error>(())
    };
    let read = each_line(input, closed(emit), |line| {
        carry.push(Record::new(LogEntry::parse(line.text), None), &mut keep)
    })?;
    carry.finish(&mut keep)?;
    Ok(read)
}

fn counts<E: Emit<Event> + ?Sized>(
    input: impl BufRead,
    filter: &Filter,
    emit: &E,
) -> io::Result<u64> {
    let classifier = Classifier::global();
    let mut names = Names::default();
    let mut rows = Rows::default();
    let mut carry = Carry::default();
    let mut keep = |line: Counted| {
        if line.kept {
            rows.add(line.node, line.kinds);
        }
        Ok::<(), io::Error>(())
    };
    let read = each_line(input, closed(emit), |line| {
        let (text, hostname, realtime_us) = match LogEntry::read(line.text) {
            Read::Journal(entry) => (Cow::Owned(entry.message), entry.hostname, entry.realtime_us),
            Read::Plain(text) => (text, None, None),
        };
        let env = Envelope::split(&text);
        // A message taken from the line as it is (no JSON decoded, no colour
        // stripped) has its lower-cased twin in the line's.
        let kinds = match line.lower_of(&env.message) {
            Some(lower) => classifier.kinds_lowered(lower),
            None => classifier.kinds(&env.message),
        };
        let node = hostname
            .as_deref()
            .or(env.node.as_deref())
            .map(|n| names.id(n));
        // Whether the line has a time, not its value: a yearless one is not placed.
        let dated = (realtime_us.is_some() || env.timestamp.is_some() || env.yearless.is_some())
            .then_some(());
        let counted = Counted {
            node,
            dated,
            kinds,
            kept: filter.keeps_line(kinds, &text),
            blank: text.trim().is_empty(),
            standalone: is_standalone(&env, dated.is_some(), node.is_some()),
        };
        carry.push(counted, &mut keep)
    })?;
    carry.finish(&mut keep)?;
    emit.emit(Event::Counted(rows.into_tally(&names)));
    Ok(read)
}

/// Whether `emit` has closed (its reader went away): then reading stops.
fn closed<E: Emit<Event> + ?Sized>(emit: &E) -> impl Fn() -> bool + '_ {
    || emit.closed()
}

/// One line for a summary: its node (by [`Names`] id), whether it has a time
/// (a summary never reads its value), its kinds, and whether the filter keeps it.
#[derive(Clone, Copy)]
struct Counted {
    node: Option<usize>,
    dated: Option<()>,
    kinds: KindSet,
    kept: bool,
    blank: bool,
    standalone: bool,
}

/// Node names met in the input, by id, the last one found first (a file's
/// lines come in runs of one node).
#[derive(Default)]
struct Names {
    names: Vec<String>,
    last: usize,
}

impl Names {
    fn id(&mut self, name: &str) -> usize {
        if self.names.get(self.last).is_some_and(|n| n == name) {
            return self.last;
        }
        self.last = match self.names.iter().position(|n| n == name) {
            Some(id) => id,
            None => {
                self.names.push(name.to_owned());
                self.names.len() - 1
            }
        };
        self.last
    }
}

/// Counts by node id, in the order nodes were first counted.
#[derive(Default)]
struct Rows {
    rows: Vec<(Option<usize>, NodeTally)>,
    last: usize,
}

impl Rows {
    fn add(&mut self, node: Option<usize>, kinds: KindSet) {
        if self.rows.get(self.last).is_none_or(|(n, _)| *n != node) {
            self.last = match self.rows.iter().position(|(n, _)| *n == node) {
                Some(at) => at,
                None => {
                    self.rows.push((node, NodeTally::default()));
                    self.rows.len() - 1
                }
            };
        }
        let row = &mut self.rows[self.last].1;
        row.lines += 1;
        if kinds.is_empty() {
            return;
        }
        for (count, kind) in row.kinds.iter_mut().zip(EventKind::ALL) {
            *count += u64::from(kinds.contains(kind));
        }
    }

    fn into_tally(self, names: &Names) -> Tally {
        let nodes = self
            .rows
            .into_iter()
            .map(|(node, mut row)| {
                row.node = node.and_then(|id| names.names.get(id).cloned());
                row
            })
            .collect();
        Tally { nodes }
    }
}

/// A line as [`Carry`] files it: under its own node and time, or under those
/// of the lines around it.
trait Filed {
    type Node: Clone;
    /// What [`Carry`] passes on of a line's time.
    type Time: Copy;
    /// A blank line says nothing, not even whose it is.
    fn is_blank(&self) -> bool;
    /// It has a level, a time or a node of its own.
    fn standalone(&self) -> bool;
    fn node(&self) -> &Option<Self::Node>;
    fn time(&self) -> Option<Self::Time>;
    fn file_under(&mut self, node: &Option<Self::Node>, time: Option<Self::Time>);
}

impl Filed for Record {
    type Node = String;
    type Time = i64;
    fn is_blank(&self) -> bool {
        self.line.trim().is_empty()
    }
    fn standalone(&self) -> bool {
        self.standalone
    }
    fn node(&self) -> &Option<String> {
        &self.node
    }
    fn time(&self) -> Option<i64> {
        self.time_us
    }
    fn file_under(&mut self, node: &Option<String>, time_us: Option<i64>) {
        self.node.clone_from(node);
        self.time_us = time_us;
    }
}

impl Filed for Counted {
    type Node = usize;
    type Time = ();
    fn is_blank(&self) -> bool {
        self.blank
    }
    fn standalone(&self) -> bool {
        self.standalone
    }
    fn node(&self) -> &Option<usize> {
        &self.node
    }
    fn time(&self) -> Option<()> {
        self.dated
    }
    fn file_under(&mut self, node: &Option<usize>, dated: Option<()>) {
        self.node = *node;
        self.dated = dated;
    }
}

/// The node and time of the lines around a line that is no log line of its own.
struct Carry<T: Filed> {
    node: Option<T::Node>,
    time: Option<T::Time>,
    /// Such lines before the first log line.
    held: Vec<T>,
}

impl<T: Filed> Default for Carry<T> {
    fn default() -> Self {
        Carry {
            node: None,
            time: None,
            held: Vec::new(),
        }
    }
}

impl<T: Filed> Carry<T> {
    fn push<E>(&mut self, mut line: T, emit: &mut impl FnMut(T) -> Result<(), E>) -> Result<(), E> {
        if line.is_blank() {
            return emit(line);
        }
        if !line.standalone() {
            if self.node.is_none() && self.time.is_none() {
                self.held.push(line);
                return Ok(());
            }
            line.file_under(&self.node, self.time);
            return emit(line);
        }
        self.node.clone_from(line.node());
        self.time = line.time();
        for mut held in self.held.drain(..) {
            held.file_under(&self.node, self.time);
            emit(held)?;
        }
        emit(line)
    }

    /// Lets out what is still held (a log with no node or time anywhere).
    fn finish<E>(&mut self, emit: &mut impl FnMut(T) -> Result<(), E>) -> Result<(), E> {
        self.held.drain(..).try_for_each(emit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How many lines were read, and each emitted record in its JSON shape.
    fn classified(input: &str) -> (u64, Vec<serde_json::Value>) {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let n = classify_all(input.as_bytes(), &Filter::default(), Detail::Records, &tx).unwrap();
        let mut rows = Vec::new();
        while let Ok(event) = rx.try_recv() {
            let Event::Record(record) = event else {
                panic!("only records from a file: {event:?}");
            };
            rows.push(serde_json::to_value(&record).unwrap());
        }
        (n, rows)
    }

    #[test]
    fn a_banner_line_is_filed_under_the_node_and_time_around_it() {
        let input = concat!(
            "# NODE RESTART 2026-11-29T14:17:16Z\n",
            "2026-11-29 14:17:16.405 [up-n2]  INFO 🚀 Starting TIME Coin Masternode\n",
            "2026-11-29 14:17:17.000 [up-n2]  INFO ✓ Connected to peer: 10.1.0.1\n",
            "\n",
            "# NODE RESTART 2026-11-29T14:20:00Z\n",
            "2026-11-29 14:20:00.100 [up-n2]  INFO 🚀 Starting TIME Coin Masternode\n",
        );
        let (n, rows) = classified(input);
        assert_eq!(n, 6);
        assert_eq!(rows.len(), 6, "every line, in input order");
        assert_eq!(rows[0]["line"], "# NODE RESTART 2026-11-29T14:17:16Z");
        for row in rows.iter().filter(|r| r["line"] != "") {
            assert_eq!(row["node"], "up-n2", "{row}");
            assert!(row["time_us"].is_i64(), "{row}");
        }
        assert_eq!(rows[0]["time_us"], rows[1]["time_us"]);
        assert_eq!(rows[4]["time_us"], rows[2]["time_us"]);
        assert_eq!(rows[3]["line"], "");
    }

    #[test]
    fn one_json_object_per_input_line_in_order() {
        let input = concat!(
            "WARN Connection to 165.232.154.150 failed (attempt 4): Handshake ACK failed: Error reading handshake ACK: Connection reset by peer (os error 104)\n",
            "plain noise\n",
            "{\"MESSAGE\":\"Ping timeout from 10.0.0.2:24100\",\"_HOSTNAME\":\"n2\",\"__CURSOR\":\"c1\",\"__REALTIME_TIMESTAMP\":\"1\"}\n",
            "\u{fffd} replaced bytes then Starting new block round",
        );
        let (n, rows) = classified(input);
        assert_eq!(n, 4);
        assert_eq!(rows.len(), 4);
        assert_eq!(
            rows[0]["kinds"],
            serde_json::json!(["handshake_ack_failed", "connection_reset", "connect_failed"])
        );
        assert_eq!(rows[0]["peer"], "165.232.154.150");
        assert_eq!(rows[0]["attempt"], 4);
        assert_eq!(rows[0]["node"], serde_json::Value::Null);
        assert_eq!(rows[1]["kinds"], serde_json::json!([]));
        assert_eq!(rows[2]["line"], "Ping timeout from 10.0.0.2:24100");
        assert_eq!(rows[2]["node"], "n2");
        assert_eq!(rows[2]["cursor"], "c1");
        assert_eq!(rows[3]["kinds"], serde_json::json!(["block_round"]));
    }
}
