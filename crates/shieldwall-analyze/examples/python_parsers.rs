//! Compares the two Python parsers' facts on every `.py` file of a set of
//! artifacts, and times both: the check that the fast parser gives what
//! the reference walk gives.
//!
//! ```sh
//! cargo run --release -p shieldwall-analyze --example python_parsers -- \
//!     [--malicious TAR] [--benign DIR] [--show N] [--every N]
//! ```
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use shieldwall_analyze::Stage;
use shieldwall_analyze::lang::Facts;
use shieldwall_analyze::lang::python::{Parser, analyze_with};
use shieldwall_analyze::{Artifact, default_limits};

#[derive(Default)]
struct Tally {
    files: usize,
    bytes: usize,
    taken: usize,
    taken_bytes: usize,
    same: usize,
    shown: usize,
    tree_time: Duration,
    ast_time: Duration,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let show: usize = value("--show").and_then(|n| n.parse().ok()).unwrap_or(20);
    let every: usize = value("--every").and_then(|n| n.parse().ok()).unwrap_or(1);
    let mut tally = Tally::default();
    if let Some(tar_path) = value("--malicious") {
        let file = fs::File::open(&tar_path).unwrap_or_else(|e| panic!("{tar_path}: {e}"));
        let mut archive = tar::Archive::new(file);
        for entry in archive.entries().expect("a tar archive").step_by(every) {
            let mut entry = entry.expect("a readable tar entry");
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let path = entry.path().expect("a path").display().to_string();
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).expect("entry bytes");
            compare_artifact(&path, bytes, show, &mut tally);
        }
    }
    if let Some(dir) = value("--benign") {
        let mut paths = Vec::new();
        collect(Path::new(&dir), &mut paths);
        paths.sort();
        let python = paths
            .iter()
            .filter(|p| !p.display().to_string().contains("/npm/"));
        for path in python.step_by(every) {
            let bytes = fs::read(path).expect("a readable file");
            compare_artifact(&path.display().to_string(), bytes, show, &mut tally);
        }
    }
    println!(
        "{} Python files ({} bytes); the AST parser took {} ({} bytes); same facts on {} of them",
        tally.files, tally.bytes, tally.taken, tally.taken_bytes, tally.same
    );
    println!(
        "time: tree-sitter {:.0} ms, AST parser (with its nesting check, on the files it took) {:.0} ms",
        tally.tree_time.as_secs_f64() * 1e3,
        tally.ast_time.as_secs_f64() * 1e3
    );
}

fn compare_artifact(name: &str, bytes: Vec<u8>, show: usize, tally: &mut Tally) {
    let Ok(artifact) = Artifact::from_bytes(name, bytes, &default_limits()) else {
        return;
    };
    for file in artifact.files.iter().filter(|f| f.path.ends_with(".py")) {
        let text = String::from_utf8_lossy(&file.bytes);
        tally.files += 1;
        tally.bytes += text.len();
        let start = Instant::now();
        let tree = analyze_with(Parser::TreeSitter, &text, Stage::Import, false)
            .expect("tree-sitter takes every file");
        tally.tree_time += start.elapsed();
        let start = Instant::now();
        let ast = analyze_with(Parser::Ast, &text, Stage::Import, false);
        let ast_time = start.elapsed();
        let Some(ast) = ast else { continue };
        tally.ast_time += ast_time;
        tally.taken += 1;
        tally.taken_bytes += text.len();
        match first_difference(&tree, &ast) {
            None => tally.same += 1,
            Some(difference) => {
                if tally.shown < show {
                    tally.shown += 1;
                    println!("{name} {}: {difference}", file.path);
                }
            }
        }
    }
}

/// The first fact that differs, described.
fn first_difference(tree: &Facts, ast: &Facts) -> Option<String> {
    fn first<T: PartialEq + std::fmt::Debug>(what: &str, a: &[T], b: &[T]) -> Option<String> {
        let i = a.iter().zip(b).position(|(x, y)| x != y);
        match i {
            Some(i) => Some(format!("{what}[{i}]: tree {:?} / ast {:?}", a[i], b[i])),
            None if a.len() != b.len() => Some(format!(
                "{what}: tree {} / ast {} (next: tree {:?} / ast {:?})",
                a.len(),
                b.len(),
                a.get(b.len()),
                b.get(a.len())
            )),
            None => None,
        }
    }
    first("calls", &tree.calls, &ast.calls)
        .or_else(|| first("strings", &tree.strings, &ast.strings))
        .or_else(|| first("names", &tree.names, &ast.names))
        .or_else(|| first("imports", &tree.imports, &ast.imports))
        .or_else(|| {
            (tree.had_errors != ast.had_errors).then(|| {
                format!(
                    "had_errors: tree {} / ast {}",
                    tree.had_errors, ast.had_errors
                )
            })
        })
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else {
            out.push(path);
        }
    }
}
