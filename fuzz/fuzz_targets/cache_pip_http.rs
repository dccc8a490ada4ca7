#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| shieldwall_fuzz::extract_as(".cache/pip/http-v2/a/b/c/d/e/abcdef.body", data));
