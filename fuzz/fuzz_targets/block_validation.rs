//! Fuzz target: block validation (`timecoin_fuzz::block_validation`).

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| timecoin_fuzz::block_validation(data));
