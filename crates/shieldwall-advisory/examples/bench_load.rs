//! Load benchmark: generates synthetic OSV advisories, imports them into a
//! temporary store, then opens the store in fresh child processes and
//! reports the median `AdvisoryDb::open` time, peak RSS (VmHWM) and lookup
//! rates.
//!
//! ```text
//! cargo run --release -p shieldwall-advisory --example bench_load -- [COUNT] [RUNS]
//! ```
//!
//! COUNT defaults to 500000 advisories, RUNS to 7.

use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use shieldwall_advisory::{AdvisoryDb, import};
use shieldwall_core::Ecosystem;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--child") {
        let store = args.get(2).ok_or("missing store dir")?;
        let count: usize = args.get(3).ok_or("missing count")?.parse()?;
        return child(Path::new(store), count);
    }
    let count: usize = args.get(1).map_or(Ok(500_000), |s| s.parse())?;
    let runs: usize = args.get(2).map_or(Ok(7), |s| s.parse())?;

    let tmp = tempfile::tempdir()?;
    let feed = tmp.path().join("synthetic.jsonl");
    let t = Instant::now();
    generate(&feed, count)?;
    let size = std::fs::metadata(&feed)?.len();
    println!(
        "generated {count} advisories ({:.0} MiB JSON Lines) in {:.2?}",
        size as f64 / 1048576.0,
        t.elapsed()
    );
    let store = tmp.path().join("store");
    let t = Instant::now();
    let report = import(&feed, &store)?;
    let stored = std::fs::metadata(&report.store_file)?.len();
    println!(
        "imported {} advisories in {:.2?} (store file {:.0} MiB)",
        report.advisories,
        t.elapsed(),
        stored as f64 / 1048576.0
    );

    let exe = std::env::current_exe()?;
    let mut results = Vec::new();
    for run in 1..=runs {
        let out = Command::new(&exe)
            .args(["--child", &store.display().to_string(), &count.to_string()])
            .output()?;
        if !out.status.success() {
            return Err(
                format!("child run failed: {}", String::from_utf8_lossy(&out.stderr)).into(),
            );
        }
        let line = String::from_utf8(out.stdout)?;
        let v: Vec<f64> = line
            .split_whitespace()
            .map(str::parse)
            .collect::<Result<_, _>>()?;
        println!(
            "run {run}: open {:.1} ms, peak RSS {:.1} MiB, miss {:.1} M/s, hit {:.2} M/s",
            v[0], v[1], v[2], v[3]
        );
        results.push(v);
    }
    let median = |i: usize| {
        let mut col: Vec<f64> = results.iter().map(|r| r[i]).collect();
        col.sort_by(f64::total_cmp);
        col[col.len() / 2]
    };
    println!(
        "median of {runs}: open {:.1} ms, peak RSS {:.1} MiB, lookups: miss {:.1} M/s, hit {:.2} M/s",
        median(0),
        median(1),
        median(2),
        median(3)
    );
    Ok(())
}

/// One measured run, in a fresh process so that VmHWM is this run's peak.
fn child(store: &Path, count: usize) -> Result<(), Box<dyn std::error::Error>> {
    let t = Instant::now();
    let db = AdvisoryDb::open(store)?;
    let open_ms = t.elapsed().as_secs_f64() * 1000.0;
    let rss_mib = peak_rss_kib()? as f64 / 1024.0;
    if db.len() < count {
        return Err(format!("only {} advisories loaded", db.len()).into());
    }

    // misses: names that are not in the database
    let names: Vec<String> = (0..1000).map(|i| format!("clean-package-{i}")).collect();
    let n = 2_000_000;
    let t = Instant::now();
    let mut found = 0usize;
    for i in 0..n {
        found += db
            .affecting(Ecosystem::Npm, &names[i % names.len()], "1.0.0")
            .len();
    }
    let miss_rate = n as f64 / t.elapsed().as_secs_f64() / 1e6;
    if found != 0 {
        return Err("clean names matched".into());
    }

    // hits: known names, affected versions (records read once, then cached)
    let hit_names: Vec<(Ecosystem, String)> = (0..1000)
        .map(|k| {
            let i = (k * (count / 1000).max(1) + k) % count;
            (ecosystem_of(i), name_of(i))
        })
        .collect();
    let n = 1_000_000;
    let t = Instant::now();
    for i in 0..n {
        let (eco, name) = &hit_names[i % hit_names.len()];
        found += db.affecting(*eco, name, "1.0.1").len();
    }
    let hit_rate = n as f64 / t.elapsed().as_secs_f64() / 1e6;
    if found < n {
        return Err(format!("expected every hit lookup to match, got {found}").into());
    }
    println!("{open_ms} {rss_mib} {miss_rate} {hit_rate}");
    Ok(())
}

fn peak_rss_kib() -> Result<u64, Box<dyn std::error::Error>> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .ok_or("no VmHWM")?;
    Ok(line.split_whitespace().nth(1).ok_or("bad VmHWM")?.parse()?)
}

fn ecosystem_of(i: usize) -> Ecosystem {
    if i % 10 < 7 {
        Ecosystem::Npm
    } else {
        Ecosystem::PyPI
    }
}

fn name_of(i: usize) -> String {
    match (ecosystem_of(i), i % 4) {
        (Ecosystem::Npm, 0) => format!("@scope-{}/synthetic-pkg-{i}", i % 997),
        (Ecosystem::PyPI, _) => format!("synthetic-py-{i}"),
        _ => format!("synthetic-pkg-{i}"),
    }
}

/// Writes `count` OpenSSF-shaped malicious-package records: 70% npm, 30%
/// PyPI; most list versions, one in five covers every version.
fn generate(path: &Path, count: usize) -> std::io::Result<()> {
    let mut out = BufWriter::new(std::fs::File::create(path)?);
    for i in 0..count {
        let eco = ecosystem_of(i);
        let name = name_of(i);
        let affected = if i % 5 == 0 {
            format!(
                r#"{{"package":{{"ecosystem":"{eco}","name":"{name}"}},"ranges":[{{"type":"{}","events":[{{"introduced":"0"}}]}}],"database_specific":{{"cwes":[{{"cweId":"CWE-506","name":"Embedded Malicious Code"}}]}}}}"#,
                if eco == Ecosystem::Npm {
                    "SEMVER"
                } else {
                    "ECOSYSTEM"
                }
            )
        } else {
            format!(
                r#"{{"package":{{"ecosystem":"{eco}","name":"{name}"}},"versions":["1.0.0","1.0.1","1.0.2"],"database_specific":{{"cwes":[{{"cweId":"CWE-506","name":"Embedded Malicious Code"}}]}}}}"#
            )
        };
        writeln!(
            out,
            r#"{{"schema_version":"1.5.0","id":"MAL-2026-{i:06}","modified":"2026-05-{:02}T12:00:00Z","published":"2026-05-01T00:00:00Z","summary":"Malicious code in {name} ({eco})","details":"\n---\n_-= Per source details. Do not edit below this line.=-_\n\n## Source: ossf-package-analysis\nThe package {name} was found to contain malicious code.\n","affected":[{affected}],"database_specific":{{"malicious-packages-origins":[{{"source":"ossf-package-analysis","sha256":"{:064x}","import_time":"2026-05-02T00:00:00Z","modified_time":"2026-05-01T00:00:00Z","versions":["1.0.0"]}}]}}}}"#,
            1 + i % 28,
            i as u128 * 2654435761
        )?;
    }
    out.flush()
}
