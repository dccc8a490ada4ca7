#![no_main]

use shieldwall_core::{Ecosystem, Purl, Requirement, Version};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for ecosystem in Ecosystem::ALL {
        let _ = ecosystem.normalize_name(text);
        if let Ok(version) = Version::parse(ecosystem, text) {
            // A parsed version renders to text that parses to an equal version.
            let again = Version::parse(ecosystem, &version.to_string()).expect("rendered version parses");
            assert_eq!(version, again);
        }
        let _ = Requirement::parse(ecosystem, text);
        let _ = Requirement::exact(ecosystem, text);
    }
    if let Ok(purl) = text.parse::<Purl>() {
        let _ = purl.to_string();
    }
});
