#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| shieldwall_fuzz::extract_as("demo-1.0.0.tgz", data));
