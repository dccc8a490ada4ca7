//! Detection quality and speed on the evaluation corpora.
//!
//! ```sh
//! cargo run --release -p shieldwall-analyze --example evaluate -- \
//!     --malicious ../shared/corpus/pypi-malicious-dev.tar \
//!     --benign /path/to/benign [--out results.tsv]
//! ```
//!
//! The malicious tar (`NAME/VERSION/FILE`) is read as a stream and each
//! inner archive is analysed from memory: nothing is extracted, installed
//! or run. The benign directory is what `../shared/corpus/fetch-benign`
//! downloads (`pypi/…`, `npm/…`). Prints recall at `block` per archive and
//! per distinct name, the share of benign artifacts at `block` and `warn`
//! per ecosystem, and the median and p95 time per artifact.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use shieldwall_analyze::{Artifact, ArtifactReport, Options, Verdict, default_limits, inspect};

struct Row {
    set: &'static str,
    group: String,
    name: String,
    path: String,
    report: Option<ArtifactReport>,
    error: Option<String>,
    micros: u128,
}

fn analyse(name: &str, bytes: Vec<u8>) -> (Option<ArtifactReport>, Option<String>, u128) {
    let start = Instant::now();
    let result = Artifact::from_bytes(name, bytes, &default_limits())
        .map(|a| inspect(&a, &Options::default()));
    let micros = start.elapsed().as_micros();
    match result {
        Ok(report) => (Some(report), None, micros),
        Err(e) => (None, Some(e.to_string()), micros),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let malicious = value("--malicious");
    let benign = value("--benign");
    let out = value("--out");
    if malicious.is_none() && benign.is_none() {
        eprintln!("usage: evaluate [--malicious TAR] [--benign DIR] [--out results.tsv]");
        std::process::exit(2);
    }
    let mut rows = Vec::new();
    if let Some(tar_path) = malicious {
        let file = fs::File::open(&tar_path).unwrap_or_else(|e| panic!("{tar_path}: {e}"));
        let mut archive = tar::Archive::new(file);
        for entry in archive.entries().expect("a tar archive") {
            let mut entry = entry.expect("a readable tar entry");
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let path = entry.path().expect("a path").display().to_string();
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).expect("entry bytes");
            let name = path.split('/').next().unwrap_or_default().to_owned();
            let (report, error, micros) = analyse(&path, bytes);
            rows.push(Row {
                set: "malicious",
                group: "PyPI".into(),
                name,
                path,
                report,
                error,
                micros,
            });
        }
    }
    if let Some(dir) = benign {
        let mut paths = Vec::new();
        collect(Path::new(&dir), &mut paths);
        paths.sort();
        for path in paths {
            let bytes = fs::read(&path).expect("a readable file");
            let display = path.display().to_string();
            let group = if display.contains("/npm/") {
                "npm"
            } else {
                "PyPI"
            };
            let (report, error, micros) = analyse(&display, bytes);
            let name = report
                .as_ref()
                .and_then(|r| r.name.clone())
                .unwrap_or_default();
            rows.push(Row {
                set: "benign",
                group: group.into(),
                name,
                path: display,
                report,
                error,
                micros,
            });
        }
    }
    summarize(&rows);
    if let Some(out) = out {
        let mut f = fs::File::create(&out).expect("writable output");
        for row in &rows {
            let (verdict, score, rules) = match &row.report {
                Some(r) => {
                    let mut seen = Vec::new();
                    for f in &r.findings {
                        let tag = format!("{}:{}:{}", f.rule, f.severity, f.stage);
                        if !seen.contains(&tag) {
                            seen.push(tag);
                        }
                    }
                    (r.verdict.as_str(), r.score, seen.join(","))
                }
                None => ("error", 0, row.error.clone().unwrap_or_default()),
            };
            writeln!(
                f,
                "{}\t{}\t{}\t{}\t{}\t{}",
                row.set, row.path, verdict, score, row.micros, rules
            )
            .expect("write");
        }
    }
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn percent(n: usize, d: usize) -> String {
    if d == 0 {
        "-".into()
    } else {
        format!("{:.1}% ({n}/{d})", 100.0 * n as f64 / d as f64)
    }
}

fn summarize(rows: &[Row]) {
    let verdict = |r: &Row| r.report.as_ref().map(|x| x.verdict);
    let malicious: Vec<&Row> = rows.iter().filter(|r| r.set == "malicious").collect();
    if !malicious.is_empty() {
        let blocked = malicious
            .iter()
            .filter(|r| verdict(r) == Some(Verdict::Block))
            .count();
        let warned = malicious
            .iter()
            .filter(|r| verdict(r) >= Some(Verdict::Warn))
            .count();
        let names: HashSet<&str> = malicious.iter().map(|r| r.name.as_str()).collect();
        let blocked_names: HashSet<&str> = malicious
            .iter()
            .filter(|r| verdict(r) == Some(Verdict::Block))
            .map(|r| r.name.as_str())
            .collect();
        let errors = malicious.iter().filter(|r| r.report.is_none()).count();
        println!("malicious PyPI archives: {}", malicious.len());
        println!(
            "  recall at block, per archive: {}",
            percent(blocked, malicious.len())
        );
        println!(
            "  recall at block, per distinct name: {}",
            percent(blocked_names.len(), names.len())
        );
        println!(
            "  at warn or above, per archive: {}",
            percent(warned, malicious.len())
        );
        println!("  unreadable: {errors}");
    }
    let mut groups: BTreeMap<&str, Vec<&Row>> = BTreeMap::new();
    for row in rows.iter().filter(|r| r.set == "benign") {
        groups.entry(row.group.as_str()).or_default().push(row);
    }
    for (group, rows) in &groups {
        let blocked = rows
            .iter()
            .filter(|r| verdict(r) == Some(Verdict::Block))
            .count();
        let warned = rows
            .iter()
            .filter(|r| verdict(r) == Some(Verdict::Warn))
            .count();
        println!("benign {group} artifacts: {}", rows.len());
        println!("  at block: {}", percent(blocked, rows.len()));
        println!("  at warn: {}", percent(warned, rows.len()));
    }
    for set in ["malicious", "benign"] {
        let mut times: Vec<u128> = rows
            .iter()
            .filter(|r| r.set == set)
            .map(|r| r.micros)
            .collect();
        if times.is_empty() {
            continue;
        }
        times.sort_unstable();
        let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize] as f64 / 1000.0;
        println!(
            "{set}: median {:.2} ms, p95 {:.2} ms, max {:.2} ms per artifact",
            at(0.5),
            at(0.95),
            at(1.0)
        );
    }
}
