//! Notices: what the operator must be told that is neither a command's result
//! nor an error, such as a node's RPC certificate trusted on first use. The
//! code that meets one (an engine, the TLS verifier) never prints it: it sends
//! a [`Notice`], and whatever renders the command shows it, as a `warning:`
//! line on stderr for a command that prints, in the title of the dashboard,
//! which owns the screen.

use std::fmt;
use std::path::PathBuf;

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

/// Something to tell the operator.
#[derive(Clone, Debug, PartialEq, Eq)]
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

/// Where notices are sent. Cheap to clone; sending never waits, and a notice
/// nobody reads any more is dropped.
#[derive(Clone, Debug)]
pub(crate) struct Notices(UnboundedSender<Notice>);

impl Notices {
    /// A sender and the receiver a renderer reads.
    pub(crate) fn channel() -> (Notices, UnboundedReceiver<Notice>) {
        let (tx, rx) = unbounded_channel();
        (Notices(tx), rx)
    }

    /// Sends one notice.
    pub(crate) fn send(&self, notice: Notice) {
        let _ = self.0.send(notice);
    }
}

impl Default for Notices {
    /// Notices nobody reads: for a pool made without a renderer (tests, benches).
    fn default() -> Notices {
        Notices::channel().0
    }
}
