#![no_main]
// seeds: uv.lock *.py.lock
//! Differential: whenever the fast reader of `uv.lock` accepts an input,
//! its extraction equals the TOML parser's.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Some(answers) = shieldwall_inventory::differential::uv_lock(data) {
        assert_eq!(answers.fast, answers.full, "the fast reader differs");
    }
});
