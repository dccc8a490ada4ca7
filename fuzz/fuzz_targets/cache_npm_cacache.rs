#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| shieldwall_fuzz::extract_as(".npm/_cacache/index-v5/ab/cd/abcdef0123456789", data));
