//! How an engine reports: every engine (deploy, check, logs) hands its typed
//! events to an [`Emit`] and never prints. What stands behind it is the
//! caller's choice: a channel to a renderer task (deploy's progress, the
//! dashboard), or a renderer called in place (`logs` writing each line as it is
//! merged, `check`'s progress lines). One shape, so any renderer fits any engine
//! and an engine's tests read its events from a channel.

use tokio::sync::mpsc::UnboundedSender;

/// Where an engine's events of type `E` go.
pub trait Emit<E>: Sync {
    /// Delivers one event. A renderer that fails keeps the error for its
    /// caller and answers [`closed`](Emit::closed) from then on.
    fn emit(&self, event: E);

    /// Whether nobody takes events any more (the renderer's output closed): an
    /// engine that runs only to report, like `logs`, stops then.
    fn closed(&self) -> bool {
        false
    }
}

/// A channel to a renderer task; events sent after it hung up are dropped.
impl<E: Send> Emit<E> for UnboundedSender<E> {
    fn emit(&self, event: E) {
        let _ = self.send(event);
    }

    fn closed(&self) -> bool {
        self.is_closed()
    }
}

/// A renderer called in place, such as `check`'s progress lines.
impl<E, F: Fn(E) + Sync> Emit<E> for F {
    fn emit(&self, event: E) {
        self(event);
    }
}
