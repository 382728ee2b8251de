//! One module per subcommand, each with its `Args` and `run`.

pub(crate) mod check;
pub(crate) mod completions;
pub(crate) mod demo;
pub(crate) mod deploy;
pub(crate) mod devnet;
pub(crate) mod exporter;
pub(crate) mod fleet;
pub(crate) mod lock;
pub(crate) mod logs;
pub(crate) mod rollback;
pub(crate) mod status;
pub(crate) mod tui;
