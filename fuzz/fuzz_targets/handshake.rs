//! Fuzz target: the handshake state machine, either end (`timecoin_fuzz::handshake`).

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| timecoin_fuzz::handshake(data));
