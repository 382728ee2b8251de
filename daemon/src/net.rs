//! Peer connections. Each concern has its own module so it can be tested alone.

pub mod tiebreak;
