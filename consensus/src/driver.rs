//! The driver between the engine and the pure parts: it holds one height's
//! state machine, vote keeper and proposals, feeds the state machine the
//! events of Algorithm 1 as they become true, and gives the engine outputs.

mod io;
mod proposals;
mod run;

pub use io::{Input, Output, Params, Relay};
pub use run::Driver;
