#![no_main]
// seeds: pnpm-lock.yaml lock.yaml
//! Differential: whenever the line reader of `pnpm-lock.yaml` accepts an
//! input, its YAML tree and extraction equal the event-based reader's.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Some(answers) = shieldwall_inventory::differential::pnpm_lock(data) {
        assert_eq!(answers.fast, answers.full, "the line reader differs");
    }
});
