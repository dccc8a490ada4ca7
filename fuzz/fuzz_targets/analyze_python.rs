#![no_main]

use shieldwall_analyze::Stage;
use shieldwall_analyze::lang::python::analyze;

// Python facts from arbitrary text, as a module and as a whole script:
// never a panic, every fact on a line inside the input.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let lines = text.lines().count().max(1) as u32 + 1;
    for whole in [false, true] {
        let facts = analyze(&text, Stage::Import, whole);
        assert!(facts.calls.iter().all(|c| c.line >= 1 && c.line <= lines));
        assert!(facts.strings.iter().all(|s| s.line >= 1 && s.line <= lines));
    }
});
