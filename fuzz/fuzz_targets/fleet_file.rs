//! Fuzz target: the shared fleet-file parser (`timecoin_fuzz::fleet_file`).

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| timecoin_fuzz::fleet_file(data));
