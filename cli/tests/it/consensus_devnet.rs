//! `timectl status` and `check` on devnets of real `timed` processes that run
//! consensus: the final height stands beside the tip and rises, and a
//! masternode whose key signs two conflicting votes fails `no_equivocations`,
//! naming the node that caught them.
//!
//! # Layout
//! - `final_height`: status (text and JSON) and check show a rising final height.

mod final_height;
