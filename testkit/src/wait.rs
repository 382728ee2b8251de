//! Waiting on a condition with a deadline, instead of sleeping: the wait ends as
//! soon as the condition holds, and a deadline passed fails the test naming
//! what was awaited.
//!
//! A condition answers either yes or no (`bool`) or with the value awaited
//! (`Option<T>`): see [`Outcome`]. [`wait_until`] fails the test when time runs
//! out; [`within`] hands the failure back, for a test that reports the state it
//! found (heights, log lines) rather than only what it waited for.

use std::future::Future;
use std::time::{Duration, Instant};

/// How often conditions are polled.
pub const POLL: Duration = Duration::from_millis(50);

/// What a condition answers: `true` or `Some(value)` ends the wait.
pub trait Outcome {
    /// What the wait hands back once the condition holds.
    type Value;
    /// The value, if the condition holds.
    fn ready(self) -> Option<Self::Value>;
}

impl Outcome for bool {
    type Value = ();
    fn ready(self) -> Option<()> {
        self.then_some(())
    }
}

impl<T> Outcome for Option<T> {
    type Value = T;
    fn ready(self) -> Option<T> {
        self
    }
}

/// Polls `check` until it holds and returns its value, or `None` once
/// `deadline` has passed.
pub async fn within<O, F, Fut>(deadline: Duration, mut check: F) -> Option<O::Value>
where
    O: Outcome,
    F: FnMut() -> Fut,
    Fut: Future<Output = O>,
{
    let end = Instant::now() + deadline;
    loop {
        if let Some(value) = check().await.ready() {
            return Some(value);
        }
        if Instant::now() >= end {
            return None;
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Polls `check` until it holds, and returns its value.
///
/// # Panics
/// When `deadline` passes first, naming `what`.
pub async fn wait_until<O, F, Fut>(what: &str, deadline: Duration, check: F) -> O::Value
where
    O: Outcome,
    F: FnMut() -> Fut,
    Fut: Future<Output = O>,
{
    within(deadline, check)
        .await
        .unwrap_or_else(|| panic!("timed out after {deadline:?} waiting for {what}"))
}

/// Blocking twin of [`wait_until`] for code outside a runtime.
///
/// # Panics
/// When `deadline` passes first, naming `what`.
pub fn wait_until_blocking<O: Outcome>(
    what: &str,
    deadline: Duration,
    mut check: impl FnMut() -> O,
) -> O::Value {
    let end = Instant::now() + deadline;
    loop {
        if let Some(value) = check().ready() {
            return value;
        }
        assert!(
            Instant::now() < end,
            "timed out after {deadline:?} waiting for {what}"
        );
        std::thread::sleep(POLL);
    }
}
