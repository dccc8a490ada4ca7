//! Helpers shared by the CLI tests.

use std::path::Path;

use assert_cmd::Command;

/// `shieldwall` with a clean environment: no colour, no inherited
/// configuration, and an advisory store inside `store`.
pub fn shieldwall(store: &Path) -> Command {
    let mut cmd = Command::cargo_bin("shieldwall").unwrap();
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        if key.starts_with("SHIELDWALL_")
            || key.starts_with("NPM_")
            || key.starts_with("PIP_")
            || key == "CI"
        {
            cmd.env_remove(key.as_ref());
        }
    }
    cmd.env("NO_COLOR", "1")
        .env("SHIELDWALL_CACHE_DIR", store)
        .env("XDG_CONFIG_HOME", store.join("config"));
    cmd
}

/// Writes `files` (relative path, contents) under `root`.
pub fn write_tree(root: &Path, files: &[(&str, &str)]) {
    for (rel, contents) in files {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }
}

/// Parses stdout as JSON.
pub fn json(output: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}
