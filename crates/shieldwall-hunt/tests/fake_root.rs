//! The library on fake roots: each check finds its indicator and passes its
//! look-alike; homes are found or taken from the options; no secret value
//! reaches the report.

use std::path::Path;

use shieldwall_hunt::render::{render_json, render_markdown, render_table};
use shieldwall_hunt::{Catalog, HitKind, Options, hunt};

fn write(root: &Path, files: &[(&str, &str)]) {
    for (rel, text) in files {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

#[test]
fn each_check_finds_its_indicator_and_not_its_look_alike() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(
        root,
        &[
            ("tmp/transformers.pyz", "inert"),
            ("var/tmp/transformers.pyz.txt", "look-alike"),
            ("etc/systemd/system/kitty-monitor.service", "[Service]\n"),
            ("etc/systemd/system/kitty.service", "[Service]\n"),
            (
                "usr/lib/python3/dist-packages/evil.pth",
                "import base64; exec(base64.b64decode('eA=='))\n",
            ),
            (
                "usr/lib/python3/dist-packages/fine.pth",
                "import _virtualenv\n",
            ),
            ("srv/app/.github/workflows/formatter_9.yml", "on: push\n"),
            ("srv/app/.github/workflows/format.yml", "on: push\n"),
            ("proc/7/cmdline", "bun\0/root/.cache/router_runtime.js\0"),
            ("proc/8/cmdline", "bun\0run\0dev\0"),
        ],
    );
    let report = hunt(&Options::new(root)).unwrap();
    let seen: Vec<(HitKind, &str)> = report
        .indicators
        .iter()
        .map(|h| (h.kind, h.subject.as_str()))
        .collect();
    for expected in [
        (HitKind::File, "/tmp/transformers.pyz"),
        (
            HitKind::Persistence,
            "/etc/systemd/system/kitty-monitor.service",
        ),
        (HitKind::Pth, "/usr/lib/python3/dist-packages/evil.pth"),
        (
            HitKind::Workflow,
            "/srv/app/.github/workflows/formatter_9.yml",
        ),
        (HitKind::Process, "pid 7 (bun)"),
    ] {
        assert!(seen.contains(&expected), "{expected:?} not in {seen:?}");
    }
    assert_eq!(seen.len(), 5, "{seen:?}");
    assert!(report.indicators[0].dead_mans_switch, "switches sort first");
    assert!(report.compromised());
}

#[test]
fn homes_default_and_given() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(
        root,
        &[
            ("root/.npmrc", "//r.example/:_authToken=SECRETSECRET1\n"),
            ("home/bob/.pypirc", "[x]\npassword = SECRETSECRET2\n"),
            (
                "home/carol/.git-credentials",
                "https://c:SECRETSECRET3@git.example\n",
            ),
        ],
    );
    let report = hunt(&Options::new(root)).unwrap();
    assert_eq!(report.homes, ["/root", "/home/bob", "/home/carol"]);
    assert_eq!(report.exposure.len(), 3, "{:?}", report.exposure);
    assert!(report.plan.is_empty(), "no indicator, no plan");
    for text in [
        render_json(&report),
        render_table(&report, true),
        render_markdown(&report),
    ] {
        assert!(!text.contains("SECRETSECRET"), "{text}");
    }
    let mut options = Options::new(root);
    options.homes = vec!["/home/bob".into()];
    let report = hunt(&options).unwrap();
    assert_eq!(report.homes, ["/home/bob"]);
    assert_eq!(report.exposure.len(), 1);
}

#[test]
fn hashed_file_indicators_need_the_hash() {
    use sha2::Digest;
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("r");
    write(&root, &[("a/x.bin", "one"), ("b/x.bin", "two")]);
    let file = tmp.path().join("i.toml");
    let hash = hex::encode(sha2::Sha256::digest(b"one"));
    std::fs::write(
        &file,
        format!(
            "[[indicator]]\ncampaign='t'\nkind='file'\npattern='x.bin'\nsha256='{hash}'\nwhy='w'\n"
        ),
    )
    .unwrap();
    let mut catalog = Catalog::builtin();
    catalog.extend_from_file(&file).unwrap();
    let mut options = Options::new(&root);
    options.catalog = catalog;
    let report = hunt(&options).unwrap();
    let subjects: Vec<&str> = report
        .indicators
        .iter()
        .map(|h| h.subject.as_str())
        .collect();
    assert_eq!(subjects, ["/a/x.bin"]);
}

#[cfg(unix)]
#[test]
fn links_are_not_followed_out_of_the_root() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("outside");
    write(&outside, &[("tmp/transformers.pyz", "inert")]);
    let root = tmp.path().join("root");
    std::fs::create_dir_all(&root).unwrap();
    std::os::unix::fs::symlink(&outside, root.join("mnt")).unwrap();
    let report = hunt(&Options::new(&root)).unwrap();
    assert!(report.indicators.is_empty(), "{:?}", report.indicators);
}

#[test]
fn a_missing_root_is_an_error() {
    let err = hunt(&Options::new("/definitely/not/here")).unwrap_err();
    assert!(err.to_string().contains("is not a directory"));
}
