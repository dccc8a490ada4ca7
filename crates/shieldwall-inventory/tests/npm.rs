//! npm extractor tests: every fixture under `tests/fixtures/npm/<case>/` is
//! classified by its path (relative to the fixture root) and extracted; the
//! results of each case are one JSON snapshot. Explicit assertions cover the
//! cases of the scanner checklist that must never regress.

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
use shieldwall_core::{EvidenceKind, PackageRef};
use shieldwall_inventory::{Detected, ExtractError, FileInput, classify, extractors};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/npm")
}

#[derive(Serialize)]
struct Row {
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
            name: p.name.clone(),
            version: p.version.clone(),
            kind: p.location.kind,
            line: p.location.line,
            hash: p.location.hash.clone(),
            note: p.location.note.clone(),
        }
    }
}

#[derive(Serialize)]
struct FileResult {
    path: String,
    detected: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    packages: Vec<Row>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    problems: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// The fixture's path relative to the fixture root, with `/` separators.
fn relative(path: &Path) -> String {
    path.strip_prefix(root())
        .expect("fixture under root")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// Classifies and extracts one fixture (by its relative path).
fn run(rel: &str) -> (FileResult, Vec<PackageRef>) {
    let bytes = fs::read(root().join(rel)).expect("fixture is readable");
    let path = Path::new(rel);
    let display: Arc<str> = rel.into();
    let mut result = FileResult {
        path: rel.to_owned(),
        detected: "unclassified".to_owned(),
        packages: Vec::new(),
        problems: Vec::new(),
        error: None,
    };
    let mut refs = Vec::new();
    match classify(path) {
        None => {}
        Some(Detected::NotCovered(why)) => result.detected = format!("not covered: {why}"),
        Some(Detected::Image) => result.detected = "image".to_owned(),
        Some(Detected::Extract(extractor)) => {
            result.detected = extractor.id().to_owned();
            let input = FileInput {
                path,
                display: &display,
                bytes: &bytes,
            };
            match extractor.extract(&input) {
                Ok(extraction) => {
                    result.packages = extraction.packages.iter().map(Row::from).collect();
                    result.problems = extraction
                        .problems
                        .iter()
                        .map(|p| match p.line {
                            Some(l) => format!("line {l}: {}", p.message),
                            None => p.message.clone(),
                        })
                        .collect();
                    refs = extraction.packages;
                }
                Err(e) => result.error = Some(e.to_string()),
            }
        }
    }
    (result, refs)
}

/// Every package found in one case directory.
fn case(name: &str) -> Vec<PackageRef> {
    support::files(&root().join(name))
        .iter()
        .flat_map(|p| run(&relative(p)).1)
        .collect()
}

fn has(refs: &[PackageRef], name: &str, version: &str) -> bool {
    refs.iter().any(|r| r.name == name && r.version == version)
}

fn find<'a>(refs: &'a [PackageRef], name: &str, version: &str) -> &'a PackageRef {
    refs.iter()
        .find(|r| r.name == name && r.version == version)
        .unwrap_or_else(|| panic!("{name}@{version} not found in {refs:#?}"))
}

const T: &str = "@tanstack/react-router";

#[test]
fn snapshots_of_every_case() {
    let mut cases: Vec<PathBuf> = fs::read_dir(root())
        .expect("fixture root")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() > 30, "fixtures missing");
    for dir in cases {
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .expect("case name")
            .to_owned();
        let results: Vec<FileResult> = support::files(&dir)
            .iter()
            .map(|p| run(&relative(p)).0)
            .collect();
        insta::assert_json_snapshot!(name, results);
    }
}

#[test]
fn package_lock_v1_nested_and_alias() {
    let refs = case("c01-package-lock-v1-nested");
    assert!(has(&refs, T, "1.169.5"), "nested v1 entry");
    assert!(has(&refs, T, "1.169.4"), "top-level clean twin");
    assert_eq!(
        find(&refs, "left-pad", "1.3.0").location.note.as_deref(),
        Some("dev")
    );
    let refs = case("c02-package-lock-v1-alias");
    let alias = find(&refs, T, "1.169.5");
    assert_eq!(alias.location.note.as_deref(), Some("alias router-alias"));
    assert!(has(&refs, "@bundled-es-modules/chai", "4.2.2"));
    assert!(!refs.iter().any(|r| r.name == "router-alias"));
}

