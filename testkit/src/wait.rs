//! Waiting on a condition with a deadline, instead of sleeping: the wait ends as
//! soon as the condition holds, and a deadline passed fails the test naming
//! what was awaited.

use std::future::Future;
use std::time::{Duration, Instant};

/// How often conditions are polled.
pub const POLL: Duration = Duration::from_millis(50);

/// Polls `check` until it returns `Some`, and returns that.
///
/// # Panics
/// When `deadline` passes first, naming `what`.
pub async fn wait_until<T, F, Fut>(what: &str, deadline: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let end = Instant::now() + deadline;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            Instant::now() < end,
            "timed out after {deadline:?} waiting for {what}"
        );
        tokio::time::sleep(POLL).await;
    }
}

/// Blocking twin of [`wait_until`] for code outside a runtime.
///
/// # Panics
/// When `deadline` passes first, naming `what`.
pub fn wait_until_blocking<T>(
    what: &str,
    deadline: Duration,
    mut check: impl FnMut() -> Option<T>,
) -> T {
    let end = Instant::now() + deadline;
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(
            Instant::now() < end,
            "timed out after {deadline:?} waiting for {what}"
        );
        std::thread::sleep(POLL);
    }
}
