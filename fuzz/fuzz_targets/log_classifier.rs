//! Fuzz target: the shared log classifier (`timecoin_fuzz::log_classifier`).

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| timecoin_fuzz::log_classifier(data));
