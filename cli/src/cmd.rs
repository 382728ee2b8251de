//! One module per subcommand, each with its `Args` and `run`.

pub mod completions;
pub mod devnet;
pub mod lock;
pub mod logs;
pub mod status;
