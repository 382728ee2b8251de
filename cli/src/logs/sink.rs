//! Where classified lines and stream markers go: coloured text, JSON lines, or a
//! summary that prints once the window is read.

use std::io::{self, Write};
use std::time::Duration;

use serde_json::json;

use super::follow::Resume;
use super::record::Record;
use super::render::TextWriter;
use super::summary::Summary;

/// Something to say about a stream rather than a line of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Marker {
    Lost { reason: String, retry_in: Duration },
    Resumed(Resume),
    Failed(String),
}

impl Marker {
    fn text(&self) -> String {
        match self {
            Marker::Lost { reason, retry_in } => {
                format!("stream lost: {reason}; reconnecting in {}", humantime::format_duration(*retry_in))
            }
            Marker::Resumed(Resume::AfterCursor(_)) => "stream resumed after the last cursor seen: no gap".to_owned(),
            Marker::Resumed(Resume::ByTime) => {
                "stream resumed by time (source has no cursor): lines logged while lost may be missing".to_owned()
            }
            Marker::Resumed(Resume::FromStart) => "stream reconnected (no line seen before)".to_owned(),
            Marker::Failed(reason) => format!("stream failed: {reason}"),
        }
    }

    fn json(&self, time_us: i64, node: &str) -> serde_json::Value {
        match self {
            Marker::Lost { reason, retry_in } => json!({
                "marker": "lost", "node": node, "time_us": time_us, "reason": reason,
                "retry_in_ms": u64::try_from(retry_in.as_millis()).unwrap_or(u64::MAX),
            }),
            Marker::Resumed(how) => {
                let (how, cursor) = match how {
                    Resume::AfterCursor(c) => ("after_cursor", Some(c.as_str())),
                    Resume::ByTime => ("by_time", None),
                    Resume::FromStart => ("from_start", None),
                };
                json!({"marker": "resumed", "node": node, "time_us": time_us, "how": how, "after_cursor": cursor})
            }
            Marker::Failed(reason) => {
                json!({"marker": "failed", "node": node, "time_us": time_us, "reason": reason})
            }
        }
    }
}

/// The output of one `logs` run.
pub enum Sink<W: Write> {
    Text(TextWriter<W>),
    /// One JSON object per line: records in the `--output json` contract shape,
    /// markers with a `marker` field.
    Json(W),
    /// Counted, printed at the end as a table or JSON.
    Summary {
        summary: Summary,
        out: W,
        json: bool,
    },
}

impl<W: Write> Sink<W> {
    /// # Errors
    /// The writer's errors (a closed pipe ends the run).
    pub fn record(&mut self, record: &Record) -> io::Result<()> {
        match self {
            Sink::Text(text) => text.record(record),
            Sink::Json(out) => {
                serde_json::to_writer(&mut *out, record)?;
                writeln!(out)
            }
            Sink::Summary { summary, .. } => {
                summary.add(record);
                Ok(())
            }
        }
    }

    /// # Errors
    /// The writer's errors.
    pub fn marker(&mut self, time_us: i64, node: &str, marker: &Marker) -> io::Result<()> {
        match self {
            Sink::Text(text) => text.marker(time_us, node, &marker.text()),
            Sink::Json(out) => {
                serde_json::to_writer(&mut *out, &marker.json(time_us, node))?;
                writeln!(out)
            }
            // A summary's window must say it is incomplete: on stderr, beside the table.
            Sink::Summary { .. } => {
                let mut err = anstream::stderr();
                writeln!(err, "{node}: {}", marker.text())
            }
        }
    }

    /// Prints what is pending (the summary) and flushes.
    ///
    /// # Errors
    /// The writer's errors.
    pub fn finish(&mut self) -> io::Result<()> {
        match self {
            Sink::Text(text) => text.flush(),
            Sink::Json(out) => out.flush(),
            Sink::Summary { summary, out, json } => {
                if *json {
                    serde_json::to_writer_pretty(&mut *out, summary)?;
                    writeln!(out)?;
                } else {
                    summary.write_table(out)?;
                }
                out.flush()
            }
        }
    }

    /// Flushes after a burst, so a live view does not sit in a buffer.
    ///
    /// # Errors
    /// The writer's errors.
    pub fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Text(text) => text.flush(),
            Sink::Json(out) => out.flush(),
            Sink::Summary { .. } => Ok(()),
        }
    }
}
