//! Decoding costs what a frame weighs (issue 22): the worst frames we can build,
//! each up to the 4 MiB frame cap, decoded under a counting allocator that
//! refuses to give the decoder more than [`FACTOR`] times the frame's size plus
//! [`SLACK`] at any moment, so a frame that needs more aborts this binary. What
//! the decoded message keeps afterwards is checked against the same bound and
//! printed, per frame, for the closing note.
//!
//! Its own binary with its own `main` (no test harness, one thread): the
//! allocator counts the whole process.

#[path = "it/support/frames.rs"]
mod frames;

use std::alloc::System;

use cap::Cap;
use frames::{FRAME_CAP, worst_frames};
use timed::testing::wire::Message;

#[global_allocator]
static ALLOCATOR: Cap<System> = Cap::new(System, usize::MAX);

/// The constant: no frame makes the decoder hold more than this many times its
/// size at any moment, nor the decoded message keep more.
const FACTOR: usize = 2;
/// What any decode may take beyond that: serde_json's scratch buffer, one
/// transaction's object index, the allocator's rounding.
const SLACK: usize = 256 * 1024;
fn main() {
    let mut failures = Vec::new();
    for (name, frame) in worst_frames() {
        let frame = frame.into_bytes();
        assert!(frame.len() <= FRAME_CAP, "{name}: {} bytes", frame.len());
        let before = ALLOCATOR.allocated();
        let bound = FACTOR * frame.len() + SLACK;
        ALLOCATOR
            .set_limit(before + bound)
            .expect("a limit above what is allocated");
        let decoded = Message::decode(&frame);
        let kept = ALLOCATOR.allocated() - before;
        ALLOCATOR.set_limit(usize::MAX).expect("no limit");
        let outcome = match &decoded {
            Ok(message) => format!("decoded as {}", message.kind()),
            Err(e) => format!("refused: {e}"),
        };
        println!(
            "{name}: {} bytes, kept {kept} bytes ({:.2}x) after decoding, never above {FACTOR}x + {SLACK}; {outcome}",
            frame.len(),
            kept as f64 / frame.len() as f64,
        );
        if kept > bound {
            failures.push(name);
        }
        drop(decoded);
    }
    assert!(
        failures.is_empty(),
        "kept more than the bound: {failures:?}"
    );
    println!("decode_memory: every frame within {FACTOR}x its size + {SLACK} bytes");
}
