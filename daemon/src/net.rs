//! Peer connections. Each concern has its own module so it can be tested alone;
//! [`start`] and [`Network`] are the entry point the rest of the daemon (and the
//! simulation) uses.

pub(crate) mod auth;
pub(crate) mod backoff;
pub(crate) mod channel;
pub(crate) mod close;
pub(crate) mod codec;
pub(crate) mod conn;
pub(crate) mod core;
pub(crate) mod counters;
pub(crate) mod dialer;
pub(crate) mod event;
pub(crate) mod handle;
pub(crate) mod handshake;
pub(crate) mod inbound;
pub(crate) mod inbox;
pub(crate) mod link;
pub(crate) mod listener;
pub(crate) mod manager;
pub(crate) mod outbox;
pub(crate) mod pending;
pub(crate) mod serve;
pub(crate) mod settings;
pub(crate) mod slots;
pub(crate) mod tiebreak;
pub(crate) mod transport;

pub use event::NetEvent;
pub use handle::{Network, start};
pub(crate) use inbox::Inbox;
pub use settings::NetSettings;
pub use transport::{TcpAcceptor, TcpDialer};
