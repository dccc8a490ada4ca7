#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| shieldwall_fuzz::extract_as("site-packages/x-1.0.dist-info/METADATA", data));