#[test]
fn package_lock_v2_v3() {
    let refs = case("c03-package-lock-v2-dual-sections");
    assert_eq!(refs.len(), 2, "v2 read from `packages` only: {refs:#?}");
    let refs = case("c04-package-lock-v3-keys");
    let nested = find(&refs, T, "1.169.5");
    assert_eq!(nested.location.kind, EvidenceKind::Lockfile);
    assert!(nested.location.line.is_some());
    assert!(has(&refs, T, "1.169.4"));
    assert!(
        !refs.iter().any(|r| r.name == "app"),
        "link and workspace skipped"
    );
    let refs = case("c05-package-lock-v3-alias");
    assert_eq!(
        find(&refs, T, "1.169.5").location.note.as_deref(),
        Some("alias router-alias")
    );
    for c in [
        "c10-package-lock-minified",
        "c10-package-lock-crlf-bom",
        "c11-private-registry",
    ] {
        assert!(has(&case(c), T, "1.169.5"), "{c}");
    }
    let refs = case("c08-shrinkwrap-beside-package-lock");
    assert!(has(&refs, T, "1.169.5") && has(&refs, T, "1.169.4"));
    assert!(has(&case("c09-published-shrinkwrap"), T, "1.169.5"));
    let refs = case("c07-package-lock-git-file-tarball");
    assert_eq!(
        find(&refs, T, "1.169.5").location.note.as_deref(),
        Some("git source")
    );
}

#[test]
fn lines_of_package_lock_entries() {
    let refs = case("c10-package-lock-crlf-bom");
    let line = find(&refs, T, "1.169.5").location.line;
    let text = fs::read_to_string(root().join("c10-package-lock-crlf-bom/package-lock.json"))
        .expect("fixture");
    let want = text
        .lines()
        .position(|l| l.contains("\"node_modules/@tanstack/react-router\""))
        .map(|i| u32::try_from(i + 1).expect("small"));
    assert_eq!(line, want);
    let refs = case("c10-package-lock-minified");
    assert_eq!(find(&refs, T, "1.169.5").location.line, Some(1));
}

#[test]
fn yarn_formats() {
    let refs = case("c13-yarn-v1-headers");
    assert_eq!(find(&refs, T, "1.169.5").location.line, Some(12));
    assert!(has(&refs, "@babel/code-frame", "7.24.2"));
    let refs = case("c14-yarn-v1-alias-git");
    assert!(has(&refs, "string-width", "4.2.3"));
    assert!(has(&refs, T, "1.169.5"));
    assert_eq!(
        find(&refs, "foo", "2.1.0").location.note.as_deref(),
        Some("git source")
    );
    assert!(has(&case("c15-16-yarn-berry-entry"), T, "1.169.5"));
    let refs = case("c17-yarn-berry-alias");
    assert_eq!(
        find(&refs, T, "1.169.5").location.note.as_deref(),
        Some("alias router-alias")
    );
    let refs = case("c18-yarn-berry-patch");
    assert!(has(&refs, "resolve", "1.22.8"));
    assert!(has(&refs, "@apollo/client", "3.4.7"));
    assert_eq!(
        find(&refs, T, "1.169.5").location.note.as_deref(),
        Some("patched")
    );
    let refs = case("c19-yarn-berry-workspace");
    assert_eq!(
        refs.len(),
        1,
        "workspace and link entries skipped: {refs:#?}"
    );
    assert!(has(&case("c20-yarn-berry-custom-registry"), T, "1.169.5"));
    assert_eq!(case("c21-yarn-berry-duplicate-keys").len(), 2);
}

#[test]
fn pnpm_versions_and_documents() {
    let refs = case("c22-pnpm-lock-v5.4");
    assert!(has(&refs, T, "1.169.5"));
    assert!(has(&refs, "acorn-jsx", "5.3.2"));
    assert!(has(&refs, "webpack-cli", "4.10.0"));
    assert!(has(&refs, "@babel/core", "7.20.0"));
    let refs = case("c23-pnpm-lock-v6.0");
    assert!(has(&refs, T, "1.169.5"));
    assert!(has(&refs, "foo", "1.0.0"));
    let refs = case("c24-pnpm-lock-v9.0");
    let alias = find(&refs, T, "1.169.5");
    assert_eq!(alias.location.note.as_deref(), Some("alias router-alias"));
    assert!(alias.location.line.is_some());
    assert!(
        !refs
            .iter()
            .any(|r| r.name == "file-pkg" || r.name == "local-pkg")
    );
    assert_eq!(
        find(&refs, "git-pkg", "3.1.0").location.note.as_deref(),
        Some("git source")
    );
    let refs = case("c25-pnpm-lock-multi-document");
    assert!(has(&refs, "pnpm", "12.0.0"), "first document");
    assert!(
        has(&refs, "@pnpm/plugin-example", "1.0.0"),
        "config dependency"
    );
    assert!(has(&refs, T, "1.169.5"), "second document");
    assert_eq!(case("c26-pnpm-lock-same-version-different-peers").len(), 2);
}

