//! The README documents every flag `--help` shows.

use crate::common::shieldwall;

#[test]
fn every_flag_is_in_the_readme() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    for command in [
        &["scan"][..],
        &["inspect"],
        &["rule"],
        &["diff"],
        &["db", "import"],
        &["db", "status"],
        &["db", "update"],
        &["db"],
        &["gate", "serve"],
        &["gate", "init"],
        &["gate", "log"],
        &["gate", "override", "add"],
        &["gate", "override", "list"],
        &["gate", "override", "revoke"],
        &["gate", "status"],
        &["gate", "client-config"],
        &["hunt"],
    ] {
        let output = shieldwall(tmp.path())
            .args(command)
            .arg("--help")
            .output()
            .unwrap();
        let help = String::from_utf8_lossy(&output.stdout);
        let flags: Vec<&str> = help
            .split_whitespace()
            .map(|w| w.trim_end_matches([',', '.']))
            .filter(|w| {
                w.starts_with("--")
                    && w.len() > 2
                    && w[2..].chars().all(|c| c.is_ascii_lowercase() || c == '-')
            })
            .collect();
        assert!(!flags.is_empty(), "{command:?}: no flags in help");
        for flag in flags {
            if flag == "--help" || flag == "--version" {
                continue;
            }
            assert!(
                readme.contains(flag),
                "`{}` {flag} is not documented in README.md",
                command.join(" ")
            );
        }
    }
}
