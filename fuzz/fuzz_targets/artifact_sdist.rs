#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| shieldwall_fuzz::extract_as("dist/demo-1.0.tar.gz", data));
