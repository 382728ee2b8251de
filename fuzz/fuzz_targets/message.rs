//! Fuzz target: message parsing with the chain's payloads (`timecoin_fuzz::message`).

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| timecoin_fuzz::message(data));
