//! Deeply nested input must not overflow the stack.

use std::path::Path;
use std::sync::Arc;

use shieldwall_inventory::{Detected, FileInput, classify};

fn run(name: &str, bytes: &[u8]) {
    let path = Path::new("/nonexistent-deep-dir").join(name);
    let Some(Detected::Extract(e)) = classify(&path) else {
        panic!("{name} not classified");
    };
    let display: Arc<str> = name.into();
    let input = FileInput {
        path: &path,
        display: &display,
        bytes,
    };
    let _ = e.extract(&input);
}

#[test]
fn deep_nesting_does_not_overflow() {
    let depth = 100_000;
    let toml = format!("a = {}{}", "[".repeat(depth), "]".repeat(depth));
    run("uv.lock", toml.as_bytes());
    let inline = format!("a = {}1{}", "{b = ".repeat(depth), "}".repeat(depth));
    run("pyproject.toml", inline.as_bytes());
    let json = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    run("Pipfile.lock", json.as_bytes());
    let yaml = format!("dependencies: {}{}", "[".repeat(depth), "]".repeat(depth));
    run("environment.yml", yaml.as_bytes());
}
