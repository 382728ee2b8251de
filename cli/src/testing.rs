//! The seams `timectl`'s integration tests drive below the command line: the
//! transports, the fleet parser, the `logs` and `devnet` engines, and the limits
//! tests bound their timings by. Compiled only with the `testing` feature, which only the
//! crate's own tests enable.

pub use crate::cmd::logs::{Printer, Sink};
pub use crate::constants::{PROBE_TIMEOUT, SSH_CONNECT_TIMEOUT};
pub use crate::fleet::{load_file, parse_named};
pub use crate::logs::filter::Filter;
pub use crate::logs::source::FleetSource;
pub use crate::logs::{NodeLogs, Options as LogsOptions, follow as follow_logs};
pub use crate::probe::api as node_api;
pub use crate::remote::command::Vars;
pub use crate::remote::{
    LineStream, Remote, RemoteError, ShellCommand, StreamEnd, StreamEvent, node_command, node_vars,
};
pub use crate::rpc_client::RpcError;

/// The `devnet` engine, for a devnet started and stopped in the test's process.
pub mod devnet {
    pub use crate::devnet::down::Down;
    pub use crate::devnet::restart::Restarted;
    pub use crate::devnet::up::Up;
    pub use crate::devnet::{NodeStatus, UpOptions, down, restart, status, up};
}

/// The dashboard's state, update and drawing, for the frame-time benchmark.
pub mod tui {
    pub use crate::tui::{App, LogLine, Msg, draw, update};
}
