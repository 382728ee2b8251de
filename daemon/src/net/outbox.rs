//! One peer's outgoing queue, bounded in bytes, not messages (issue 13: a queue
//! of 1024 block answers was 3 GiB for a peer that did not read).
//!
//! Frames are queued already encoded, as shared [`Bytes`]: a broadcast is
//! encoded once and every peer's queue holds the same buffer, so what many slow
//! peers hold of one block costs its size once. A frame is refused when the queue
//! would pass its limit (an empty queue always takes one frame, so the largest
//! legal frame can always be sent). A block answer the link has asked the chain
//! for ([`Outbox::expect_answer`]) is always taken: its memory is already
//! reserved from the node-wide serving budget (see `serve.rs`).

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};

use bytes::Bytes;
use tokio::sync::Notify;

/// One encoded message (the JSON body of a frame, without its length prefix).
#[derive(Clone, Debug)]
pub struct Frame {
    pub payload: Bytes,
    /// Whether this is the block answer the link asked the chain for.
    pub answer: bool,
}

#[derive(Debug, Default)]
struct State {
    frames: VecDeque<Frame>,
    bytes: usize,
    expect_answer: bool,
    closed: bool,
}

/// The queue between the chain (and every other sender) and one link task.
#[derive(Debug)]
pub struct Outbox {
    state: Mutex<State>,
    ready: Notify,
    limit: usize,
}

impl Outbox {
    /// An empty queue holding at most `limit` bytes.
    pub fn new(limit: usize) -> Self {
        Outbox {
            state: Mutex::new(State::default()),
            ready: Notify::new(),
            limit,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The queue is consistent between statements; a panic elsewhere must not
        // stop the link.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Queues `payload`; false when the queue is full or closed.
    pub fn push(&self, payload: Bytes) -> bool {
        self.push_frame(payload, false)
    }

    /// Queues a block answer: taken whatever the queue holds if the link expects
    /// one (its bytes are budgeted elsewhere), else like any other frame.
    pub fn push_answer(&self, payload: Bytes) -> bool {
        self.push_frame(payload, true)
    }

    fn push_frame(&self, payload: Bytes, answer: bool) -> bool {
        let mut state = self.lock();
        if state.closed {
            return false;
        }
        let expected = answer && state.expect_answer;
        let fits = state.frames.is_empty() || state.bytes + payload.len() <= self.limit;
        if !expected && !fits {
            return false;
        }
        if expected {
            state.expect_answer = false;
        }
        state.bytes += payload.len();
        state.frames.push_back(Frame {
            payload,
            answer: expected,
        });
        drop(state);
        self.ready.notify_one();
        true
    }

    /// Marks that the chain is building a block answer for this peer.
    pub fn expect_answer(&self, expect: bool) {
        self.lock().expect_answer = expect;
    }

    /// The next frame, once there is one.
    ///
    /// # Cancel safety
    /// Cancel-safe: a frame is taken only when the future completes.
    pub async fn pop(&self) -> Frame {
        loop {
            let notified = self.ready.notified();
            if let Some(frame) = self.try_pop() {
                return frame;
            }
            notified.await;
        }
    }

    fn try_pop(&self) -> Option<Frame> {
        let mut state = self.lock();
        let frame = state.frames.pop_front()?;
        state.bytes -= frame.payload.len();
        Some(frame)
    }

    /// Bytes queued now.
    #[cfg(test)]
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }

    /// Refuses every later frame and frees the queued ones: the link is gone.
    pub fn close(&self) {
        let mut state = self.lock();
        state.closed = true;
        state.frames = VecDeque::new();
        state.bytes = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(n: usize) -> Bytes {
        Bytes::from(vec![b'x'; n])
    }

    #[tokio::test]
    async fn bounded_in_bytes_but_one_frame_always_fits() {
        let outbox = Outbox::new(100);
        assert!(outbox.push(bytes(500)), "an empty queue takes any frame");
        assert!(!outbox.push(bytes(1)), "over the limit");
        assert_eq!(outbox.pop().await.payload.len(), 500);
        assert!(outbox.push(bytes(60)));
        assert!(outbox.push(bytes(40)));
        assert!(!outbox.push(bytes(1)));
        assert_eq!(outbox.bytes(), 100);
    }

    #[tokio::test]
    async fn an_expected_answer_is_taken_once_whatever_the_queue_holds() {
        let outbox = Outbox::new(10);
        assert!(outbox.push(bytes(10)));
        assert!(!outbox.push_answer(bytes(50)), "not asked for");
        outbox.expect_answer(true);
        assert!(outbox.push_answer(bytes(50)));
        assert!(
            !outbox.push_answer(bytes(50)),
            "only one answer per request"
        );
        assert!(!outbox.pop().await.answer);
        assert!(outbox.pop().await.answer);
    }

    #[tokio::test]
    async fn closing_frees_and_refuses() {
        let outbox = Outbox::new(10);
        assert!(outbox.push(bytes(10)));
        outbox.close();
        assert_eq!(outbox.bytes(), 0);
        assert!(!outbox.push(bytes(1)));
    }
}
