//! One module per subcommand, each with its `Args` and `run`.

pub mod completions;
pub mod demo;
pub mod devnet;
pub mod logs;
pub mod status;
pub mod tui;
