#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| shieldwall_fuzz::extract_as(".bun/install/cache/left-pad@1.3.0@@@1/package.json", data));