#[test]
fn bun_lock_jsonc() {
    let refs = case("c27-bun-lock");
    assert_eq!(
        find(&refs, T, "1.169.5").location.note.as_deref(),
        Some("alias router-alias")
    );
    assert!(has(&refs, T, "1.169.4"));
    assert!(has(&refs, "string-width", "4.2.3"));
    assert!(has(&refs, "private-pkg", "1.0.0"));
    assert!(
        !refs
            .iter()
            .any(|r| r.name == "@my/util" || r.name == "my-monorepo")
    );
    assert!(
        find(&refs, "axios", "1.6.0")
            .location
            .hash
            .as_deref()
            .is_some_and(|h| h.starts_with("sha512-"))
    );
    assert!(matches!(
        classify(Path::new("c28-bun-lockb/bun.lockb")),
        Some(Detected::NotCovered(_))
    ));
}

#[test]
fn installed_trees() {
    let refs = case("c29-node-modules-hoisted");
    let installed: Vec<_> = refs
        .iter()
        .filter(|r| r.location.kind == EvidenceKind::Installed)
        .collect();
    assert_eq!(installed.len(), 3, "{installed:#?}");
    assert!(has(&refs, T, "1.169.5") && has(&refs, T, "1.169.4"));
    assert!(!has(&refs, "not-a-root", "9.9.9"));
    let refs = case("c31-pnpm-virtual-store");
    assert_eq!(refs.len(), 3);
    assert!(has(&refs, T, "1.169.4"), "identity from package.json");
    assert!(
        refs.iter()
            .all(|r| r.location.note.as_deref() == Some("pnpm store"))
    );
    let refs = case("c34-globals");
    assert!(
        refs.iter()
            .any(|r| r.location.note.as_deref() == Some("global"))
    );
    assert!(
        refs.iter()
            .any(|r| r.location.note.as_deref() == Some("npx cache"))
    );
    assert_eq!(
        refs.iter()
            .filter(|r| r.location.kind == EvidenceKind::Cache)
            .count(),
        2,
        "yarn classic and berry caches"
    );
    assert!(has(&case("c33-bun-isolated-store"), T, "1.169.5"));
    let refs = case("c30-hidden-lockfiles");
    assert_eq!(
        refs.len(),
        3,
        "npm, pnpm and berry install state: {refs:#?}"
    );
    assert!(
        refs.iter()
            .all(|r| r.location.kind == EvidenceKind::Installed)
    );
}

#[test]
fn yarn_pnp_state() {
    let refs = case("c32-yarn-pnp");
    let pnp: Vec<_> = refs
        .iter()
        .filter(|r| r.location.kind == EvidenceKind::Lockfile)
        .collect();
    assert_eq!(pnp.len(), 3, "virtual copy reported once: {pnp:#?}");
    assert!(has(&refs, T, "1.169.5"));
    assert!(has(&refs, "resolve", "1.22.8"));
    assert!(
        refs.iter()
            .any(|r| r.name == T && r.location.kind == EvidenceKind::Cache)
    );
    assert!(has(&case("c32-yarn-pnp-data-json"), "left-pad", "1.3.0"));
    assert!(has(&case("c32-yarn2-pnp-js"), T, "1.169.5"));
}

#[test]
fn manifests() {
    let refs = case("manifest-all-forms");
    let pin = find(&refs, T, "1.169.5");
    assert!(
        refs.iter()
            .any(|r| r.name == T && r.location.note.as_deref() == Some("alias router-alias"))
    );
    assert!(
        refs.iter()
            .any(|r| r.name == T && r.location.kind == EvidenceKind::ManifestPin)
    );
    let _ = pin;
    assert_eq!(
        find(&refs, "pinned-eq", "2.0.0").location.kind,
        EvidenceKind::ManifestPin
    );
    assert_eq!(
        find(&refs, "ranged", "^3.1.0").location.kind,
        EvidenceKind::ManifestRange
    );
    assert!(has(&refs, "string-width", "^4.2.0"));
    assert!(
        !refs
            .iter()
            .any(|r| r.name.starts_with("local-") || r.name == "ws")
    );
    let gh = refs.iter().find(|r| r.name == "gh").expect("github dep");
    assert_eq!(gh.location.kind, EvidenceKind::ManifestRange);
    assert_eq!(gh.location.note.as_deref(), Some("git source"));
    assert!(has(&refs, "left-pad", "1.3.0"));
    assert!(has(&refs, "qux", "4.0.0"));
    assert!(has(&refs, "baz", "3.0.0"));
    assert!(has(&refs, "y", "5.0.0"));
    let (result, refs) = run("manifest-bad-sections/package.json");
    assert_eq!(refs.len(), 1);
    assert_eq!(result.problems.len(), 2);
    assert!(has(&case("manifest-inline-single-line"), T, "1.169.5"));
}

#[test]
fn clean_twin_stays_clean() {
    let refs = case("clean-twin");
    assert_eq!(refs.len(), 5, "{refs:#?}");
    assert!(refs.iter().all(|r| r.name == T && r.version == "1.169.4"));
}

