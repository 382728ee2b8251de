//! How a `logs` run looks: coloured text, JSON lines, or a summary that prints
//! once the window is read; and the [`Printer`] that writes the engine's events
//! as they are emitted.

use std::io::{self, Write};
use std::sync::Mutex;

use serde_json::json;

use super::summary::Summary;
use super::text::TextWriter;
use crate::emit::Emit;
use crate::logs::record::Record;
use crate::logs::tail::Resume;
use crate::logs::{Event, Marker};

fn marker_text(marker: &Marker) -> String {
    match marker {
        Marker::Lost { reason, retry_in } => {
            format!(
                "stream lost: {reason}; reconnecting in {}",
                humantime::format_duration(*retry_in)
            )
        }
        Marker::Resumed(Resume::AfterCursor(_)) => {
            "stream resumed after the last cursor seen: no gap".to_owned()
        }
        Marker::Resumed(Resume::ByTime) => {
            "stream resumed by time (source has no cursor): lines logged while lost may be missing"
                .to_owned()
        }
        Marker::Resumed(Resume::FromStart) => "stream reconnected (no line seen before)".to_owned(),
        Marker::Failed(reason) => format!("stream failed: {reason}"),
    }
}

fn marker_json(marker: &Marker, time_us: i64, node: &str) -> serde_json::Value {
    match marker {
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
            Sink::Text(text) => text.marker(time_us, node, &marker_text(marker)),
            Sink::Json(out) => {
                serde_json::to_writer(&mut *out, &marker_json(marker, time_us, node))?;
                writeln!(out)
            }
            // A summary's window must say it is incomplete: on stderr, beside the table.
            Sink::Summary { .. } => {
                let mut err = anstream::stderr();
                writeln!(err, "{node}: {}", marker_text(marker))
            }
        }
    }

    /// Writes one of the engine's events.
    ///
    /// # Errors
    /// The writer's errors.
    pub fn event(&mut self, event: &Event) -> io::Result<()> {
        match event {
            Event::Record(record) => self.record(record),
            Event::Marker {
                node,
                time_us,
                marker,
            } => self.marker(*time_us, node, marker),
            Event::Idle => self.flush(),
            Event::Counted(tally) => {
                // Correctness: only a summary asks the engine for counts
                // (`run_from_file`); other outputs never get them.
                if let Sink::Summary { summary, .. } = self {
                    summary.merge(tally);
                }
                Ok(())
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

/// The engine's events written as they are emitted. The first write error
/// stops the writing and closes the printer, so the engine stops too; the
/// caller gets the error back from [`finish`](Printer::finish).
pub struct Printer<W: Write> {
    sink: Mutex<Sink<W>>,
    failed: Mutex<Option<io::Error>>,
}

impl<W: Write> Printer<W> {
    pub fn new(sink: Sink<W>) -> Self {
        Printer {
            sink: Mutex::new(sink),
            failed: Mutex::new(None),
        }
    }

    /// Prints what is pending (the summary) and flushes.
    ///
    /// # Errors
    /// The first write error of the run, or the last writes'.
    pub fn finish(self) -> io::Result<()> {
        if let Some(e) = self.failed.into_inner().unwrap_or_else(|p| p.into_inner()) {
            return Err(e);
        }
        self.sink
            .into_inner()
            .unwrap_or_else(|p| p.into_inner())
            .finish()
    }
}

impl<W: Write + Send> Emit<Event> for Printer<W> {
    fn emit(&self, event: Event) {
        let mut failed = self.failed.lock().unwrap_or_else(|p| p.into_inner());
        if failed.is_some() {
            return;
        }
        let mut sink = self.sink.lock().unwrap_or_else(|p| p.into_inner());
        if let Err(e) = sink.event(&event) {
            *failed = Some(e);
        }
    }

    fn closed(&self) -> bool {
        self.failed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }
}
