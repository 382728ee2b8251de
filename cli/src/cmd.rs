//! One module per subcommand, each with its `Args` and `run`.

pub mod completions;
pub mod deploy;
pub mod devnet;
pub mod lock;
pub mod logs;
pub mod rollback;
pub mod status;
