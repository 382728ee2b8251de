//! Serving `get_blocks` within budgets (issue 13: a peer that asked for blocks
//! and never read drove a node from 1.45 GB to 3.29 GB in nine seconds).
//!
//! Each link lets one request through to the chain at a time, and only when
//! - the answer to the previous one has been written to the socket (a peer that
//!   does not read gets no more until it does, and is dropped by the send
//!   timeout),
//! - the peer's byte rate allows it (a token bucket, charged with each answer's
//!   size once written), and
//! - the node-wide serving budget (masternodes' apart from strangers') has
//!   room for one more answer of the largest frame (held from the request
//!   until its answer is written).
//!
//! A request that arrives meanwhile waits; a newer one replaces it (an honest
//! peer has one request out at a time, so only a flooder loses anything).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use crate::constants::ANSWER_RESERVE;
use crate::wire::Message;

/// One link's gate.
#[derive(Debug)]
pub(crate) struct Gate {
    budget: Arc<Semaphore>,
    /// Bytes per second the peer may be served.
    rate: f64,
    /// Bytes it may be served at once after a pause.
    burst: f64,
    tokens: f64,
    refilled: Instant,
    /// The request and its frame's length.
    waiting: Option<(Message, usize)>,
    in_flight: Option<(OwnedSemaphorePermit, Instant)>,
}

impl Gate {
    /// A gate drawing on the node-wide `budget`, serving at most `rate` bytes
    /// per second after a first `burst`.
    pub(crate) fn new(budget: Arc<Semaphore>, rate: u64, burst: u64) -> Self {
        Gate {
            budget,
            rate: rate.max(1) as f64,
            burst: burst as f64,
            tokens: burst as f64,
            refilled: Instant::now(),
            waiting: None,
            in_flight: None,
        }
    }

    /// A request (`bytes` long on the wire) arrived: it waits for its turn
    /// (replacing one still waiting).
    pub(crate) fn request(&mut self, msg: Message, bytes: usize) {
        self.waiting = Some((msg, bytes));
    }

    /// Whether a request waits and none is being answered.
    pub(crate) fn has_turn_pending(&self) -> bool {
        self.waiting.is_some() && self.in_flight.is_none()
    }

    /// Resolves with a reservation once the peer's rate allows its next answer
    /// and the node-wide budget has room for it.
    ///
    /// # Cancel safety
    /// Cancel-safe: nothing is reserved until it completes.
    pub(crate) async fn turn(&self) -> Option<OwnedSemaphorePermit> {
        tokio::time::sleep_until(self.ready_at()).await;
        self.budget
            .clone()
            .acquire_many_owned(ANSWER_RESERVE)
            .await
            .ok()
    }

    fn ready_at(&self) -> Instant {
        let tokens = self.tokens_at(Instant::now());
        if tokens >= 0.0 {
            Instant::now()
        } else {
            Instant::now() + Duration::from_secs_f64(-tokens / self.rate)
        }
    }

    fn tokens_at(&self, now: Instant) -> f64 {
        let refill = now.duration_since(self.refilled).as_secs_f64() * self.rate;
        (self.tokens + refill).min(self.burst)
    }

    /// Starts answering with `permit`: the request to hand to the chain, and
    /// its length.
    pub(crate) fn start(&mut self, permit: OwnedSemaphorePermit) -> Option<(Message, usize)> {
        let request = self.waiting.take()?;
        self.in_flight = Some((permit, Instant::now()));
        Some(request)
    }

    /// The answer (`bytes` long) was written: charge the rate, free the budget.
    pub(crate) fn answered(&mut self, bytes: usize) {
        let now = Instant::now();
        self.tokens = self.tokens_at(now) - bytes as f64;
        self.refilled = now;
        self.in_flight = None;
    }

    /// Frees the reservation of an answer the chain has not sent within
    /// `timeout` (a store error, or the request dropped from a full event
    /// queue); true if it did.
    pub(crate) fn expire(&mut self, timeout: Duration) -> bool {
        if self
            .in_flight
            .as_ref()
            .is_some_and(|(_, since)| since.elapsed() >= timeout)
        {
            self.in_flight = None;
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(from: u64) -> Message {
        Message::GetBlocks { from, limit: 1 }
    }

    #[tokio::test(start_paused = true)]
    async fn one_answer_at_a_time_and_the_latest_request_waits() {
        let budget = Arc::new(Semaphore::new(ANSWER_RESERVE as usize * 4));
        let mut gate = Gate::new(budget.clone(), 1_000_000, 1_000_000);
        gate.request(ask(1), 40);
        let permit = gate.turn().await.expect("budget");
        assert_eq!(gate.start(permit), Some((ask(1), 40)));
        gate.request(ask(2), 40);
        gate.request(ask(3), 40);
        assert!(
            !gate.has_turn_pending(),
            "the first answer is not written yet"
        );
        assert_eq!(budget.available_permits(), ANSWER_RESERVE as usize * 3);
        gate.answered(10);
        assert_eq!(budget.available_permits(), ANSWER_RESERVE as usize * 4);
        assert!(gate.has_turn_pending());
        let permit = gate.turn().await.expect("budget");
        assert_eq!(gate.start(permit), Some((ask(3), 40)), "the newest request");
    }

    #[tokio::test(start_paused = true)]
    async fn the_rate_delays_the_next_answer() {
        let budget = Arc::new(Semaphore::new(ANSWER_RESERVE as usize));
        let mut gate = Gate::new(budget, 1_000, 1_000);
        gate.request(ask(1), 40);
        let permit = gate.turn().await.expect("budget");
        assert!(gate.start(permit).is_some());
        gate.answered(3_000);
        gate.request(ask(2), 40);
        let before = Instant::now();
        let permit = gate.turn().await.expect("budget");
        let waited = before.elapsed();
        assert!(
            waited >= Duration::from_millis(1_990) && waited <= Duration::from_millis(2_100),
            "2000 bytes over budget at 1000 B/s: {waited:?}"
        );
        assert!(gate.start(permit).is_some());
    }

    #[tokio::test(start_paused = true)]
    async fn the_node_wide_budget_is_shared_and_an_unanswered_request_expires() {
        let budget = Arc::new(Semaphore::new(ANSWER_RESERVE as usize));
        let mut first = Gate::new(budget.clone(), 1_000_000, 1_000_000);
        let mut second = Gate::new(budget.clone(), 1_000_000, 1_000_000);
        first.request(ask(1), 40);
        let permit = first.turn().await.expect("budget");
        assert!(first.start(permit).is_some());
        second.request(ask(1), 40);
        let blocked = tokio::time::timeout(Duration::from_secs(5), second.turn()).await;
        assert!(blocked.is_err(), "no room while the first answer is out");
        tokio::time::sleep(Duration::from_secs(10)).await;
        assert!(first.expire(Duration::from_secs(10)));
        assert!(second.turn().await.is_some());
    }
}
