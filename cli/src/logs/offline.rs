//! `--from-file PATH|-`: classifying a saved log (plain text or `journalctl -o
//! json` lines) with no fleet and no network, in input order.

use std::io::{self, BufRead, Write};

use timecoin_shared::classify::LogEntry;

use super::filter::Filter;
use super::record::Record;
use super::sink::Sink;

/// Classifies every line of `input` into `sink`. Bytes that are not UTF-8 are
/// replaced, never fatal: a saved log is whatever the operator has.
///
/// # Errors
/// Reading `input` or writing the sink.
pub(crate) fn classify_all<W: Write>(
    mut input: impl BufRead,
    filter: &Filter,
    sink: &mut Sink<W>,
) -> io::Result<u64> {
    let mut raw = Vec::new();
    let mut count = 0;
    loop {
        raw.clear();
        if input.read_until(b'\n', &mut raw)? == 0 {
            break;
        }
        let line = String::from_utf8_lossy(&raw);
        let line = line.strip_suffix('\n').unwrap_or(&line);
        let record = Record::new(LogEntry::parse(line), None);
        count += 1;
        if filter.keeps(&record) {
            sink.record(&record)?;
        }
    }
    sink.finish()?;
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_json_object_per_input_line_in_order() {
        let input = concat!(
            "WARN Connection to 165.232.154.150 failed (attempt 4): Handshake ACK failed: Error reading handshake ACK: Connection reset by peer (os error 104)\n",
            "plain noise\n",
            "{\"MESSAGE\":\"Ping timeout from 10.0.0.2:24100\",\"_HOSTNAME\":\"n2\",\"__CURSOR\":\"c1\",\"__REALTIME_TIMESTAMP\":\"1\"}\n",
            "\u{fffd} replaced bytes then Starting new block round",
        );
        let mut out = Vec::new();
        let mut sink = Sink::Json(&mut out);
        let n = classify_all(input.as_bytes(), &Filter::default(), &mut sink).unwrap();
        assert_eq!(n, 4);
        let rows: Vec<serde_json::Value> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
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
