//! `--from-file PATH|-`: classifying a saved log (plain text or `journalctl -o
//! json` lines) with no fleet and no network, in input order.
//!
//! A line that is no log line of its own (no level, time or node: a
//! `debug.log` restart banner) was written with its neighbours: it takes the
//! node and time of the line before it, or, at the start, of the first line
//! that has them.

use std::io::{self, BufRead};

use timecoin_shared::classify::LogEntry;

use super::event::Event;
use super::filter::Filter;
use super::record::Record;
use crate::emit::Emit;

/// Classifies every line of `input` and emits the kept ones, until the input
/// ends or `emit` closes. Bytes that are not UTF-8 are replaced, never fatal: a
/// saved log is whatever the operator has. Returns how many lines were read.
///
/// # Errors
/// Reading `input`.
pub(crate) fn classify_all<E: Emit<Event> + ?Sized>(
    mut input: impl BufRead,
    filter: &Filter,
    emit: &E,
) -> io::Result<u64> {
    let mut raw = Vec::new();
    let mut count = 0;
    let mut carry = Carry::default();
    let mut keep = |record: Record| {
        if filter.keeps(&record) {
            emit.emit(Event::Record(Box::new(record)));
        }
        Ok::<(), io::Error>(())
    };
    while !emit.closed() {
        raw.clear();
        if input.read_until(b'\n', &mut raw)? == 0 {
            break;
        }
        let line = String::from_utf8_lossy(&raw);
        let line = line.strip_suffix('\n').unwrap_or(&line);
        count += 1;
        carry.push(Record::new(LogEntry::parse(line), None), &mut keep)?;
    }
    carry.finish(&mut keep)?;
    Ok(count)
}

/// The node and time of the lines around a line that is no log line of its own.
#[derive(Default)]
struct Carry {
    node: Option<String>,
    time_us: Option<i64>,
    /// Such lines before the first log line.
    held: Vec<Record>,
}

impl Carry {
    fn push<E>(
        &mut self,
        mut record: Record,
        emit: &mut impl FnMut(Record) -> Result<(), E>,
    ) -> Result<(), E> {
        // A blank line says nothing, not even whose it is.
        if record.line.trim().is_empty() {
            return emit(record);
        }
        if !record.standalone {
            if self.node.is_none() && self.time_us.is_none() {
                self.held.push(record);
                return Ok(());
            }
            record.node.clone_from(&self.node);
            record.time_us = self.time_us;
            return emit(record);
        }
        self.node.clone_from(&record.node);
        self.time_us = record.time_us;
        for mut held in self.held.drain(..) {
            held.node.clone_from(&record.node);
            held.time_us = record.time_us;
            emit(held)?;
        }
        emit(record)
    }

    /// Lets out what is still held (a log with no node or time anywhere).
    fn finish<E>(&mut self, emit: &mut impl FnMut(Record) -> Result<(), E>) -> Result<(), E> {
        self.held.drain(..).try_for_each(emit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How many lines were read, and each emitted record in its JSON shape.
    fn classified(input: &str) -> (u64, Vec<serde_json::Value>) {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let n = classify_all(input.as_bytes(), &Filter::default(), &tx).unwrap();
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
