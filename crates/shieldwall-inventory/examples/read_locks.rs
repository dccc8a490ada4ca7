//! Times the lockfile extractors alone, on files already in memory: the
//! extraction cost per format without walking, reading or matching. The
//! time is the thread's CPU time (from `/proc/thread-self/schedstat`), so
//! other work on a shared machine does not count.
//!
//! ```sh
//! python3 bench/make_tree.py /tmp/bench-tree
//! cargo run --release -p shieldwall-inventory --example read_locks -- /tmp/bench-tree [ROUNDS]
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use shieldwall_inventory::{Detected, FileInput, classify};

const NAMES: [&str; 4] = [
    "package-lock.json",
    "pnpm-lock.yaml",
    "yarn.lock",
    "uv.lock",
];

fn main() {
    let mut args = std::env::args().skip(1);
    let root = PathBuf::from(args.next().expect("usage: read_locks DIR [ROUNDS]"));
    let rounds: usize = args.next().map_or(5, |r| r.parse().expect("ROUNDS"));
    let mut files: BTreeMap<&str, Vec<(PathBuf, Vec<u8>)>> = BTreeMap::new();
    collect(&root, &mut files);
    for (name, list) in &files {
        let mut times = Vec::new();
        let mut entries = 0;
        for _ in 0..rounds {
            let start = cpu_time();
            entries = 0;
            for (path, bytes) in list {
                let Some(Detected::Extract(extractor)) = classify(path) else {
                    continue;
                };
                let display: Arc<str> = Arc::from(path.to_string_lossy().as_ref());
                let input = FileInput {
                    path,
                    display: &display,
                    bytes,
                };
                entries += extractor.extract(&input).map_or(0, |x| x.packages.len());
            }
            times.push(cpu_time() - start);
        }
        times.sort();
        let median: Duration = times[times.len() / 2];
        println!(
            "{name:>18}: {} files, {entries} entries, median {:.1} ms, {:.0}k entries/s",
            list.len(),
            median.as_secs_f64() * 1e3,
            entries as f64 / median.as_secs_f64() / 1e3
        );
    }
}

fn collect(dir: &Path, files: &mut BTreeMap<&'static str, Vec<(PathBuf, Vec<u8>)>>) {
    let Ok(read) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in read.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() {
            if name != "node_modules" && name != ".venv" {
                collect(&path, files);
            }
        } else if let Some(known) = NAMES.iter().find(|n| **n == name) {
            let bytes = std::fs::read(&path).expect("readable");
            files.entry(known).or_default().push((path, bytes));
        }
    }
}

/// The CPU time this thread has used so far.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").expect("schedstat");
    let ns = stat
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .expect("ns");
    Duration::from_nanos(ns)
}
