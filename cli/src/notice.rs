//! Notices: what the operator must be told that is neither a command's result
//! nor an error, such as a node's RPC certificate trusted on first use. The
//! code that meets one (an engine, the TLS verifier) never prints it: it sends
//! a [`Notice`] to its [`Notices`], and the run's [`Board`] shows it as the
//! command chose: a `warning:` line on stderr for a command that prints, in the
//! title of the dashboard, which owns the screen, and as a field of a JSON
//! report.

use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use serde::Serialize;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use crate::emit::Emit;

/// Something to tell the operator; in JSON output, an object tagged by `notice`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "notice", rename_all = "snake_case")]
pub(crate) enum Notice {
    /// A node's RPC certificate was trusted on first use, and its fingerprint
    /// recorded in the trust file: trust on first use must never be silent.
    TrustedOnFirstUse {
        node: String,
        /// SHA-256, colon-separated hex as `openssl` shows it.
        fingerprint: String,
        file: PathBuf,
    },
}

impl Notice {
    /// The notice in a few words, for a status line with no room for a
    /// fingerprint.
    pub(crate) fn short(&self) -> String {
        match self {
            Notice::TrustedOnFirstUse { node, file, .. } => format!(
                "{node}: RPC certificate trusted on first use, recorded in {}",
                file.display()
            ),
        }
    }
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Notice::TrustedOnFirstUse {
                fingerprint, file, ..
            } => write!(
                f,
                "trusting the RPC certificate with SHA-256 {fingerprint} on first use; recorded in {}",
                file.display()
            ),
        }
    }
}

/// Where notices are sent: any [`Emit`] of [`Notice`]. Cheap to clone;
/// sending never waits.
#[derive(Clone)]
pub(crate) struct Notices(Arc<dyn Emit<Notice> + Send>);

impl Notices {
    /// Notices sent to `to`.
    pub(crate) fn new(to: Arc<dyn Emit<Notice> + Send>) -> Notices {
        Notices(to)
    }
}

impl Emit<Notice> for Notices {
    fn emit(&self, notice: Notice) {
        self.0.emit(notice);
    }
}

impl fmt::Debug for Notices {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Notices")
    }
}

impl Default for Notices {
    /// Notices nobody reads: for a pool made without a renderer (tests, benches).
    fn default() -> Notices {
        Notices(Arc::new(|_: Notice| {}))
    }
}

/// How a run shows its notices, chosen by the command once it knows what owns
/// the output: until then they are held.
#[derive(Debug, Default)]
pub(crate) struct Board {
    state: Mutex<BoardState>,
}

#[derive(Debug, Default)]
struct BoardState {
    route: Route,
    /// Notices a JSON renderer has not yet put in its output.
    unreported: Vec<Notice>,
}

#[derive(Debug)]
enum Route {
    /// No renderer chose yet: the notices so far, kept for it.
    Holding(Vec<Notice>),
    /// A `warning:` line on stderr each, for a command that prints.
    Print,
    /// To the dashboard, which owns the screen.
    Forward(UnboundedSender<Notice>),
}

impl Default for Route {
    fn default() -> Route {
        Route::Holding(Vec::new())
    }
}

impl Board {
    fn state(&self) -> std::sync::MutexGuard<'_, BoardState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Prints each notice as a `warning:` line on stderr, those held first.
    pub(crate) fn print(&self) {
        let mut state = self.state();
        if let Route::Holding(held) = std::mem::replace(&mut state.route, Route::Print) {
            for notice in held {
                eprintln!("warning: {notice}");
            }
        }
    }

    /// Sends every notice, those held first, to the receiver returned; `None`
    /// when another renderer already chose.
    pub(crate) fn forward(&self) -> Option<UnboundedReceiver<Notice>> {
        let mut state = self.state();
        let held = match &mut state.route {
            Route::Holding(held) => std::mem::take(held),
            Route::Print | Route::Forward(_) => return None,
        };
        let (tx, rx) = unbounded_channel();
        for notice in held {
            let _ = tx.send(notice);
        }
        state.route = Route::Forward(tx);
        Some(rx)
    }

    /// The notices no JSON output has carried yet, for the next one to carry.
    pub(crate) fn unreported(&self) -> Vec<Notice> {
        std::mem::take(&mut self.state().unreported)
    }
}

impl Emit<Notice> for Board {
    fn emit(&self, notice: Notice) {
        let mut state = self.state();
        state.unreported.push(notice.clone());
        match &mut state.route {
            Route::Holding(held) => held.push(notice),
            Route::Print => eprintln!("warning: {notice}"),
            Route::Forward(tx) => {
                let _ = tx.send(notice);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trusted(node: &str) -> Notice {
        Notice::TrustedOnFirstUse {
            node: node.into(),
            fingerprint: "ab:cd".into(),
            file: PathBuf::from("/trust"),
        }
    }

    #[test]
    fn notices_wait_for_the_renderer_and_each_json_output_carries_the_new_ones() {
        let board = Board::default();
        board.emit(trusted("n1"));
        let mut dashboard = board.forward().expect("first renderer to choose");
        assert!(board.forward().is_none(), "one renderer");
        board.emit(trusted("n2"));
        assert_eq!(dashboard.try_recv(), Ok(trusted("n1")), "held until taken");
        assert_eq!(dashboard.try_recv(), Ok(trusted("n2")));
        assert_eq!(board.unreported(), [trusted("n1"), trusted("n2")]);
        assert_eq!(board.unreported(), []);
        let json = serde_json::to_value(trusted("n1")).expect("json");
        assert_eq!(json["notice"], "trusted_on_first_use");
        assert_eq!(json["file"], "/trust");
    }
}
