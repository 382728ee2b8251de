//! The fuzz targets' harnesses, one function per target, so that the libFuzzer
//! binaries (`fuzz_targets/`, built by `run.sh` with coverage instrumentation)
//! and the replay test (`tests/replay.rs`, in the ordinary test run) call the
//! same code. The daemon's harnesses live in `timed::fuzzing` (they need its
//! internals, exposed by its `fuzzing` feature only); the shared crate's parsers
//! are public, so their harnesses are here.
//!
//! # Layout
//! - `shared`: the log classifier and the fleet-file parser.
//! - `corpus`: the seed inputs of every target, from which `fuzz/corpus/` is
//!   written (`cargo run -p timecoin-fuzz --example write_corpus`).

mod corpus;
mod shared;

pub use corpus::seeds;
pub use shared::{fleet_file, log_classifier};
pub use timed::fuzzing::{block_validation, channel, frame_decoder, handshake, message};

/// A harness: the fuzzer's bytes in, a panic on a finding.
pub type Harness = fn(&[u8]);

/// Every target by name, as `fuzz/corpus/NAME` and the binaries are named.
pub const TARGETS: &[(&str, Harness)] = &[
    ("channel", channel),
    ("frame_decoder", frame_decoder),
    ("message", message),
    ("handshake", handshake),
    ("block_validation", block_validation),
    ("log_classifier", log_classifier),
    ("fleet_file", fleet_file),
];
