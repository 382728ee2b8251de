//! Line streams from long-running commands (a journal tail): lines as they come,
//! then one final event saying why the stream ended, and a way to cancel it.

use std::future::Future;

use bytes::Bytes;
use futures_util::StreamExt;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::mpsc;
use tokio_util::codec::{AnyDelimiterCodec, AnyDelimiterCodecError, FramedRead};
use tokio_util::sync::{CancellationToken, DropGuard};

use crate::constants::{STREAM_BUFFER_LINES, STREAM_MAX_LINE_BYTES, STREAM_STDERR_TAIL_BYTES};

/// What a [`LineStream`] yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamEvent {
    /// One line of stdout, without its newline (invalid UTF-8 replaced).
    Line(String),
    /// The last event: why the stream ended.
    End(StreamEnd),
}

/// Why a stream ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamEnd {
    /// The command exited by itself; `code` is `None` when a signal ended it.
    Exited { code: Option<i32>, stderr: String },
    /// The connection to the node was lost (the SSH master died, the host went
    /// away) or the command could not be waited for; the command may still run.
    Lost { reason: String },
    /// Ended because [`LineStream::cancel`] was called or the stream dropped.
    Cancelled,
}

/// Stdout lines of a running command, in order, then one [`StreamEvent::End`].
///
/// Dropping it cancels the command.
#[derive(Debug)]
pub struct LineStream {
    rx: mpsc::Receiver<StreamEvent>,
    cancel: CancellationToken,
    _guard: DropGuard,
}

impl LineStream {
    /// The next line, or the end; `None` once the end has been returned.
    ///
    /// # Cancel safety
    /// Cancel safe: a line not yet returned stays queued.
    pub async fn next(&mut self) -> Option<StreamEvent> {
        self.rx.recv().await
    }

    /// Stops the command; the stream then ends with [`StreamEnd::Cancelled`]
    /// (after any lines already queued).
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// A token that cancels this stream from elsewhere (a Ctrl-C handler).
    pub fn cancel_token(&self) -> CancellationToken {
        self.cancel.clone()
    }
}

/// A command's running parts as a transport hands them over.
pub(crate) struct Running<O, E, W> {
    pub(crate) stdout: O,
    pub(crate) stderr: E,
    /// Resolves once the command ended, with how it ended; its stdout is at EOF.
    pub(crate) wait: W,
}

/// Starts the task that turns a running command into a [`LineStream`].
///
/// `stop` is awaited on cancellation and must make the command end (kill it or
/// close its channel); the task then reports [`StreamEnd::Cancelled`].
pub(crate) fn spawn_stream<O, E, W, S>(running: Running<O, E, W>, stop: S) -> LineStream
where
    O: AsyncRead + Unpin + Send + 'static,
    E: AsyncRead + Unpin + Send + 'static,
    W: Future<Output = StreamEnd> + Send + 'static,
    S: Future<Output = ()> + Send + 'static,
{
    let (tx, rx) = mpsc::channel(STREAM_BUFFER_LINES);
    let cancel = CancellationToken::new();
    let token = cancel.clone();
    tokio::spawn(async move {
        let stderr = tokio::spawn(read_tail(running.stderr));
        let mut lines = FramedRead::new(
            running.stdout,
            AnyDelimiterCodec::new_with_max_length(
                b"\n".to_vec(),
                Vec::new(),
                STREAM_MAX_LINE_BYTES,
            ),
        );
        let end = loop {
            tokio::select! {
                () = token.cancelled() => break None,
                next = lines.next() => match next {
                    Some(Ok(line)) => {
                        if tx.send(StreamEvent::Line(to_text(&line))).await.is_err() {
                            break None;
                        }
                    }
                    // The codec drops the rest of an over-long line and goes on.
                    Some(Err(AnyDelimiterCodecError::MaxChunkLengthExceeded)) => {}
                    Some(Err(AnyDelimiterCodecError::Io(e))) => {
                        break Some(StreamEnd::Lost { reason: format!("reading output: {e}") });
                    }
                    None => break Some(StreamEnd::Exited { code: None, stderr: String::new() }),
                },
            }
        };
        drop(lines);
        let end = match end {
            None => {
                stop.await;
                StreamEnd::Cancelled
            }
            Some(StreamEnd::Exited { .. }) => {
                let end = tokio::select! {
                    () = token.cancelled() => { stop.await; StreamEnd::Cancelled }
                    end = running.wait => end,
                };
                match end {
                    StreamEnd::Exited { code, .. } => StreamEnd::Exited {
                        code,
                        stderr: stderr.await.unwrap_or_default(),
                    },
                    other => other,
                }
            }
            Some(lost) => lost,
        };
        let _ = tx.send(StreamEvent::End(end)).await;
    });
    LineStream {
        rx,
        _guard: cancel.clone().drop_guard(),
        cancel,
    }
}

fn to_text(line: &Bytes) -> String {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    String::from_utf8_lossy(line).into_owned()
}

/// Reads a stream to its end, keeping only its last bytes.
async fn read_tail<R: AsyncRead + Unpin>(mut reader: R) -> String {
    let mut tail = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = reader.read(&mut buf).await {
        if n == 0 {
            break;
        }
        tail.extend_from_slice(&buf[..n]);
        if tail.len() > STREAM_STDERR_TAIL_BYTES {
            tail.drain(..tail.len() - STREAM_STDERR_TAIL_BYTES);
        }
    }
    String::from_utf8_lossy(&tail).trim().to_string()
}
