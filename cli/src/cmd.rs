//! One module per subcommand, each with its `Args` and `run`.

pub mod check;
pub mod completions;
pub mod devnet;
pub mod logs;
pub mod status;
