#![no_main]

use shieldwall_analyze::embedded::{decode, plain};

// Code hidden in string literals, from arbitrary text: never a panic, and
// what comes out is bounded and holds the code marker that made it code.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for payload in [decode(&text), plain(&text)].into_iter().flatten() {
        assert!(payload.text.len() <= 4 << 20);
        assert!(!payload.text.is_empty());
    }
});
