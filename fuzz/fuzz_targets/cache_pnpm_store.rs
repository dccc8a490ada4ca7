#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| shieldwall_fuzz::extract_as(".local/share/pnpm/store/v3/files/ab/cdef-index.json", data));