#[test]
fn malformed_inputs_are_errors() {
    for rel in [
        "malformed/truncated-json/package-lock.json",
        "malformed/yaml-garbage/pnpm-lock.yaml",
        "malformed/binary/yarn.lock",
        "malformed/binary/package-lock.json",
        "malformed/binary/bun.lock",
        "malformed/not-yarn/yarn.lock",
        "malformed/pnp-truncated/.pnp.cjs",
        "malformed/bun-trailing-garbage/bun.lock",
        "malformed/json-array/node_modules/x/package.json",
        "c10-package-lock-invalid/package-lock.json",
    ] {
        let (result, _) = run(rel);
        let error = result
            .error
            .unwrap_or_else(|| panic!("{rel} gave no error"));
        assert!(error.starts_with(rel), "{error}");
    }
    let (result, _) = run("future-package-lock-v9-unreadable/package-lock.json");
    assert!(result.error.is_some_and(|e| e.contains("not supported")));
}

/// No extractor panics on junk: every extractor gets truncations of every
/// fixture, binary noise and deeply nested input.
#[test]
fn no_panics_on_junk() {
    let mut inputs: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"\xEF\xBB\xBF".to_vec(),
        vec![0xff; 64],
        b"[".repeat(100_000),
        b"{\"a\":".repeat(50_000),
        b"- ".repeat(50_000),
        b"a:\n ".repeat(20_000),
        [b"a = ".as_slice(), &b"[".repeat(100_000)].concat(),
        [b"a = ".as_slice(), &b"{b=".repeat(50_000)].concat(),
        [b"[a]\n".as_slice(), &b"x.".repeat(50_000), b"y = 1"].concat(),
        b"\"".to_vec(),
        b"const RAW_RUNTIME_STATE = '\\".to_vec(),
        b"const RAW_RUNTIME_STATE = '\\u12'".to_vec(),
        b"__metadata:\n\"a@patch:\":\n  version: \n".to_vec(),
        b"\"@\":\n  version \"\"\n".to_vec(),
        b"lockfileVersion: 5\npackages:\n  /:\n  /@:\n  '@/':\n  /@a/b:\n".to_vec(),
    ];
    for path in support::files(&root()) {
        let bytes = fs::read(&path).expect("fixture");
        for cut in [
            1,
            7,
            bytes.len() / 3,
            bytes.len() / 2,
            bytes.len().saturating_sub(2),
        ] {
            inputs.push(bytes[..cut.min(bytes.len())].to_vec());
        }
    }
    let display: Arc<str> = "junk".into();
    for extractor in extractors() {
        for bytes in &inputs {
            for path in [
                "a/.yarn/cache/x-npm-1.0.0-0123456789.zip",
                "a/node_modules/x/package.json",
            ] {
                let input = FileInput {
                    path: Path::new(path),
                    display: &display,
                    bytes,
                };
                match extractor.extract(&input) {
                    Ok(_) => {}
                    Err(ExtractError::Malformed { message, .. })
                    | Err(ExtractError::Unsupported { message, .. }) => {
                        assert!(!message.is_empty());
                    }
                }
            }
        }
    }
}

/// A lockfile over 100 MB is read (ignored by default for time; run with
/// `cargo test -p shieldwall-inventory --release -- --ignored`).
#[test]
#[ignore = "builds a 100+ MB lockfile"]
fn huge_package_lock() {
    huge(110_000_000);
}

/// The same path at a size that runs in every test run.
#[test]
fn large_package_lock() {
    huge(8_000_000);
}

fn huge(target: usize) {
    let mut text = String::with_capacity(target + 1024);
    text.push_str("{\"name\":\"big\",\"lockfileVersion\":3,\"packages\":{\"\":{}");
    let mut n = 0usize;
    while text.len() < target {
        text.push_str(&format!(
            ",\n\"node_modules/pkg-{n}\":{{\"version\":\"1.0.{n}\",\"resolved\":\"https://registry.example.test/pkg-{n}/-/pkg-{n}-1.0.{n}.tgz\",\"integrity\":\"sha512-{}\"}}",
            "A".repeat(86)
        ));
        n += 1;
    }
    text.push_str(",\n\"node_modules/@tanstack/react-router\":{\"version\":\"1.169.5\"}}}");
    let display: Arc<str> = "big/package-lock.json".into();
    let path = Path::new("big/package-lock.json");
    let Some(Detected::Extract(extractor)) = classify(path) else {
        panic!("package-lock.json not classified");
    };
    let out = extractor
        .extract(&FileInput {
            path,
            display: &display,
            bytes: text.as_bytes(),
        })
        .expect("big lockfile reads");
    assert_eq!(out.packages.len(), n + 1);
    let last = find(&out.packages, T, "1.169.5");
    assert_eq!(last.location.line, u32::try_from(n + 2).ok());
}
