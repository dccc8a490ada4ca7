//! The walker: what it visits, what it reports, what it never follows.

use std::path::Path;
use std::sync::Mutex;

use shieldwall_inventory::{WalkEvent, WalkOptions, walk};

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Every event as `kind path [detail]`, sorted.
fn events(roots: &[&Path], options: &WalkOptions) -> Vec<String> {
    let seen = Mutex::new(Vec::new());
    let roots: Vec<_> = roots.iter().map(|r| r.to_path_buf()).collect();
    walk(&roots, options, &|event| {
        let line = match event {
            WalkEvent::Extracted {
                extractor,
                path,
                extraction,
            } => {
                format!("read {path} {extractor} {}", extraction.packages.len())
            }
            WalkEvent::Failed { extractor, error } => format!("failed {extractor} {error}"),
            WalkEvent::NotCovered { path, .. } => format!("not-covered {path}"),
            WalkEvent::Unreadable { path, reason } => format!("unreadable {path} {reason}"),
            WalkEvent::TooLarge { path, size } => format!("too-large {path} {size}"),
        };
        seen.lock().unwrap().push(line);
    })
    .unwrap();
    let mut seen = seen.into_inner().unwrap();
    seen.sort();
    seen
}

const LOCK: &str =
    r#"{"lockfileVersion": 3, "packages": {"node_modules/a": {"version": "1.0.0"}}}"#;

#[test]
fn walks_hidden_ignored_and_installed_trees() {
    let tmp = tempfile::tempdir().unwrap();
    let r = tmp.path();
    write(r, ".gitignore", "node_modules/\n.venv/\n*.lock\n");
    write(r, "package-lock.json", LOCK);
    write(r, ".hidden/app/package-lock.json", LOCK);
    write(
        r,
        "node_modules/a/package.json",
        r#"{"name": "a", "version": "1.0.0"}"#,
    );
    write(
        r,
        ".venv/lib/python3.12/site-packages/b-2.0.dist-info/METADATA",
        "Name: b\nVersion: 2.0\n\n",
    );
    write(r, "bun.lockb", "\0");
    write(r, "README.md", "not a package file");
    let root = r.display().to_string();
    let got = events(&[r], &WalkOptions::default());
    let want = vec![
        format!("not-covered {root}/bun.lockb"),
        format!("read {root}/.hidden/app/package-lock.json npm/package-lock 1"),
        format!(
            "read {root}/.venv/lib/python3.12/site-packages/b-2.0.dist-info/METADATA python/installed 1"
        ),
        format!("read {root}/node_modules/a/package.json npm/installed-package-json 1"),
        format!("read {root}/package-lock.json npm/package-lock 1"),
    ];
    let mut want = want;
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn excludes_and_size_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let r = tmp.path();
    write(r, "keep/package-lock.json", LOCK);
    write(r, "testdata/package-lock.json", LOCK);
    let options = WalkOptions {
        exclude: vec!["**/testdata".into()],
        ..WalkOptions::default()
    };
    let got = events(&[r], &options);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0].ends_with("keep/package-lock.json npm/package-lock 1"));

    let tiny = WalkOptions {
        max_file_size: 10,
        ..WalkOptions::default()
    };
    let got = events(&[&r.join("keep")], &tiny);
    assert_eq!(
        got,
        vec![format!(
            "too-large {}/package-lock.json {}",
            r.join("keep").display(),
            LOCK.len()
        )]
    );
}

#[test]
fn an_invalid_exclude_pattern_is_an_error() {
    let err = walk(
        &[],
        &WalkOptions {
            exclude: vec!["a[".into()],
            ..WalkOptions::default()
        },
        &|_| {},
    )
    .unwrap_err();
    assert!(
        err.to_string().starts_with("invalid exclude pattern `a[`"),
        "{err}"
    );
}

#[test]
fn a_directory_that_cannot_be_opened_is_reported_and_the_walk_goes_on() {
    // A path longer than PATH_MAX cannot be opened by anyone, root included,
    // so this holds whoever runs the tests. The tree is built with relative
    // `mkdir`/`cd` steps, which have no length limit.
    let tmp = tempfile::tempdir().unwrap();
    let r = tmp.path();
    write(r, "ok/package-lock.json", LOCK);
    let segment = "d".repeat(250);
    let script = format!(
        "cd '{}' && for i in $(seq 20); do mkdir {segment} && cd {segment}; done && printf '%s' '{LOCK}' > package-lock.json",
        r.display()
    );
    let status = std::process::Command::new("bash")
        .arg("-c")
        .arg(&script)
        .status()
        .unwrap();
    assert!(status.success());
    let got = events(&[r], &WalkOptions::default());
    assert!(
        got.iter()
            .any(|e| e.ends_with("ok/package-lock.json npm/package-lock 1")),
        "{got:?}"
    );
    let unreadable: Vec<_> = got
        .iter()
        .filter(|e| e.starts_with("unreadable "))
        .collect();
    assert_eq!(unreadable.len(), 1, "{got:?}");
    assert!(unreadable[0].contains("name too long"), "{unreadable:?}");
}
