//! `timectl` as a library, so tests and the xtask reach its command definition.

pub mod cmd;
pub mod logs;
