//! The round state machine of Algorithm 1: pure, one height at a time.
//!
//! `state` holds the variables, the events and the actions; `transition`
//! holds [`apply`], the rules.

mod state;
mod transition;

pub use state::{Action, Event, State, Step};
pub use transition::apply;
