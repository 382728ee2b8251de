//! `timectl status` and `check` on devnets of real `timed` processes that run
//! consensus: the final height stands beside the tip and rises, and a
//! masternode whose key signs two conflicting votes fails `no_equivocations`,
//! naming the node that caught them.
//!
//! # Layout
//! - `final_height`: status (text and JSON) and check show a rising final height.
//! - `equivocation`: a stolen masternode key's conflicting votes fail the check.
//! - `key_holder`: the client that holds the key and signs them.
//! - `metrics_tap`: a relay telling the test when a probe read a node's counters.

mod equivocation;
mod final_height;
mod key_holder;
mod metrics_tap;
