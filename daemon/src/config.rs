//! Daemon configuration: a TOML file (`--config`) whose every field is also a flag.
//! Flags override the file, the file overrides the defaults in `constants.rs`.
//!
//! A bad value is one error naming the field (`main` exits with code 2 on it), so an
//! operator never has to guess which line of a config broke a start.

mod args;
mod error;
mod file;
mod load;
mod peer;
mod token;

pub use args::{Args, Command};
pub use error::ConfigError;
pub use load::Config;
pub use peer::PeerAddr;
