//! Stopping cleanly on Ctrl-C or SIGTERM: the first signal fires one
//! [`CancellationToken`] that every command and task watches, so they stop,
//! cancel their remote commands and let the pool close the SSH masters; a
//! second signal exits at once for an operator who will not wait.

use std::sync::Arc;
use std::sync::OnceLock;

use tokio::signal::unix::{SignalKind, signal};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::constants::SHUTDOWN_DRAIN;
use crate::error::Code;

/// The process's shutdown: a token fired by the first signal and a tracker of the
/// tasks that must end before the process does. Cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct Shutdown {
    token: CancellationToken,
    tracker: TaskTracker,
    signal: Arc<OnceLock<Code>>,
}

impl Shutdown {
    /// A shutdown no signal is wired to yet (see [`Shutdown::listen`]).
    pub fn new() -> Shutdown {
        Shutdown::default()
    }

    /// Fired by the first Ctrl-C or SIGTERM (or [`Shutdown::trigger`]): stop.
    pub fn token(&self) -> &CancellationToken {
        &self.token
    }

    /// Waits until shutdown is asked for.
    ///
    /// # Cancel safety
    /// Cancel safe.
    pub async fn requested(&self) {
        self.token.cancelled().await;
    }

    /// Whether shutdown was asked for.
    pub fn is_requested(&self) -> bool {
        self.token.is_cancelled()
    }

    /// Tasks spawned here are waited for (bounded) before the process exits.
    pub fn tracker(&self) -> &TaskTracker {
        &self.tracker
    }

    /// Asks every task to stop as if a signal came, ending with `code`.
    pub fn trigger(&self, code: Code) {
        let _ = self.signal.set(code);
        self.token.cancel();
    }

    /// The exit code of the signal that stopped us, if one did.
    pub fn signal_code(&self) -> Option<Code> {
        self.signal.get().copied()
    }

    /// Starts listening for SIGINT and SIGTERM: the first fires the token, the
    /// second exits the process at once with the signal's code.
    ///
    /// # Errors
    /// The signal handlers could not be installed.
    pub fn listen(&self) -> std::io::Result<()> {
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        let shutdown = self.clone();
        tokio::spawn(async move {
            let mut seen = 0;
            loop {
                let code = tokio::select! {
                    Some(()) = interrupt.recv() => Code::INTERRUPTED,
                    Some(()) = terminate.recv() => Code::TERMINATED,
                    else => return,
                };
                seen += 1;
                if seen > 1 {
                    eprintln!("interrupted again: exiting now");
                    std::process::exit(i32::from(code.get()));
                }
                shutdown.trigger(code);
            }
        });
        Ok(())
    }

    /// Closes the tracker and waits for its tasks, at most [`SHUTDOWN_DRAIN`].
    pub(crate) async fn drain(&self) {
        self.tracker.close();
        let _ = tokio::time::timeout(SHUTDOWN_DRAIN, self.tracker.wait()).await;
    }
}
