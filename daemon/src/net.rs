//! Peer connections. Each concern has its own module so it can be tested alone;
//! [`start`] and [`Network`] are the entry point the rest of the daemon (and the
//! simulation) uses.

pub mod auth;
pub mod backoff;
pub mod close;
pub mod codec;
pub mod conn;
pub mod core;
pub mod counters;
pub mod dialer;
pub mod event;
pub mod handle;
pub mod handshake;
pub mod listener;
pub mod manager;
pub mod settings;
pub mod tiebreak;
pub mod transport;

pub use counters::CountersSnapshot;
pub use event::{NetEvent, PeerSnapshot};
pub use handle::{Network, start};
pub use settings::NetSettings;
pub use transport::{Dialer, Listener, TcpAcceptor, TcpDialer};
