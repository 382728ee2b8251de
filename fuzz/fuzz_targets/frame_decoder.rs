//! Fuzz target: the daemon's frame decoder (`timecoin_fuzz::frame_decoder`).

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| timecoin_fuzz::frame_decoder(data));
