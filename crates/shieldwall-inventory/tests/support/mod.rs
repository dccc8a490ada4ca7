//! Shared harness of the cache and SBOM tests: classify a fixture by its
//! path relative to the fixture root, extract it as the walker would
//! (including [`mark_cached`]), and render the result for snapshots.

#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
use shieldwall_core::{EvidenceKind, PackageRef};
use shieldwall_inventory::{Detected, FileInput, classify, mark_cached};

/// Every file below `dir`, hidden ones included, sorted.
pub fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).expect("fixture dir is readable") {
            let path = entry.expect("fixture entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// One package, as snapshotted.
#[derive(Serialize)]
pub struct Row {
    ecosystem: String,
    name: String,
    version: String,
    kind: EvidenceKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

impl From<&PackageRef> for Row {
    fn from(p: &PackageRef) -> Self {
        Self {
            ecosystem: p.ecosystem.as_str().to_owned(),
            name: p.name.clone(),
            version: p.version.clone(),
            kind: p.location.kind,
            line: p.location.line,
            hash: p.location.hash.clone(),
            note: p.location.note.clone(),
        }
    }
}

/// What one file gave.
#[derive(Serialize)]
pub struct FileResult {
    pub path: String,
    pub detected: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub packages: Vec<Row>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip)]
    pub refs: Vec<PackageRef>,
}

/// `rel` with `/` separators below `root`.
pub fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .expect("fixture under root")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// Classifies `rel` and extracts `bytes` as the walker would.
pub fn run(root: &Path, rel: &str, bytes: &[u8]) -> FileResult {
    let real = root.join(rel);
    let display: Arc<str> = rel.into();
    let mut result = FileResult {
        path: rel.to_owned(),
        detected: "unclassified".to_owned(),
        packages: Vec::new(),
        problems: Vec::new(),
        error: None,
        refs: Vec::new(),
    };
    match classify(Path::new(rel)) {
        None => {}
        Some(Detected::NotCovered(why)) => result.detected = format!("not covered: {why}"),
        Some(Detected::Image) => result.detected = "container image".to_owned(),
        Some(Detected::Extract(extractor)) => {
            result.detected = extractor.id().to_owned();
            let input = FileInput {
                path: &real,
                display: &display,
                bytes,
            };
            match extractor.extract(&input) {
                Ok(mut extraction) => {
                    mark_cached(&real, rel, &mut extraction);
                    result.packages = extraction.packages.iter().map(Row::from).collect();
                    result.problems = extraction
                        .problems
                        .iter()
                        .map(|p| match p.line {
                            Some(l) => format!("line {l}: {}", p.message),
                            None => p.message.clone(),
                        })
                        .collect();
                    result.refs = extraction.packages;
                }
                Err(e) => result.error = Some(e.to_string()),
            }
        }
    }
    result
}

/// Runs every fixture file of one case directory.
pub fn case(root: &Path, name: &str) -> Vec<FileResult> {
    files(&root.join(name))
        .iter()
        .map(|p| {
            let bytes = fs::read(p).expect("fixture is readable");
            run(root, &relative(root, p), &bytes)
        })
        .collect()
}

/// Every package of some results.
pub fn refs(results: &[FileResult]) -> Vec<&PackageRef> {
    results.iter().flat_map(|r| r.refs.iter()).collect()
}

/// The package `name@version`, or a panic listing what was found.
pub fn find<'a>(refs: &[&'a PackageRef], name: &str, version: &str) -> &'a PackageRef {
    refs.iter()
        .copied()
        .find(|r| r.name == name && r.version == version)
        .unwrap_or_else(|| panic!("{name}@{version} not found in {refs:#?}"))
}

/// The case directories below `root`, sorted.
pub fn cases(root: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(root)
        .expect("fixture root")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .filter_map(|p| p.file_name().and_then(|n| n.to_str()).map(str::to_owned))
        .collect();
    names.sort();
    names
}
