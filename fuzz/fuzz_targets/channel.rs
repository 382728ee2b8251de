//! Fuzz target: the encrypted channel against a relay that changes its records (`timecoin_fuzz::channel`).

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| timecoin_fuzz::channel(data));
